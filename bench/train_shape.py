"""Train the passage answer's shape model (src/qa/answer/shape_weights.json): which span of the picked sentence
answers a question the answer-type rules leave untyped, and when the evidence scorer's sentence or clause does.

Data: TAT-QA text questions (CC BY 4.0, ../shared/data/report-qa-train; bench/reader_data.py: the reader's examples
and DEV split). Each answerable question is weighed as served: the learned sentence choice (answer/choice.py, the
shipped weights, cosines from the product's embedder cached in /tmp/qa_choice_vectors.npz) picks its unit, the
reader lists every candidate span of that unit's sentence, and the options are those spans and the unit. A softmax
over each question's options towards its best-F1 options (those of F1 >= 0.5), L2 chosen by 5-fold cross-validation
on TRAIN, the unit's bonus (`ShapeModel.unit_bonus`: how much more expected exact match + F1 + gold inside a span needs
than the evidence scorer's sentence or clause) on DEV, both by the sum of exact match, word F1 and gold inside of the
answer as served. Deterministic: the same weights byte for byte on a rerun.

    python -m bench.train_shape            # writes src/qa/answer/shape_weights.json, prints TRAIN-CV and DEV figures
    python -m bench.train_shape --smoke    # 120 contexts, no embeddings, weights to a temp file
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.reader_data import Example, Pool, exact, f1, inside, load
from bench.train_choice import picked, texts_of, weigh_all
from bench.train_reader import PROBE_PASSAGES, PROBE_QUESTIONS, Similarity, adam, rounded
from qa.answer.asked import TYPED
from qa.answer.choice import shipped_chooser
from qa.answer.evidence import Lexicon, Question
from qa.answer.features import Passage, layout
from qa.answer.kinds import short_pick
from qa.answer.passage import reason_reach, sentence_of
from qa.answer.pick import gets_shape, spelled_out, typed_pick, within
from qa.answer.reader import Linear, Reading, read
from qa.answer.shape import SHAPE_NAMES, WEIGHTS, Option, ShapeModel, options, shape_features
from qa.records import Span

FOLDS = 5
L2S = (0.01, 0.03, 0.1)
UNIT_BONUS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
MEASURE_AT_SHIPPED = 0.5
SHORT = 4  # the reader's best few spans a typed question's short answer is chosen from (the served `Reads.answer`)


@dataclass(frozen=True)
class Shaped:
    """One answerable question as served: its options, their features, and how good each is."""

    example: Example
    question: Question
    readings: list[Reading]
    unit: str
    opts: list[Option]
    x: np.ndarray
    f1s: np.ndarray
    before: str  # the answer served before the shape model: kinds.short_pick's span, else the unit
    reached: str  # the unit a question asking for a sentence is served (`passage.reason_reach`)


def shaped(examples: Sequence[Example], pool: Pool, sim: Similarity | None) -> list[Shaped]:
    pick = shipped_chooser().pick
    out = []
    for w in weigh_all([e for e in examples if e.kind == "answerable"], pool, sim):
        i = picked(w, pick)
        context, unit = w.contexts[i], w.texts[i]
        sentence = sentence_of(context, w.spans[i])
        readings = read(w.question, [Passage(context, 1.0, sentence)], pool.lexicon.rarity, top=None)
        opts = options(within(readings, w.spans[i]), unit)
        x = shape_features(w.question, opts, unit, len(_text(context, sentence).split()))
        at = typed_pick(w.question, readings[:SHORT]) if w.question.expected[0] in TYPED else short_pick(
            w.question.text, w.question.expected, [r.kind for r in readings[:SHORT]])
        reach = reason_reach(w.question, context, w.spans[i])
        out.append(Shaped(w.example, w.question, readings, unit, opts, x,
                          np.array([f1(o.text, w.example.gold) for o in opts]),
                          readings[at].text if at is not None else unit, _text(context, reach)))
    return out


def _text(text: str, span: Span) -> str:
    return text[span.start : span.end]


def fit(items: Sequence[Shaped], l2: float, steps: int) -> Linear:
    """Softmax over each question's options, cross-entropy towards its best options (F1 >= 0.5), standardised."""
    rows = np.concatenate([it.x for it in items])
    mean, std = rows.mean(axis=0), rows.std(axis=0)
    std = np.where(std > 1e-9, std, 1.0)
    groups = [((it.x - mean) / std, (it.f1s >= it.f1s.max() - 1e-9) / np.sum(it.f1s >= it.f1s.max() - 1e-9))
              for it in items if it.f1s.max() >= 0.5]
    w, m, v = np.zeros(len(SHAPE_NAMES)), np.zeros(len(SHAPE_NAMES)), np.zeros(len(SHAPE_NAMES))
    for t in range(1, steps + 1):
        grad = l2 * w
        for x, target in groups:
            s = x @ w
            p = np.exp(s - s.max())
            grad += x.T @ (p / p.sum() - target) / len(groups)
        w, m, v = adam(w, grad, m, v, t, 0.05)
    return Linear(w, mean, std, 0.0)


