"""Tables as data: pipe tables found inside text and CSV files, with captions, notes and row offsets."""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from qa.records import Document

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{1,}:?\s*)+\|?\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_NOTE = re.compile(r"^\s*(sources?|notes?|\*)\s*[:.]", re.IGNORECASE)


@dataclass
class TableRow:
    """One body row: its label, its cells under `Table.columns`, and where its line sits in the document."""

    label: str
    cells: list[str]
    start: int
    end: int
    section: str | None = None  # the section row ("Assets") this row sits under
    is_section: bool = False  # a label with no values: it opens a section


@dataclass
class Table:
    """A table of a document, kept as written, with what a reader needs to trust a number from it."""

    id: str
    source: str
    title: str
    heading: str
    caption: str | None
    source_note: str | None
    row_header: str
    columns: list[str]
    header_rows: list[list[str]]
    rows: list[TableRow]
    start: int  # the table's lines in the document: text[start:end]
    end: int
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        rows = [TableRow(**r) for r in data["rows"]]
        return cls(**{**data, "rows": rows})


@dataclass(frozen=True)
class _Line:
    text: str
    start: int
    end: int


def split_lines(text: str) -> list[_Line]:
    """Lines with their offsets, newline excluded."""
    lines, pos = [], 0
    for raw in text.split("\n"):
        lines.append(_Line(raw, pos, pos + len(raw)))
        pos += len(raw) + 1
    return lines


def split_cells(line: str) -> list[str]:
    """Cells of a pipe-table line; leading and trailing pipes are optional, `\\|` is a literal pipe."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]


def find_tables(doc: Document) -> list[Table]:
    """Every table of a document: the CSV itself, or each pipe table inside text."""
    if doc.fmt == "csv":
        return [_csv_table(doc)]
    lines = split_lines(doc.text)
    tables: list[Table] = []
    i = 1
    while i < len(lines):
        if _SEPARATOR.match(lines[i].text) and "|" in lines[i - 1].text:
            end = i + 1
            while end < len(lines) and "|" in lines[end].text and lines[end].text.strip():
                end += 1
            tables.append(_pipe_table(doc, lines, i - 1, i, end, len(tables)))
            i = end
        i += 1
    return tables


def _pipe_table(doc: Document, lines: list[_Line], head: int, sep: int, end: int, n: int) -> Table:
    header = split_cells(lines[head].text)
    width = len(header)
    body = [(split_cells(ln.text), ln) for ln in lines[sep + 1 : end]]
    rows = _rows([(_fit(cells, width), ln.start, ln.end) for cells, ln in body])
    heading = _heading_before(lines, head)
    return Table(
        id=f"{doc.source}#t{n + 1}",
        source=doc.source,
        title=doc.title,
        heading=heading,
        caption=_caption_before(lines, head) or heading or None,
        source_note=_note_after(lines, end),
        row_header=header[0],
        columns=header[1:],
        header_rows=[header],
        rows=rows,
        start=lines[head].start,
        end=lines[end - 1].end,
    )


def _fit(cells: list[str], width: int) -> list[str]:
    """Pad or trim a ragged row to the header's width, so one bad line does not drop the table."""
    if len(cells) > width and not any(cells[width:]):
        cells = cells[:width]
    return (cells + [""] * width)[:width]


def _rows(raw: list[tuple[list[str], int, int]]) -> list[TableRow]:
    rows: list[TableRow] = []
    section: str | None = None
    for cells, start, end in raw:
        label, values = cells[0], cells[1:]
        if label and not any(v.strip() for v in values):
            section = label.rstrip(":")
            rows.append(TableRow(label, values, start, end, None, True))
        else:
            rows.append(TableRow(label, values, start, end, section))
    return rows


def _heading_before(lines: list[_Line], idx: int) -> str:
    for ln in reversed(lines[:idx]):
        match = _HEADING.match(ln.text.strip())
        if match:
            return match.group(1).strip()
    return ""


def _caption_before(lines: list[_Line], idx: int) -> str | None:
    for ln in reversed(lines[max(0, idx - 3) : idx]):
        text = ln.text.strip()
        if text and not _HEADING.match(text):
            return text if len(text) <= 200 else None
        if _HEADING.match(text):
            return None
    return None


def _note_after(lines: list[_Line], idx: int) -> str | None:
    for ln in lines[idx : idx + 3]:
        if ln.text.strip():
            return ln.text.strip() if _NOTE.match(ln.text) else None
    return None


def _csv_table(doc: Document) -> Table:
    lines = split_lines(doc.text)
    parsed = [(next(csv.reader([ln.text])), ln) for ln in lines if ln.text.strip()]
    header = [c.strip() for c in parsed[0][0]]
    rows = _rows([([c.strip() for c in cells], ln.start, ln.end) for cells, ln in parsed[1:]])
    meta = doc.meta
    return Table(
        id=f"{doc.source}#t1",
        source=doc.source,
        title=doc.title,
        heading=str(meta.get("caption") or doc.title),
        caption=meta.get("caption"),
        source_note=meta.get("source_note"),
        row_header=str(meta.get("row_header") or header[0]),
        columns=header[1:],
        header_rows=[header],
        rows=rows,
        start=parsed[0][1].start,
        end=parsed[-1][1].end,
        meta=meta,
    )


def render_row(table: Table, row: TableRow) -> str:
    """A row as a sentence both retrievers can find: "R&D Spending (2024 est.): China $470B; United States $710B"."""
    pairs = [f"{col} {val}" for col, val in zip(table.columns, row.cells, strict=False) if val.strip()]
    label = f"{row.section} — {row.label}" if row.section else row.label
    return f"{label}: " + "; ".join(pairs)
