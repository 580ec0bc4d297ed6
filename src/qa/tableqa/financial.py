"""Financial (TAT-QA style) tables: the report view, row-label x column linking, candidate cell-arithmetic programs
and their execution (features: `financial_features`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import combinations, permutations

from qa.tableqa.executors import execute
from qa.tableqa.grid import TypedTable
from qa.tableqa.mentions import STOP, question_numbers
from qa.tableqa.programs import EMPTY, Exec, Program, fmt
from qa.tables.types import MONTHS
from qa.text.tokens import stem, tokens

YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
# A year in a header or question: "2019", "20181" (footnote 1), "FY19", "FY 2019", "fiscal 2019".
_ANY_YEAR = re.compile(r"(?<![\d.,$])((?:19|20)\d{2})\d?(?![\d,.]\d)|\bfy\s?'?(\d{2})\d?(?!\d)", re.IGNORECASE)


RATE_WORDS = {"percentage", "percent", "change", "difference", "rate", "increase", "decrease"}
SIGN_WORDS = {"difference", "change", "increase", "decrease", "decline", "growth", "variance", "between", "from"}


@dataclass(frozen=True)
class ReportView:
    """A report table as the report model sees it: the typed grid, each row's section (normalised), the words
    around the table (caption, heading, lead-in, column context), the scale the table declares ('', thousand,
    million, billion), its header rows as written, each row's own declared scale and the table's currency."""
    grid: TypedTable
    sections: tuple[str, ...] = ()
    text: str = ""
    declared: str = ""
    header: str = ""
    row_scales: tuple[str, ...] = ()
    unit: str = ""

    def section(self, r: int) -> str:
        return self.sections[r] if r < len(self.sections) else ""


def report_years(text: str) -> list[int]:
    """The years a header or question names, in order ("FY19" -> 2019, "20181" with a footnote -> 2018)."""
    return [int(a) if a else 2000 + int(b) for a, b in _ANY_YEAR.findall(text)]


def col_year(t: TypedTable, c: int) -> int | None:
    """The year a column header names (last one, 'Years Ended July 28, 2018' -> 2018)."""
    ys = report_years(t.header[c]) if 0 <= c < t.n_cols else []
    return ys[-1] if ys else None


# "total" names a row in a report ("Total revenue", "Total"), so it is not a stop word here as it is for entities.
FIN_STOP = STOP - {"total"}
# "2017-2019" (normalised to "2017 2019"), "2017 to 2019", "fiscal 2017 through fiscal 2019": every year between
RANGE = re.compile(r"\b((?:19|20)\d\d)\s*(?:-|–|to|through|until|\s)\s*(?:fiscal\s+(?:year\s+)?|fy\s*)?"
                   r"((?:19|20)\d\d)\b")
_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
MAX_SET = 25  # rows in a set of rows listed, counted or compared ("What are the components of ...")
SET_KINDS = ("section", "block", "all")
# A loss or an expense written "(15,571)" is often asked for as its amount: "the average net loss" is 19,846.5.
ABS_OPS = ("lookup", "cavg", "csum", "cshare", "cratio")
REPORT_OPS = ("crows", "crow_max", "crow_min", "cheaders", "cyears_gt", "cyears_lt")


def label_tokens(text: str) -> list[str]:
    """A label's words without stop words and footnote marks ("Asia Pacific (1)" -> asia, pacific)."""
    return [w for w in text.split() if w not in FIN_STOP and not (w.isdigit() and len(w) <= 2) and len(w) > 1]


@lru_cache(maxsize=8192)
def _label_terms(label: str) -> tuple[str, ...]:
    """A row label's terms as the one tokenizer reads them: "Selling, general and administrative" is one term,
    "sg&a", as the question's "SG&A" is; stop words, footnote marks and months left out (the date of "Total as of
    December 31," is not what a question names the row by)."""
    return tuple(t.stem for t in tokens(label) if t.word not in FIN_STOP and len(t.word) > 1
                 and not (t.stem.isdigit() and len(t.stem) <= 2) and t.word not in MONTHS)


