"""The learned answer kind (answer/kinds.py): which of the reader's short spans may answer a question."""

from __future__ import annotations

import json

from qa.answer.evidence import Lexicon
from qa.answer.kinds import CONFIDENT, WEIGHTS, expected_kind, short_pick

LEXICON = Lexicon(["Operating income was $388 million, an operating margin of 8.4%."])


def _pick(question: str, span_kinds: list[str]) -> int | None:
    return short_pick(question, LEXICON.analyse(question).expected, span_kinds)


def test_the_shipped_kind_weights_match_the_features_this_code_computes() -> None:
    from bench.train_answer_type import fingerprint

    recorded = json.loads(WEIGHTS.read_text(encoding="utf-8"))["fingerprint"]
    assert fingerprint() == recorded, "answer-kind features changed: rerun python -m bench.train_answer_type"


def test_a_margin_question_does_not_get_a_money_span() -> None:
    question = "What was the operating margin as a percentage of revenue in 2019?"
    assert expected_kind(question)[0] == "percent"
    assert _pick(question, ["money", "percent"]) == 1
    assert _pick(question, ["money"]) is None  # its sentence, not "$388 million"


def test_an_amount_question_the_rules_leave_untyped_gets_its_money_span() -> None:
    question = "What was the net cash flow from operating activities in 2019?"
    kind, p = expected_kind(question)
    assert LEXICON.analyse(question).expected[0] == "phrase"
    assert (kind, p >= CONFIDENT) == ("money", True)
    assert _pick(question, ["phrase", "money"]) == 1
    assert _pick(question, ["phrase", "year"]) is None


def test_an_untyped_question_without_a_sure_kind_keeps_its_sentence() -> None:
    assert _pick("What is Beijing's goal for 2035?", ["phrase", "year"]) is None
    assert _pick("Why did revenue fall?", ["money"]) is None


def test_a_typed_question_keeps_the_readers_best_span_when_the_kind_agrees() -> None:
    assert _pick("How many employees did the company have?", ["quantity", "money"]) == 0
    assert _pick("Who was named an executive officer?", ["name"]) == 0
