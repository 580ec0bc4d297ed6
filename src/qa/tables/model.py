"""Tables as data: pipe tables found inside text and CSV files, with captions, notes, scale and row offsets."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from qa.records import Document
from qa.tables.context import caption_before, heading_before, lead_in, note_after
from qa.tables.csv_records import read_records
from qa.tables.layout import Grid, build_grid, row_sections
from qa.tables.values import CURRENCIES, CURRENCY_PATTERNS, currency_in, detect_scale, scale_name

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{1,}:?\s*)+\|?\s*$")
_EXCEPT = re.compile(r"\bexcept\s+(?:for\s+)?([a-z ,-]+?)(?:\)|;|$)", re.IGNORECASE)
_MAX_HEADER_LINES = 3


@dataclass
class TableRow:
    """One body row: its label, its cells under `Table.columns`, and where its line sits in the document."""

    label: str
    cells: list[str]
    start: int
    end: int
    section: str | None = None  # the section rows ("Assets — Current assets") this row sits under
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
    columns: list[str]  # one name per data column, made from all header rows ("2019", "2019 Amount")
    header_rows: list[list[str]]
    rows: list[TableRow]
    start: int  # the table's lines in the document: text[start:end]
    end: int
    meta: dict[str, Any] = field(default_factory=dict)
    column_context: str = ""  # header text spanning every data column ("Years Ended September 30,")
    context: str = ""  # the lead-in lines written just before the table
    scale: float = 1.0  # the multiplier the caption or lead-in declares ("in millions" -> 1e6)
    unit: str | None = None  # the currency the caption declares ("$ in millions" -> "USD")
    scale_except: str = ""  # what the declared scale leaves out ("per share data")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        # Older index generations lack the newer fields and newer ones may add some: keep what is known.
        known = {f.name for f in fields(cls)}
        rows = [TableRow(**r) for r in data["rows"]]
        return cls(**{**{k: v for k, v in data.items() if k in known}, "rows": rows})

    def row_scale(self, row: TableRow) -> float:
        """The declared scale for one row: "except per share data" exempts per-share rows."""
        if self.scale == 1.0 or not self.scale_except:
            return self.scale
        exempt = self.scale_except.lower()
        label = f"{row.label} {row.section or ''}".lower()
        if re.search(r"\bshares\b", label) and "shares" in exempt:
            # "except number of shares, which are in thousands": share counts have a scale of their own.
            own = re.search(r"shares\b[^;)]*?\bin\s+(thousands|millions|billions)", exempt)
            return detect_scale(f"in {own.group(1)}") if own else 1.0
        if ("per share" in exempt and "per share" in label) or ("percent" in exempt and "%" in label):
            return 1.0
        return self.scale


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


def _is_pipe_line(line: _Line) -> bool:
    return "|" in line.text and bool(line.text.strip()) and not _SEPARATOR.match(line.text)


def find_tables(doc: Document) -> list[Table]:
    """Every table of a document: the CSV itself, or each pipe table inside text."""
    if doc.fmt == "csv":
        return [_csv_table(doc)]
    lines = split_lines(doc.text)
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        block = _block_at(lines, i)
        if block is None:
            i += 1
            continue
        head, sep, end = block
        table = _pipe_table(doc, lines, head, sep, end, len(tables))
        if table is not None:
            tables.append(table)
        i = end
    return tables


def _block_at(lines: list[_Line], i: int) -> tuple[int, int | None, int] | None:
    """(first line, separator line or None, end) of a pipe table whose separator or start is line i."""
    if _SEPARATOR.match(lines[i].text) and i > 0 and _is_pipe_line(lines[i - 1]):
        head = i - 1
        while head > 0 and i - head < _MAX_HEADER_LINES and _is_pipe_line(lines[head - 1]):
            head -= 1
        end = i + 1
        while end < len(lines) and _is_pipe_line(lines[end]):
            end += 1
        return head, i, end
    # A table written without a separator line: three or more lines that start with a pipe.
    if lines[i].text.lstrip().startswith("|") and (i == 0 or not _is_pipe_line(lines[i - 1])):
        end = i
        while end < len(lines) and lines[end].text.lstrip().startswith("|") and _is_pipe_line(lines[end]):
            end += 1
        if end - i >= 3 and not (end < len(lines) and _SEPARATOR.match(lines[end].text)):
            return i, None, end
    return None


def _pipe_table(doc: Document, lines: list[_Line], head: int, sep: int | None, end: int, n: int) -> Table | None:
    header_lines = lines[head:sep] if sep is not None else []
    body_lines = lines[sep + 1 : end] if sep is not None else lines[head:end]
    grid = build_grid([split_cells(ln.text) for ln in header_lines],
                      [(split_cells(ln.text), ln.start, ln.end) for ln in body_lines])
    if grid is None:
        return None
    texts = [ln.text for ln in lines]
    heading = heading_before(texts, head)
    lead = lead_in(texts, head)
    caption = caption_before(texts, head, heading)
    note = note_after(texts, end)
    table = Table(
        id=f"{doc.source}#t{n + 1}", source=doc.source, title=doc.title, heading=heading, caption=caption,
        source_note=note, row_header=grid.row_header, columns=grid.columns, header_rows=grid.header_rows,
        rows=[], start=lines[head].start, end=lines[end - 1].end, column_context=grid.column_context,
        context=" ".join(lead),
    )
    _finish(table, grid, [caption or "", " ".join(lead), heading, note or ""])
    return table


def _finish(table: Table, grid: Grid, texts: list[str]) -> None:
    """Rows with their sections, and the scale and currency the surrounding text declares."""
    table.rows = [TableRow(r.label, r.cells, r.start, r.end, section, r.is_section)
                  for r, section in zip(grid.rows, row_sections(grid.rows), strict=True)]
    # Header cells over single columns ("Revenue ($ millions)") declare that column's scale, not the table's.
    declared = [grid.row_header, grid.column_context, *texts]
    for text in declared:
        scale = detect_scale(text)
        if scale != 1.0:
            table.scale = scale
            table.unit = currency_in(text)
            match = _EXCEPT.search(text)
            table.scale_except = match.group(1).strip() if match else ""
            break
    if table.unit is None:
        table.unit = next((u for u in map(currency_in, declared[:2]) if u), None)
    if table.unit is None and table.scale != 1.0:
        # A statement "in millions" writes "$" on its first and total rows only; the rest are dollars too.
        table.unit = _cell_currency(table.rows)


def _cell_currency(rows: list[TableRow]) -> str | None:
    """The currency written in the table's cells ("$ 213,883" in its first and total rows), if just one."""
    found = {code for r in rows for c in r.cells for pattern, code in CURRENCY_PATTERNS
             if c.strip()[:3].strip() and pattern.search(c.strip()[:3]) and re.search(r"\d", c)}
    return found.pop() if len(found) == 1 else None


