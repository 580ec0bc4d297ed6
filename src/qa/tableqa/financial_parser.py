"""Financial-table answering: build/rank cell-arithmetic candidates and attach the predicted scale."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.tableqa.candidates import make_context
from qa.tableqa.features import Featurizer
from qa.tableqa.financial import financial_features, generate_financial, predict_scale, row_scores, scale_cues
from qa.tableqa.grid import TypedTable, flatten_header, make_table
from qa.tableqa.parser import Result, Scored
from qa.tableqa.programs import execute
from qa.tableqa.ranker import Ranker, make_group, softmax
from qa.tableqa.render import render
from qa.tables.types import normalize
from qa.text.tokens import stem


@dataclass(frozen=True)
class FinResult:
    """A financial answer: the table result plus its scale ('', thousand, million, billion, percent)."""
    result: Result
    scale: str


def build_financial(t: TypedTable, question: str) -> Scored:
    """Candidates whose execution is non-empty, with features."""
    q = normalize(question)
    fz = Featurizer(t, make_context(t, question))
    rank_of = {r: (i, sc) for i, (sc, r) in enumerate(row_scores(t, {stem(w) for w in q.split()}))}
    progs, execs, feats = [], [], []
    for p in generate_financial(t, q, question):
        e = execute(t, p)
        if e.values:
            progs.append(p)
            execs.append(e)
            feats.append(financial_features(fz, t, q, p, e, rank_of))
    return Scored(tuple(progs), tuple(execs), make_group(feats, [False] * len(progs)))


def learn_scale_table(items: list[tuple[str, str, str]]) -> dict[str, str]:
    """Majority gold scale per (cues, answer kind) over TRAIN questions; items are (cues, kind, scale)."""
    counts: dict[str, dict[str, int]] = {}
    for cues, kind, scale in items:
        d = counts.setdefault(f"{cues}|{kind}", {})
        d[scale] = d.get(scale, 0) + 1
    return {k: max(sorted(v), key=v.__getitem__) for k, v in counts.items() if sum(v.values()) >= 3}


def answer_financial(question: str, header_rows: list[list[str]], rows: list[list[str]], model: Ranker,
                     text: str = "", top: int = 3, scale_table: dict[str, str] | None = None) -> list[FinResult]:
    """Best first, each with a scale derived from the table/paragraph wording; never raises."""
    try:
        return rank_financial(make_table(flatten_header(header_rows), rows), question, model, text, top, scale_table)
    except Exception:  # odd tables degrade to no answer
        return []


def rank_financial(t: TypedTable, question: str, model: Ranker, text: str = "", top: int = 3,
                   scale_table: dict[str, str] | None = None) -> list[FinResult]:
    """`answer_financial` over a table already typed (a loaded table is typed once, not per question)."""
    s = build_financial(t, question)
    if not s.programs:
        return []
    cues = scale_cues(t, text)
    table = scale_table or {}
    p = softmax(model.scores(s.group))
    out = []
    for i in np.argsort(-p, kind="stable")[:top]:
        prog, e = s.programs[i], s.execs[i]
        res = Result(prog, render(t, prog), e.values, e.number, e.rows, e.cells, model.confidence(float(p[i])))
        out.append(FinResult(res, predict_scale(t, prog, e, cues, table)))
    return out
