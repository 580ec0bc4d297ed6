"""The passage answer's sentence choice and confidence, learned on TAT-QA text questions by bench/train_choice.py
and shipped as choice_weights.json beside this file (docs/ANSWERING.md: what was learned, and what was kept)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.contrary import contradicted
from qa.answer.evidence import Evidence, Lexicon, Question
from qa.answer.features import coverage, covered, stems_of
from qa.answer.reader import Linear, read_weights, write_weights
from qa.text.tokens import negates, tokens

WEIGHTS = Path(__file__).with_name("choice_weights.json")
PICK_NAMES = ("span_cosine", "span_cover", "focus_cover", "chunk_cover", "chunk_cosine", "typed", "novel", "rank",
              "other_row", "window_cover", "phrase_cover")
CONF_NAMES = ("span_cover", "focus_cover", "typed", "year_clash", "missing", "unknown", "span_cosine",
              "chunk_cover", "modifier_gap", "negation", "miss_number", "max_miss", "untyped_number", "miss_name",
              "known_chunk_gap", "contradicted", "denied")
# How much of the question's words that the corpus uses at all the span's chunk must hold before a shortfall counts
# against it (`known_chunk_gap`); chosen on TAT-QA DEV (bench/train_choice.py --knee, docs/ANSWERING.md).
KNOWN_COVER_KNEE = 0.8


@dataclass(frozen=True)
class Chooser:
    """Sentence choice: a linear score over the evidence. Confidence: a logistic model, then Platt scaling (the
    identity for the shipped blend; the wholly learned models it was compared with are scaled on DEV)."""

    pick: np.ndarray
    confidence: Linear
    platt: tuple[float, float]  # P(right) = sigmoid(a * logit + b)

    def pick_score(self, ev: Evidence) -> float:
        return float(sum(w * float(getattr(ev, n)) for w, n in zip(self.pick, PICK_NAMES, strict=True)))

    def probability(self, x: np.ndarray) -> float:
        a, b = self.platt
        z = a * float(self.confidence(x[None, :])[0]) + b
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        """Write the weights with their feature names (and `extra` keys: the training script's fingerprint)."""
        doc = {"pick_features": list(PICK_NAMES), "pick": [round(float(w), 6) for w in self.pick],
               "confidence_features": list(CONF_NAMES), "confidence": self.confidence.to_json(),
               "platt": [round(v, 6) for v in self.platt], **(extra or {})}
        write_weights(path, doc)

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Chooser:
        doc = read_weights(path, {"pick_features": PICK_NAMES, "confidence_features": CONF_NAMES})
        a, b = doc["platt"]
        return cls(np.array(doc["pick"], dtype=np.float64), Linear.from_json(doc["confidence"]), (float(a), float(b)))


@functools.lru_cache(maxsize=1)
def shipped_chooser() -> Chooser:
    return Chooser.load()


def confidence_features(question: Question, ev: Evidence, unknown: float, text: str, context: str,
                        lexicon: Lexicon) -> np.ndarray:
    """The evidence of the picked span, and what it leaves unexplained: a modifier of the question missing next to
    a word the span has ("complex devices" asked, "simple devices" written), negation on one side only, a number
    of the question its chunk lacks, the rarest question word the span lacks, names of the question it lacks, and
    how far the chunk falls short of the question's words that the corpus uses (a near miss: another passage on
    the same subject; a word no chunk uses is a paraphrase or an unknown, weighed by `unknown`, not a shortfall),
    a question word the span states the opposite of instead ("complex" asked, "simple" written; unless one side
    alone is negated), and a question that denies what the span states ("What did X not sell?" of "X sold ...")."""
    toks = tokens(text)
    own = stems_of(toks)
    pairs = zip(question.terms, question.terms[1:], strict=False)
    gap = sum(1 for a, b in pairs if not covered(a, own) and covered(b, own))
    negated = negates(toks)
    chunk = stems_of(tokens(context)) | own
    miss_number = any(n not in chunk for n in question.numbers)
    max_miss = coverage(question, own, lexicon.rarity)[2]
    untyped = question.expects == "number" and not ev.typed
    miss_name = sum(not covered(n, chunk) for n in question.named) / max(1, len(question.named))
    known = min(1.0, ev.chunk_cover / (1.0 - unknown)) if unknown < 1.0 else 0.0
    # "exclude" asked of "do not include": an opposite under a negation one side lacks restates, not contradicts.
    contradicts = negated == question.negated and bool(contradicted(question.terms, own))
    return np.array([ev.own_cover, ev.own_focus, float(ev.typed), float(ev.year_clash),
                     float(bool(question.missing)), unknown, ev.span_cosine, ev.chunk_cover, float(min(gap, 2)),
                     float(negated != question.negated), float(miss_number), max_miss, float(untyped), miss_name,
                     max(0.0, KNOWN_COVER_KNEE - known), float(contradicts),
                     float(question.negated and not negated)],
                    dtype=np.float64)

