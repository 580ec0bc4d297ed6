"""Train the passage answer's sentence choice and calibrated confidence (src/qa/answer/choice_weights.json).

Data: TAT-QA text questions (CC BY 4.0, ../shared/data/report-qa-train) with the reader's built unanswerables
(near misses: the nearest other paragraphs; perturbed: a year, contrast word or name swapped), and off-topic
WikiTableQuestions questions (CC BY-SA 4.0) against the nearest TAT paragraphs; the DEV split is the reader's
(bench/reader_data.py). Each example's passages stand for the retrieved chunks, ranked; every sentence and
clause of them is weighed with the served evidence (`evidence.weigh`).

- choice: a softmax over each answerable question's spans towards the ones holding the gold answer (TRAIN);
- confidence (shipped): the evidence model fitted on the bundled set as a fixed offset, plus near-miss terms
  (`--blend`: miss_number, miss_name, known_chunk_gap, contradicted, denied) learned on TRAIN by a logistic model of
  "the chosen span holds the answer", answerable and unanswerable weighed half and half (as the judge asks them);
  `--blend ""` learns every feature and Platt-scales on DEV instead (compared in docs/ANSWERING.md).

    python -m bench.train_choice            # writes src/qa/answer/choice_weights.json, prints DEV figures
    python -m bench.train_choice --smoke    # 120 contexts, no embeddings, weights to a temp file
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

from bench.reader_data import Example, Pool, exact, f1, inside, load, off_topic
from bench.train_reader import PROBE_PASSAGES, PROBE_QUESTIONS, Similarity, adam, rounded, train_logistic
from qa.answer import choice
from qa.answer.answerer import UNTYPED_NUMBER
from qa.answer.choice import CONF_NAMES, PICK_NAMES, WEIGHTS, Chooser, confidence_features
from qa.answer.evidence import Evidence, Lexicon, Question, weigh, window_of
from qa.answer.features import Passage
from qa.answer.passage import SHORT_READS, reason_reach, sentence_of
from qa.answer.pick import served_pick
from qa.answer.reader import Linear, read
from qa.answer.swaps import named_elsewhere, year_swapped
from qa.records import Span
from qa.text.units import units

CANDIDATES = 6  # the served answerer weighs the spans of the 6 best chunks
# The former hand-set sentence choice (chosen on bench/data/bundled_eval.jsonl) and the confidence fitted on
# the same 90 questions: printed on DEV for comparison only.
HAND_PICK = {"span_cosine": 0.5, "span_cover": 1.0, "chunk_cover": 0.25, "chunk_cosine": 0.5, "typed": 1.0,
             "novel": 1.0, "rank": -0.05, "other_row": -1.0}
HAND_CONFIDENCE = {"span_cover": 1.56, "focus_cover": 1.11, "typed": 0.95, "year_clash": -1.39, "missing": -1.5,
                   "unknown": -1.15}
HAND_BIAS = -1.49


@dataclass(frozen=True)
class Weighed:
    """One example's spans with their evidence, and which of them hold the gold answer."""

    example: Example
    question: Question
    texts: list[str]
    contexts: list[str]
    spans: list[Span]
    evidence: list[Evidence]
    pick_x: np.ndarray
    right: np.ndarray  # bool per span
    unknown: float


def _right(text: str, gold: str) -> bool:
    return bool(gold) and (inside(text, gold) > 0 or f1(text, gold) >= 0.5)


def texts_of(text: str) -> list[str]:
    """The spans of a passage that compete for the answer (the served `units`)."""
    return [text[s.start : s.end] for s in units(text)]


def weigh_all(examples: Sequence[Example], pool: Pool, sim: Similarity | None) -> list[Weighed]:
    out = []
    lexicon = pool.lexicon
    for e in examples:
        q = lexicon.analyse(e.question)
        qv = sim.table[e.question] if sim else None
        texts, contexts, spans, evs = [], [], [], []
        for rank, p in enumerate(e.passages[:CANDIDATES]):
            chunk_cos = float(sim.table[p.text] @ qv) if sim and qv is not None else 0.0
            cover = lexicon.coverage(q, p.text)
            for span in units(p.text):
                text = p.text[span.start : span.end]
                cos = float(sim.table[text] @ qv) if sim and qv is not None else 0.0
                texts.append(text)
                contexts.append(p.text)
                spans.append(span)
                evs.append(weigh(q, lexicon, text, p.text, (cos, chunk_cos, cover), rank,
                                 window=window_of(p.text, span)))
        if not evs:
            continue
        x = np.array([[float(getattr(ev, n)) for n in PICK_NAMES] for ev in evs])
        right = np.array([_right(t, e.gold) for t in texts])
        out.append(Weighed(e, q, texts, contexts, spans, evs, x, right, lexicon.unknown_share(q)))
    return out


