"""The shape of a raw table grid: header rows (several, spanning), symbol-only columns, sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from qa.tables.values import detect_scale, parse_value

_SYMBOL_CELL = re.compile(r"^(?:US\$|\$|€|£|¥|%|\)|%\)|\)%)?$")
_PREFIX_SYMBOLS = ("US$", "$", "€", "£", "¥")
# A year label, with a footnote mark maybe: "2019", "FY2019", "2019A", "2019 (1)", "2018(a)".
_YEAR = re.compile(r"^(?:FY\s?|fiscal\s+)?(?:19|20)\d{2}(?:[A-Za-z*]|\s*\((?:\d{1,2}|[a-z])\))?$", re.IGNORECASE)
_MAX_PROMOTED = 3


@dataclass
class RawRow:
    """A body row before sections are assigned."""

    label: str
    cells: list[str]
    start: int
    end: int
    is_section: bool


@dataclass
class Grid:
    """A table's header and body, cleaned of layout artefacts."""

    row_header: str
    columns: list[str]
    column_context: str
    header_rows: list[list[str]]
    rows: list[RawRow]


Body = list[tuple[list[str], int, int]]


def build_grid(header: list[list[str]], body: Body) -> Grid | None:
    """A clean grid from header lines and body lines (cells, start, end); None when nothing is left."""
    width = max((len(c) for c in [*header, *(b[0] for b in body)]), default=0)
    if width < 2:
        return None
    header = [_pad(h, width) for h in header]
    body = [(_pad(c, width), s, e) for c, s, e in body]
    header, body = _merge_symbol_columns(header, body)
    header, body = _promote_header_rows(header, body)
    header = [h for h in header if any(c.strip() for c in h)]
    rows = [RawRow(c[0], c[1:], s, e, bool(c[0]) and not any(x.strip() for x in c[1:]))
            for c, s, e in body if any(x.strip() for x in c)]
    if not rows:
        return None
    columns, context = _column_names(header, len(header[0]) - 1 if header else len(body[0][0]) - 1)
    row_header = " ".join(h[0] for h in header if h[0].strip())
    return Grid(row_header, columns, context, header, rows)


def _pad(cells: list[str], width: int) -> list[str]:
    return (cells + [""] * width)[:width]


def _merge_symbol_columns(header: list[list[str]], body: Body) -> tuple[list[list[str]], Body]:
    """Fold columns holding only "$", "%" or ")" (PDF extraction splits them off) into their neighbour."""
    j = 1
    while j < len(body[0][0]) if body else False:
        column = [cells[j] for cells, _, _ in body]
        symbolic = all(_SYMBOL_CELL.match(c) for c in column) and any(column)
        if not symbolic or any(h[j].strip() and not _SYMBOL_CELL.match(h[j]) for h in header):
            j += 1
            continue
        prefix = any(c in _PREFIX_SYMBOLS for c in column)
        target = j + 1 if prefix and j + 1 < len(body[0][0]) else j - 1
        for cells, _, _ in body:
            if cells[j] and cells[target]:
                cells[target] = f"{cells[j]}{cells[target]}" if target > j else f"{cells[target]}{cells[j]}"
        header = [h[:j] + h[j + 1 :] for h in header]
        body = [(c[:j] + c[j + 1 :], s, e) for c, s, e in body]
    width = len(body[0][0]) if body else 0
    # Columns empty in every row are layout, not data.
    keep = [0] + [j for j in range(1, width) if any(c[j].strip() for c in [*header, *(b[0] for b in body)])]
    return [[h[j] for j in keep] for h in header], [([c[j] for j in keep], s, e) for c, s, e in body]


def _is_header_like(cells: list[str]) -> bool:
    """Year labels or words, no amounts: a header row written inside the body."""
    values = [c for c in cells[1:] if c.strip()]
    return bool(values) and all(_YEAR.match(v) or parse_value(v) is None for v in values)


def _promote_header_rows(header: list[list[str]], body: Body) -> tuple[list[list[str]], Body]:
    """Leading body rows such as "| | 2019 | 2018 |" belong to the header (blank or spanning first lines)."""
    header = list(header)
    for _ in range(_MAX_PROMOTED):
        if len(body) < 2:
            break
        cells = body[0][0]
        weak = not any(c.strip() for h in header for c in h[1:])
        # A labelled row of words is a header only above numbers ("Segment | Amount | % of total"); in a
        # table of words it is just the first row.
        labelled_ok = weak or _all_years(cells) or _mostly_numeric(body[1:])
        if not _is_header_like(cells) or (cells[0].strip() and not labelled_ok):
            break
        # Under a header that names the columns, a row is a header only above amounts in every column it
        # fills: "| | Brahim Boulami | Morocco | 8:17.73 |" over more runners is the first runner.
        if not weak and not _over_amounts(cells, body[1:]):
            break
        header.append(cells)
        body = body[1:]
    return header, body


