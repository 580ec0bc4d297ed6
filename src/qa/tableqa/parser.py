"""Public entry point: answer_table(question, header, rows, model) -> ranked, executed programs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.tableqa.candidates import generate, make_context
from qa.tableqa.executors import execute
from qa.tableqa.features import Featurizer
from qa.tableqa.grid import TypedTable, flatten_header, make_table, stack_blocks
from qa.tableqa.programs import Exec, Program
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
    """Candidates of one question with their executions and feature group (shared by train/eval); `table` is
    the table they ran on when it is not the one given (side-by-side blocks stacked), `origin` each of its rows'
    (row, first column) in the given one."""
    programs: tuple[Program, ...]
    execs: tuple[Exec, ...]
    group: Group
    table: TypedTable | None = None
    origin: tuple[tuple[int, int], ...] = ()


def candidates_for(t: TypedTable, question: str, cap: int = 2000) -> Scored:
    """Generate, execute and featurise; empty executions are dropped because they never answer. A table of
    side-by-side copies of one set of columns is answered as one column set."""
    stacked = stack_blocks(t)
    if stacked is not None:
        s = _candidates(stacked[0], question, cap)
        return Scored(s.programs, s.execs, s.group, stacked[0], stacked[1])
    return _candidates(t, question, cap)


def _candidates(t: TypedTable, question: str, cap: int) -> Scored:
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
    run_on = s.table or t
    for i in order:
        e = s.execs[i]
        if e.values in seen:
            continue
        seen.add(e.values)
        prog = s.programs[i]
        rows, cells = _in_given(s, e)
        out.append(Result(prog, render(run_on, prog), e.values, e.number, rows, cells,
                          model.confidence(mass[e.values])))
        if len(out) >= top:
            break
    return out


def _in_given(s: Scored, e: Exec) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """The rows and cells an answer read, in the table as given (not as stacked)."""
    if s.table is None:
        return e.rows, e.cells
    rows = tuple(dict.fromkeys(s.origin[r][0] for r in e.rows))
    return rows, tuple((s.origin[r][0], s.origin[r][1] + c) for r, c in e.cells)


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