def train_pick(items: list[Weighed], steps: int, l2: float = 0.01) -> np.ndarray:
    """Softmax over each answerable question's spans, cross-entropy to the spans holding the gold answer, L2-pulled
    towards the former hand-set weights: TAT-QA asks almost only "what" questions, so it cannot teach what
    `typed` is worth (a date for "when"), nor `other_row` (no table rows here); those keep their prior."""
    groups = [(w.pick_x, w.right / w.right.sum()) for w in items if w.right.any()]
    prior = np.array([HAND_PICK.get(n, 0.0) for n in PICK_NAMES])
    theta = prior.copy()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, steps + 1):
        grad = l2 * (theta - prior)
        for x, target in groups:
            s = x @ theta
            p = np.exp(s - s.max())
            grad += x.T @ (p / p.sum() - target) / len(groups)
        theta, m, v = adam(theta, grad, m, v, t, 0.05)
    return theta


def picked(w: Weighed, pick: np.ndarray) -> int:
    return int(np.argmax(w.pick_x @ pick))


def confidence_rows(items: list[Weighed], pick: np.ndarray, pool: Pool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of each example's chosen span, whether it holds the answer, and half-and-half class weights."""
    xs, ys, answerable = [], [], []
    for w in items:
        i = picked(w, pick)
        xs.append(confidence_features(w.question, w.evidence[i], w.unknown, w.texts[i], w.contexts[i], pool.lexicon))
        ys.append(float(w.right[i]))
        answerable.append(w.example.kind == "answerable")
    a = np.array(answerable)
    weight = np.where(a, 0.5 / max(a.mean(), 1e-9), 0.5 / max(1 - a.mean(), 1e-9))
    return np.stack(xs), np.array(ys), weight


def platt(z: np.ndarray, y: np.ndarray, weight: np.ndarray, steps: int = 3000) -> tuple[float, float]:
    """P(right) = sigmoid(a z + b), fitted by weighted log loss."""
    a, b = 1.0, 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(a * z + b)))
        g = (p - y) * weight / weight.sum()
        a, b = a - 0.5 * float(g @ z), b - 0.5 * float(g.sum())
    return a, b


def hand_linear() -> Linear:
    n = len(CONF_NAMES)
    return Linear(np.array([HAND_CONFIDENCE.get(name, 0.0) for name in CONF_NAMES]), np.zeros(n), np.ones(n),
                  HAND_BIAS)


def fit_blend(train: list[Weighed], pick: np.ndarray, pool: Pool, steps: int, near: Sequence[str],
              l2: float = 1e-2, recall: float = 0.0) -> Linear:
    """The robust evidence model (coverage, type, year, names and words the corpus lacks; fitted on the bundled
    set) plus near-miss terms learned on TRAIN with it as a fixed offset: no intercept, raw 0/1-ish features, so
    a term moves the confidence only where its evidence fires; then, with `recall`, the intercept moved until
    that share of TRAIN's answerable questions falls below 0.5 (the reader's rule: bench/train_reader.py)."""
    x, y, weight = confidence_rows(train, pick, pool)
    base = hand_linear()
    offset = base(x)
    free = [CONF_NAMES.index(n) for n in near]
    w, m, v = np.zeros(len(free)), np.zeros(len(free)), np.zeros(len(free))
    for t in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(offset + x[:, free] @ w)))
        grad = x[:, free].T @ ((p - y) * weight / weight.sum()) + l2 * w
        w, m, v = adam(w, grad, m, v, t, 0.05)
    weights = base.weights.copy()
    weights[free] = w
    model = Linear(weights, base.mean, base.std, base.bias)
    if recall <= 0:
        return model
    answerable = np.array([t.example.kind == "answerable" for t in train])
    shift = -float(np.quantile(model(x[answerable]), recall))
    return Linear(weights, base.mean, base.std, base.bias + shift)


def fit(train: list[Weighed], dev: list[Weighed], pool: Pool, steps: int, blend: Sequence[str] = (),
        prior: float = 0.01, budget: float = 0.0, calibrate: bool = False, recall: float = 0.0) -> Chooser:
    """The choice, then the confidence: the blend when `blend` names near-miss terms (shipped; `calibrate`: then
    Platt-scaled on TRAIN, to compare), else every feature learned on TRAIN and Platt-scaled on DEV (to compare;
    `budget`: then shifted so at most that share of the DEV questions chosen right fall below 0.5)."""
    pick = train_pick(train, steps, prior)
    if blend:
        model = fit_blend(train, pick, pool, steps * 4, blend, recall=recall)
        if not calibrate:
            return Chooser(pick, model, (1.0, 0.0))
        x, y, weight = confidence_rows(train, pick, pool)
        return Chooser(pick, model, platt(model(x), y, weight))
    x, y, weight = confidence_rows(train, pick, pool)
    model = train_logistic(x, y, weight, steps * 4)
    dx, dy, dweight = confidence_rows(dev, pick, pool)
    a, b = platt(model(dx), dy, dweight)
    if budget > 0:
        b += max(0.0, -float(np.quantile(a * model(dx[dy == 1]) + b, budget)))
    return Chooser(pick, model, (a, b))