def _csv_table(doc: Document) -> Table:
    # The whole text is parsed at once: a quoted cell may hold line breaks, and a record then spans lines.
    records = read_records(doc.text)
    grid = build_grid([[c.strip() for c in records[0].cells]],
                      [([c.strip() for c in r.cells], r.start, r.end) for r in records[1:]])
    if grid is None:  # pragma: no cover - corpus.load refuses CSVs without data rows
        raise ValueError(f"{doc.source}: no table")
    meta = doc.meta
    caption = meta.get("caption")
    table = Table(
        id=f"{doc.source}#t1", source=doc.source, title=doc.title, heading=str(caption or doc.title),
        caption=caption, source_note=meta.get("source_note"),
        row_header=str(meta.get("row_header") or grid.row_header), columns=grid.columns,
        header_rows=grid.header_rows, rows=[], start=records[0].start, end=records[-1].end, meta=meta,
        column_context=grid.column_context,
    )
    _finish(table, grid, [_sidecar_scale(meta.get("scale")), str(caption or "")])
    if isinstance(meta.get("unit"), str) and meta["unit"].upper() in CURRENCIES:
        table.unit = meta["unit"].upper()
    return table


def _sidecar_scale(value: object) -> str:
    """The sidecar's "scale" as a declaration: 1000000, "millions" and "in millions" all mean "in millions"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"in {scale_name(float(value), plural=True)}"
    text = str(value or "").strip()
    return text if not text or text.lower().startswith(("in ", "(")) else f"in {text}"


def render_row(table: Table, row: TableRow) -> str:
    """A row as a sentence both retrievers can find: "R&D Spending (2024 est.): China $470B; United States $710B".

    Financial rows carry their section, the header spanning the columns and the declared scale:
    "Assets — Cash (September 30, in millions): 2019 $48,844; 2018 $25,913".
    """
    pairs = [f"{col} {val}" for col, val in zip(table.columns, row.cells, strict=False) if val.strip()]
    label = f"{row.section} — {row.label}" if row.section else row.label
    notes = [table.column_context.rstrip(" ,:")] if table.column_context else []
    if table.row_scale(row) != 1.0:
        notes.append(f"in {scale_name(table.row_scale(row), plural=True)}" if scale_name(table.row_scale(row)) else "")
    extra = f" ({', '.join(n for n in notes if n)})" if any(notes) else ""
    return f"{label}{extra}: " + "; ".join(pairs)


