"""How long a passage answer is: which span of the picked sentence answers a question the answer-type rules do not
type ("what / which / why / how does ..."), learned per question form (bench/train_shape.py; shape_weights.json
beside this file).

TAT-QA's "What is BTL's losses mainly comprised of?" is answered by "interest charges on its borrowings", a part of
the sentence; "What is included in restructuring expenses?" by its whole sentence; "What was the income tax benefit
related to share-based compensation in 2019?" by "$1.8 million". A softmax over the reader's candidate spans of the
sentence and the evidence scorer's unit (the sentence or clause served before) picks one, from the span's own
features (its type, length, place after the question's words), the question's form (its wh-word and its rule type,
crossed with the span's class) and the learned answer kind's probabilities (answer/kinds.py) crossed with the span's
class. A span is served only when the model gives it at least `serve_at`; else the unit (docs/ANSWERING.md)."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.asked import NUMERIC, TYPED
from qa.answer.evidence import Question
from qa.answer.features import CAND_NAMES
from qa.answer.kinds import KINDS, SPAN_KINDS, kind_probabilities, short_pick
from qa.answer.reader import Linear, Reading, read_weights, write_weights
from qa.text.tokens import WH_WORDS, tokens

WEIGHTS = Path(__file__).with_name("shape_weights.json")
# The reader's features that differ between the spans of one sentence (those of the sentence itself are the same
# for all its spans, and the evidence scorer's unit has none).
SPAN_FEATURES = tuple(n for n in CAND_NAMES if n not in (
    "sent_has_type", "cov", "cov_win", "cov_pass", "bigram", "p_rank", "s_best", "sim", "sim_best"))
CLASSES = ("unit", "sentence", "clause", "phrase", "list", "name", "numeric", "ordinal")
GROUPS = ("numeric", "name", "sentence", "list", "phrase")  # the rule type's group (asked.py, first type)
FORMS = ("what", "which", "how much", "how many", "how", "when", "where", "who", "why", "none")
SHAPE_NAMES = (*(f"r:{n}" for n in SPAN_FEATURES), "gap", "len_share", "same_as_unit", "kind_match",
               *(f"c={c}" for c in CLASSES), *(f"g={g}|c={c}" for g in GROUPS for c in CLASSES),
               *(f"w={w}|c={c}" for w in FORMS for c in CLASSES), *(f"p_{k}|c={c}" for k in KINDS for c in CLASSES))
_INDEX = {n: i for i, n in enumerate(SHAPE_NAMES)}
_SPAN_AT = [CAND_NAMES.index(n) for n in SPAN_FEATURES]


def form(question: str) -> str:
    """The question's wh-word, its first ("how much" and "how many" apart; "whom", "whose" are "who")."""
    words = [t.word for t in tokens(question)]
    for i, w in enumerate(words):
        if w in WH_WORDS:
            if w == "how" and i + 1 < len(words) and words[i + 1] in ("much", "many"):
                return f"how {words[i + 1]}"
            return "who" if w in ("whom", "whose") else w
    return "none"


def group(expected: tuple[str, ...]) -> str:
    first = expected[0]
    if first in NUMERIC - {"ordinal"}:
        return "numeric"
    if first in ("name", "place", "ordinal"):
        return "name"
    if first in ("sentence", "clause"):
        return "sentence"
    return "list" if first == "list" else "phrase"


def span_class(kind: str) -> str:
    if kind in NUMERIC - {"ordinal"}:
        return "numeric"
    return "name" if kind == "place" else kind


@dataclass(frozen=True)
class Option:
    """One possible answer: a reader's span (`reading`), or the evidence scorer's unit (None)."""

    text: str
    reading: Reading | None


def options(readings: Sequence[Reading], unit: str) -> list[Option]:
    """The reader's spans of the sentence (distinct texts, best first), then the unit when no span is its text."""
    out = [Option(r.text, r) for r in readings]
    if all(r.text != unit for r in readings):
        out.append(Option(unit, None))
    return out


def shape_features(question: Question, opts: Sequence[Option], unit: str, sentence_words: int) -> np.ndarray:
    """One row of SHAPE_NAMES per option."""
    probs = kind_probabilities(question.text)
    g, w = group(question.expected), form(question.text)
    top = max((o.reading.score for o in opts if o.reading is not None), default=0.0)
    x = np.zeros((len(opts), len(SHAPE_NAMES)))
    for i, o in enumerate(opts):
        r = o.reading
        c = "unit" if r is None else span_class(r.kind)
        row = x[i]
        if r is not None:
            if r.features is not None:
                row[: len(_SPAN_AT)] = r.features[_SPAN_AT]
            row[_INDEX["gap"]] = r.score - top
            row[_INDEX["kind_match"]] = sum(probs[k] for k in KINDS if r.kind in SPAN_KINDS[k])
        row[_INDEX["len_share"]] = len(o.text.split()) / max(1, sentence_words)
        row[_INDEX["same_as_unit"]] = float(o.text == unit)
        for name in (f"c={c}", f"g={g}|c={c}", f"w={w}|c={c}"):
            row[_INDEX[name]] = 1.0
        for k in KINDS:
            row[_INDEX[f"p_{k}|c={c}"]] = probs[k]
    return x


