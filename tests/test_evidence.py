"""Evidence for answers: what a question asks for, which of its names the corpus lacks, candidate spans."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from qa.answer.evidence import Lexicon, SpanVectors, has_expected, multiword_names, novelty, phrase_cover
from qa.embed.embedder import Embedder
from qa.text.tokens import terms
from qa.text.units import units

CORPUS = [
    "China vs. United States: science and technology metrics\nPatents Filed (2023): China 1.58 million",
    "According to Gao Yi, an associate research fellow, self-reliance is ideology.",
    "“Xi believes that science matters,” Gao told Beijing Review.",
    "On February 20, engineers in Xinjiang, China, struck something historic.",
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(CORPUS)


@pytest.mark.parametrize(("question", "expects"), [
    ("How many patents did China file?", "number"),
    ("how much does the US spend?", "number"),
    ("When did engineers finish the borehole?", "date"),
    ("In what year did the probe land?", "date"),
    ("Who did Gao Yi talk to?", "name"),
    ("Which company lost access to chips?", "name"),
    ("In which region is the borehole?", "name"),
    ("And who is he?", "name"),
    ("What does Europe fear?", "any"),
])
def test_analyse_reads_what_kind_of_answer_is_asked_for(lexicon: Lexicon, question: str, expects: str) -> None:
    assert lexicon.analyse(question).expects == expects


def test_names_and_years_the_corpus_lacks_are_reported(lexicon: Lexicon) -> None:
    assert lexicon.analyse("How many patents did Germany file in 2018?").missing == ("Germany", "2018")
    assert lexicon.analyse("What is Japan's spending?").missing == ("Japan's",)


def test_names_the_corpus_has_are_not_missing(lexicon: Lexicon) -> None:
    # "United States" is read whole (one token, "usa"), not as an unknown "United".
    assert lexicon.analyse("How many patents did the United States file in 2023?").missing == ()
    assert lexicon.analyse("What did the U.S. and Gao Yi say?").missing == ()


def test_first_word_of_a_question_is_not_taken_for_a_name(lexicon: Lexicon) -> None:
    assert lexicon.analyse("Describe the patents of China").missing == ()


def test_coverage_weighs_rare_words_more(lexicon: Lexicon) -> None:
    question = lexicon.analyse("Which patents did China file?")
    assert lexicon.coverage(question, "patents") > lexicon.coverage(question, "China")
    assert lexicon.coverage(question, "the patents China files") == pytest.approx(1.0)
    assert lexicon.coverage(question, "nothing relevant") == 0.0


def test_coverage_credits_a_full_name_for_its_part_and_folds_speech_verbs(lexicon: Lexicon) -> None:
    question = lexicon.analyse("Who did Gao Yi talk to?")
    assert lexicon.coverage(question, "Gao told Beijing Review.") == pytest.approx(1.0)


def test_unknown_share_is_high_for_off_topic_questions(lexicon: Lexicon) -> None:
    assert lexicon.unknown_share(lexicon.analyse("How do I bake sourdough bread?")) == pytest.approx(1.0)
    assert lexicon.unknown_share(lexicon.analyse("How many patents were filed in China?")) == 0.0


def test_has_expected_wants_new_material_of_the_asked_kind(lexicon: Lexicon) -> None:
    how_many = lexicon.analyse("How many patents did China file in 2023?")
    assert has_expected(how_many, "China filed 1.58 million patents")
    assert not has_expected(how_many, "China filed patents in 2023")  # the only number is the question's
    when = lexicon.analyse("When did engineers strike something historic?")
    assert has_expected(when, "On February 20, engineers struck")
    assert not has_expected(when, "Engineers struck something historic.")
    who = lexicon.analyse("Who did Gao Yi talk to?")
    assert has_expected(who, "Gao told Beijing Review.")
    assert not has_expected(who, "Gao Yi said so.")


def test_novelty_is_zero_for_a_span_that_only_repeats_the_question(lexicon: Lexicon) -> None:
    question = lexicon.analyse("What are smaller nations looking for?")
    assert novelty(question, "Smaller nations?") == 0.0
    assert novelty(question, "They want access to power and leverage.") == 1.0


def test_phrase_cover_wants_the_questions_words_in_its_order(lexicon: Lexicon) -> None:
    question = lexicon.analyse("What was the net cash flow from operating activities?")
    assert phrase_cover(question, "Net cash flow from operating activities decreased to $142.9 million.") == 1.0
    assert phrase_cover(question, "Cash flows provided by operating activities were $7.2 million.") == 0.5
    assert phrase_cover(question, "Activities in operating cash were net of flows.") == 0.0
    assert phrase_cover(lexicon.analyse("Why?"), "Cable revenue increased.") == 0.0


def test_multiword_names_are_runs_of_capitalised_words() -> None:
    assert multiword_names("Who did Gao Yi meet and did Xi Jinping agree?") == [
        frozenset(terms("gao yi")), frozenset(terms("xi jinping"))]


def test_units_are_sentences_list_lines_and_clauses_with_exact_offsets() -> None:
    text = ("“Xi believes that science matters,” Gao told Beijing Review. It also involves:\n\n"
            "- Talent pipelines through elite universities\n- Deep partnerships with industry")
    found = [text[s.start : s.end] for s in units(text)]
    assert "Gao told Beijing Review." in found  # the clause after the quotation
    assert "“Xi believes that science matters,” Gao told Beijing Review." in found
    assert "Talent pipelines through elite universities" in found  # a list line, bullet trimmed
    assert all(f == f.strip() and f for f in found)


def test_span_vectors_match_the_model_and_are_safe_to_share(embedder: Embedder) -> None:
    spans = SpanVectors(embedder, size=4)
    query = embedder.encode_query("How deep is the borehole?")
    texts = [f"The borehole is {n} meters deep." for n in range(8)]
    expected = [float(embedder.encode_queries([t])[0] @ query[0]) for t in texts]  # each embedded alone
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: spans.cosines(query, texts), range(8)))
    for got in results:  # eviction under a small cache never loses or mixes up a vector
        assert np.allclose(got, expected, atol=1e-4)