def question_keys(q_norm: str, q_raw: str) -> set[str]:
    """The stems a question's words and phrases ("SG&A", "R&D", "pre-tax") meet row labels by."""
    return {stem(w) for w in q_norm.split()} | {t.stem for t in tokens(q_raw)}


def row_scores(v: ReportView, q_stems: set[str]) -> list[tuple[float, int]]:
    """Rows ranked by how much of their label (column 0) the question mentions (`question_keys`); words of the
    row's section ("Projected benefit obligation — Discount rate") tell apart rows of the same label."""
    t = v.grid
    out = []
    for r in range(t.n_rows):
        toks = _label_terms(t.rows[r][0]) or _subtotal_terms(v, r)
        if toks:
            hit = sum(w in q_stems for w in toks)
            if hit:
                sec = label_tokens(v.section(r))
                shit = sum(stem(w) in q_stems for w in sec)
                out.append((hit / len(toks) + 0.05 * hit + (0.1 * shit / len(sec) if sec else 0.0), r))
    return sorted(out, reverse=True)


def _unlabelled_figures(t: TypedTable, r: int) -> bool:
    """A row of figures without a label: a subtotal ("| | 171,819 | 140,176 |")."""
    return not t.rows[r][0].strip() and any(t.num(r, c) is not None for c in range(1, t.n_cols))


def _subtotal_terms(v: ReportView, r: int) -> tuple[str, ...]:
    """A row of figures without a label sums its section ("| | $2,202 | $1,939 |" under "Board of directors"):
    it is named by the section's words and "total" ("the total compensation for the Board of directors")."""
    if not v.section(r) or not _unlabelled_figures(v.grid, r):
        return ()
    return (*(stem(w) for w in label_tokens(v.section(r))), "total")


def _total_below(v: ReportView, r: int) -> int | None:
    """The first total or subtotal row below row r (what "the share of X in the total" divides by)."""
    t = v.grid
    for x in range(r + 1, t.n_rows):
        if t.total[x] or _subtotal_terms(v, x):
            return x
    return None


def link_columns(t: TypedTable, q_norm: str) -> list[int]:
    """Numeric-ish columns whose year the question mentions (every year of a range "2017-2019"); all data
    columns when none is mentioned."""
    years = set(report_years(q_norm))
    for a, b in RANGE.findall(q_norm):
        years |= set(range(int(a), int(b) + 1)) if 0 < int(b) - int(a) <= 6 else set()
    cols = [c for c in range(1, t.n_cols) if any(t.num(r, c) is not None for r in range(t.n_rows))]
    hit = [c for c in cols if col_year(t, c) in years]
    if len(years) == 1 and hit:
        # "the change in X in 2019" is measured against the year before: its columns come second
        hit += [c for c in cols if col_year(t, c) == min(years) - 1]
    return hit if hit else cols[:6]


def row_sets(v: ReportView, q_stems: set[str]) -> list[tuple[str, tuple[int, ...]]]:
    """Sets of rows a question may list, count or compare: each section's rows, the rows above each total row,
    and all rows (total rows left out), best named first, at most four."""
    t = v.grid
    body = [r for r in range(t.n_rows) if not t.total[r] and t.rows[r][0].strip()]
    sets: list[tuple[float, str, tuple[int, ...]]] = []
    by_section: dict[str, list[int]] = {}
    for r in body:
        if v.section(r):
            by_section.setdefault(v.section(r), []).append(r)
    for sec, members in by_section.items():
        words = label_tokens(sec)
        sets.append((sum(stem(w) in q_stems for w in words) / max(1, len(words)), "section", tuple(members)))
    start = 0
    for r in range(t.n_rows):
        # a total row, or a subtotal (a row of figures without a label)
        if t.total[r] or _unlabelled_figures(t, r):
            block = tuple(x for x in range(start, r) if x in body)
            words = label_tokens(t.norm[r][0])
            sets.append((sum(stem(w) in q_stems for w in words) / max(1, len(words)), "block", block))
            start = r + 1
    sets.append((0.0, "all", tuple(body)))
    seen: set[tuple[int, ...]] = set()
    out: list[tuple[str, tuple[int, ...]]] = []
    for _, kind, rs in sorted(sets, key=lambda x: -x[0]):
        if 2 <= len(rs) <= MAX_SET and rs not in seen:
            seen.add(rs)
            out.append((kind, rs))
    return out[:4]