def _over_amounts(cells: list[str], below: Body) -> bool:
    """At least half the columns the row fills hold amounts (not years, not words) in most rows below it; a
    unit or date column ("Lb.", "Date") may sit among them."""
    filled = over = 0
    for j, value in enumerate(cells[1:], start=1):
        column = [c[j] for c, _, _ in below if c[j].strip(" -–—")]  # a dash is no value either way
        amounts = sum(parse_value(c) is not None and not _YEAR.match(c.strip()) for c in column)
        filled += bool(value.strip(" -–—"))
        over += bool(value.strip(" -–—")) and amounts * 2 >= len(column) > 0
    return over * 2 >= filled


def _mostly_numeric(body: Body) -> bool:
    """Most rows that hold values hold numbers; section rows ("June 30, 2019", "Financial Assets:") hold none."""
    filled = [cells for cells, _, _ in body if any(c.strip() for c in cells[1:])]
    with_numbers = sum(any(parse_value(c) is not None for c in cells[1:]) for cells in filled)
    return with_numbers * 2 >= len(filled) > 0


def _all_years(cells: list[str]) -> bool:
    values = [c for c in cells[1:] if c.strip()]
    return bool(values) and all(_YEAR.match(v) for v in values)


def _column_names(header: list[list[str]], count: int) -> tuple[list[str], str]:
    """Column names from every header row, spans carried right; text shared by all columns is context."""
    if not header:
        return [f"Column {j + 1}" for j in range(count)], ""
    parts: list[list[str]] = [[] for _ in range(count)]
    context: list[str] = []
    bounds: set[int] = set()  # where a label of an upper row starts: a lower label spans no further
    for level, row in enumerate(header):
        cells = row[1:]
        filled = [c for c in cells if c.strip()]
        # One label over all columns ("Years Ended September 30,"), or a scale note alone on the last header row
        # under the names ("| | | (in thousands, except per share data) | |"): the whole table's, not a column's.
        note = level == len(header) - 1 and level > 0 and detect_scale(filled[0] if filled else "") != 1.0
        if (level < len(header) - 1 or note) and len(filled) == 1 and count > 1:
            context.append(filled[0])
            continue
        for j, name in enumerate(_spans(cells, bounds) if level < len(header) - 1 else cells):
            if name.strip():
                parts[j].append(name.strip())
        bounds |= {j for j, c in enumerate(cells) if c.strip()}
    if count > 1:
        shared = [p for p in parts[0] if all(p in q for q in parts[1:])]
        for p in shared:
            if all(len(q) > 1 for q in parts):
                context.append(p)
                for q in parts:
                    q.remove(p)
    return [" ".join(p) for p in parts], " ".join(context)


def _spans(cells: list[str], bounds: set[int] | frozenset[int] = frozenset()) -> list[str]:
    """An upper header row with each label carried right over the columns it spans.

    A label spans up to the next label; the last one spans no wider than the ones before it, so a
    trailing "% Change" column does not fall under "2018". A label under a spanning label of a row above stays
    under it: "% of total" under "2019" does not reach the first column under "2018".
    """
    starts = [j for j, c in enumerate(cells) if c.strip()]
    widths = [b - a for a, b in pairwise(starts)]
    out = [""] * len(cells)
    for k, start in enumerate(starts):
        width = widths[k] if k < len(widths) else (max(widths) if widths else len(cells) - start)
        for j in range(start, min(start + width, len(cells))):
            if j > start and j in bounds:
                break
            out[j] = cells[start].strip()
    return out


def row_sections(rows: list[RawRow]) -> list[str | None]:
    """The section path of each row: section rows open one; "Total ..." rows and new sections close it."""
    stack: list[str] = []
    out: list[str | None] = []
    prev_data = False
    for row in rows:
        if row.is_section:
            sibling = _sibling(stack, row.label)
            if sibling is not None:
                del stack[sibling:]  # "June 30, 2018" after "June 30, 2019": the next period, not inside it
            elif prev_data and stack:
                stack.pop()
            out.append(" — ".join(stack) or None)
            stack.append(row.label.rstrip(": "))
            prev_data = False
            continue
        out.append(" — ".join(stack) or None)
        _close_on_total(stack, row.label)
        prev_data = True
    return out


def _sibling(stack: list[str], label: str) -> int | None:
    """The depth of an open section written like this one (the same words, numbers aside: "June 30, 2019" and
    "June 30, 2018", or "Financial Assets:" again), which this one closes."""
    shape = _words(label) - _numbers(label)
    if not shape:
        return None
    return next((d for d, open_ in enumerate(stack) if _words(open_) - _numbers(open_) == shape), None)


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _close_on_total(stack: list[str], label: str) -> None:
    """ "Total current assets" closes the "Current assets" section (and anything opened inside it)."""
    words = _words(label)
    if "total" not in words or not stack:
        return
    rest = words - {"total", "and"}
    for depth in range(len(stack) - 1, -1, -1):
        if _words(stack[depth]) - {"and"} <= rest or not rest:
            del stack[depth:]
            return
