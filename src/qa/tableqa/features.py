"""Hashed sparse features of (question, program, execution, table) for the log-linear ranker."""
from __future__ import annotations

import zlib
from itertools import pairwise

import numpy as np

from qa.lru import per_object
from qa.tableqa.candidates import Context
from qa.tableqa.cues import (
    cond_header_feats,
    count_feats,
    cue_feats,
    degree_words,
    direction_feats,
    question_cues,
    result_kind,
)
from qa.tableqa.grid import TypedTable
from qa.tableqa.mentions import STOP, question_numbers
from qa.tableqa.programs import Cond, Exec, Program, match_rows
from qa.tables.types import normalize
from qa.text.tokens import stem

DIM = 1 << 18
WH = ("how many", "how much", "what year", "which year", "what is the total", "who", "when", "which",
      "what", "where", "is", "did", "does", "was", "are", "how long", "how")
LIST_OPS = {"select", "first", "last", "next", "prev", "argmax", "argmin"}


def wh_word(q_norm: str) -> str:
    for w in WH:
        if q_norm.startswith(w + " ") or f" {w} " in f" {q_norm[:30]} ":
            return w
    return "other"


def header_tokens(t: TypedTable, c: int) -> list[str]:
    return normalize(t.header[c]).split()[:6] if 0 <= c < t.n_cols else []


def overlap(t: TypedTable, c: int, q_stems: set[str]) -> int:
    return sum(stem(w) in q_stems for w in header_tokens(t, c))


def near_overlap(t: TypedTable, c: int, q_words: set[str]) -> int:
    """Header words that share a 4-letter start with a question word the stems miss ("length" for
    "longer", "medalists" for "medals", "penalty" for "penalties")."""
    starts = {w[:4] for w in q_words if len(w) >= 4}
    return sum(len(w) >= 4 and w[:4] in starts for w in header_tokens(t, c))


@per_object()
def column_ranges(t: TypedTable) -> list[tuple[float, float] | None]:
    """Each column's smallest and largest number (None for a column without numbers)."""
    out: list[tuple[float, float] | None] = []
    for c in range(t.n_cols):
        nums = [x for r in range(t.n_rows) if (x := t.num(r, c)) is not None]
        out.append((min(nums), max(nums)) if nums else None)
    return out


def _comparison_feats(t: TypedTable, c: Cond, ranges: list[tuple[float, float] | None]) -> list[str]:
    """Whether a numeric comparison can tell rows apart: its number inside the column's range, and how many
    rows it keeps ("Year > 200" keeps them all, "Seasons played > 600" none)."""
    span = ranges[c.col] if 0 <= c.col < len(ranges) else None
    inside = span is not None and c.num is not None and span[0] <= c.num <= span[1]
    kept = len(match_rows(t, (c,)))
    total = sum(not x for x in t.total)
    share = "none" if kept == 0 else "all" if kept >= total else "one" if kept == 1 else "some"
    return [f"cmprange:{inside}|{c.op}", f"cmpkeep:{share}", f"cmpkeep:{share}|inside:{inside}"]


def _column_feats(t: TypedTable, role: str, c: int, op: str, q_stems: set[str], q_toks: list[str],
                  wh: str) -> list[str]:
    """Header overlap, header tokens crossed with question words, and the column's type."""
    if c < 0:
        return [f"{role}:none|{op}"]
    ov = min(overlap(t, c, q_stems), 2)
    f = [f"{role}ov:{ov}|{op}", f"{role}ov:{ov}", f"{role}ov:{ov}|{wh}", f"{role}type:{t.types[c]}|{op}",
         f"{role}type:{t.types[c]}|{wh}", f"{role}first:{c == 0}|{op}"]
    hdr = header_tokens(t, c)
    f += [f"{role}h:{h}|wh:{wh}" for h in hdr]
    f += [f"{role}h:{stem(h)}|q:{stem(w)}" for h in hdr[:3] for w in q_toks[:14]]
    return f


def _result_feats(t: TypedTable, ctx: Context, p: Program, e: Exec, wh: str) -> list[str]:
    n = len(e.values)
    size = "0" if n == 0 else "1" if n == 1 else "2" if n == 2 else "3-5" if n <= 5 else "6+"
    f = [f"size:{size}|{p.op}", f"size:{size}|{wh}", f"isnum:{e.number is not None}|{wh}"]
    vals = {normalize(v) for v in e.values}
    if vals and all(f" {v} " in f" {ctx.q_norm} " for v in vals):
        f.append(f"res_in_q|{p.op}")
    if p.op == "count":
        f.append(f"count_val:{min(int(e.number or 0), 3)}")
    return f