def _two_cell_ops(a: tuple[int, int], b: tuple[int, int]) -> list[Program]:
    return [Program(op, cells=(a, b)) for op in ("csub", "cpct", "cratio", "cshare")]


def _row_programs(r: int, cols: list[int], per_year: list[int], all_cols: list[int]) -> list[Program]:
    """One row's lookups, two-column arithmetic and lists, averages and sums over its years, its best year."""
    out = [Program("lookup", cells=((r, c),)) for c in all_cols] + [Program("lookup", cells=((r, 0),))]
    for a, b in permutations(cols[:5], 2):
        out += [*_two_cell_ops((r, a), (r, b)), Program("clist", cells=((r, a), (r, b)))]
    for a, b in combinations(cols[:5], 2):
        out += [Program("cavg", cells=((r, a), (r, b))), Program("csum", cells=((r, a), (r, b)))]
    for span in (cols[:6] if len(cols) > 2 else [], per_year if len(per_year) > 2 else []):
        if span:
            cs = tuple((r, c) for c in span)
            out += [Program("cavg", cells=cs), Program("csum", cells=cs)]
    out += [Program(op, cells=tuple((r, c) for c in per_year)) for op in ("year_of_max", "year_of_min")]
    return out


def _pair_programs(r1: int, r2: int, c: int) -> list[Program]:
    """Two rows in one column: difference, change, ratio, share, sum, list, average."""
    out = [*_two_cell_ops((r1, c), (r2, c)), Program("csum", cells=((r1, c), (r2, c))),
           Program("clist", cells=((r1, c), (r2, c)))]
    return out + ([Program("cavg", cells=((r1, c), (r2, c)))] if r1 < r2 else [])


def _set_programs(kind: str, rs: tuple[int, ...], cols: list[int]) -> list[Program]:
    """A set of rows: its labels listed and counted, the row of its largest and smallest figure, its sum and
    average."""
    labels = tuple((r, 0) for r in rs)
    out = [Program("clist", cells=labels, args=(kind,)), Program("crows", cells=labels, args=(kind,))]
    for c in cols[:3]:
        out += [Program(op, cells=tuple((r, c) for r in rs), args=(kind,))
                for op in ("crow_max", "crow_min", "csum", "cavg")]  # "the average age of the officers"
    return out


def generate_financial(v: ReportView, q_norm: str, q_raw: str = "", cap: int = 1500) -> list[Program]:
    """Lookups, lists, and two-cell/row arithmetic over the best-linked rows and columns; lists, counts and
    superlatives over sets of rows; the column headers; the magnitude of negative figures."""
    t = v.grid
    q_stems = question_keys(q_norm, q_raw)
    rows = [r for _, r in row_scores(v, q_stems)[:6]]
    cols = link_columns(t, q_norm)
    all_cols = [c for c in range(1, t.n_cols)]
    ycols = [c for c in all_cols if col_year(t, c)]
    named = [c for c in cols[:6] if col_year(t, c)]
    per_year = named if len(named) >= 2 else cols[:5]
    out: list[Program] = []
    for r in rows:
        out += _row_programs(r, cols, per_year, all_cols)
    out += _header_programs(t, all_cols, ycols)
    nums = _thresholds(q_raw)
    for r in rows[:3]:
        if len(cols) > 2:
            out.append(Program("clist", cells=tuple((r, c) for c in cols[:5])))
        # A "Total" column sums the others: like a total row, it is no member of what is counted.
        counted = [c for c in per_year if "total" not in t.header[c].lower()] or per_year
        for x in nums[:2]:
            cs = tuple((r, c) for c in counted)
            out += [Program(op, cells=cs, args=(fmt(x),)) for op in ("ccount_gt", "ccount_lt", "cyears_gt",
                                                                      "cyears_lt")]
    for r1, r2 in permutations(rows[:3], 2):
        for c in cols[:3]:
            out += _pair_programs(r1, r2, c)
    for r in rows[:3]:  # a row's share of the total below it, though the question does not name that total
        below = _total_below(v, r)
        if below is not None and below not in rows[:3]:
            out += [Program(op, cells=((r, c), (below, c))) for c in cols[:3] for op in ("cshare", "cratio")]
    for kind, rs in row_sets(v, q_stems):
        out += _set_programs(kind, rs, cols)
    out = list(dict.fromkeys(out))[:cap]
    negative = [p for p in out if p.op in ABS_OPS and not p.args and _negative(t, p)]
    return out + [replace(p, args=("abs",)) for p in negative][: max(0, cap - len(out))]


