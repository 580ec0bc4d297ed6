"""How long a passage answer is: which span of the picked sentence answers a question the answer-type rules do not
type ("what / which / why / how does ..."), learned per question form (bench/train_shape.py; shape_weights.json
beside this file).

TAT-QA's "What is BTL's losses mainly comprised of?" is answered by "interest charges on its borrowings", a part of
the sentence; "What is included in restructuring expenses?" by its whole sentence; "What was the income tax benefit
related to share-based compensation in 2019?" by "$1.8 million". A softmax over the reader's candidate spans of the
sentence and the evidence scorer's unit (the sentence or clause served before) picks one, from the span's own
features (its type, length, place after the question's words), the question's form (its wh-word and its rule type,
crossed with the span's class) and the learned answer kind's probabilities (answer/kinds.py) crossed with the span's
class. The option served is the one of the highest expected exact match + F1 + gold inside under the model's
probabilities, the unit when it wins with its bonus (docs/ANSWERING.md)."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.asked import NUMERIC
from qa.answer.evidence import Question
from qa.answer.features import CAND_NAMES, covered
from qa.answer.kinds import KINDS, SPAN_KINDS, kind_probabilities
from qa.answer.reader import Linear, Reading, read_weights, write_weights
from qa.text.tokens import WH_WORDS, is_content, tokens

WEIGHTS = Path(__file__).with_name("shape_weights.json")
# The reader's features that differ between the spans of one sentence (those of the sentence itself are the same
# for all its spans, and the evidence scorer's unit has none).
SPAN_FEATURES = tuple(n for n in CAND_NAMES if n not in (
    "sent_has_type", "cov", "cov_win", "cov_pass", "bigram", "p_rank", "s_best", "sim", "sim_best"))
CLASSES = ("unit", "sentence", "clause", "phrase", "list", "name", "numeric", "ordinal")
GROUPS = ("numeric", "name", "sentence", "list", "phrase")  # the rule type's group (asked.py, first type)
FORMS = ("what", "which", "how much", "how many", "how", "when", "where", "who", "why", "none")
SHAPE_NAMES = (*(f"r:{n}" for n in SPAN_FEATURES), "gap", "len_share", "same_as_unit", "kind_match", "has_head",
               "head_last", "rest_share", "rest_only", "ends_unit",
               *(f"c={c}" for c in CLASSES), *(f"g={g}|c={c}" for g in GROUPS for c in CLASSES),
               *(f"w={w}|c={c}" for w in FORMS for c in CLASSES), *(f"p_{k}|c={c}" for k in KINDS for c in CLASSES))
_INDEX = {n: i for i, n in enumerate(SHAPE_NAMES)}
_SPAN_AT = [CAND_NAMES.index(n) for n in SPAN_FEATURES]
_HEAD_BEFORE = _INDEX["r:head_before"]
_RESPECTIVE = _INDEX["r:respective"]


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
    """One possible answer: a reader's span (`reading`), or the evidence scorer's unit (None); `unit`: its text is
    the unit's."""

    text: str
    reading: Reading | None
    unit: bool = False


def options(readings: Sequence[Reading], unit: str) -> list[Option]:
    """The reader's spans of the sentence (distinct texts, best first), then the unit when no span is its text."""
    out = [Option(r.text, r, r.text == unit) for r in readings]
    if all(r.text != unit for r in readings):
        out.append(Option(unit, None, True))
    return out


def shape_features(question: Question, opts: Sequence[Option], unit: str, sentence_words: int) -> np.ndarray:
    """One row of SHAPE_NAMES per option."""
    probs = kind_probabilities(question.text)
    g, w = group(question.expected), form(question.text)
    top = max((o.reading.score for o in opts if o.reading is not None), default=0.0)
    x = np.zeros((len(opts), len(SHAPE_NAMES)))
    asked = frozenset(question.terms)
    rest = _rest_stems(asked, unit)
    tail = unit.rstrip(_TRAILING)
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
        stems = [t.stem for t in tokens(o.text)] if question.head else []
        # "From which side of the moon ...?" -> "far side", "Which method ...?" -> "the two-class method": the
        # reader's head-noun distance counts only heads outside the span, so a span naming it reads as far away.
        row[_INDEX["has_head"]] = float(question.head in stems)
        row[_INDEX["head_last"]] = float(bool(stems) and stems[-1] == question.head)
        row[_INDEX["same_as_unit"]] = float(o.text == unit)
        row[_INDEX["rest_share"]], row[_INDEX["rest_only"]] = _rest(asked, o.text, rest)
        row[_INDEX["ends_unit"]] = float(tail.endswith(o.text.rstrip(_TRAILING)))
        for name in (f"c={c}", f"g={g}|c={c}", f"w={w}|c={c}"):
            row[_INDEX[name]] = 1.0
        for k in KINDS:
            row[_INDEX[f"p_{k}|c={c}"]] = probs[k]
    return x


_TRAILING = " .;:,)\u00a0"


def _rest_stems(asked: frozenset[str], text: str) -> frozenset[str]:
    """The content stems of a text that the question (its terms, `asked`) does not use: what a sentence restating
    it adds."""
    return frozenset(t.stem for t in tokens(text) if is_content(t) and not covered(t.stem, asked))


def _rest(asked: frozenset[str], text: str, rest: frozenset[str]) -> tuple[float, float]:
    """How much of what the unit adds to the question an option holds, and that share again when the option holds
    none of the question's words: "The weighted average duration of the ... obligation is 14 years." restates the
    question and adds "14 years", the answer."""
    own = [t for t in tokens(text) if is_content(t)]
    held = len(rest & {t.stem for t in own}) / max(1, len(rest))
    return held, 0.0 if any(covered(t.stem, asked) for t in own) else held