def _cond_feats(t: TypedTable, ctx: Context, p: Program, q_stems: set[str],
                ranges: list[tuple[float, float] | None], q_words: set[str]) -> list[str]:
    f = [f"nconds:{len(p.conds)}|{p.op}"]
    used = {(c.col, c.value) for c in p.conds} | {(p.key, a) for a in p.args}
    exact_links = {(link.col, link.value) for link in ctx.links if link.exact}
    unused = len(exact_links - used)
    f.append(f"unused_links:{min(unused, 3)}|{p.op}")
    f.append(f"unused_links:{min(unused, 3)}")
    nums = question_numbers(ctx.q_num)
    used_nums = {c.num for c in p.conds if c.num is not None} | {v for c in p.conds for v in question_numbers(c.value)}
    if nums:
        f.append(f"unused_nums:{sum(x not in used_nums for x in nums) > 0}|{p.op}")
    for c in p.conds:
        if c.op in ("=", "has"):
            n = len(match_rows(t, (c,), skip_total=False))
            f.append(f"linkrows:{min(n, 3)}|{p.op}")
    for c in p.conds:
        f.append(f"cond:{c.op}|{p.op}")
        if c.num is not None:
            if t.types[c.col] == "score":  # which side of "2–1" the question's words ask about
                f += [f"side:{c.value}|{c.op}"] + [f"side:{c.value}|w:{w}" for w in q_words if w not in STOP]
            f.append(f"cmpcol:{min(overlap(t, c.col, q_stems), 2)}|{c.op}|{t.types[c.col]}")
            f.append(f"cmpnear:{min(near_overlap(t, c.col, q_words), 2)}|{c.op}")
            f += _comparison_feats(t, c, ranges)
        f.append(f"condov:{min(overlap(t, c.col, q_stems), 2)}|{c.op}")
        f.append(f"condtype:{t.types[c.col]}|{c.op}")
        if c.col == p.col:
            f.append("cond_is_ret")
    return f


_IDS: dict[str, int] = {}


def hash_feats(feats: list[str]) -> np.ndarray:
    """Feature strings to indices with crc32 (stable across runs, unlike hash()), memoised."""
    out = np.empty(len(feats), np.int32)
    for i, s in enumerate(feats):
        v = _IDS.get(s)
        if v is None:
            v = zlib.crc32(s.encode()) & (DIM - 1)
            if len(_IDS) < 2_000_000:
                _IDS[s] = v
        out[i] = v
    return out


class Featurizer:
    """Per-question feature builder; parts that depend only on (op) or (column, op) are cached."""

    def __init__(self, t: TypedTable, ctx: Context) -> None:
        self.t, self.ctx = t, ctx
        self.q_toks = ctx.q_norm.split()
        self.q_stems = {stem(w) for w in self.q_toks}
        self.wh = wh_word(ctx.q_norm)
        self.memo: dict[tuple[str | int, ...], np.ndarray] = {}
        self.ov = [overlap(t, c, self.q_stems) for c in range(t.n_cols)]
        self.best = max(self.ov, default=0)
        self.q_words = set(self.q_toks)
        self.near = [near_overlap(t, c, self.q_words) for c in range(t.n_cols)]
        self.degree = degree_words(self.q_toks)
        self.noun = ctx.noun
        self.cues = question_cues(ctx.q_norm)

    def _op_part(self, op: str) -> np.ndarray:
        key = ("op", op)
        if key not in self.memo:
            q, wh = self.q_toks, self.wh
            f = [f"op:{op}", f"op:{op}|wh:{wh}"] + [f"op:{op}|w:{w}" for w in q]
            f += [f"op:{op}|b:{a}_{b}" for a, b in pairwise(q)]
            self.memo[key] = hash_feats(f)
        return self.memo[key]

    def _col_part(self, role: str, c: int, op: str) -> np.ndarray:
        key = (role, c, op)
        if key not in self.memo:
            f = _column_feats(self.t, role, c, op, self.q_stems, self.q_toks, self.wh)
            if c >= 0:  # is this the column the question names best? (absolute overlap alone ties often)
                f += [f"{role}best:{self.ov[c] == self.best > 0}|{op}", f"{role}beaten:{self.ov[c] < self.best}|{op}",
                      f"{role}near:{min(self.near[c], 2)}|ov:{min(self.ov[c], 1)}|{op}"]
            self.memo[key] = hash_feats(f)
        return self.memo[key]

    def _condh_part(self, c: int) -> np.ndarray:
        key = ("condh", c)
        if key not in self.memo:
            self.memo[key] = hash_feats(cond_header_feats(self.t, c, self.q_toks, self.wh))
        return self.memo[key]

    def extract(self, p: Program, e: Exec) -> np.ndarray:
        """Feature ids for one candidate: op x question words, column roles, filters, result shape."""
        t, ctx, op = self.t, self.ctx, p.op
        ret = p.key if op.startswith("compare") else p.col
        parts = [self._op_part(op), self._col_part("ret", ret, op)]
        if p.by >= 0 and p.by != ret:
            parts.append(self._col_part("by", p.by, op))
        f = [f"self_by|{op}"] if p.by == ret and p.by >= 0 else []
        if p.args == ("prim",):  # the cells' names without their notes: which questions want them
            f += [f"prim|{op}", f"prim|wh:{self.wh}"] + [f"prim|h:{h}" for h in header_tokens(t, ret)[:3]]
        f += _cond_feats(t, ctx, p, self.q_stems, column_ranges(t), self.q_words)
        f += _result_feats(t, ctx, p, e, self.wh)
        f += direction_feats(t, p, self.degree) + count_feats(t, p, self.noun, ctx.q_norm)
        f += cue_feats(t, p, self.cues, result_kind(t, p, e), self.wh)
        parts.append(hash_feats(f))
        parts += [self._condh_part(c) for c in sorted({c.col for c in p.conds})]
        return np.concatenate(parts)
