"""Encyclopaedia-style articles written for these tests: near misses that swap a word for its opposite or deny
the sentence, irregular verbs, counts in words, shares, names with small words, centuries."""

from __future__ import annotations

import pytest

from conftest import written_service
from qa.answer.answerer import ABSTAIN_BELOW
from qa.embed.embedder import Embedder
from qa.serve.service import Service

MARKETS = ("# Measuring in the ancient world\n\nMerchants in Roman markets relied on simple devices such as weighing "
           "scales and measuring rods. The steelyard, a balance with unequal arms, let a trader weigh heavy goods "
           "with a small counterweight.\n\nWater clocks measured time in law courts, where each speaker was given a "
           "fixed share of water.\n\n## Surveying\n\nRoman surveyors used the groma to lay out straight roads and "
           "field boundaries.\n\n## Towns\n\nSundials stood in public squares. The senate met in the curia, and "
           "the guards fought at the frontier.\n\n## Night\n\nWater clocks were not used at night, when the water "
           "froze in winter.\n\n## Guilds\n\nThe weavers' guild forbade its members to sell cloth after dark.\n")

ENCYCLOPAEDIA = ("# Law of the Federation\n\nThe three sources of federation law are the charter, statutes and "
                 "court rulings. The Federal Court, sitting in Arden, was founded in 1961 and has twenty-seven "
                 "judges, one from each province.\n\n# Arden Island\n\nArden Island is a volcanic island of "
                 "seven thousand square kilometres. Basalt makes up almost half of the island's bedrock. Its abbey "
                 "was founded in the 12th century by monks from the mainland.\n\n"
                 "# The Arden map\n\nThe oldest map of the island is now kept at the Musée de la Marine in Brest, "
                 "Brittany.\n")


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Service:
    """Two encyclopaedia-style articles: sentences with a qualifier a near miss can swap for its opposite, irregular
    verbs, counts written as words, a share, a name with small words."""
    return written_service(tmp_path_factory, embedder, {"measuring.md": MARKETS, "encyclopaedia.md": ENCYCLOPAEDIA})


@pytest.mark.parametrize(("asked", "swapped", "stated"), [
    ("What simple devices did merchants in Roman markets rely on?",
     "What complex devices did merchants in Roman markets rely on?", "weighing scales"),
    ("What let a trader weigh heavy goods?", "What let a trader weigh light goods?", "steelyard"),
    ("What did Roman surveyors use to lay out straight roads?",
     "What did Roman surveyors use to lay out curved roads?", "groma"),
    # "allow" is the opposite of "forbid" through the synset of "permit" (bench/build_antonyms.py).
    ("What did the weavers' guild forbid its members to do?", "What did the weavers' guild allow its members to do?",
     "sell cloth after dark"),
])
def test_a_question_asking_the_opposite_of_what_the_sentence_says_is_declined(articles: Service, asked: str,
                                                                               swapped: str, stated: str) -> None:
    """The issue's near miss: "complex devices" asked where the article writes "simple devices" (WordNet's
    antonyms, answer/contrary.py); the question as the article puts it is still answered."""
    plain = articles.answer(asked)
    assert plain.kind == "passage" and plain.context is not None and stated in plain.context
    near = articles.answer(swapped)
    assert near.kind == "none" and near.confidence < ABSTAIN_BELOW


def test_a_question_denying_what_the_sentence_states_is_declined_and_one_it_states_is_not(articles: Service) -> None:
    """SQuAD 2.0's negated near misses (choice.py `denied`): "not" asked where the article states it plainly."""
    assert articles.answer("What did Roman surveyors not use to lay out straight roads?").kind == "none"
    stated = articles.answer("What was not used at night?")
    assert stated.kind == "passage" and stated.context is not None and "Water clocks" in stated.context


@pytest.mark.parametrize(("question", "stated"), [("Where did sundials stand?", "public squares"),
                                                  ("Where did the senate meet?", "curia"),
                                                  ("Where did the guards fight?", "frontier")])
def test_a_question_in_another_tense_of_an_irregular_verb_is_answered(articles: Service, question: str,
                                                                      stated: str) -> None:
    """"stand" asked of "stood", "meet" of "met": the tokenizer meets WordNet's irregular forms at their base
    (text/inflections.json); before, these were declined at 0.25-0.48."""
    answer = articles.answer(question)
    assert answer.kind == "passage" and answer.confidence >= ABSTAIN_BELOW
    assert answer.context is not None and stated in answer.context



@pytest.mark.parametrize(("question", "answer"), [
    ("How many sources of federation law are there?", "three"),
    ("How many judges does the Federal Court have?", "twenty-seven"),
    ("How much of Arden Island's bedrock is basalt?", "almost half"),
    ("Where is the oldest map of the island kept?", "Musée de la Marine"),
    ("In what century was the abbey founded?", "12th century"),
    # "large" names the measure asked, as "long" and "deep" do: it was counted as a question word the sentence lacks
    # (declined at 0.42 on 4 Dec).
    ("How large is Arden Island?", "seven thousand square kilometres"),
])
def test_a_count_in_words_a_share_a_name_with_small_words_and_a_century_are_the_short_answer(articles: Service,
                                                                                   question: str,
                                                                                   answer: str) -> None:
    """Before, the first three were declined or answered with their whole sentence (no digit for "how many"), the
    map's place was "Musée", the century the whole sentence, and the island's size declined."""
    result = articles.answer(question)
    assert result.kind == "passage" and result.confidence >= ABSTAIN_BELOW
    assert result.answer.removeprefix("the ") == answer
