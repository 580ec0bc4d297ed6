"""Public entry point: answer_table(question, header, rows, model) -> ranked, executed programs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.tableqa.candidates import generate, make_context
from qa.tableqa.features import Featurizer
from qa.tableqa.grid import TypedTable, flatten_header, make_table
from qa.tableqa.programs import Exec, Program, execute
from qa.tableqa.ranker import Group, Ranker, make_group, softmax
from qa.tableqa.render import render

BY_MASS = True


@dataclass(frozen=True)
class Result:
    """One answer: the program, its text, values read/computed, rows and cells used, P(correct)."""
    program: Program
    text: str
    values: tuple[str, ...]
    number: float | None
    rows: tuple[int, ...]
    cells: tuple[tuple[int, int], ...]
    confidence: float


@dataclass(frozen=True)
class Scored:
    """Candidates of one question with their executions and feature group (shared by train/eval)."""
    programs: tuple[Program, ...]
    execs: tuple[Exec, ...]
    group: Group


def candidates_for(t: TypedTable, question: str, cap: int = 2000) -> Scored:
    """Generate, execute and featurise; empty executions are dropped because they never answer."""
    ctx = make_context(t, question)
    progs, execs, feats = [], [], []
    fz = Featurizer(t, ctx)
    for p in generate(t, ctx, cap):
        e = execute(t, p)
        if not e.values:
            continue
        progs.append(p)
        execs.append(e)
        feats.append(fz.extract(p, e))
    return Scored(tuple(progs), tuple(execs), make_group(feats, [False] * len(progs)))


def rank(t: TypedTable, s: Scored, model: Ranker, top: int = 5, by_mass: bool = BY_MASS) -> list[Result]:
    """Order answers by probability; candidates with the same answer pool their mass (by_mass) and the
    best-scored program among them is shown."""
    if not s.programs:
        return []
    p = softmax(model.scores(s.group))
    mass: dict[tuple[str, ...], float] = {}
    for e, pi in zip(s.execs, p, strict=False):
        mass[e.values] = mass.get(e.values, 0.0) + float(pi)
    order = list(np.argsort(-p, kind="stable"))
    if by_mass:
        order.sort(key=lambda i: -mass[s.execs[i].values])  # stable: best program first within an answer
    out, seen = [], set()
    for i in order:
        e = s.execs[i]
        if e.values in seen:
            continue
        seen.add(e.values)
        prog = s.programs[i]
        out.append(Result(prog, render(t, prog), e.values, e.number, e.rows, e.cells,
                          model.confidence(mass[e.values])))
        if len(out) >= top:
            break
    return out


def answer_table(question: str, header: list[str], rows: list[list[str]], model: Ranker,
                 header_rows: list[list[str]] | None = None) -> list[Result]:
    """Best first; empty when nothing fits; never raises on odd tables (ragged, empty, huge)."""
    try:
        hdr = flatten_header(header_rows) if header_rows else header
        t = make_table([str(h) for h in hdr], [[str(c) for c in r] for r in rows[:2000]])
        if t.n_cols == 0 or t.n_rows == 0:
            return []
        return rank(t, candidates_for(t, question), model)
    except Exception:  # the product must degrade to "no answer", not crash, on malformed input
        return []
