"""Financial-table answering: the report view of a table, cell-arithmetic candidates ranked, the learned scale."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.tableqa.financial import ReportView, execute_report, generate_financial, question_keys, row_scores
from qa.tableqa.financial_features import QuestionPart, financial_features
from qa.tableqa.grid import TypedTable, flatten_header, make_table
from qa.tableqa.parser import Result, Scored
from qa.tableqa.ranker import Ranker, make_group, softmax
from qa.tableqa.render import render
from qa.tableqa.report_scale import ScaleModel, predict_scale
from qa.tables.model import Table
from qa.tables.types import normalize
from qa.tables.values import scale_name

__all__ = ["FinResult", "ReportView", "ScaleModel", "answer_financial", "build_financial", "rank_financial",
           "report_view"]


@dataclass(frozen=True)
class FinResult:
    """A financial answer: the table result plus its scale ('', thousand, million, billion, percent)."""
    result: Result
    scale: str


def report_view(table: Table, grid: TypedTable, body: list[int]) -> ReportView:
    """A corpus table as the report model sees it: the typed grid (`body[i]` is the `Table.rows` index of grid
    row i), each row's section, the words around the table, and the scale the table declares."""
    rows = [table.rows[i] for i in body]
    sections = tuple(normalize(r.section or "") for r in rows)
    text = " ".join([table.caption or "", table.heading, table.context, table.column_context])
    header = " ".join(c for h in table.header_rows for c in h if c.strip())
    row_scales = tuple(scale_name(table.row_scale(r)) or "" for r in rows)
    return ReportView(grid, sections, text, scale_name(table.scale) or "", header, row_scales,
                      table.unit or "")


def build_financial(t: TypedTable | ReportView, question: str) -> Scored:
    """Candidates whose execution is non-empty, with features."""
    view = t if isinstance(t, ReportView) else ReportView(t)
    grid = view.grid
    q = normalize(question)
    q_part = QuestionPart(q, view, question)
    rank_of = {r: (i, sc) for i, (sc, r) in enumerate(row_scores(view, question_keys(q, question)))}
    progs, execs, feats = [], [], []
    for p in generate_financial(view, q, question):
        e = execute_report(grid, p)
        if e.values:
            progs.append(p)
            execs.append(e)
            feats.append(financial_features(q_part, view, q, p, e, rank_of))
    return Scored(tuple(progs), tuple(execs), make_group(feats, [False] * len(progs)))


def answer_financial(question: str, header_rows: list[list[str]], rows: list[list[str]], model: Ranker,
                     text: str = "", top: int = 3, scale_model: ScaleModel | None = None) -> list[FinResult]:
    """Best first, each with a scale derived from the table/paragraph wording; never raises."""
    try:
        grid = make_table(flatten_header(header_rows), rows)
        header = " ".join(c for h in header_rows for c in h if c.strip())
        return rank_financial(ReportView(grid, text=text, header=header), question, model, top=top,
                              scale_model=scale_model)
    except Exception:  # odd tables degrade to no answer
        return []


def rank_financial(t: TypedTable | ReportView, question: str, model: Ranker, text: str = "", top: int = 3,
                   scale_model: ScaleModel | None = None) -> list[FinResult]:
    """`answer_financial` over a table already typed (a loaded table is typed once, not per question)."""
    view = t if isinstance(t, ReportView) else ReportView(t, text=text)
    s = build_financial(view, question)
    if not s.programs:
        return []
    p = softmax(model.scores(s.group))
    q = normalize(question)
    # Candidates giving the same values (in any order: "2018 and 2019 respectively" is one answer) pool their
    # probability, as training counts every right candidate; the best-scored program of an answer is shown.
    keys = [tuple(sorted(e.values)) for e in s.execs]
    mass: dict[tuple[str, ...], float] = {}
    for k, pi in zip(keys, p, strict=True):
        mass[k] = mass.get(k, 0.0) + float(pi)
    order = sorted(np.argsort(-p, kind="stable"), key=lambda i: -mass[keys[i]])
    out: list[FinResult] = []
    seen: set[tuple[str, ...]] = set()
    for i in order:
        if keys[i] in seen:
            continue
        seen.add(keys[i])
        prog, e = s.programs[i], s.execs[i]
        res = Result(prog, render(view.grid, prog), e.values, e.number, e.rows, e.cells,
                     model.confidence(mass[keys[i]]))
        out.append(FinResult(res, predict_scale(view, q, prog, e, scale_model)))
        if len(out) >= top:
            break
    return out