def served(it: Shaped, model: ShapeModel) -> str:
    """The answer as served: an acronym's spelled-out words (`pick.spelled_out`), as before for a typed question or
    one asking for a sentence, else the shape model's."""
    spelled = spelled_out(it.question.text, [o.reading for o in it.opts if o.reading is not None])
    if spelled is not None:
        return spelled.text
    if it.question.expected[0] in TYPED:
        return it.before
    if not gets_shape(it.question.expected):
        return it.reached
    at = model.decide(it.question.text, it.opts, it.x)
    return it.opts[at].text if at is not None else it.unit


def scores(items: Sequence[Shaped], answer: Sequence[str]) -> np.ndarray:
    """Exact match, word F1, gold inside: means over the items."""
    rows = np.array([[exact(a, it.example.gold), f1(a, it.example.gold), inside(a, it.example.gold)]
                     for it, a in zip(items, answer, strict=True)])
    return np.asarray(rows.mean(axis=0))


Setting = tuple[float, float, float]  # L2, unit_bonus, measure_at


def _best(table: dict[Setting, np.ndarray]) -> Setting:
    """The most exact match + word F1 + gold inside; ties to the smaller L2, bonus and measure_at."""
    return max(table, key=lambda key: (round(float(table[key].sum()), 6), -key[0], -key[1], -key[2]))


def choose(train: list[Shaped], steps: int, bonuses: Sequence[float], measure_at: Sequence[float]
           ) -> tuple[Setting, dict[Setting, np.ndarray]]:
    """L2 by cross-validation on TRAIN (folds by question order), at its best unit bonus and measure_at of the grid:
    the most exact match + word F1 + gold inside."""
    table: dict[Setting, np.ndarray] = {}
    grid = [(t, m) for t in bonuses for m in measure_at]
    for l2 in L2S:
        answers: dict[tuple[float, float], list[tuple[int, str]]] = {g: [] for g in grid}
        for k in range(FOLDS):
            held = [(i, it) for i, it in enumerate(train) if i % FOLDS == k]
            scorer = fit([it for i, it in enumerate(train) if i % FOLDS != k], l2, steps)
            for t, m in grid:
                answers[(t, m)] += [(i, served(it, ShapeModel(scorer, t, m))) for i, it in held]
        for (t, m), got in answers.items():
            table[(l2, t, m)] = scores(train, [a for _, a in sorted(got)])
    return _best(table), table


def choose_on_dev(train: list[Shaped], dev: list[Shaped], l2: float, steps: int, bonuses: Sequence[float],
                  measure_at: Sequence[float]) -> tuple[ShapeModel, dict[Setting, np.ndarray]]:
    """The model fitted on all of TRAIN, with the unit bonus and measure_at of the grid best on DEV."""
    scorer = fit(train, l2, steps)
    table = {(l2, t, m): scores(dev, [served(it, ShapeModel(scorer, t, m)) for it in dev])
             for t in bonuses for m in measure_at}
    _, t, m = _best(table)
    return ShapeModel(scorer, t, m), table


