"""Train the answer-kind model (src/qa/answer/kind_weights.json): percent, money, count, date or other, from
the question alone, labelled from gold answers.

Data: TAT-QA (Zhu et al., ACL 2021), CC BY 4.0, every question of the TRAIN split whatever its answer comes from
(the kind depends on the question): scale "percent" or a "%" -> percent; thousand / million / billion or a
currency sign -> money; answer type "count" -> count; a year or a date -> date; a span of words -> other; a bare
number without a scale (a ratio, a per-share amount, a total) is left out, its kind unknown. WikiTableQuestions
(Pasupat and Liang, 2015), CC BY-SA 4.0, its TRAIN split: a gold that is a year or date -> date, a number ->
count ("how many", differences of counts), "%" -> percent, a currency sign -> money, words -> other. Splits:
bench/splits.py (a fifth of the tables by SHA-1). Neither data set is copied here; only the weights are.

    python -m bench.train_answer_type            # train, report DEV accuracy, write the weights
    python -m bench.train_answer_type --no-write # report only
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from bench.splits import Split, tatqa_contexts, wtq_questions
from qa.answer.kinds import KINDS, WEIGHTS, KindModel, kind_features

_MONEY = re.compile(r"[$€£¥]|\b(?:USD|EUR|GBP|RMB)\b")
_YEAR = re.compile(r"(?:FY|fiscal )?(?:1[5-9]|20)\d\d")
_DATE = re.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d|\d{1,2}/\d{1,2}/\d{2,4}|"
                   r"\d{4}-\d\d-\d\d|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_NUMBER = re.compile(r"[-+(]?[$€£¥]?\s?\(?\d[\d,]*(?:\.\d+)?\)?\s?%?")
MIN_COUNT = 3  # features seen fewer times on TRAIN get no weight
L2 = (10.0, 3.0, 30.0)  # scanned on DEV
PRUNE = 0.15  # features whose weights all stay below this are left out of the file


def value_kind(value: str) -> str | None:
    """The kind of one gold value by its form alone; None for a bare number, whose kind its scale tells."""
    v = value.strip()
    if "%" in v:
        return "percent"
    if _YEAR.fullmatch(v) or _DATE.search(v):
        return "date"
    if _NUMBER.fullmatch(v):
        return "money" if _MONEY.search(v) else None
    return "money" if _MONEY.search(v) and re.search(r"\d", v) else "other"


def tatqa_label(q: dict[str, Any]) -> str | None:
    if q["scale"] == "percent":
        return "percent"
    if q["answer_type"] == "count":
        return "count"
    values = [str(a) for a in q["answer"]] if isinstance(q["answer"], list) else [str(q["answer"])]
    kinds = {value_kind(v) for v in values}
    if q["scale"] in ("thousand", "million", "billion") and kinds <= {None, "money"}:
        return "money"
    return kinds.pop() if len(kinds) == 1 else ("other" if None not in kinds else None)


def wtq_label(target: list[str]) -> str | None:
    kinds = {value_kind(v) for v in target}
    kinds = {"count" if k is None else k for k in kinds}
    return kinds.pop() if len(kinds) == 1 else "other"


def examples(split: Split) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(question, kind) pairs of TAT-QA and of WikiTableQuestions for a split."""
    tat = [(q["question"], k) for c in tatqa_contexts(split) for q in c["questions"] if (k := tatqa_label(q))]
    wtq = [(q.utterance, k) for q in wtq_questions(split) if (k := wtq_label(q.target))]
    return tat, wtq