def _overlap(a: Counter[str], b: Counter[str]) -> float:
    common = sum((a & b).values())
    return 0.0 if not common else 2 * common / (sum(a.values()) + sum(b.values()))


def agreement(opts: Sequence[Option], p: np.ndarray, best: int) -> float:
    """How sure the model is of its best option: the probability of the options that say much the same (word F1 at
    least one half with it: "interest charges on its borrowings" and "mainly interest charges on its borrowings"
    split the mass between them)."""
    words = [Counter(o.text.lower().split()) for o in opts]
    return float(sum(p[i] for i in range(len(opts)) if i == best or _overlap(words[i], words[best]) >= 0.5))


@dataclass(frozen=True)
class ShapeModel:
    """A linear score per option, softmax over a question's options; a span is served at `serve_at` or more, and
    a measure (money, percent, a count, a date) only when the learned answer kind gives its kind `measure_at`.
    `serve_at` bounds the model's agreement (`agreement`): its best option's probability with that of the options
    saying much the same."""

    scorer: Linear
    serve_at: float
    measure_at: float = 0.0

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = self.scorer(x)
        p = np.exp(z - z.max())
        return np.asarray(p / p.sum())

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        write_weights(path, {"shape_features": list(SHAPE_NAMES), "serve_at": round(self.serve_at, 6),
                             "measure_at": round(self.measure_at, 6), "scorer": self.scorer.to_json(),
                             **(extra or {})})

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> ShapeModel:
        doc = read_weights(path, {"shape_features": SHAPE_NAMES})
        return cls(Linear.from_json(doc["scorer"]), float(doc["serve_at"]), float(doc["measure_at"]))

    def decide(self, question: str, opts: Sequence[Option], x: np.ndarray) -> int | None:
        """The option served (an index), or None for the unit: the best option when it is a reading the model
        agrees on at least `serve_at`, a measure only of a kind the answer-kind model gives at least `measure_at`;
        a question without a wh-word ("Is the U.S. or China stronger ...?") keeps its unit."""
        if not opts or form(question) == "none":
            return None
        p = self.probabilities(x)
        best = int(np.argmax(p))
        reading = opts[best].reading
        if reading is None or not agreement(opts, p, best) >= self.serve_at:
            return None
        kind = next((k for k in KINDS[:4] if reading.kind in SPAN_KINDS[k]), None)
        if kind is not None and kind_probabilities(question)[kind] < self.measure_at:
            return None
        return best


@functools.lru_cache(maxsize=1)
def shipped_shape() -> ShapeModel:
    return ShapeModel.load()


def shape_pick(question: Question, readings: Sequence[Reading], unit: str, sentence: str,
               model: ShapeModel | None = None) -> int | None:
    """Which reading answers an untyped question (an index into `readings`), or None for the unit
    (`ShapeModel.decide`)."""
    if not readings:
        return None
    model = model or shipped_shape()
    opts = options(readings, unit)
    return model.decide(question.text, opts, shape_features(question, opts, unit, len(sentence.split())))


def served_pick(question: Question, short: Sequence[Reading], pool: Sequence[Reading], unit: str, sentence: str
                ) -> Reading | None:
    """The reading a passage answer serves, or None for the evidence scorer's unit. A question the rules type (a
    number, date, name or place: who / when / where / how many ...) keeps the reader's best span that the learned
    answer kind does not contradict (`kinds.short_pick` over the best few, `short`); a question asking for a sentence
    its unit; any other ("what / which ...") the shape model's pick over every span of its sentence (`pool`)."""
    if question.expected[0] in TYPED:
        at = short_pick(question.text, question.expected, [r.kind for r in short])
        return short[at] if at is not None else None
    if not gets_shape(question.expected):
        return None
    at = shape_pick(question, pool, unit, sentence)
    return pool[at] if at is not None else None


def gets_shape(expected: tuple[str, ...]) -> bool:
    """Whether the shape model answers a question of these answer types: not one the rules type (a number, date,
    name or place: the reader's typed span), nor one that asks for a sentence ("why", "how does": issue #13 serves
    those their sentence; TAT-QA answers them with clauses, "Why does Xi want tech independence?" got "it
    domestically made")."""
    return expected[0] not in TYPED and expected[0] not in ("sentence", "clause")
