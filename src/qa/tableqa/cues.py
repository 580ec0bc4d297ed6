"""Ranker features that tie a program's direction, filters and counted thing to the question's words.

- Direction: `argmax`/`argmin`/`compare_max`/`compare_min` crossed with the sort column's header words and the
  question's degree words ("fastest" + `Time` wants the minimum, "most" + `Goals` the maximum).
- Filter columns: a filter column's header words crossed with the question's words (the returned and sort
  columns had this; filters had only an overlap count).
- The counted thing: the noun after "how many" against the columns a count reads ("how many players": rows, not
  `count_distinct(Nationality)`), and whether a `count_distinct` column repeats values at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from qa.tableqa.grid import TypedTable
from qa.tableqa.mentions import DISTINCT, STOP
from qa.tableqa.programs import NEGATIVE, Exec, Program, match_rows
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


# Words that ask for each kind of operation, as groups (a feature per group the question says, crossed with the
# program's operation, so that rare wordings share the weight of their group).
TRIGGERS = {
    "count": r"\b(how many|number of|count|total number)\b",
    "most": r"\b(most|highest|largest|biggest|greatest|maximum|top|best|longest|tallest|oldest|latest)\b",
    "least": r"\b(least|lowest|smallest|fewest|minimum|worst|shortest|youngest|earliest|bottom)\b",
    "first": r"\b(first|earliest|top|opening|initial)\b",
    "last": r"\b(last|final|latest|bottom|most recent)\b",
    "next": r"\b(after|next|following|succeeded|below|behind|then)\b",
    "prev": r"\b(before|previous|preceding|prior|above|ahead)\b",
    "sum": r"\b(total|combined|sum|altogether|in all)\b",
    "avg": r"\b(average|mean)\b",
    "diff": r"\b(difference|how many more|how much more|how many less|how many fewer|margin|gap|between)\b",
    "compare": r"\b(or)\b",
    "same": r"\b(same|equal|as many|as much)\b",
    "than": r"\bthan\b",
    "yesno": r"^(is|are|was|were|did|does|do|has|have|had|can|could)\b",
    "long": r"\bhow long\b",
    "years": r"\b(how many|number of) years\b",
    "list": r"\b(list|name|names|all|each|every|which ones)\b",
    "distinct": r"\b(different|distinct|unique|kinds?|types?)\b",
    "neg": r"\b(not|no|never|without|except|other than|besides|n t)\b",
    "ge": r"\b(at least|or more|minimum of|no less than|or greater)\b",
    "le": r"\b(at most|or less|or fewer|no more than|maximum of|up to)\b",
    "gt": r"\b(more than|over|greater than|above|exceed\w*|higher than|larger than|longer than|bigger than)\b",
    "lt": r"\b(less than|fewer than|under|below|lower than|smaller than|shorter than)\b",
    "range": r"\bbetween\b|\bfrom \w+ (?:to|until|through)\b",
    "when": r"^(when|what year|which year|in what year|in which year)\b",
    "who": r"^(who|whom|whose)\b",
}
_TRIGGERS = {k: re.compile(v) for k, v in TRIGGERS.items()}
_HEAD = re.compile(r"\b(?:what|which|how many|name the|name a|name all|list the)\s+((?:\w+\s+){0,1}\w+)")


@dataclass(frozen=True)
class QuestionCues:
    """What a question asks, read once per question: trigger groups, the head noun after what/which/how many."""
    groups: tuple[str, ...]
    head: tuple[str, ...]  # stems of the one or two words after "what"/"which" ("which country" -> countri)


def question_cues(q_norm: str) -> QuestionCues:
    groups = tuple(k for k, rx in _TRIGGERS.items() if rx.search(q_norm))
    m = _HEAD.search(q_norm)
    head = tuple(stem(w) for w in (m.group(1).split() if m else []) if w not in STOP)
    return QuestionCues(groups, head)


def result_kind(t: TypedTable, p: Program, e: Exec) -> str:
    """The kind of an answer: yes/no, a word of the question, a length of time, a computed number, or the kind
    of the cells it reads (number, year, date, ordinal, text...)."""
    v = [x.strip().lower() for x in e.values]
    if v and all(x in ("yes", "no") for x in v):
        return "yesno"
    if p.op in ("span", "span2", "span_pair"):
        return "span"
    if p.op in ("word_gt", "word_lt", "word_count_gt", "word_count_lt"):
        return "word"
    col = p.key if p.op.startswith("compare") else p.col
    kinds = {t.cells[r][c].kind for r, c in e.cells[:3] if c == col}
    if p.op in COMPUTED or not kinds:
        return "num" if e.number is not None else "text"
    return kinds.pop() if len(kinds) == 1 else "mixed"


COMPUTED = frozenset({"count", "count_distinct", "sum", "avg", "diff", "sum2", "diff_cols"})


def cue_feats(t: TypedTable, p: Program, cues: QuestionCues, kind: str, wh: str) -> list[str]:
    """Trigger groups x operation; the answer's kind x wh-phrase and head noun; the head noun in the returned
    column's header (or in a filter column's)."""
    f = [f"tg:{g}|{p.op}" for g in cues.groups] or [f"tg:none|{p.op}"]
    f += [f"ak:{kind}|wh:{wh}"] + [f"ak:{kind}|head:{h}" for h in cues.head]
    f += [f"ak:{kind}|tg:{g}" for g in cues.groups]
    if cues.head:
        col = p.key if p.op.startswith("compare") else p.col
        in_ret = bool(set(cues.head) & set(header_stems(t, col)))
        in_cond = any(set(cues.head) & set(header_stems(t, c.col)) for c in p.conds)
        f += [f"headret:{in_ret}|{p.op}", f"headcond:{in_cond}|{p.op}", f"headret:{in_ret}|ak:{kind}"]
    neg = "neg" in cues.groups
    f += [f"cop:{c.op}|tg:{g}" for c in p.conds for g in cues.groups] + [f"cop:{c.op}|neg:{neg}" for c in p.conds]
    for c in p.conds:
        if c.op in ("=", "has"):  # a filter on cells that say it did not happen ("Did not qualify"), asked or not
            rows = match_rows(t, (c,), skip_total=False)
            said = bool(rows) and NEGATIVE.match(t.norm[rows[0]][c.col]) is not None
            f.append(f"linkneg:{said}|neg:{neg}")
        if c.ref_col >= 0:  # against a named row: which way, with the question's trigger groups
            f += [f"ref:{c.op}|tg:{g}" for g in cues.groups] + [f"ref:{c.op}|{p.op}"]
        if c.op in ("pos", "neg", "in"):
            f += [f"cset:{c.op}|tg:{g}" for g in cues.groups] + [f"cset:{c.op}|{p.op}"]
    return f
