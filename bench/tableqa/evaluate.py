"""Print DEV figures: WTQ denotation accuracy, oracle coverage, candidates/question, ms/question; TAT-QA EM."""
from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import asdict
from typing import Any

import numpy as np

from bench.tableqa.data import ReportExample, load_tatqa_views, load_wtq
from bench.tableqa.scoring import tat_gold, tat_norm, wtq_correct
from bench.tableqa_predict import tatqa_prediction
from bench.tatqa_metric import tatqa_scores
from qa.tableqa.financial_parser import build_financial, rank_financial
from qa.tableqa.grid import TypedTable, make_table
from qa.tableqa.learned import shaped_report, typed
from qa.tableqa.parser import candidates_for, rank
from qa.tableqa.ranker import WEIGHTS, Ranker
from qa.tableqa.report_scale import ScaleModel


def eval_wtq(model: Ranker, limit: int) -> None:
    ex = [e for e in load_wtq() if e.dev][: limit or None]
    tabs: dict[str, TypedTable] = {}
    acc, oracle, ncand, ms, conf = [], [], [], [], []
    for e in ex:
        t = tabs.get(e.table_id) or tabs.setdefault(e.table_id, make_table(list(e.header), [list(r) for r in e.rows]))
        t0 = time.perf_counter()
        s = candidates_for(t, e.question)
        res = rank(t, s, model, top=1)
        ms.append(1000 * (time.perf_counter() - t0))
        ok = bool(res) and wtq_correct(res[0].values, list(e.gold))
        acc.append(ok)
        conf.append((res[0].confidence if res else 0.0, ok))
        oracle.append(any(wtq_correct(x.values, list(e.gold)) for x in s.execs))
        ncand.append(len(s.programs))
    print(f"WTQ dev n={len(ex)} accuracy={np.mean(acc):.4f} oracle={np.mean(oracle):.4f} "
          f"cands/q mean={np.mean(ncand):.0f} ms/q p50={statistics.median(ms):.1f} p90={np.percentile(ms, 90):.1f}")
    _calibration_table(conf)


def _calibration_table(conf: list[tuple[float, bool]]) -> None:
    """Accuracy per confidence bin: the confidence should read as P(correct)."""
    c = np.array([x for x, _ in conf])
    y = np.array([v for _, v in conf], float)
    for lo, hi in ((0, .2), (.2, .4), (.4, .6), (.6, .8), (.8, 1.01)):
        m = (c >= lo) & (c < hi)
        if m.any():
            print(f"  conf [{lo:.1f},{hi:.1f}) n={m.sum()} acc={y[m].mean():.3f}")


def eval_tat(model: Ranker, scale_path: str) -> None:
    """The report model on the dev tables as the product reads them: EM as the product's answer is scored
    (`bench/tableqa_eval.py`), EM with the predicted scale only, value accuracy and the candidates' ceiling."""
    scales = ScaleModel.load(scale_path)
    ex = [e for e in load_tatqa_views() if e.dev and e.answer_from in ("table", "table-text")]
    score: dict[str, dict[str, list[bool]]] = {k: {"table": [], "table-text": []}
                                               for k in ("em", "strict", "value", "oracle")}
    for e in ex:
        s = build_financial(e.view, e.question)
        res = rank_financial(e.view, e.question, model, top=1, scale_model=scales)
        em = strict = value = False
        if res:
            grid, body = typed(e.table)
            shaped = shaped_report(e.table, grid, body, res[0].result, res[0].scale)
            em = tat_em(asdict(shaped.table_answer), shaped.answer, e)
            value = tat_value_ok(res[0].result.values, e)
            strict = value and res[0].scale == e.scale
        for k, ok in (("em", em), ("strict", strict), ("value", value),
                      ("oracle", any(tat_value_ok(x.values, e) for x in s.execs))):
            score[k][e.answer_from].append(ok)
    for k, by in score.items():
        both = by["table"] + by["table-text"]
        print(f"TAT-QA dev {k:6} table={np.mean(by['table']):.4f} (n={len(by['table'])}) "
              f"table-text={np.mean(by['table-text']):.4f} (n={len(by['table-text'])}) both={np.mean(both):.4f}")


def tat_value_ok(values: tuple[str, ...], e: ReportExample) -> bool:
    """The values match the gold's, scale not judged (as the ranker is trained)."""
    return sorted(tat_norm(v) for v in values) == sorted(tat_norm(g) for g in tat_gold(list(e.gold)))


def tat_em(table_answer: dict[str, Any], answer: str, e: ReportExample) -> bool:
    """Exact match of a table answer as `bench.tableqa_eval` scores the product's."""
    gold: Any = e.gold[0] if e.answer_type == "count" else list(e.gold)  # a count is compared as an integer
    prediction, scale, _ = tatqa_prediction({"kind": "table", "table_answer": table_answer, "answer": answer}, e.scale)
    return tatqa_scores(prediction, gold, scale, e.scale, e.answer_type)[0] == 1.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wtq-weights", default=str(WEIGHTS / "wtq.npz"))
    ap.add_argument("--tat-weights", default=str(WEIGHTS / "tat.npz"))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--only", choices=["wtq", "tat", "both"], default="both")
    a = ap.parse_args()
    if a.only in ("wtq", "both"):
        eval_wtq(Ranker.load(a.wtq_weights), a.limit)
    if a.only in ("tat", "both"):
        eval_tat(Ranker.load(a.tat_weights), a.tat_weights.replace(".npz", "_scale.json"))


if __name__ == "__main__":
    main()
