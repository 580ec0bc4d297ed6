"""Running a program over one table: deterministic executors for each kind of operation, the empty result
for a malformed reference."""
from __future__ import annotations

import re

from qa.tableqa.grid import TypedTable
from qa.tableqa.programs import (
    CMP,
    EMPTY,
    PRIM_OPS,
    SPAN_OPS,
    SUPER_OPS,
    VERDICT_OPS,
    YES_OPS,
    Cond,
    Exec,
    Program,
    fmt,
    match_rows,
)
from qa.tableqa.spans import cell_years, clock

_NOTE = re.compile(r"\s*\([^)]*\)")


def _values(t: TypedTable, rows: list[int], col: int) -> Exec:
    vals = tuple(t.rows[r][col] for r in rows)
    num = t.num(rows[0], col) if len(rows) == 1 else None
    return Exec(vals, num, tuple(rows), tuple((r, col) for r in rows))


def _number(x: float, rows: list[int], cells: list[tuple[int, int]]) -> Exec:
    return Exec((fmt(x),), x, tuple(rows), tuple(cells))


def _superlative(t: TypedTable, p: Program) -> Exec:
    rows = [r for r in match_rows(t, p.conds) if t.num(r, p.by) is not None]
    if not rows:
        return EMPTY
    nums = [v for r in rows if (v := t.num(r, p.by)) is not None]  # every row: rows were filtered on it
    best = max(nums) if p.op == "argmax" else min(nums)
    win = [r for r in rows if t.num(r, p.by) == best]
    e = _values(t, win, p.col)
    return Exec(e.values, e.number, e.rows, e.cells + tuple((r, p.by) for r in win))


def _key_rows(t: TypedTable, p: Program) -> list[int] | None:
    """First row whose key column holds each mentioned value (None if one is missing)."""
    out = []
    for a in p.args[:2]:  # word answers carry their two words after the two values
        rows = match_rows(t, (Cond(p.key, "=", a),), skip_total=False)
        if not rows:
            return None
        out.append(rows[0])
    return out


def _compare(t: TypedTable, p: Program) -> Exec:
    rows = _key_rows(t, p)
    if rows is None or len(rows) != 2:
        return EMPTY
    if p.by < 0:  # order comparison: which came first in the table
        win = min(rows) if p.op == "compare_max" else max(rows)
    else:
        a, b = (t.num(r, p.by) for r in rows)
        if a is None or b is None or a == b:
            return EMPTY
        win = rows[0] if (a > b) == (p.op == "compare_max") else rows[1]
    return Exec((t.rows[win][p.key],), None, tuple(rows), tuple((r, p.by) for r in rows if p.by >= 0))


def _verdict(t: TypedTable, p: Program) -> Exec:
    """The question's own words as the answer: `word_gt` says args[2] when the first value named is greater than
    the second (by column `by`, or by row order when by < 0) and args[3] otherwise; `yes_gt` says yes or no;
    `_lt` reverses; `compare_count_max`/`_min` name the value written in more (fewer) rows."""
    if p.op.startswith("compare_count"):
        n = [len(match_rows(t, (Cond(p.key, "=", a),))) for a in p.args]
        if n[0] == n[1]:
            return EMPTY
        win = 0 if (n[0] > n[1]) == (p.op == "compare_count_max") else 1
        kept = match_rows(t, (Cond(p.key, "=", p.args[win]),))
        return Exec((t.rows[kept[0]][p.key],), None, tuple(kept), ()) if kept else EMPTY
    rows = _key_rows(t, p)
    if rows is None or len(rows) != 2 or rows[0] == rows[1]:
        return EMPTY
    if p.op == "yes_same":  # "was the margin in A the same as in B"
        same = t.norm[rows[0]][p.by] == t.norm[rows[1]][p.by]
        return Exec(("yes" if same else "no",), None, tuple(rows), tuple((r, p.by) for r in rows))
    a, b = ((float(r) for r in rows) if p.by < 0 else (t.num(r, p.by) for r in rows))
    if a is None or b is None or a == b:
        return EMPTY
    first = (a > b) == p.op.endswith("_gt")
    words = p.args[2:4] if p.op.startswith("word") else ("yes", "no")
    return Exec((words[0] if first else words[1],), None, tuple(rows), tuple((r, p.by) for r in rows if p.by >= 0))


def _diff(t: TypedTable, p: Program) -> Exec:
    rows = _key_rows(t, p)
    if rows is None or len(rows) != 2:
        return EMPTY
    a, b = (t.num(r, p.col) for r in rows)
    if a is None or b is None:
        return EMPTY
    return _number(a + b if p.op == "sum2" else abs(a - b), rows, [(r, p.col) for r in rows])


