"""Excel .xlsx workbooks through openpyxl: every sheet a table, merged header cells spread over their columns,
number formats kept, formulas read as their cached values."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from qa.corpus.limits import Limits
from qa.corpus.numformat import display
from qa.corpus.paged import PagedText, header_depth


def read_xlsx(raw: bytes, limits: Limits) -> PagedText:
    # data_only: a formula cell reads as the value Excel last computed and saved, the number people saw.
    workbook = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
    out = PagedText("xlsx", title=(workbook.properties.title or "").strip() or None)
    budget = limits.max_cells
    for sheet in workbook.worksheets:
        budget -= _sheet(sheet, out, budget)
    return out


def _sheet(sheet: Worksheet, out: PagedText, budget: int) -> int:
    """Write one sheet (a heading, the lines above its table, the table); returns the cells it read."""
    width, last = int(sheet.max_column), int(sheet.max_row)
    if width * last > budget:
        last = max(0, budget // max(width, 1))
        out.warnings.append(f"sheet {sheet.title!r}: read the first {last:,} of {sheet.max_row:,} rows "
                            "(QA_MAX_CELLS)")
        if not last:  # openpyxl reads max_row=0 as "to the end"
            return 0
    merges = _merged_values(sheet, width)
    spans = {rng.min_row for rng in sheet.merged_cells.ranges if 1 < rng.max_col - rng.min_col + 1 < width}
    rows, across = [], []
    for r, cells in enumerate(sheet.iter_rows(min_row=1, max_row=last, max_col=width), start=1):
        texts = [merges.get((r, c), display(cell.value, cell.number_format)) for c, cell in enumerate(cells, 1)]
        if any(t.strip() for t in texts):
            rows.append(texts)
            across.append(r in spans)
    out.heading(sheet.title, 2)
    # Lines above the table with one filled cell ("Revenue by region, $ thousands") are its caption.
    while rows and sum(bool(t.strip()) for t in rows[0]) == 1 and len(rows) > 2:
        out.paragraph([(next(t for t in rows[0] if t.strip()), None)])
        rows, across = rows[1:], across[1:]
    out.table(rows, header_depth(across))
    return width * last


def _merged_values(sheet: Worksheet, width: int) -> dict[tuple[int, int], str]:
    """Each cell a merged range covers, with the text of the range's first cell where it belongs.

    Across a header ("2024" over Q1 and Q2) the label belongs to every column it spans; a range as wide as
    the sheet is a title, and a label merged down or in the body is said once.
    """
    found: dict[tuple[int, int], str] = {}
    for rng in sheet.merged_cells.ranges:
        first = sheet.cell(rng.min_row, rng.min_col)
        text = display(first.value, first.number_format)
        spread = rng.min_row <= 3 and rng.max_col - rng.min_col + 1 < width
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                found[(r, c)] = text if (r, c) == (rng.min_row, rng.min_col) or (spread and r == rng.min_row) else ""
    return found
