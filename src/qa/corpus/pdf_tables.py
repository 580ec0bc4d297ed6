"""Tables on a PDF page: ruled ones by pdfplumber's line finder; unruled ones from runs of lines whose words
stand in columns, each line cut at its wide gaps. pdfplumber's text finder does worse on both counts
(docs/FORMATS.md): over a page it cuts prose into false tables, and it splits two-word labels in two."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from pdfplumber.page import Page

from qa.corpus.ocr import Word
from qa.corpus.paged import header_depth

LINES: dict[str, Any] = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
COLUMN_GAP = 1.0  # a gap between words this many times the text height separates columns (word spaces: ~0.3)
ROW_GAP = 1.0  # rows of one table are at most this many text heights apart
MIN_ROWS = 3  # a header and two rows: fewer aligned lines are more likely a form or a signature block
PROSE_WORDS = 4  # cells of more words than this, as a median, are columns of prose, not a table


@dataclass(frozen=True)
class PdfTable:
    """A table found on a page: its cells by row, each row's box, and how many rows form its header."""

    bbox: tuple[float, float, float, float]
    rows: list[list[str]]
    row_boxes: list[tuple[float, float, float, float]]
    header: int


def ruled_tables(page: Page) -> list[PdfTable]:
    return [_table(t) for t in page.find_tables(LINES)]


def aligned_tables(lines: Sequence[Sequence[Word]]) -> list[PdfTable]:
    """Unruled tables: each run of column-aligned lines, its cells the stretches between wide gaps."""
    grids = [_grid(run) for run in _aligned_runs(lines)]
    return [g for g in grids if not _prose(g)]


def _prose(table: PdfTable) -> bool:
    """Side-by-side columns of text (a two-column page), which line up like a table of long cells."""
    words = sorted(len(c.split()) for row in table.rows for c in row if c)
    return bool(words) and words[len(words) // 2] > PROSE_WORDS


def _segments(line: Sequence[Word]) -> list[list[Word]]:
    """A line's words in stretches separated by gaps of at least COLUMN_GAP text heights."""
    size = max(w.size for w in line)
    parts = [[line[0]]]
    for a, b in pairwise(line):
        if b.x0 - a.x1 >= COLUMN_GAP * size:
            parts.append([b])
        else:
            parts[-1].append(b)
    return parts


def _grid(run: Sequence[Sequence[Word]]) -> PdfTable:
    """Columns from the lines with the most stretches (a header label spanning two columns must not join
    them); every stretch goes to the column it overlaps most."""
    lines = [_segments(line) for line in run]
    widest = max(len(parts) for parts in lines)
    spans = sorted((p[0].x0, p[-1].x1) for parts in lines if len(parts) == widest for p in parts)
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    rows, boxes = [], []
    for parts, line in zip(lines, run, strict=True):
        cells = [""] * len(columns)
        for part in parts:
            j = max(range(len(columns)), key=lambda k: _overlap(columns[k], part[0].x0, part[-1].x1))
            cells[j] = " ".join(filter(None, [cells[j], *(w.text for w in part)]))
        rows.append(cells)
        boxes.append((min(w.x0 for w in line), min(w.top for w in line), max(w.x1 for w in line),
                      max(w.bottom for w in line)))
    bbox = (min(b[0] for b in boxes), boxes[0][1], max(b[2] for b in boxes), boxes[-1][3])
    return PdfTable(bbox, rows, boxes, 1)


def _overlap(column: list[float], x0: float, x1: float) -> float:
    """How much [x0, x1] overlaps the column; negative: how far it is from it."""
    return min(column[1], x1) - max(column[0], x0)


def _columns(line: Sequence[Word]) -> int:
    return len(_segments(line)) if line else 0


def _aligned_runs(lines: Sequence[Sequence[Word]]) -> list[list[Sequence[Word]]]:
    """Runs of at least MIN_ROWS consecutive, closely spaced lines of two or more columns."""
    runs: list[list[Sequence[Word]]] = []
    current: list[Sequence[Word]] = []
    for line in lines:
        aligned = bool(line) and _columns(line) >= 2
        near = bool(current) and (min(w.top for w in line) - max(w.bottom for w in current[-1])
                                  <= ROW_GAP * max(w.size for w in line))
        if aligned and (near or not current):
            current.append(line)
            continue
        if len(current) >= MIN_ROWS:
            runs.append(current)
        current = [line] if aligned else []
    if len(current) >= MIN_ROWS:
        runs.append(current)
    return runs


def _table(table: Any) -> PdfTable:
    rows = table.extract()
    # Empty rows and columns are layout (the text finder pads with them), not data.
    keep_rows = [i for i, row in enumerate(rows) if any((c or "").strip() for c in row)]
    width = max((len(r) for r in rows), default=0)
    keep_cols = [j for j in range(width) if any((rows[i][j] or "").strip() for i in keep_rows if j < len(rows[i]))]
    cells = [[rows[i][j] if j < len(rows[i]) else None for j in keep_cols] for i in keep_rows]
    boxes = [_bbox(table.rows[i].bbox) for i in keep_rows]
    # pdfplumber gives None for the cells a merged cell covers: a header row with one spans columns.
    merged = [any(c is None for c in row[1:]) for row in cells]
    return PdfTable(_bbox(table.bbox), [[c or "" for c in row] for row in cells], boxes, header_depth(merged))


def _bbox(values: Sequence[Any]) -> tuple[float, float, float, float]:
    return float(values[0]), float(values[1]), float(values[2]), float(values[3])
