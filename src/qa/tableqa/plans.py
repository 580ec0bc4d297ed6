"""Choosing the operation a question asks for and ordering its operands from the matched rows and columns."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from qa.tableqa import operations as ops
from qa.tableqa.linking import Match, data_rows, value_cols
from qa.tableqa.operations import Computed, OperandError, Ref
from qa.tables.cells import cell_value
from qa.tables.model import Table
from qa.tables.values import parse_value
from qa.text.tokens import without_years, years_in

_THRESHOLD = re.compile(
    r"\b(?P<dir>more|greater|higher|larger|above|over|exceed(?:ed|s|ing)?|less|fewer|lower|below|under)"
    r"\s+(?:than\s+)?(?P<num>[-$€£]?\s?\d[\d,]*(?:\.\d+)?\s*(?:%|million|billion|thousand|[mbk]\b)?)",
    re.IGNORECASE,
)
_COMBINED = re.compile(r"\b(?:combined|together|total|both|two|all|sum)\b", re.IGNORECASE)
_SUM_OF = re.compile(r"(?:the\s+)?(?:sum|total)\s+of\b", re.IGNORECASE)
_DIFFERENCE_BETWEEN = re.compile(r"\bdifference\b|\bgap\b|\bdiffer\b", re.IGNORECASE)
# Words that make a difference between years signed: a change, an increase. Without them "the difference in X
# in 2019 and 2018" is the gap (TAT-QA training questions of that form: 17 of 17 answers positive).
_SIGNED = re.compile(r"\b(?:chang\w*|increas\w*|decreas\w*|grow\w*|grew|declin\w*|ris\w*|rose|fell|fall\w*)\b",
                     re.IGNORECASE)
_COLUMN_NOUNS = re.compile(r"\b(?:years|quarters|periods|columns|countries|months)\b", re.IGNORECASE)


@dataclass
class Built:
    """An operation's result and what it rests on."""

    computed: Computed
    rows: list[int]  # rows used, for the citation
    defaulted: bool  # columns were not named; the table's only sensible ones were taken
    over_rows: bool = False  # "which segment ...": every row was a candidate, none had to be named


def build(found: Match, question: str) -> Built | None:
    """The first operation the question asks for that its matched cells can answer; None when none can."""
    row_spans = [(found.tokens[i].start, found.tokens[i].end) for m in found.rows for i in m.used]
    col_spans = [(found.tokens[i].start, found.tokens[i].end) for m in found.cols for i in m.used]
    for trigger in found.intent.triggers:
        # "Total revenue", "Net change in cash", "Combined ratio": the words name a label, not an operation;
        # but "the total of leases and purchases" under a "total" column still asks for a sum.
        spans = row_spans if _SUM_OF.match(question, trigger.start) else row_spans + col_spans
        if trigger.op != "lookup" and _covered(question, trigger.start, trigger.end, spans):
            continue
        if not found.rows and trigger.op not in ("max", "min"):
            continue  # without a named row only "which row is largest" can be answered
        try:
            return _BUILDERS[trigger.op](found, question)
        except OperandError:
            return None
    return None


