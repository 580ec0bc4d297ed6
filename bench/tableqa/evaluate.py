"""Print DEV figures: WTQ denotation accuracy, oracle coverage, candidates/question, ms/question; TAT-QA EM."""
from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from bench.tableqa.data import load_tatqa, load_wtq
from bench.tableqa.scoring import tat_correct, wtq_correct
from qa.tableqa.financial_parser import answer_financial
from qa.tableqa.grid import TypedTable, make_table
from qa.tableqa.parser import candidates_for, rank
from qa.tableqa.ranker import WEIGHTS, Ranker


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
    with open(scale_path) as f:
        scale_table = json.load(f)
    ex = [e for e in load_tatqa() if e.dev and e.answer_from in ("table", "table-text")]
    by_src: dict[str, list[bool]] = {"table": [], "table-text": []}
    scale_ok = []
    for e in ex:
        res = answer_financial(e.question, [list(e.header)], [list(r) for r in e.rows], model, e.context_text, top=1,
                               scale_table=scale_table)
        ok = bool(res) and tat_correct(res[0].result.values, res[0].scale, list(e.gold), e.scale)
        by_src[e.answer_from].append(ok)
        scale_ok.append(bool(res) and res[0].scale == e.scale)
    both = by_src["table"] + by_src["table-text"]
    print(f"TAT-QA dev EM table-only={np.mean(by_src['table']):.4f} (n={len(by_src['table'])}) "
          f"table+table-text={np.mean(both):.4f} (n={len(both)}) scale-acc={np.mean(scale_ok):.4f}")


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