def _matrix(rows: list[tuple[str, str]], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The binary features as (row, feature) pairs, and the labels."""
    pairs = [(i, index[f]) for i, (question, _) in enumerate(rows) for f in kind_features(question) if f in index]
    at = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return at[:, 0], at[:, 1], np.array([KINDS.index(k) for _, k in rows])


def fit(x: tuple[np.ndarray, np.ndarray, int], y: np.ndarray, weight: np.ndarray, l2: float,
        steps: int = 300) -> np.ndarray:
    """Softmax regression over sparse binary features by full-batch Adam (deterministic); L2 on all but the
    bias, `l2` per example of the mean loss."""
    rows, cols, n_features = x
    w = np.zeros((n_features, len(KINDS)))
    target = np.eye(len(KINDS))[y]
    m, v = np.zeros_like(w), np.zeros_like(w)
    penal = np.ones((n_features, 1))
    penal[0] = 0.0
    share = weight / weight.sum()
    for t in range(1, steps + 1):
        z = np.zeros((len(y), len(KINDS)))
        np.add.at(z, rows, w[cols])
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        d = (p - target) * share[:, None]
        g = np.zeros_like(w)
        np.add.at(g, cols, d[rows])
        g += l2 * penal * w / len(y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w


def report(name: str, model: KindModel, rows: list[tuple[str, str]], confident: float = 0.8) -> float:
    preds = [model.predict(q) for q, _ in rows]
    acc = float(np.mean([p == k for (p, _), (_, k) in zip(preds, rows, strict=True)]))
    sure = [(p, k) for (p, c), (_, k) in zip(preds, rows, strict=True) if c >= confident]
    sure_acc = float(np.mean([p == k for p, k in sure])) if sure else 0.0
    print(f"{name} (n={len(rows)}): accuracy {acc:.3f}; p >= {confident}: {len(sure)} ({len(sure) / len(rows):.2f}), "
          f"accuracy {sure_acc:.3f}; kinds {dict(Counter(k for _, k in rows))}")
    return acc


def train(l2: float, tat: list[tuple[str, str]], wtq: list[tuple[str, str]], wtq_share: float = 1.0) -> KindModel:
    rows = tat + wtq
    counts = Counter(f for q, _ in rows for f in set(kind_features(q)))
    names = ["bias", *sorted(f for f, n in counts.items() if n >= MIN_COUNT and f != "bias")]
    index = {f: i for i, f in enumerate(names)}
    rows_at, cols, y = _matrix(rows, index)
    # WikiTableQuestions weighs `wtq_share` of TAT-QA's report questions in all (1: as much).
    weight = np.array([1.0] * len(tat) + [wtq_share * len(tat) / max(len(wtq), 1)] * len(wtq))
    w = fit((rows_at, cols, len(names)), y, weight, l2)
    return KindModel({f: tuple(round(float(v), 2) for v in w[i]) for f, i in index.items()
                      if f == "bias" or np.abs(w[i]).max() >= PRUNE})


# Questions whose features the weights file records (`fingerprint`): a change of the tokenizer or of
# kind_features fails tests/test_answer_kinds.py, which says to rerun this script.
PROBES = ("What adjusted operating margin did Northwind report for 2024?", "What was the revenue in 2019?",
          "How many stores opened in 2023?", "When did engineers complete Asia's deepest borehole?",
          "Which company lost access to U.S. semiconductors?", "What was the percentage change in R&D expenses?")


def fingerprint() -> str:
    """A digest of the probe questions' features as this code computes them."""
    doc = json.dumps([kind_features(q) for q in PROBES])
    return hashlib.sha1(doc.encode()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    ap.add_argument("--wtq-share", type=float, default=1.0, help="WikiTableQuestions' weight in all, TAT-QA's = 1")
    args = ap.parse_args(argv)
    tat, wtq = examples("train")
    dev_tat, dev_wtq = examples("dev")
    print(f"TRAIN: TAT-QA {len(tat)}, WikiTableQuestions {len(wtq)}")
    best: tuple[float, float, KindModel] | None = None
    for l2 in L2:
        model = train(l2, tat, wtq, args.wtq_share)
        print(f"L2 {l2}: {len(model.weights)} features")
        acc = report("  TAT-QA DEV", model, dev_tat)
        report("  WikiTableQuestions DEV", model, dev_wtq)
        if best is None or acc > best[0]:
            best = (acc, l2, model)
    assert best is not None
    print(f"chosen L2 {best[1]} (TAT-QA DEV accuracy {best[0]:.3f})")
    if not args.no_write:
        extra = {"l2": best[1], "tatqa_dev_accuracy": round(best[0], 3), "fingerprint": fingerprint()}
        args.out.write_text(best[2].to_json(extra), encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
