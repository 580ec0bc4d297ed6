"""The short-answer reader: a linear span ranker over typed candidate spans and a calibrated answerability
model, both learned (bench/train_reader.py) and shipped as reader_weights.json beside this file."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.evidence import Question
from qa.answer.features import (
    CAND_NAMES,
    Idf,
    Passage,
    ScoredSpan,
    coverage,
    covered,
    layout,
    score_candidates,
    sentences,
)
from qa.text.tokens import negates

WEIGHTS = Path(__file__).with_name("reader_weights.json")
ABST_NAMES = ("bias_free_score", "margin", "top_prob", "cov", "cov_win", "cov_pass", "uncov_mass", "max_uncov",
              "miss_number", "miss_name", "neg_mismatch", "type_first", "modifier_gap", "bigram", "p_rel", "sim",
              "max_sim", "sent_has_type")
_HAS_TYPE = CAND_NAMES.index("sent_has_type")


@dataclass(frozen=True)
class Reading:
    """One answer span: offsets in its passage's text, its sentence, and the chance it answers."""

    text: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    probability: float
    passage: int  # index into the passages read
    kind: str  # the span's answer type (asked.TYPES)
    score: float = 0.0  # the ranker's score (the answer's shape model weighs it: answer/shape.py)
    features: np.ndarray | None = field(default=None, compare=False, repr=False)  # the ranker's features


@dataclass(frozen=True)
class Linear:
    """Standardised linear scorer: w . (x - mean) / std + bias."""

    weights: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    bias: float

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(((x - self.mean) / self.std) @ self.weights + self.bias)

    def to_json(self) -> dict[str, Any]:
        return {"weights": self.weights.round(6).tolist(), "mean": self.mean.round(6).tolist(),
                "std": self.std.round(6).tolist(), "bias": round(self.bias, 6)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Linear:
        return cls(np.array(d["weights"]), np.array(d["mean"]), np.array(d["std"]), float(d["bias"]))


def write_weights(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def read_weights(path: Path, features: dict[str, Sequence[str]]) -> dict[str, Any]:
    """A weights file, checked to be trained for these feature names (key in the file -> names)."""
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if any(doc[key] != list(names) for key, names in features.items()):
        raise ValueError(f"{path} was trained for a different feature set")
    return doc


@dataclass(frozen=True)
class ReaderModel:
    ranker: Linear
    answerable: Linear
    sim_fallback: tuple[float, float]  # sim ~ a * cov_win + b, for callers without sentence vectors

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        """Write the weights with their feature names (and `extra` keys: the training script's fingerprint)."""
        doc = {"cand_features": list(CAND_NAMES), "abst_features": list(ABST_NAMES),
               "sim_fallback": [round(v, 6) for v in self.sim_fallback], "ranker": self.ranker.to_json(),
               "answerable": self.answerable.to_json(), **(extra or {})}
        write_weights(path, doc)

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> ReaderModel:
        doc = read_weights(path, {"cand_features": CAND_NAMES, "abst_features": ABST_NAMES})
        a, b = doc["sim_fallback"]
        return cls(Linear.from_json(doc["ranker"]), Linear.from_json(doc["answerable"]), (float(a), float(b)))


@functools.lru_cache(maxsize=1)
def shipped() -> ReaderModel:
    return ReaderModel.load()


def abstention_features(q: Question, best: ScoredSpan, scores: np.ndarray, max_sim: float,
                        passage_stems: frozenset[str], idf: Idf) -> np.ndarray:
    """What the best span's neighbourhood leaves unexplained: uncovered rare words, numbers, names, negation.

    Numbers and names are looked up in the whole passage: a swapped entity is absent from the text, while a
    real one may sit two sentences away from its answer."""
    s = best.sentence
    _, mass, max_miss = coverage(q, s.window, idf)
    order = np.sort(scores)[::-1]
    probs = np.exp(scores - order[0])
    margin = float(order[0] - order[1]) if len(order) > 1 else 5.0
    miss_number = float(any(n not in passage_stems for n in q.numbers))
    miss_name = sum(not covered(n, passage_stems) for n in q.named) / max(1, len(q.named))
    sent_neg = negates(s.tokens)
    # A modifier the text lacks next to a word it has: "complex devices" asked, "simple devices" written.
    pairs = zip(q.terms, q.terms[1:], strict=False)
    gap = sum(1 for a, b in pairs if not covered(a, s.window) and covered(b, s.window))
    return np.array([float(order[0]), min(margin, 5.0), float(1.0 / probs.sum()), s.cov, s.cov_win, s.cov_pass,
                     mass, max_miss, miss_number, miss_name, float(q.negated != sent_neg),
                     float(best.span.kind == q.expected[0]), float(gap), s.bigram, s.p_rel, s.sim, max_sim,
                     float(best.features[_HAS_TYPE])], dtype=np.float64)


def candidates(q: Question, passages: Sequence[Passage], idf: Idf, fallback: tuple[float, float],
               sims: Sequence[Sequence[float]] | None = None) -> tuple[list[ScoredSpan], float]:
    """The scored candidate spans of the passages and the best sentence similarity."""
    sents = sentences(q, passages, idf, sims, fallback)
    return score_candidates(q, passages, sents), max((s.sim for s in sents), default=0.0)


def read(q: Question, passages: Sequence[Passage], idf: Idf, model: ReaderModel | None = None,
         sims: Sequence[Sequence[float]] | None = None, top: int | None = 4) -> list[Reading]:
    """Best spans first, distinct texts (`top` of them, None: all); the first's probability is the calibrated
    chance that the question is answered there, a runner-up's that chance scaled by its share of the ranker's
    softmax."""
    model = model or shipped()
    scored, max_sim = candidates(q, passages, idf, model.sim_fallback, sims)
    if not scored:
        return []
    scores = model.ranker(np.stack([c.features for c in scored]))
    probs = np.exp(scores - scores.max())
    order = np.argsort(-scores, kind="stable")
    best = scored[int(order[0])]
    x = abstention_features(q, best, scores, max_sim, layout(passages[best.sentence.passage].text).whole, idf)
    p_answer = float(1.0 / (1.0 + np.exp(-model.answerable(x[None, :])[0])))
    out: list[Reading] = []
    seen: set[str] = set()
    for i in order:
        c = scored[int(i)]
        start, end = c.sentence.start + c.span.start, c.sentence.start + c.span.end
        text = passages[c.sentence.passage].text[start:end]
        if text in seen:
            continue
        seen.add(text)
        p = p_answer * float(probs[i] / probs[order[0]])
        out.append(Reading(text, start, end, c.sentence.start, c.sentence.end, round(p, 4), c.sentence.passage,
                           c.span.kind, float(scores[i]), c.features))
        if len(out) == top:
            break
    return out