def _hand_probability(x: np.ndarray) -> float:
    z = HAND_BIAS + sum(HAND_CONFIDENCE[n] * x[CONF_NAMES.index(n)] for n in HAND_CONFIDENCE)
    return float(1 / (1 + np.exp(-z)))


def swapped(w: Weighed, i: int) -> bool:
    """The served caps of a swapped year or name (`Answerer.confidence`) on the span picked: a year asked that the
    span's years are not; `swaps.named_elsewhere` (TAT-QA passages have no title; the document is the example's)."""
    return year_swapped(w.question, w.texts[i]) or named_elsewhere(w.question, w.contexts[i], w.spans[i], "",
                                                                 "\n".join(p.text for p in w.example.passages))


def report(name: str, dev: list[Weighed], pick: np.ndarray, prob: Linear | Chooser | None, pool: Pool) -> None:
    """Chooser: share of answerable DEV questions whose chosen span holds the answer. Confidence: declines."""
    x, y, weight = confidence_rows(dev, pick, pool)
    p = np.array([prob.probability(r) if isinstance(prob, Chooser) else _hand_probability(r) for r in x])
    if isinstance(prob, Chooser):  # the learned model as served: a name swapped near the span caps it (swaps.py)
        p = np.array([min(pr, UNTYPED_NUMBER) if swapped(w, picked(w, pick)) else pr
                      for pr, w in zip(p, dev, strict=True)])
    kinds = np.array([w.example.kind for w in dev])
    ans = kinds == "answerable"
    q = np.clip(p, 1e-9, 1 - 1e-9)
    loss = float(-(weight @ (y * np.log(q) + (1 - y) * np.log(1 - q))) / weight.sum())
    print(f"{name}: chosen span holds the answer {y[ans].mean():.3f} (n={int(ans.sum())}); wrongly declined "
          f"{float((p[ans] < 0.5).mean()):.3f}, of those chosen right {float((p[ans & (y == 1)] < 0.5).mean()):.3f}; "
          f"log loss, half answerable, {loss:.3f}")
    swaps = np.array([w.example.swap for w in dev])
    for kind in ("near_miss", "perturbed", "off_topic"):
        sel = kinds == kind
        if sel.any():
            by = ", ".join(f"{s} {int((swaps[sel] == s).sum())}: {float((p[sel & (swaps == s)] < 0.5).mean()):.3f}"
                           for s in sorted(set(swaps[sel])) if s)
            print(f"  {kind:10s} n={int(sel.sum()):4d} declined {float((p[sel] < 0.5).mean()):.3f}"
                  + (f" ({by})" if by else ""))
    print("  | confidence | n | answerable | right | right, half answerable |\n  |---|---:|---:|---:|---:|")
    for lo in (0.0, 0.2, 0.4, 0.6, 0.8):
        band = (p >= lo) & (p < lo + 0.2 + 0.01 * (lo == 0.8))
        if band.any():
            mixed = float(weight[band] @ y[band] / weight[band].sum())
            print(f"  | {lo:.1f}-{lo + 0.2:.1f} | {int(band.sum())} | {ans[band].mean():.2f} | {y[band].mean():.2f} | "
                  f"{mixed:.2f} |")


def served_answers(name: str, dev: list[Weighed], pick: np.ndarray, pool: Pool, split: str = "DEV") -> None:
    """The answer as served for answerable questions of a split (`dev`): the reader's span of the chosen sentence that
    `pick.served_pick` serves (a number, date or name asked: `kinds.short_pick`, without the neighbouring-sentence
    read; any other question: the shape model), else the chosen sentence or clause (a reason question's restating
    sentence through the sentences stating its reason: `passage.reason_reach`)."""
    rows, reached = [], 0
    for w in dev:
        if w.example.kind != "answerable":
            continue
        i = picked(w, pick)
        text = w.texts[i]
        sentence = sentence_of(w.contexts[i], w.spans[i])
        found = read(w.question, [Passage(w.contexts[i], 1.0, sentence)], pool.lexicon.rarity, top=None)
        chosen = served_pick(w.question, found[:SHORT_READS], found, text,
                             w.contexts[i][sentence.start : sentence.end], w.spans[i])
        if chosen is None:
            reach = reason_reach(w.question, w.contexts[i], w.spans[i])
            reached += reach != w.spans[i]
            text = w.contexts[i][reach.start : reach.end]
        else:
            text = chosen.text
        rows.append((text, w.example.gold))
    print(f"{name}, served answer on answerable {split} (n={len(rows)}): exact match "
          f"{np.mean([exact(t, g) for t, g in rows]):.3f}, word F1 {np.mean([f1(t, g) for t, g in rows]):.3f}, "
          f"gold inside {np.mean([inside(t, g) for t, g in rows]):.3f}; a reason question's sentence extended "
          f"{reached}")