def _covered(question: str, start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Every word of question[start:end] lies inside one of the spans ("% Change" covers "percentage change")."""
    words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\w+", question[start:end])]
    return bool(words) and all(any(s <= a and b <= e for s, e in spans) for a, b in words)


def _cols_or_default(found: Match, spans: bool = False) -> tuple[list[int], bool]:
    """Named columns; else the best row's year columns, or every column holding a number in it (defaulted).

    With `spans`, "2017 to 2019" names every year column in between (for sums, averages, extremes).
    """
    table = found.table
    if spans and found.intent.year_range and found.year_axis == "col" and len(found.cols) == 2:
        low, high = sorted(c.year or 0 for c in found.cols)
        like = without_years(table.columns[found.cols[0].index])
        inside = [j for j, y in _year_columns(table, range(len(table.columns))) if low <= y <= high
                  and without_years(table.columns[j]) == like]
        return inside, False
    if found.cols:
        return [c.index for c in found.cols], False
    row = found.row
    have = value_cols(table, row) if row is not None else []
    dated = _year_columns(table, have)
    # "What was the change in X?" beside a "$ Change" column: the years are the operands.
    cols = [j for j, _ in dated] if len(dated) >= 2 else have
    return cols, len(have) > 1  # a table's only column of numbers is not a guess


def _year_columns(table: Table, cols: Iterable[int]) -> list[tuple[int, int]]:
    """(column, year) for columns naming one year, the first of each year ("2019 Amount", not "2019 %")."""
    out: dict[int, int] = {}
    for j in cols:
        years = set(years_in(table.columns[j]))
        if len(years) == 1:
            out.setdefault(years.pop(), j)
    return [(j, y) for y, j in out.items()]


def _lookup(found: Match, question: str) -> Built | None:
    if found.by_section:
        return None  # a section names several rows, not one
    row = found.rows[0].index
    cols, defaulted = _cols_or_default(found)
    if not cols:
        return None
    if defaulted and len(cols) == 1:
        defaulted = False
    by = "col"
    computed = ops.lookup(found.table, [Ref(row, c) for c in cols], by)
    return Built(computed, [row], defaulted)


def _pair(found: Match) -> tuple[list[Ref], str, bool]:
    """Two cells to compare: two named columns of the row, or the same column of two named rows."""
    row = found.rows[0].index
    if len(found.cols) >= 2:
        return [Ref(row, c.index) for c in found.cols[:2]], "col", False
    if len(found.rows) >= 2:
        cols, defaulted = _cols_or_default(found)
        if len(cols) != 1 and not found.cols:
            raise OperandError("two rows but no single column")
        pair = sorted(found.rows[:2], key=lambda m: m.position)
        return [Ref(m.index, cols[0]) for m in pair], "row", defaulted
    have, _ = _cols_or_default(found) if not found.cols else (value_cols(found.table, row), False)
    if len(have) == 2:
        named = [c.index for c in found.cols]
        # A named column outside the two value columns would make three operands: keep the first two.
        order = (named + [c for c in have if c not in named])[:2]
        refs = [Ref(row, c) for c in order]
        return refs, "col", not named
    raise OperandError("the question names fewer than two cells")


def _difference(found: Match, question: str) -> Built | None:
    refs, by, defaulted = _pair(found)
    a, b = refs
    if _is_years(found, refs):
        b, a = _chronological(found, refs)  # the change: later minus earlier
        if _DIFFERENCE_BETWEEN.search(question) and found.intent.from_to is None and not _SIGNED.search(question):
            a, b = _larger_first(found, a, b)  # "the difference in X in 2019 and 2018": the gap
    elif (found.intent.less and not _DIFFERENCE_BETWEEN.search(question)) or found.intent.from_first:
        a, b = b, a  # "how much less does A spend than B": B - A; "from A to B": B - A
    elif by == "col" and _DIFFERENCE_BETWEEN.search(question):
        a, b = _larger_first(found, a, b)  # "the difference between China and the US": the gap
    return Built(ops.difference(found.table, a, b), sorted({a.row, b.row}), defaulted)


def _larger_first(found: Match, a: Ref, b: Ref) -> tuple[Ref, Ref]:
    """The two cells of a gap, larger first (larger minus smaller)."""
    va, vb = cell_value(found.table, a.row, a.col), cell_value(found.table, b.row, b.col)
    return (b, a) if va and vb and va.number < vb.number else (a, b)


def _is_years(found: Match, refs: list[Ref]) -> bool:
    """Operands that differ by year (columns "2019"/"2018" or rows "2011 net revenue"/"2012 net revenue")."""
    table = found.table
    cols = {r.col for r in refs}
    names = [table.columns[r.col] for r in refs] if len(cols) > 1 else [table.rows[r.row].label for r in refs]
    return all(len(years_in(n)) == 1 for n in names)


def _chronological(found: Match, refs: list[Ref]) -> list[Ref]:
    """Earliest first, or in the order "from A to B" gives."""
    table = found.table
    by_col = len({r.col for r in refs}) > 1
    year = {r: years_in(table.columns[r.col] if by_col else table.rows[r.row].label)[0] for r in refs}
    start = found.intent.from_to[0] if found.intent.from_to else None
    return sorted(refs, key=lambda r: (year[r] != start, year[r]) if start else year[r])


def _percent_change(found: Match, question: str) -> Built | None:
    refs, _, defaulted = _pair(found)
    if _is_years(found, refs):
        old, new = _chronological(found, refs)
    elif found.intent.from_first:
        old, new = refs  # "from the first quarter to the fourth quarter"
    else:
        new, old = refs  # "by what percent is A higher than B": (A - B) / B
    return Built(ops.percent_change(found.table, old, new), sorted({old.row, new.row}), defaulted)


def _ratio(found: Match, question: str) -> Built | None:
    refs, _, defaulted = _pair(found)
    return Built(ops.ratio(found.table, refs[0], refs[1]), sorted({r.row for r in refs}), defaulted)


def _compare(found: Match, question: str) -> Built | None:
    try:
        refs, by, defaulted = _pair(found)
    except OperandError:
        if found.intent.asks_label:  # "In which year was X larger?" over three years: the largest
            return _extreme(found, "min" if found.intent.less else "max")
        raise
    computed = ops.compare(found.table, refs[0], refs[1], by, found.intent.less, found.intent.yes_no,
                           found.intent.asks_year)
    return Built(computed, sorted({r.row for r in refs}), defaulted)


def _share(found: Match, question: str) -> Built | None:
    table = found.table
    if len(found.rows) >= 2 and len(found.cols) <= 1:
        col = found.cols[0].index if found.cols else _only_col(found)
        a, b = Ref(found.rows[0].index, col), Ref(found.rows[1].index, col)
        va, vb = cell_value(table, a.row, a.col), cell_value(table, b.row, b.col)
        if va is None or vb is None:
            raise OperandError("share of an empty cell")
        small, big = (a, b) if abs(va.number) <= abs(vb.number) else (b, a)
        return Built(ops.share(table, small, [big]), sorted({a.row, b.row}), False)
    row = found.rows[0].index
    if not found.cols:
        raise OperandError("share of what column")
    part = Ref(row, found.cols[0].index)
    totals = [j for j, name in enumerate(table.columns) if re.match(r"\s*total\b", name, re.IGNORECASE)]
    if totals:
        return Built(ops.share(table, part, [Ref(row, totals[0])]), [row], False)
    named = [c.index for c in found.cols]
    if len(named) >= 2 and not _COMBINED.search(question):
        # "X in 2019 as a percentage of X in 2018": the second column named is the whole.
        return Built(ops.share(table, part, [Ref(row, named[1])]), [row], False)
    whole = named if len(named) >= 2 else value_cols(table, row)
    if len(named) < 2 and len(_year_columns(table, whole)) >= 2:
        raise OperandError("a share of several years added up is not what a report means")
    return Built(ops.share(table, part, [Ref(row, c) for c in whole]), [row], len(named) < 2)


def _only_col(found: Match) -> int:
    cols = value_cols(found.table, found.rows[0].index)
    if len(cols) != 1:
        raise OperandError("no single column")
    return cols[0]


def _aggregate(found: Match, op: str) -> Built | None:
    table = found.table
    if len(found.rows) >= 2 and len(found.cols) <= 1:
        col = found.cols[0].index if found.cols else _only_col(found)
        refs = [Ref(m.index, col) for m in sorted(found.rows, key=lambda m: m.position)]
        return Built(ops.aggregate(table, refs, op), [r.row for r in refs], False)
    cols, defaulted = _cols_or_default(found, spans=True)
    row = found.rows[0].index
    if len(cols) < 2:
        return _lookup(found, "") if op == "sum" else None
    return Built(ops.aggregate(table, [Ref(row, c) for c in cols], op), [row], defaulted)


def _sum(found: Match, question: str) -> Built | None:
    return _aggregate(found, "sum")


def _average(found: Match, question: str) -> Built | None:
    return _aggregate(found, "average")


def _extreme(found: Match, op: str) -> Built | None:
    table = found.table
    if len(found.cols) == 1 and (len(found.rows) >= 2 or found.intent.asks_label or not found.rows):
        col = found.cols[0].index
        # "Which segment had the highest margin?": every row but totals competes, named or not.
        rows = [r for r in data_rows(table) if not table.rows[r].label.lower().startswith("total")]
        if len(found.rows) >= 2 and not found.intent.asks_label:
            rows = [m.index for m in found.rows]
        refs = [Ref(r, col) for r in rows if cell_value(table, r, col) is not None]
        if len(refs) < 2:
            raise OperandError("fewer than two rows to compare")
        computed = ops.extreme(table, refs, op, "row", found.intent.asks_label, found.intent.asks_year)
        return Built(computed, [computed.refs[0].row], False, over_rows=True)
    if not found.rows:
        raise OperandError("no row named")
    cols, defaulted = _cols_or_default(found, spans=True)
    row = found.rows[0].index
    if len(cols) < 2:
        raise OperandError("fewer than two values to compare")
    computed = ops.extreme(table, [Ref(row, c) for c in cols], op, "col", found.intent.asks_label,
                           found.intent.asks_year)
    return Built(computed, [row], defaulted)


def _max(found: Match, question: str) -> Built | None:
    return _extreme(found, "max")


def _min(found: Match, question: str) -> Built | None:
    return _extreme(found, "min")


def _count(found: Match, question: str) -> Built | None:
    table = found.table
    threshold, above, shown = _threshold(question, table.scale)
    row = found.rows[0].index
    if threshold is None and _COLUMN_NOUNS.search(question) is None and found.rows[0].coverage < 1:
        raise OperandError("count of what")
    cols, defaulted = _cols_or_default(found)
    refs = [Ref(row, c) for c in (cols if len(cols) > 1 else range(len(table.columns)))]
    return Built(ops.count(table, refs, "col", threshold, above, shown), [row], defaulted)


def _threshold(question: str, scale: float) -> tuple[float | None, bool, str]:
    """The bound in "more than $50,000 million" (a bare number is in the table's scale), its direction."""
    match = _THRESHOLD.search(question)
    value = parse_value(match.group("num"), scale=scale) if match else None
    if match is None or value is None:
        return None, True, ""
    above = match.group("dir").lower() not in ("less", "fewer", "lower", "below", "under")
    return value.number, above, match.group("num").strip()


_BUILDERS: dict[str, Callable[[Match, str], Built | None]] = {
    "lookup": _lookup, "difference": _difference, "ratio": _ratio, "percent_change": _percent_change,
    "share": _share, "average": _average, "sum": _sum, "max": _max, "min": _min, "count": _count,
    "compare": _compare,
}  # fmt: skip