WEIGHED = 10  # the likeliest options weighed against each other: the rest hold little mass; a pair costs a comparison
_ARTICLES = frozenset(("a", "an", "the"))


@functools.lru_cache(maxsize=16384)
def _words(text: str) -> tuple[str, ...]:
    """An option's words as the judge compares them: lower case, no punctuation, no articles."""
    return tuple(w for w in (t.text.lower() for t in tokens(text)) if w not in _ARTICLES)


def utility(answer: tuple[str, ...], gold: tuple[str, ...]) -> float:
    """Exact match + word F1 + gold inside, of an answer against a gold: the three measures the answer is judged by."""
    common = sum((Counter(answer) & Counter(gold)).values())
    if not common:
        return float(answer == gold) * 3.0
    f1 = 2 * common / (len(answer) + len(gold))
    n = len(gold)
    inside = any(answer[i : i + n] == gold for i in range(len(answer) - n + 1))
    return float(answer == gold) + f1 + float(inside)


def expected_utility(opts: Sequence[Option], p: np.ndarray) -> np.ndarray:
    """Each option's expected utility were the gold one of the options, drawn as the model believes (the likeliest
    `WEIGHED` options and the unit; the others get -inf): "interest charges on its borrowings" and "mainly interest
    charges on its borrowings" back each other, where a threshold on either's own probability would refuse both."""
    top = [*np.argsort(-p, kind="stable")[:WEIGHED], *(i for i, o in enumerate(opts) if o.unit)]
    words = {int(i): _words(opts[int(i)].text) for i in top}
    out = np.full(len(opts), -np.inf)
    for i in words:
        out[i] = sum(float(p[j]) * utility(words[i], words[j]) for j in words)
    return out


@dataclass(frozen=True)
class ShapeModel:
    """A linear score per option, softmax over a question's options; the option of the highest expected utility
    (`expected_utility`) is served, the evidence scorer's unit with `unit_bonus` added (chosen on TAT-QA DEV by
    bench/train_shape.py), a measure (money, percent, a count, a date) only when the learned answer kind gives its
    kind `measure_at` or the question's head noun stands just before it ("a coupon of 5.125%", "the principal amount
    of $59": the reader's `head_before`)."""

    scorer: Linear
    unit_bonus: float
    measure_at: float = 0.0

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = self.scorer(x)
        p = np.exp(z - z.max())
        return np.asarray(p / p.sum())

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        write_weights(path, {"shape_features": list(SHAPE_NAMES), "unit_bonus": round(self.unit_bonus, 6),
                             "measure_at": round(self.measure_at, 6), "scorer": self.scorer.to_json(),
                             **(extra or {})})

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> ShapeModel:
        doc = read_weights(path, {"shape_features": SHAPE_NAMES})
        return cls(Linear.from_json(doc["scorer"]), float(doc["unit_bonus"]), float(doc["measure_at"]))

    def decide(self, question: str, opts: Sequence[Option], x: np.ndarray) -> int | None:
        """The option served (an index), or None for the unit: the reading of the highest expected utility when it
        beats the unit's with its bonus, a measure only of a kind the answer-kind model gives at least
        `measure_at` or one the question's head noun names; a question without a wh-word ("Is the U.S. or China
        stronger ...?") keeps its unit."""
        if not opts or form(question) == "none":
            return None
        stated = _stated(opts, x)
        if stated is not None:
            return stated
        # A measure the kinds refuse is no possible answer: its share of the belief goes to the others ("1" of
        # "Notes: (1) TWDV – Tax written down value" held the most of it, and a refused best fell back to the unit).
        refused = np.array([self._refused(question, o, x[i]) for i, o in enumerate(opts)])
        p = np.where(refused, 0.0, self.probabilities(x))
        value = expected_utility(opts, p / p.sum() if p.sum() > 0 else p)
        value[[i for i, o in enumerate(opts) if o.unit]] += self.unit_bonus
        value[refused] = -np.inf
        best = int(np.argmax(value))
        if opts[best].reading is None or opts[best].unit or refused[best]:
            return None
        return best

    def _refused(self, question: str, option: Option, x: np.ndarray) -> bool:
        """A measure of a kind the answer-kind model gives less than `measure_at`, and the question's head noun
        does not name."""
        reading = option.reading
        if reading is None or option.unit:
            return False
        kind = next((k for k in KINDS[:4] if reading.kind in SPAN_KINDS[k]), None)
        return kind is not None and kind_probabilities(question)[kind] < self.measure_at and not x[_HEAD_BEFORE]


def _stated(opts: Sequence[Option], x: np.ndarray) -> int | None:
    """The option a "... X, Y and Z for 2019, 2018 and 2017, respectively" sentence pairs with the one year asked (the
    reader's `respective`), the widest when the value is read twice ("56.0%" and its "56"); None when none is, or
    two values are. TAT-QA DEV: served EM 0.275 -> 0.312 (`python -m bench.train_choice`)."""
    stated = [(i, r) for i, o in enumerate(opts) if (r := o.reading) is not None and x[i, _RESPECTIVE]]
    if not stated:
        return None
    at, wide = max(stated, key=lambda pair: pair[1].end - pair[1].start)
    return at if all(wide.start <= r.start and r.end <= wide.end for _, r in stated) else None


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