def _cells_arith(t: TypedTable, p: Program) -> Exec:
    """Arithmetic over explicit cells (financial tables): order in cells is (new, old) for sub/pct."""
    rows = sorted({r for r, _ in p.cells})
    if p.op == "col_years":  # "which years does the table cover": the years the column headers name
        ys = [re.findall(r"(?:19|20)\d\d", t.header[c]) for _, c in p.cells]
        return Exec(tuple(y[-1] for y in ys), None, (), ()) if all(ys) else EMPTY
    if p.op in ("lookup", "clist"):  # spans: cell text as written, numeric or not
        texts = tuple(t.rows[r][c] for r, c in p.cells)
        if not all(x.strip() for x in texts):
            return EMPTY
        return Exec(texts, t.num(*p.cells[0]) if len(texts) == 1 else None, tuple(rows), p.cells)
    vals = [t.num(r, c) for r, c in p.cells]
    if any(v is None for v in vals) or not vals:
        return EMPTY
    return _arith(t, p, [v for v in vals if v is not None], rows)


def _arith(t: TypedTable, p: Program, vals: list[float], rows: list[int]) -> Exec:
    """Numeric cell ops: counts over a threshold, the year of the max/min, sums, averages, differences."""
    if p.op in ("ccount_gt", "ccount_lt"):  # "how many years did X exceed $200 million"
        x = float(p.args[0])
        n = sum((v > x) if p.op == "ccount_gt" else (v < x) for v in vals)
        return _number(n, rows, list(p.cells))
    if p.op in ("year_of_max", "year_of_min"):  # "in which year was X largest": the winning column's year
        i = vals.index(max(vals) if p.op == "year_of_max" else min(vals))
        r, c = p.cells[i]
        ys = re.findall(r"(?:19|20)\d\d", t.header[c])
        return Exec((ys[-1] if ys else t.header[c],), None, (r,), (p.cells[i],))
    if p.op == "csum":
        return _number(sum(vals), rows, list(p.cells))
    if p.op == "cavg":
        return _number(sum(vals) / len(vals), rows, list(p.cells))
    a, b = vals[0], vals[1]
    if p.op == "csub":
        return _number(a - b, rows, list(p.cells))
    if b == 0:
        return EMPTY
    x = (a - b) / b * 100 if p.op == "cpct" else a / b if p.op == "cratio" else a / b * 100
    return _number(x, rows, list(p.cells))


def _row_ops(t: TypedTable, p: Program) -> Exec:
    # a total row is read by name ("what was the total"), never because it passes a comparison
    rows = match_rows(t, p.conds, skip_total=p.op not in ("select", "first", "last", "next", "prev")
                      or any(c.num is not None for c in p.conds))
    if p.op == "count":
        return _number(len(rows), rows, [])
    if not rows:
        return EMPTY
    if p.op == "select":
        return _values(t, rows, p.col)
    if p.op in ("first", "last"):
        return _values(t, [rows[0] if p.op == "first" else rows[-1]], p.col)
    if p.op in ("next", "prev"):
        r = rows[0] + (1 if p.op == "next" else -1)
        return _values(t, [r], p.col) if 0 <= r < t.n_rows else EMPTY
    if p.op in ("mode", "antimode"):  # "which year had the most titles": the most frequent value
        return _mode(t, p, rows)
    if p.op == "count_distinct":
        return _number(len({t.norm[r][p.col] for r in rows}), rows, [(r, p.col) for r in rows])
    return _numeric(t, p, rows)


def _mode(t: TypedTable, p: Program, rows: list[int]) -> Exec:
    """The most (mode) or least (antimode) frequent non-empty value of column col; ties keep table order."""
    counts: dict[str, list[int]] = {}
    for r in rows:
        if t.norm[r][p.col]:
            counts.setdefault(t.norm[r][p.col], []).append(r)
    if not counts:
        return EMPTY
    sizes = [len(v) for v in counts.values()]
    best = max(sizes) if p.op == "mode" else min(sizes)
    win = [v[0] for v in counts.values() if len(v) == best]
    return _values(t, win, p.col)


def _numeric(t: TypedTable, p: Program, rows: list[int]) -> Exec:
    """diff_cols on the first row, else sum/avg of column col over the rows where it is numeric."""
    nums = [(r, v) for r in rows if (v := t.num(r, p.col)) is not None]
    if not nums:
        return EMPTY
    if p.op == "diff_cols":
        r = rows[0]
        a, b = t.num(r, p.col), t.num(r, p.by)
        return EMPTY if a is None or b is None else _number(abs(a - b), [r], [(r, p.col), (r, p.by)])
    total = sum(v for _, v in nums)
    x = total if p.op == "sum" else total / len(nums)
    return _number(x, [r for r, _ in nums], [(r, p.col) for r, _ in nums])


