"""The answer's shape (answer/shape.py): which span of the picked sentence an untyped question is answered with, the
reader's year and head-noun features it reads, the shipped weights, and training (smoke)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.answer.evidence import Lexicon
from qa.answer.features import CAND_NAMES, Passage
from qa.answer.pick import served_pick, spelled_out, within
from qa.answer.reader import read
from qa.answer.shape import (
    SHAPE_NAMES,
    WEIGHTS,
    Option,
    ShapeModel,
    expected_utility,
    form,
    shape_pick,
    shipped_shape,
    utility,
)
from qa.records import Span

RESPECTIVELY = ("Income tax benefits related to share-based compensation of approximately $1.8 million, $1.3 million "
                "and $1.1 million were recorded for the years ended December 31, 2019, 2018 and 2017, respectively.")
LOSS = "In BTL’s standalone books, its loss comprised mainly interest charges on its borrowings."
BOREHOLE = ("Deep in the unforgiving heart of the Taklimakan Desert, they completed Asia’s deepest borehole ever — a "
            "staggering 10,910 meters straight into the earth.")


def _answer(question: str, sentence: str) -> str:
    lexicon = Lexicon([sentence, "Revenue rose in 2019.", "The borehole is deep."])
    q = lexicon.analyse(question)
    pool = read(q, [Passage(sentence, 1.0)], lexicon.rarity, top=None)
    chosen = served_pick(q, pool[:4], pool, sentence, sentence)
    return chosen.text if chosen is not None else sentence


def test_the_shipped_shape_weights_match_the_features_this_code_computes() -> None:
    from bench.train_shape import fingerprint

    doc = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    assert doc["shape_features"] == list(SHAPE_NAMES) and len(shipped_shape().scorer.weights) == len(SHAPE_NAMES)
    assert fingerprint() == doc["fingerprint"], "shape features changed: rerun python -m bench.train_shape"


def test_the_question_form_is_its_first_wh_word() -> None:
    assert form("How many plants did not open?") == "how many"
    assert form("In which year was the rate largest?") == "which"
    assert form("Whose lab is it?") == "who"
    assert form("Is the U.S. or China stronger in foundational research?") == "none"


def test_the_value_of_the_year_asked_is_marked_in_a_respectively_sentence() -> None:
    lexicon = Lexicon([RESPECTIVELY])
    q = lexicon.analyse("What was the income tax benefit related to share-based compensation in 2018?")
    found = read(q, [Passage(RESPECTIVELY, 1.0)], lexicon.rarity, top=None)
    at = CAND_NAMES.index("respective")
    marked = [r.text for r in found if r.features is not None and r.features[at]]
    assert marked == ["$1.3 million"]


def test_the_value_a_respectively_sentence_pairs_with_the_year_asked_is_served() -> None:
    sales = ("Sales to foreign and domestic distributors accounted for 56.0%, 62.5% and 57.5% of our net revenues for "
             "fiscal 2019, 2018 and 2017, respectively.")
    assert _answer("What was the Sales to foreign and domestic distributors in 2019?", sales) == "56.0%"
    assert _answer("What was the income tax benefit related to share-based compensation in 2018?",
                   RESPECTIVELY) == "$1.3 million"


def test_an_untyped_amount_question_is_answered_with_the_amount() -> None:
    question = "What was the income tax benefit related to share-based compensation in 2019?"
    assert _answer(question, RESPECTIVELY) == "$1.8 million"


def test_a_what_question_whose_answer_follows_its_words_prefers_that_part() -> None:
    lexicon = Lexicon([LOSS, "Revenue rose in 2019."])
    q = lexicon.analyse("What is BTL's losses mainly comprised of?")
    pool = read(q, [Passage(LOSS, 1.0)], lexicon.rarity, top=None)
    laxer = ShapeModel(shipped_shape().scorer, 0.0, 0.5)  # no bonus for the unit: the shipped one keeps it here
    at = shape_pick(q, pool, LOSS, LOSS, laxer)
    assert at is not None and pool[at].text.endswith("interest charges on its borrowings") and pool[at].text != LOSS


def test_options_saying_much_the_same_back_each_other() -> None:
    options = [Option("interest charges on its borrowings", None), Option("mainly interest charges on its borrowings",
                                                                         None), Option("standalone books", None)]
    value = expected_utility(options, np.array([0.32, 0.32, 0.36]))
    assert value[2] < value[0] and value[2] < value[1]  # the likeliest option alone is not the surest answer
    assert utility(("14", "years"), ("14", "years")) == 3.0 and utility(("14",), ("14", "years")) < 1.0


def test_a_span_beside_the_clause_the_evidence_picked_is_not_served() -> None:
    sentence = ("Just a few weeks later, China’s lunar probe mission brought back soil samples from the moon’s far "
                "side — a region scientists worldwide have barely scratched.")
    lexicon = Lexicon([sentence, "Revenue rose in 2019."])
    q = lexicon.analyse("From which side of the moon did the probe bring back samples?")
    pool = read(q, [Passage(sentence, 1.0)], lexicon.rarity, top=None)
    clause = Span(0, sentence.index(" —"))
    kept = within(pool, clause)
    assert kept and all(r.end <= clause.end for r in kept) and len(kept) < len(pool)
    chosen = served_pick(q, pool[:4], pool, sentence[: clause.end], sentence, clause)
    assert chosen is None or chosen.end <= clause.end


def test_an_amount_the_question_names_is_served_and_one_of_another_measure_is_not() -> None:
    price = "The average realised power price in the quarter was $54 per megawatt-hour, down from $61 a year earlier."
    bonds = "In August Helios issued $750 million of green bonds due 2034 with a coupon of 5.125%."
    assert _answer("What was the average realised power price in the quarter?", price) == "$54 per megawatt-hour"
    assert _answer("What coupon do Helios's green bonds carry?", bonds) != "$750 million"


def test_a_measure_the_answer_kinds_refuse_leaves_its_share_to_the_other_spans() -> None:
    # "1" of the footnote mark was the likeliest option; refused as a count nobody asked for, it sent the answer back
    # to the whole line where the phrase after the dash answers.
    assert _answer("What does TWDV mean?", "Notes: (1) TWDV – Tax written down value") == "Tax written down value"


def test_a_typed_question_keeps_its_sentence_when_the_best_span_is_of_no_type_asked() -> None:
    derived = ("The selected financial data presented for each of the five years ended December 31, 2019 has been "
               "derived from our audited consolidated financial statements.")
    question = "Where was the selected financial data for each of the five years ended December 31, 2019 derived from?"
    assert _answer(question, derived) == derived  # the reader's best span was "presented", no place
    nokia = "Nokia was our largest customer in fiscal 2019, 2018 and 2017."
    assert _answer("Who was the largest customer in 2019, 2018 and 2017?", nokia) == "Nokia"  # a capitalised phrase


def test_a_question_without_a_wh_word_keeps_its_sentence() -> None:
    sentence = "It’s not a clean sweep: the U.S. still dominates in foundational research and elite universities."
    assert _answer("Is the U.S. or China stronger in foundational research?", sentence) == sentence


def test_typed_questions_keep_the_readers_short_span() -> None:
    assert _answer("How deep is the borehole?", BOREHOLE) == "10,910 meters"


def test_the_unit_is_kept_when_its_bonus_outweighs_every_span() -> None:
    lexicon = Lexicon([LOSS])
    q = lexicon.analyse("What is BTL's losses mainly comprised of?")
    pool = read(q, [Passage(LOSS, 1.0)], lexicon.rarity, top=None)
    never = ShapeModel(shipped_shape().scorer, 3.01, 0.0)  # a bonus above the most any option can be worth
    assert shape_pick(q, pool, LOSS, LOSS, never) is None
    assert shape_pick(q, [], LOSS, LOSS) is None


def test_training_smoke_run_writes_loadable_weights(tmp_path: Path) -> None:
    from bench import reader_data, train_shape

    if not reader_data.DATA.exists():
        pytest.skip(f"{reader_data.DATA} is not here (TAT-QA training data)")
    out = tmp_path / "shape.json"
    assert train_shape.main(["--smoke", "--out", str(out)]) == 0
    assert len(ShapeModel.load(out).scorer.weights) == len(SHAPE_NAMES)


@pytest.mark.parametrize(("question", "sentence", "spelled"), [
    ("What does TWDV mean?", "Notes: (1) TWDV – Tax written down value", "Tax written down value"),
    ("What does NSS stand for?", "The NSS, or Northern Sky Survey, publishes its catalogue every spring.",
     "Northern Sky Survey"),
])
def test_an_acronym_question_gets_the_words_its_letters_begin(question: str, sentence: str, spelled: str) -> None:
    """"What does TWDV mean?" got "Tax" from the shape model: the span whose initials spell the acronym answers."""
    assert _answer(question, sentence) == spelled


def test_a_question_without_an_acronym_to_spell_is_left_to_the_other_rules() -> None:
    sentence = "The NSS, or Northern Sky Survey, publishes its catalogue."
    lexicon = Lexicon([sentence, "Revenue rose in 2019."])
    pool = read(lexicon.analyse("What does the survey publish?"), [Passage(sentence, 1.0)], lexicon.rarity, top=None)
    assert spelled_out("What does the survey publish?", pool) is None
    assert spelled_out("What does NSS stand for?", pool) is not None
    assert spelled_out("What does NASA stand for?", pool) is None  # no span spells it