def _header_programs(t: TypedTable, all_cols: list[int], ycols: list[int]) -> list[Program]:
    """The years the columns cover, the column names, and columns that are things ("Bonds", "Bank loans", ...,
    "Total") named and counted without their total."""
    out = [Program("col_years", cells=tuple((0, c) for c in ycols))] if len(ycols) >= 2 else []
    out.append(Program("cheaders", cells=tuple((0, c) for c in all_cols)))
    parts = [c for c in all_cols if "total" not in t.header[c].lower() and not col_year(t, c)]
    if 2 <= len(parts) < len(all_cols) or (len(parts) >= 2 and not ycols):
        cells = tuple((0, c) for c in parts)
        out += [Program("cheaders", cells=cells), Program("crows", cells=cells, args=("cols",))]
    return out


def _thresholds(q_raw: str) -> list[float]:
    """The question's numbers that may be thresholds: years are not, but "$2,000 million" is one (a year is what
    `report_years` reads as one); every thousands separator out first ("$1,000,000" is one number,
    `question_numbers` joins one group only)."""
    years = {float(y) for y in report_years(q_raw)}
    return [x for x in question_numbers(_SEPARATOR.sub("", q_raw.lower())) if x not in years]


def _negative(t: TypedTable, p: Program) -> bool:
    """Some cell of the program is a negative number (its result may be)."""
    return any((x := t.num(r, c)) is not None and x < 0 for r, c in p.cells)


def execute_report(t: TypedTable, p: Program) -> Exec:
    """Run a report program: the operations of this module here, the rest by `programs.execute`; with args
    ("abs",), the magnitude of a negative result."""
    if p.args == ("abs",):
        e = execute(t, replace(p, args=()))
        if e.number is None or e.number >= 0 or len(e.values) != 1:
            return EMPTY
        return Exec((fmt(-e.number),), -e.number, e.rows, e.cells)
    if p.op not in REPORT_OPS:
        return execute(t, p)
    try:
        return _report_op(t, p)
    except (IndexError, ValueError, ZeroDivisionError, OverflowError):
        return EMPTY


def _report_op(t: TypedTable, p: Program) -> Exec:
    rows = tuple(sorted({r for r, _ in p.cells}))
    if p.op == "crows":  # "How many components are there?": the rows of the set (or the columns named)
        return Exec((str(len(p.cells)),), float(len(p.cells)), () if p.args == ("cols",) else rows, p.cells)
    if p.op == "cheaders":  # "Which levels are shown in the table?": the column names
        names = tuple(t.header[c] for _, c in p.cells)
        return Exec(names, None, (), ()) if all(n.strip() and not n.startswith("column ") for n in names) else EMPTY
    vals = [(t.num(r, c), (r, c)) for r, c in p.cells]
    known = [(x, rc) for x, rc in vals if x is not None]
    if p.op in ("crow_max", "crow_min"):  # "Which segment had the highest revenue?": the row's label
        if len(known) < 2:
            return EMPTY
        best = max(known)[0] if p.op == "crow_max" else min(known)[0]
        win = [rc for x, rc in known if x == best]
        return Exec(tuple(t.rows[r][0] for r, _ in win), None, tuple(r for r, _ in win), tuple(win))
    # cyears_gt / cyears_lt: "In which years was X below 20%?": the years of the columns that pass
    if len(known) != len(vals) or not p.args:
        return EMPTY
    x = float(p.args[0])
    passed = [rc for v, rc in known if (v > x if p.op == "cyears_gt" else v < x)]
    years = [YEAR.findall(t.header[c]) for _, c in passed]
    if not passed or not all(years):
        return EMPTY
    return Exec(tuple(y[-1] for y in years), None, tuple(sorted({r for r, _ in passed})), tuple(passed))
