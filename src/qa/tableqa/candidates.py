"""Bounded enumeration of candidate programs for a question over one table."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import combinations

from qa.lru import per_object
from qa.tableqa.grid import TypedTable
from qa.tableqa.mentions import (
    DISTINCT,
    SAME,
    Link,
    comparison_conds,
    count_thresholds,
    counted_noun,
    equality_conds,
    in_conds,
    link_cells,
    named_row_conds,
    outcome_conds,
    presence_conds,
)
from qa.tableqa.programs import PRIM_OPS, SUPER_OPS, Cond, Program, fmt
from qa.tableqa.spans import cell_years
from qa.tables.types import normalize
from qa.text.tokens import stem

NEG = re.compile(r"\b(not|n t|other than|besides|except|excluding|without)\b")
NUMERIC = {"number", "year", "date", "ordinal", "duration", "score"}


@dataclass(frozen=True)
class Context:
    """Everything the generator and the features share about one (question, table) pair."""
    q_norm: str
    q_num: str
    links: tuple[Link, ...]
    num_cols: tuple[int, ...]
    noun: str = ""  # the counted thing ("how many players" -> player)


def make_context(t: TypedTable, question: str) -> Context:
    q = normalize(question)
    num_cols = tuple(c for c in range(t.n_cols) if t.types[c] in NUMERIC)
    # numbers keep their thousands separators out: "10,000" must stay one number, not "10 000"
    q_num = re.sub(r"(\d),(\d{3})", r"\1\2", question.lower())
    return Context(q, q_num, tuple(link_cells(t, q)), num_cols, counted_noun(q))


def _cond(link: Link) -> Cond:
    return Cond(link.col, "=" if link.exact else "has", link.value)


def cond_sets(t: TypedTable, ctx: Context) -> list[tuple[Cond, ...]]:
    """No filter, each linked cell, pairs on different columns, numeric comparisons (alone or with a cell)."""
    single = [(_cond(link),) for link in ctx.links]
    pairs = [(_cond(a), _cond(b)) for a, b in combinations(ctx.links[:6], 2) if a.col != b.col]
    cmps = comparison_conds(t, ctx.q_num, list(ctx.num_cols))
    eqs = equality_conds(t, ctx.q_num, list(ctx.num_cols))
    cmps += [c for c in eqs if c not in cmps]
    mixed = [(c, _cond(link)) for c in cmps[:4] + eqs[:2] for link in ctx.links[:3] if link.col != c.col]
    rng = _range_conds(t, ctx)
    neg = ([(Cond(link.col, "!=" if link.exact else "nothas", link.value),) for link in ctx.links[:3]]
           if NEG.search(ctx.q_norm) else [])
    wins = outcome_conds(t, ctx.q_norm)
    wins += [(*w, _cond(link)) for w in wins[:2] for link in ctx.links[:2] if link.col != w[0].col]
    return ([()] + single + pairs + [(c,) for c in cmps] + mixed + neg + rng + wins
            + [(*r, _cond(link)) for r in rng[:4] for link in ctx.links[:2]] + _set_conds(t, ctx))


def _set_conds(t: TypedTable, ctx: Context) -> list[tuple[Cond, ...]]:
    """Rows holding one of several named values, and a named column's cells given or not ("made the playoffs"),
    alone or with a linked cell of another column."""
    out: list[tuple[Cond, ...]] = []
    q_stems = {stem(w) for w in ctx.q_norm.split()}
    for c in in_conds(ctx.q_norm, list(ctx.links)) + presence_conds(t, q_stems):
        out.append((c,))
        out += [(c, _cond(link)) for link in ctx.links[:2] if link.col != c.col]
    return out


def _range_conds(t: TypedTable, ctx: Context) -> list[tuple[Cond, ...]]:
    """'between 1970 and 1985' / 'from 1970 to 1985' / '1970-1985': an inclusive range on numeric columns."""
    m = re.search(r"\b(?:between|from)?\s*(\d+(?:\.\d+)?)\s*(?:and|to|-|–)\s*(\d+(?:\.\d+)?)\b", ctx.q_num)
    if not m or not re.search(r"between|from|\d\s*[-–]\s*\d", ctx.q_num):
        return []
    lo, hi = sorted((float(m.group(1)), float(m.group(2))))
    out: list[tuple[Cond, ...]] = []
    for c in ctx.num_cols:
        d = t.types[c] == "date" and hi < 3000  # years against yyyymmdd dates
        out.append((Cond(c, ">=", "", lo * 10000 if d else lo), Cond(c, "<=", "", hi * 10000 + 9999 if d else hi)))
    return out[:4]


def _row_programs(t: TypedTable, ctx: Context, cs: tuple[Cond, ...]) -> list[Program]:
    """Programs that read rows selected by one filter set."""
    out = [Program("count", conds=cs)]
    used = {c.col for c in cs if c.op == "="}
    for c in range(t.n_cols):
        if len(cs) == 1 and cs[0].op in ("=", "has"):  # "who finished after X" returns X's own column
            out += [Program("next", c, cs), Program("prev", c, cs)]
        if c in used:
            continue
        out += [Program("select", c, cs), Program("first", c, cs), Program("last", c, cs)]
        for n in ctx.num_cols:
            # n == c gives the max/min value itself ("what is the highest attendance")
            out += [Program("argmax", c, cs, n), Program("argmin", c, cs, n)]
        if t.types[c] not in NUMERIC and (not cs or (len(cs) == 1 and DISTINCT.search(ctx.q_norm))):
            out.append(Program("count_distinct", c, cs))
        if len(cs) <= 1:
            out += [Program("mode", c, cs), Program("antimode", c, cs)]
    for n in ctx.num_cols:
        out += [Program("sum", n, cs), Program("avg", n, cs)]
    if len(cs) == 1 and cs[0].op in ("=", "has"):
        out += [Program("diff_cols", a, cs, b) for a, b in combinations(ctx.num_cols, 2)]
    noted = noted_columns(t)
    return out + [replace(p, args=("prim",)) for p in out if p.col in noted and p.op in PRIM_OPS]


@per_object()
def noted_columns(t: TypedTable) -> frozenset[int]:
    """Text columns whose cells often carry a parenthesised note ("Slovakia (SVK)", "Luke Donald (1)")."""
    out = set()
    for c in range(t.n_cols):
        filled = [x for x in (t.rows[r][c] for r in range(t.n_rows)) if x.strip()]
        if t.types[c] == "text" and filled and 5 * sum("(" in x for x in filled) >= len(filled):
            out.add(c)
    return frozenset(out)


def _pair_programs(t: TypedTable, ctx: Context) -> list[Program]:
    """'A or B' comparisons and differences between two mentioned values of one column."""
    out = []
    exact = [link for link in ctx.links if link.exact]
    for a, b in combinations(exact, 2):
        if a.col != b.col:
            continue
        args = (a.value, b.value)
        for op in ("compare_max", "compare_min"):
            out.append(Program(op, key=a.col, args=args, by=-1))
            out += [Program(op, key=a.col, args=args, by=n) for n in ctx.num_cols if n != a.col]
        out += [Program(op, n, key=a.col, args=args) for n in ctx.num_cols if n != a.col for op in ("diff", "sum2")]
        out += [Program(op, key=a.col, args=args) for op in ("compare_count_max", "compare_count_min")]
        out += _verdicts(t, ctx, a, b)
    return out


WORD_PAIR = re.compile(r"\b(more|less|higher|lower|above|below|before|after|greater|fewer|larger|smaller|better|worse"
                       r"|earlier|later|longer|shorter|older|younger|first|second|last)\s+or\s+(\w+)")
YES_NO = re.compile(r"^(is|are|was|were|did|does|do|has|have|had|can|could)\b")


def _verdicts(t: TypedTable, ctx: Context, a: Link, b: Link) -> list[Program]:
    """'did A win more or less than B' (the question's words) and 'was A before B' (yes or no), by each numeric
    column and by row order, the two values in the order the question names them."""
    x, y = sorted((a, b), key=lambda link: ctx.q_norm.find(link.value) % 10_000)
    bys = [-1, *(n for n in ctx.num_cols if n != a.col)]
    m = WORD_PAIR.search(ctx.q_norm)
    out = []
    if m:
        args = (x.value, y.value, m.group(1), m.group(2))
        out += [Program(op, by=n, key=a.col, args=args) for n in bys for op in ("word_gt", "word_lt")]
    if YES_NO.search(ctx.q_norm):
        out += [Program(op, by=n, key=a.col, args=(x.value, y.value)) for n in bys for op in ("yes_gt", "yes_lt")]
        if SAME.search(ctx.q_norm):  # "was the margin in A the same as in B"
            pair = (x.value, y.value)
            out += [Program("yes_same", by=c, key=a.col, args=pair) for c in range(t.n_cols) if c != a.col]
    return out


def _named_programs(t: TypedTable, ctx: Context) -> list[Program]:
    """Rows compared with a named row ("which woods have the same acreage as hardwick wood", "how many buildings
    are taller than X"): their count, each other column, or yes/no."""
    out = []
    yes = YES_NO.search(ctx.q_norm)
    for cs in named_row_conds(t, ctx.q_norm, list(ctx.links), list(ctx.num_cols)):
        out.append(Program("count", conds=cs))
        out += [Program("select", c, cs) for c in range(t.n_cols) if c != cs[0].col]
        if cs[0].op in (">", "<"):  # "the next highest after X": the nearest row beyond X's value
            out += [Program(op, c, cs, cs[0].col) for c in range(t.n_cols) if c != cs[0].col for op in SUPER_OPS]
        if yes:
            out.append(Program("yes_any", conds=cs))
    return out


def _yes_programs(ctx: Context, sets: list[tuple[Cond, ...]]) -> list[Program]:
    """Yes or no: does some row meet the filters ("was X established before 1900"), and does the number of rows
    compare with the question's number ("are there more than 5 library buildings")."""
    small = [cs for cs in sets if len(cs) <= 1 and all(c.num is None for c in cs)][:8]
    limits = count_thresholds(ctx.q_num)
    m = WORD_PAIR.search(ctx.q_norm)
    out = [Program(op, conds=cs, args=(fmt(x), m.group(1), m.group(2))) for _, x in limits[:1] for cs in small
           for op in ("word_count_gt", "word_count_lt")] if m else []
    if not YES_NO.search(ctx.q_norm):
        return out
    out += [Program("yes_any", conds=cs) for cs in sets if cs]
    out += [Program("yes_count", conds=cs, args=(op, fmt(x))) for op, x in limits for cs in small]
    return out


DURATION = re.compile(r"\bhow long\b|\b(?:how many|number of|total of|many) years\b")


@per_object()
def year_columns(t: TypedTable) -> tuple[int, ...]:
    """Columns where most cells name a year (years, dates, ranges such as "1950–1977")."""
    out = []
    for c in range(t.n_cols):
        filled = [r for r in range(t.n_rows) if t.norm[r][c] and not t.total[r]]
        if filled and 2 * sum(bool(cell_years(t, r, c)) for r in filled) > len(filled):
            out.append(c)
    return tuple(out[:4])


def _span_programs(t: TypedTable, ctx: Context, sets: list[tuple[Cond, ...]]) -> list[Program]:
    """Lengths of time in years: the years a column spans over the filtered rows, from one column to another in
    a row, between two named rows; shown with "years" when the question asks how long."""
    if not DURATION.search(ctx.q_norm) or re.search(r"\b(days?|weeks?|months?|hours?|minutes?)\b", ctx.q_norm):
        return []
    unit = ("years",) if "how long" in ctx.q_norm else ("",)
    ys = year_columns(t)
    few = [cs for cs in sets if len(cs) <= 1][:10]
    out = [Program("span", y, cs, args=unit) for cs in few for y in ys]
    out += [Program("span2", a, cs, b, args=unit) for cs in few if cs for a, b in combinations(ys, 2)]
    exact = [link for link in ctx.links if link.exact]
    for a, b in combinations(exact, 2):
        if a.col == b.col:
            out += [Program("span_pair", y, key=a.col, args=(a.value, b.value, *unit)) for y in ys if y != a.col]
    return out


def generate(t: TypedTable, ctx: Context, cap: int = 2000) -> list[Program]:
    """All candidates, deduplicated, pair programs first (they are few and precise), capped."""
    sets = cond_sets(t, ctx)
    progs = _pair_programs(t, ctx) + _named_programs(t, ctx) + _span_programs(t, ctx, sets) + _yes_programs(ctx, sets)
    for cs in sets:
        progs += _row_programs(t, ctx, cs)
        if len(progs) >= cap:
            break
    return list(dict.fromkeys(progs))[:cap]