def fingerprint() -> str:
    """A digest of the shape features of the reader's probe questions over its probe passages, as this code
    computes them (every sentence's spans, the sentence as the unit): tests/test_shape.py compares it with the one
    the weights record."""
    lexicon = Lexicon(PROBE_PASSAGES)
    digest = hashlib.sha256()
    for question in PROBE_QUESTIONS:
        q = lexicon.analyse(question)
        for text in PROBE_PASSAGES:
            for s in layout(text).spans:
                readings = read(q, [Passage(text, 1.0, s)], lexicon.rarity, top=None)
                unit = _text(text, s)
                x = shape_features(q, options(readings, unit), unit, len(unit.split()))
                digest.update(rounded(x))
    return digest.hexdigest()[:16]


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",") if v.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="120 contexts, no embeddings, temp output")
    parser.add_argument("--out", type=Path, default=None, help=f"weights file (default {WEIGHTS})")
    parser.add_argument("--vectors", type=Path, default=Path(tempfile.gettempdir()) / "qa_choice_vectors.npz")
    parser.add_argument("--unit-bonus", default=",".join(map(str, UNIT_BONUS)),
                        help="the unit's bonuses to choose from on DEV, comma-separated (one: that one)")
    parser.add_argument("--measure-at", default=str(MEASURE_AT_SHIPPED),
                        help="answer-kind probabilities a measure needs, comma-separated "
                             f"(shipped {MEASURE_AT_SHIPPED})")
    args = parser.parse_args(argv)
    train_ex, dev_ex, pool = load(limit=120 if args.smoke else None)
    sim = None if args.smoke else Similarity(args.vectors)
    if sim:
        sim.fill_texts({e.question for e in [*train_ex, *dev_ex]}
                       | {t for e in [*train_ex, *dev_ex] for p in e.passages for t in [p.text, *texts_of(p.text)]})
    steps = 40 if args.smoke else 300
    train, dev = shaped(train_ex, pool, sim), shaped(dev_ex, pool, sim)
    bonuses, measures = _floats(args.unit_bonus), _floats(args.measure_at)
    (l2, _, _), table = choose(train, steps, bonuses, measures)
    model, dev_table = choose_on_dev(train, dev, l2, steps, bonuses, measures)
    out = args.out or (Path(tempfile.gettempdir()) / "shape_weights.smoke.json" if args.smoke else WEIGHTS)
    model.save(out, {"fingerprint": fingerprint(), "l2": l2})
    print(f"wrote {out}; TRAIN answerable {len(train)}, DEV answerable {len(dev)}; chosen L2 {l2} (TRAIN CV), "
          f"unit_bonus {model.unit_bonus}, measure_at {model.measure_at} (DEV)")
    for name, rows in (("TRAIN 5-fold CV", table), ("DEV, fitted on TRAIN", dev_table)):
        print(f"{name}, served answer (exact match, word F1, gold inside):")
        for (a, t, m), v in sorted(rows.items()):
            print(f"  L2 {a:<5} unit_bonus {t:.2f} measure_at {m:.2f}: {v[0]:.3f} {v[1]:.3f} {v[2]:.3f}")
    before = scores(train, [it.before for it in train])
    print(f"  before (typed short span, else the unit): {before[0]:.3f} {before[1]:.3f} {before[2]:.3f}")
    for name, items in (("DEV", dev), ("DEV shaped questions", [it for it in dev if gets_shape(it.question.expected)])):
        now, was = scores(items, [served(it, model) for it in items]), scores(items, [it.before for it in items])
        print(f"{name} (n={len(items)}): before {was[0]:.3f} {was[1]:.3f} {was[2]:.3f}; "
              f"shaped {now[0]:.3f} {now[1]:.3f} {now[2]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
