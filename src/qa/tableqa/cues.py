"""Ranker features that tie a program's direction, filters and counted thing to the question's words.

- Direction: `argmax`/`argmin`/`compare_max`/`compare_min` crossed with the sort column's header words and the
  question's degree words ("fastest" + `Time` wants the minimum, "most" + `Goals` the maximum).
- Filter columns: a filter column's header words crossed with the question's words (the returned and sort
  columns had this; filters had only an overlap count).
- The counted thing: the noun after "how many" against the columns a count reads ("how many players": rows, not
  `count_distinct(Nationality)`), and whether a `count_distinct` column repeats values at all.
"""
from __future__ import annotations

from qa.tableqa.grid import TypedTable
from qa.tableqa.mentions import DISTINCT, STOP
from qa.tableqa.programs import Program, match_rows
from qa.tables.types import normalize
from qa.text.tokens import stem

DEGREE = frozenset(str.split(
    "most least more less fewer fewest top bottom first last best worst highest lowest largest smallest longest "
    "shortest fastest slowest earliest latest oldest youngest greatest biggest higher lower larger smaller longer "
    "shorter faster slower earlier later older younger greater bigger better worse least many much max min maximum "
    "minimum"))
DIRECTION = {"argmax": "max", "argmin": "min", "compare_max": "max", "compare_min": "min", "word_gt": "vgt",
             "word_lt": "vlt", "yes_gt": "vgt", "yes_lt": "vlt"}


def degree_words(q_toks: list[str]) -> list[str]:
    """The question's words of degree: comparatives and superlatives, known or by their ending."""
    return [w for w in q_toks if w in DEGREE or (len(w) >= 6 and w.endswith("est"))][:4]


def header_stems(t: TypedTable, c: int) -> list[str]:
    return [stem(w) for w in normalize(t.header[c]).split()[:4]] if 0 <= c < t.n_cols else []


def direction_feats(t: TypedTable, p: Program, degree: list[str]) -> list[str]:
    """Which way the program orders, crossed with the sort column and the question's degree words."""
    d = DIRECTION.get(p.op)
    if d is None:
        return []
    by = header_stems(t, p.by) if p.by >= 0 else ["<order>"]
    kind = t.types[p.by] if 0 <= p.by < t.n_cols else "order"
    f = [f"dir:{d}|bytype:{kind}|w:{w}" for w in degree]
    f += [f"dir:{d}|byh:{h}|w:{w}" for h in by[:3] for w in degree]
    return f or [f"dir:{d}|bytype:{kind}|nodegree"]


def cond_header_feats(t: TypedTable, c: int, q_toks: list[str], wh: str) -> list[str]:
    """A filter column's header words against the question's words and wh-phrase."""
    hs = header_stems(t, c)
    f = [f"condh:{h}|wh:{wh}" for h in hs]
    return f + [f"condh:{h}|q:{stem(w)}" for h in hs[:3] for w in q_toks[:14] if w not in STOP]


def count_feats(t: TypedTable, p: Program, noun: str, q_norm: str) -> list[str]:
    """Counts: where the counted noun is found (returned column, a filter column, nowhere), and distinctness."""
    if p.op not in ("count", "count_distinct", "sum") or not noun:
        return []
    where = "none"
    if noun in header_stems(t, p.col):
        where = "ret"
    elif any(noun in header_stems(t, c.col) for c in p.conds):
        where = "cond"
    elif any(noun in header_stems(t, c) for c in range(t.n_cols)):
        where = "other"
    f = [f"noun:{where}|{p.op}", f"noun:{where}|{p.op}|nconds:{min(len(p.conds), 2)}"]
    if p.op == "count_distinct":
        rows = match_rows(t, p.conds)
        repeats = len({t.norm[r][p.col] for r in rows}) < len(rows)
        f.append(f"cdist_repeats:{repeats}|asked:{bool(DISTINCT.search(q_norm))}")
    return f
