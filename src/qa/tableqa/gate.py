"""The learned choice between the table engines' answers: a softmax over each engine's best answer."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from qa.tableqa.features import wh_word
from qa.tableqa.learned import is_financial, typed
from qa.tableqa.ranker import WEIGHTS
from qa.tables.model import Table
from qa.tables.types import normalize

# The engines whose answers are weighed: label matching (built for metric tables), and the learned ranker
# with the entity model (WikiTableQuestions) or the report model (TAT-QA) whatever the table looks like.
ENGINES = ("label", "entity", "report")
GATE_FILE = WEIGHTS / "gate.json"
YEAR = re.compile(r"(?:19|20)\d{2}")
# Words and phrases that say which kind of question it is (operation and answer type).
TRIGGERS = ("how many", "how much", "percentage", "percent", "change", "average", "ratio", "difference",
            "total", "sum", "which", "who", "what year", "when", "most", "least", "highest", "lowest", "first",
            "last", "increase", "decrease", "proportion", "what is the", "what was the", "between", "more",
            "less", "than", "or", "number of", "name", "after", "before", "same", "in 20")


@dataclass(frozen=True)
class Offer:
    """One engine's best answer on one table."""

    engine: str
    answer: str
    confidence: float
    operation: str
    table: Table


def table_signals(table: Table) -> list[str]:
    """What kind of table it is: the signals of the rule `is_financial`, the rule itself, the column types."""
    grid, _ = typed(table)
    numeric = sum(t != "text" for t in grid.types[1:]) / max(1, grid.n_cols - 1)
    rows = grid.n_rows
    return [f"scale:{table.scale != 1.0}", f"unit:{table.unit is not None}",
            f"headers:{min(len(table.header_rows), 3)}", f"rule:{is_financial(table)}", f"numeric:{round(numeric * 4)}",
            f"rows:{'<8' if rows < 8 else '<20' if rows < 20 else '20+'}", f"label:{grid.types[0]}"]


def question_signals(question: str) -> list[str]:
    q = normalize(question)
    padded = f" {q} "
    # "in 20" starts a year ("in 2019"), so it is matched as the start of a word, the rest as whole words.
    said = [t for t in TRIGGERS if f" {t} " in padded or (t == "in 20" and f" {t}" in padded)]
    return [f"wh:{wh_word(q)}", *(f"q:{t}" for t in said)]


def value_kind(answer: str) -> str:
    """year ("2019"), number (an amount, a count, a percentage), or text (a name, a label)."""
    if YEAR.fullmatch(answer.strip()):
        return "year"
    return "number" if any(ch.isdigit() for ch in answer) else "text"


def offer_features(question: str, offers: list[Offer]) -> list[dict[str, float]]:
    """Each offer's features, every one crossed with its engine: confidence, agreement, kinds of table,
    question and answer."""
    asked = question_signals(question)
    answers = [normalize(o.answer) for o in offers]
    out = []
    for o, a in zip(offers, answers, strict=True):
        e = o.engine
        c = min(max(o.confidence, 1e-3), 1 - 1e-3)
        agree = sum(b == a for b in answers) - 1
        kind = value_kind(a)
        # The answer's type against the question word: "which segment" is not answered by an amount.
        words = [*table_signals(o.table), *asked, f"op:{o.operation}", f"agree:{min(agree, 2)}", f"kind:{kind}",
                 f"{asked[0]}|kind:{kind}", f"conf:{min(int(c * 5), 4)}",
                 *(f"{w}|op:{o.operation}" for w in asked)]  # "which ... highest" is a max, not a lookup
        f = {e: 1.0, f"{e}|c": c, f"{e}|logit": math.log(c / (1 - c))}
        f.update({f"{e}|{w}": 1.0 for w in words})
        out.append(f)
    return out


@lru_cache(maxsize=1)
def gate_weights() -> dict[str, float]:
    """The shipped weights, made by `python -m bench.tableqa.train_gate` (docs/TABLES.md)."""
    weights: dict[str, float] = json.loads(GATE_FILE.read_text(encoding="utf-8"))["weights"]
    return weights


def score(features: dict[str, float], weights: dict[str, float]) -> float:
    return sum(weights.get(k, 0.0) * v for k, v in features.items())


def choose(question: str, offers: list[Offer], weights: dict[str, float] | None = None) -> int:
    """The index of the offer the gate picks (the first of the best, so that ties keep the engines' order).

    A name two engines agree on stands against a third engine's other answer: too rare in the training data
    for the weights to learn (1 of 2,696 WTQ dev questions, none of TAT-QA's), and an amount answering
    "which segment had the highest revenue" is plainly wrong."""
    w = gate_weights() if weights is None else weights
    scores = [score(f, w) for f in offer_features(question, offers)]
    names = [normalize(o.answer) for o in offers]
    agreed = [i for i, a in enumerate(names) if value_kind(a) == "text" and names.count(a) >= 2]
    pool = agreed or list(range(len(offers)))
    return max(pool, key=lambda i: (scores[i], -i))