def _yes(t: TypedTable, p: Program) -> Exec:
    """`yes_any`: yes when some row meets the filters ("was X established before 1900", "were there any games
    before 6 pm"); `yes_count`: yes when the number of such rows compares with args (">", "5");
    `word_count_gt`/`_lt`: the first (second) of the question's two words when there are more such rows than
    args[0]."""
    rows = match_rows(t, p.conds)
    if p.op.startswith("word_count"):  # "are there more or less than 8 properties": the question's own word
        x = float(p.args[0])
        if len(rows) == x:
            return EMPTY
        first = (len(rows) > x) == p.op.endswith("_gt")
        return Exec((p.args[1] if first else p.args[2],), None, tuple(rows), ())
    ok = bool(rows) if p.op == "yes_any" else CMP[p.args[0]](len(rows), float(p.args[1]))
    return Exec(("yes" if ok else "no",), None, tuple(rows), ())


def _years_text(n: float, unit: str) -> str:
    return f"{fmt(n)} {unit[:-1] if n == 1 and unit.endswith('s') else unit}" if unit else fmt(n)


def _span(t: TypedTable, p: Program) -> Exec:
    """`span`: the last year minus the first that column col names over the filtered rows ("how long did they
    produce singles": 17 years); `span2`: one row's column by minus column col ("From" to "To"); `span_pair`:
    the years between the rows of two named values. args[-1] is the unit word shown ("years") or ""."""
    unit = p.args[-1] if p.args else ""
    if p.op == "span_pair":
        rows = _key_rows(t, p)
        if rows is None or len(rows) != 2:
            return EMPTY
        ya, yb = (cell_years(t, r, p.col) for r in rows)
        if not ya or not yb:
            return EMPTY
        return Exec((_years_text(abs(ya[0] - yb[0]), unit),), abs(ya[0] - yb[0]), tuple(rows),
                    tuple((r, p.col) for r in rows))
    rows = match_rows(t, p.conds)
    if not rows:
        return EMPTY
    if p.op == "span2":
        if len(rows) != 1:
            return EMPTY
        a, b = cell_years(t, rows[0], p.col), cell_years(t, rows[0], p.by)
        if not a or not b or b[-1] < a[0]:
            return EMPTY
        n = b[-1] - a[0]
        return Exec((_years_text(n, unit),), n, tuple(rows), ((rows[0], p.col), (rows[0], p.by)))
    ys = [y for r in rows for y in cell_years(t, r, p.col)]
    if len(ys) < 2:
        return EMPTY
    n = max(ys) - min(ys)
    return Exec((_years_text(n, unit),), n, tuple(rows), tuple((r, p.col) for r in rows))




def _primary(t: TypedTable, p: Program) -> Exec:
    """A text answer without its cells' parenthesised notes ("Slovakia (SVK)" -> "Slovakia")."""
    e = execute(t, Program(p.op, p.col, p.conds, p.by, p.key, (), p.cells))
    vals = tuple(" ".join(_NOTE.sub(" ", v).split()) or v for v in e.values)
    return Exec(vals, e.number, e.rows, e.cells) if vals != e.values else EMPTY  # no note: the plain program


def _as_clock(t: TypedTable, p: Program, e: Exec) -> Exec:
    """Sums, averages and differences of a time column ("1:57.08") are shown as times, to the cells' decimals."""
    if e.number is None or len(e.values) != 1 or (p.op in ("diff", "diff_cols") and abs(e.number) < 60):
        return e  # a gap under a minute is said in seconds ("0.22")
    written = [t.rows[r][c] for r, c in e.cells[:5]]
    decimals = max((len(w.rsplit(".", 1)[1]) for w in written if "." in w.rsplit(":", 1)[-1]), default=0)
    return Exec((clock(e.number, decimals),), e.number, e.rows, e.cells)


def execute(t: TypedTable, p: Program) -> Exec:
    """Run a program; any malformed reference yields the empty result instead of raising."""
    if p.args == ("prim",) and p.op in PRIM_OPS:
        return _primary(t, p)
    e = _execute(t, p)
    if p.op in ("sum", "avg", "diff", "sum2", "diff_cols") and 0 <= p.col < t.n_cols and t.types[p.col] == "duration":
        return _as_clock(t, p, e)
    return e


def _execute(t: TypedTable, p: Program) -> Exec:
    try:
        if p.op in SUPER_OPS:
            return _superlative(t, p)
        if p.op in ("compare_max", "compare_min"):
            return _compare(t, p)
        if p.op in VERDICT_OPS:
            return _verdict(t, p)
        if p.op in ("diff", "sum2"):
            return _diff(t, p)
        if p.op in YES_OPS:
            return _yes(t, p)
        if p.op in SPAN_OPS:
            return _span(t, p)
        if p.cells:
            return _cells_arith(t, p)
        return _row_ops(t, p)
    except (IndexError, ValueError, ZeroDivisionError, OverflowError):
        return EMPTY