def fingerprint() -> str:
    """A digest of the evidence and confidence features of the reader's probe questions over its probe passages,
    as this code computes them (cosines fixed): tests/test_choice.py compares it with the one the weights record."""
    lexicon = Lexicon(PROBE_PASSAGES)
    digest = hashlib.sha256()
    for question in PROBE_QUESTIONS:
        q = lexicon.analyse(question)
        for rank, text in enumerate(PROBE_PASSAGES):
            for span in units(text):
                part = text[span.start : span.end]
                ev = weigh(q, lexicon, part, text, (0.5, 0.5, lexicon.coverage(q, text)), rank,
                           window=window_of(text, span))
                x = confidence_features(q, ev, lexicon.unknown_share(q), part, text, lexicon)
                digest.update(f"{span.start} {span.end}".encode())
                digest.update(rounded(np.array([*(float(getattr(ev, n)) for n in PICK_NAMES), *x])))
    return digest.hexdigest()[:16]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="120 contexts, no embeddings, temp output")
    parser.add_argument("--out", type=Path, default=None, help=f"weights file (default {WEIGHTS})")
    parser.add_argument("--vectors", type=Path, default=Path(tempfile.gettempdir()) / "qa_choice_vectors.npz")
    parser.add_argument("--budget", type=float, default=0.0,
                        help="shift so at most this share of DEV questions chosen right falls below 0.5")
    parser.add_argument("--blend", default="miss_number,miss_name,known_chunk_gap,contradicted,denied",
                        help="the robust evidence model plus these near-miss terms, learned ('' : all learned)")
    parser.add_argument("--prior", type=float, default=0.02, help="L2 pull of the choice towards the former weights")
    parser.add_argument("--recall", type=float, default=0.0,
                        help="lower the blend's intercept until this share of TRAIN's answerable falls below 0.5")
    parser.add_argument("--platt", action="store_true", help="Platt-scale the blend on TRAIN (to compare; not shipped)")
    parser.add_argument("--knee", type=float, default=None,
                        help=f"known_chunk_gap's knee, to compare (shipped {choice.KNOWN_COVER_KNEE}; needs --out)")
    args = parser.parse_args(argv)
    if args.knee is not None:
        if args.out is None:
            parser.error("--knee compares a knee: give --out, the shipped weights go with the code's knee")
        choice.KNOWN_COVER_KNEE = args.knee  # the fingerprint then differs from the code's: a test would tell
    train, dev, pool = load(limit=120 if args.smoke else None)
    off_train, off_dev = off_topic(pool)
    train, dev = train + off_train, dev + off_dev
    sim = None if args.smoke else Similarity(args.vectors)
    if sim:
        sim.fill_texts({e.question for e in [*train, *dev]}
                       | {t for e in [*train, *dev] for p in e.passages for t in [p.text, *texts_of(p.text)]})
    wtrain, wdev = weigh_all(train, pool, sim), weigh_all(dev, pool, sim)
    model = fit(wtrain, wdev, pool, 60 if args.smoke else 300, [n for n in args.blend.split(",") if n], args.prior,
                args.budget, args.platt, args.recall)
    out = args.out or (Path(tempfile.gettempdir()) / "choice_weights.smoke.json" if args.smoke else WEIGHTS)
    model.save(out, {"fingerprint": fingerprint()})
    print(f"wrote {out}; TRAIN examples {len(wtrain)}, DEV examples {len(wdev)}")
    print("pick:", dict(zip(PICK_NAMES, model.pick.round(3).tolist(), strict=True)), "platt:", model.platt)
    hand = np.array([HAND_PICK.get(n, 0.0) for n in PICK_NAMES])
    report("hand-set choice, confidence fitted on the bundled set", wdev, hand, None, pool)
    report("learned choice and confidence", wdev, model.pick, model, pool)
    report("learned choice and confidence, TRAIN", wtrain, model.pick, model, pool)
    served_answers("hand-set choice", wdev, hand, pool)
    served_answers("learned choice", wdev, model.pick, pool)
    served_answers("learned choice", wtrain, model.pick, pool, "TRAIN")
    return 0


if __name__ == "__main__":
    sys.exit(main())
