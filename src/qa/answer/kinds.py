"""The answer kind a question expects, learned from data (bench/train_answer_type.py; kind_weights.json beside
this file): percent, money, count, date or other, from the question's words, its wh-word and the words after it.

The answer-type rules (asked.py) type "how much money" or "what year"; "What adjusted operating margin did
Northwind report?" they leave untyped, and the reader's best span of the sentence may then be "£388 million".
This model says the margin is a percent, so a money span does not answer it (docs/ANSWERING.md)."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from qa.answer.asked import NUMERIC, TYPED
from qa.answer.reader import read_weights
from qa.text.tokens import WH_WORDS, Token, content, tokens

KINDS = ("percent", "money", "count", "date", "other")
WEIGHTS = Path(__file__).with_name("kind_weights.json")
_WH = WH_WORDS - {"why"}  # "why" is left to the question's other words, as the shipped weights were trained
HEAD_WORDS = 4  # content words after the wh-word that name what is asked ("what adjusted operating margin")
# The reader's span kinds (asked.TYPES) each answer kind accepts.
SPAN_KINDS = {"percent": frozenset(("percent",)), "money": frozenset(("money",)),
              "count": frozenset(("quantity", "number")), "date": frozenset(("date", "year")),
              "other": frozenset(("name", "place", "phrase", "list", "ordinal"))}


def kind_features(question: str) -> list[str]:
    """The features of a question: its wh-word (with the next word after "how"), the stems of the first content
    words after it and their bigrams, and every content stem of the question."""
    toks = tokens(question)
    words = [t.word for t in toks]
    at = next((i for i, w in enumerate(words) if w in _WH), None)
    feats = ["bias"]
    if at is None:
        feats.append("q:none")
        after = toks
    else:
        wh = words[at] + (f" {words[at + 1]}" if words[at] == "how" and at + 1 < len(words) else "")
        feats.append(f"q:{wh}")
        after = toks[at + 1 + (words[at] == "how"):]
    head = [t.stem for t in content(list(after)) if t.year is None and not t.text[0].isdigit()][:HEAD_WORDS]
    feats += [f"h:{s}" for s in head] + [f"b:{a}_{b}" for a, b in itertools.pairwise(head)]
    if head:
        feats += [f"f:{head[0]}", f"n:{_head_noun(after)}"]
    feats += sorted({f"u:{t.stem}" for t in content(toks) if t.year is None and not t.text[0].isdigit()})
    return feats


def _head_noun(after: Sequence[Token]) -> str:
    """The last word of the first run of content words: the noun a phrase is about ("adjusted operating margin
    for 2024" -> margin, "the change in revenue" -> change)."""
    run: list[str] = []
    keep = {id(t) for t in content(list(after))}
    for t in after:
        if id(t) in keep and t.year is None and not t.text[0].isdigit():
            run.append(t.stem)
        elif run:
            break
    return run[-1] if run else ""


@dataclass(frozen=True)
class KindModel:
    """A softmax over KINDS: one weight row per feature (features not in the table weigh nothing)."""

    weights: dict[str, tuple[float, ...]]

    def probabilities(self, question: str) -> dict[str, float]:
        logits = [0.0] * len(KINDS)
        for f in kind_features(question):
            row = self.weights.get(f)
            if row is not None:
                logits = [a + b for a, b in zip(logits, row, strict=True)]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {k: e / total for k, e in zip(KINDS, exps, strict=True)}

    def predict(self, question: str) -> tuple[str, float]:
        """The most likely kind and its probability."""
        probs = self.probabilities(question)
        kind = max(probs, key=lambda k: probs[k])
        return kind, probs[kind]

    def to_json(self, extra: dict[str, object] | None = None) -> str:
        """The weights file: its header keys, then one line per feature."""
        head = json.dumps({"kinds": list(KINDS), "head_words": HEAD_WORDS, **(extra or {})})[:-1]
        rows = ",\n".join(f"{json.dumps(f)}:{json.dumps(list(r))}" for f, r in sorted(self.weights.items()))
        return f'{head},\n"weights":{{\n{rows}\n}}}}\n'

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> KindModel:
        doc = read_weights(path, {"kinds": KINDS})  # one weight row per feature, one line each (to_json)
        if doc["head_words"] != HEAD_WORDS:
            raise ValueError(f"{path}: trained for other features; rerun python -m bench.train_answer_type")
        return cls({f: tuple(float(v) for v in r) for f, r in doc["weights"].items()})


@lru_cache(maxsize=1)
def shipped_kinds() -> KindModel:
    return KindModel.load()


@lru_cache(maxsize=4096)
def kind_probabilities(question: str) -> Mapping[str, float]:
    """The shipped model's probability of each kind for a question, computed once per question text."""
    return MappingProxyType(shipped_kinds().probabilities(question))


@lru_cache(maxsize=4096)
def expected_kind(question: str) -> tuple[str, float]:
    """The shipped model's kind for a question and its probability."""
    return shipped_kinds().predict(question)


CONFIDENT = 0.8  # a prediction at least this sure decides which short span may answer
_MEASURED = NUMERIC - {"ordinal"}  # an ordinal ("second deepest") is no measure a kind contradicts
_WHAT = re.compile(r"\b(?:what|which)\b", re.I)


def short_pick(question: str, expected: tuple[str, ...], span_kinds: Sequence[str]) -> int | None:
    """Which of the reader's spans (their kinds, best first) answers, or None for the sentence.

    A question the rules type (asked.py: a number, date or name) gets its best span not of another numeric kind
    than a confident prediction ("What margin ..." predicted percent never gets "£388 million"). An untyped
    "what / which" question gets its best span of the predicted kind when the prediction is confident and not
    "other" ("What was the revenue in 2019?" -> "$4,612"); else its sentence."""
    kind, p = expected_kind(question)
    sure = p >= CONFIDENT and kind != "other"
    if expected[0] in TYPED:
        return next((i for i, k in enumerate(span_kinds)
                     if not (sure and k in _MEASURED and k not in SPAN_KINDS[kind])), None)
    if sure and _WHAT.search(question):
        return next((i for i, k in enumerate(span_kinds) if k in SPAN_KINDS[kind]), None)
    return None
