"""Choosing the answer: table or passage on evidence, the span shown, abstention (bundled and report corpora)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import start_service
from qa.answer.answerer import ABSTAIN_BELOW, NONE_TEXT
from qa.answer.followup import Turn
from qa.embed.embedder import Embedder
from qa.serve.service import Service


def test_gao_yi_question_answers_with_the_name_in_its_sentence(bundled: Service) -> None:
    result = bundled.answer("Who did Gao Yi talk to?")
    assert result.kind == "passage" and result.answer == "Beijing Review"
    assert result.context is not None and result.context.endswith("Gao told Beijing Review.")
    top = result.citations[0]
    assert top.highlight is not None and result.answer in top.text[top.highlight.start : top.highlight.end]


def test_passage_answer_stands_in_the_highlighted_sentence_of_the_first_citation(bundled: Service) -> None:
    result = bundled.answer("Which company lost access to U.S. semiconductors?")
    assert result.kind == "passage" and result.answer == "Huawei"
    top = result.citations[0]
    assert top.highlight is not None and top.text[top.highlight.start : top.highlight.end] == result.context


def _document_text(service: Service, source: str) -> str:
    return service.engine.index.data.documents[source].text


def test_borehole_depth_is_the_short_span_placed_in_its_document(bundled: Service) -> None:
    result = bundled.answer("How deep is the borehole in the Taklimakan Desert?")
    assert result.kind == "passage" and result.answer == "10,910 meters"
    span = result.answer_span
    assert span is not None and _document_text(bundled, span.source)[span.start : span.end] == result.answer
    assert result.context is not None and result.answer in result.context and result.context != result.answer
    assert result.context in _document_text(bundled, span.source)
    numbers = {c.n for c in result.citations}
    for alt in result.alternatives:  # runners-up: other spans, each in a citation, none surer than the answer
        assert alt.answer != result.answer and alt.citation in numbers and alt.confidence <= 1.0


@pytest.mark.parametrize(("question", "answer"), [
    ("When did engineers complete Asia's deepest borehole?", "February 20"),
    ("Where does the Xinjiang well rank among the world's deepest vertical wells?", "second"),
    pytest.param("What internal problems could hold China back?", None, marks=pytest.mark.xfail(
        strict=True, reason="the chunk holding 'bureaucracy, academic fraud, and talent loss are real challenges' is "
        "10th of the fused ranking (4 Dec; 7th on 3 Dec), outside the 6 that compete; with 10 competing it is still "
        "not picked: no question word is in its sentence (span cover 0, cosine 0.29, confidence 0.07; "
        "docs/ANSWERING.md)")),
    ("How much money does China put into research and development?", "$470B"),
])
def test_questions_the_top_passage_states_plainly_are_not_declined(bundled: Service, question: str,
                                                                   answer: str | None) -> None:
    result = bundled.answer(question)
    assert result.kind != "none" and result.confidence >= ABSTAIN_BELOW
    if answer is not None:
        assert answer in result.answer
    if result.answer_span is not None:
        span = result.answer_span
        assert _document_text(bundled, span.source)[span.start : span.end] == result.answer


def test_why_question_is_answered_with_a_sentence(bundled: Service) -> None:
    result = bundled.answer("Why does Xi want tech independence?")
    assert result.kind == "none" or len(result.answer.split()) >= 6


def test_table_question_is_answered_from_the_table_with_its_cells(bundled: Service) -> None:
    result = bundled.answer("How many supercomputers in the Top 500 does China have?")
    assert result.kind == "table" and result.table_answer is not None and "162" in result.answer
    top, row = result.citations[0], result.citations[0].highlight
    assert row is not None and "Supercomputers" in top.text[row.start : row.end]  # the row used, highlighted


def test_prose_question_goes_to_the_passage_even_though_tables_exist(bundled: Service) -> None:
    result = bundled.answer("What did DeepSeek roll out?")
    assert result.kind == "passage" and "large language models" in result.answer


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "How do I bake sourdough bread?",
    "How many patents did Germany file?",
    "What is Japan's R&D spending?",
    "How many patents did China file in 2018?",
    "How many universities does China have?",  # "elite universities" is named, but no number is given
])
def test_questions_the_corpus_does_not_answer_get_none(bundled: Service, question: str) -> None:
    result = bundled.answer(question)
    assert result.kind == "none" and result.answer == NONE_TEXT and result.table_answer is None
    assert result.confidence < ABSTAIN_BELOW
    assert result.citations  # the nearest passages are still shown


@pytest.mark.parametrize("question", [
    "How deep is the borehole in the Taklimakan Desert?",
    "Which company lost access to U.S. semiconductors?",
    "How many patents did China file in 2023?",
    "What was US R&D spending in 2024?",
])
def test_questions_the_corpus_answers_are_not_abstained_on(bundled: Service, question: str) -> None:
    assert bundled.answer(question).kind != "none"


def test_confidence_is_higher_for_a_plain_fact_than_for_an_off_topic_question(bundled: Service) -> None:
    fact = bundled.answer("How deep is the borehole in the Taklimakan Desert?")
    off = bundled.answer("What is the capital of France?")
    assert 0.0 <= off.confidence < fact.confidence <= 1.0


def test_top_k_limits_citations_and_numbers_them_from_one(bundled: Service) -> None:
    for k in (1, 3, 7):
        result = bundled.answer("What does Europe want to collaborate with China on?", top_k=k)
        assert [c.n for c in result.citations] == list(range(1, k + 1))
        assert len({c.chunk_id for c in result.citations}) == k


def test_sources_filter_keeps_answers_and_citations_in_those_files(bundled: Service) -> None:
    result = bundled.answer("How many patents did China file in 2023?", sources=["china-us-metrics.csv"])
    assert {c.source for c in result.citations} == {"china-us-metrics.csv"}
    if result.table_answer is not None:
        assert result.table_answer.table_id.startswith("china-us-metrics.csv")


def test_citation_offsets_index_the_document_text(bundled: Service) -> None:
    docs = bundled.engine.index.data.documents
    for question in ("Who is Gao Yi?", "How many STEM graduates does China have each year?", "Why?"):
        for c in bundled.answer(question).citations:
            assert docs[c.source].text[c.start : c.end] == c.text
            if c.highlight is not None:
                assert 0 <= c.highlight.start < c.highlight.end <= len(c.text)


def test_resolved_question_is_the_question_when_it_stands_alone(bundled: Service) -> None:
    turns = [Turn("user", "How many patents did China file in 2023?"), Turn("assistant", "1.58 million")]
    result = bundled.answer("How deep is the borehole in the Taklimakan Desert?", turns)
    assert result.resolved_question == "How deep is the borehole in the Taklimakan Desert?"
    assert "10,910 meters" in result.answer


FINANCIAL = Path(__file__).resolve().parents[1] / "bench" / "data" / "financial"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Service:
    """Two companies' reports: an insurer's (prose and a table by line of business) and a retailer's (prose
    about stores, and revenue by region as CSV)."""
    base = tmp_path_factory.mktemp("reports")
    (base / "corpus").mkdir()
    for name in ("harbor-insurance-solvency-2024.html", "meridian-retail-annual-review-2024.md",
                 "meridian-retail-revenue-by-region.csv", "meridian-retail-revenue-by-region.meta.json"):
        shutil.copy(FINANCIAL / name, base / "corpus" / name)
    return start_service(base, embedder)


def test_a_segment_row_does_not_answer_for_the_whole_company(reports: Service) -> None:
    """Rows "Motor", "Marine"... each hold a combined ratio; the question names none: the group's is asked."""
    answer = reports.answer("What combined ratio did Harbor Mutual report for 2024?")
    assert answer.kind == "passage" and "94.1%" in answer.answer


def test_a_named_segment_row_still_answers(reports: Service) -> None:
    answer = reports.answer("What was the combined ratio of Marine in 2024?")
    assert "91.0%" in answer.answer and "×" not in answer.answer  # never a ratio of $450m to 91.0%


def test_how_many_things_is_not_answered_with_money_from_a_table(reports: Service) -> None:
    answer = reports.answer("How many stores did Meridian open in Poland?")
    assert answer.kind == "passage" and answer.answer in ("46", "46 stores")


def test_how_many_things_is_not_answered_with_a_count_of_other_things(reports: Service) -> None:
    """"operates 1,284 stores in four countries": "four countries" is a count, of countries (shape.counts_other)."""
    answer = reports.answer("How many stores does Meridian Retail operate?")
    assert answer.kind == "passage" and answer.answer in ("1,284", "1,284 stores")


@pytest.mark.parametrize(("question", "row"), [("Which region had the highest revenue in FY2024?", "United Kingdom"),
                                             ("Which region had the lowest revenue in FY2024?", "Poland")])
def test_which_row_is_highest_cites_that_row_first(reports: Service, question: str, row: str) -> None:
    answer = reports.answer(question)
    assert answer.kind == "table" and answer.answer == row
    first = answer.citations[0]
    assert first.highlight is not None and first.text[first.highlight.start : first.highlight.end].startswith(row)


SUBSCRIPTION = ("Subscription revenue increased by $76.3 million in 2018. The increase was attributable to new "
                "customers and renewals.")
LICENCES = "Licence revenue decreased by $4.1 million in 2018 because fewer customers renewed their licences."
# The first two paragraphs make one chunk: the second's "because" is another reason, past a blank line.
REVENUE = (f"# Annual review 2018\n\n{SUBSCRIPTION}\n\nServices revenue fell because fewer projects started.\n\n"
           f"## Licences\n\n{LICENCES} The decrease was also driven by lower prices.\n")


def _written(factory: pytest.TempPathFactory, embedder: Embedder, files: dict[str, str]) -> Service:
    """A started service over a corpus of written documents (file name: text)."""
    base = factory.mktemp("written")
    (base / "corpus").mkdir()
    for name, text in files.items():
        (base / "corpus" / name).write_text(text, encoding="utf-8")
    return start_service(base, embedder)


@pytest.fixture(scope="module")
def revenue(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Service:
    """One report whose reasons stand in the sentence after the one restating the question, or in that one."""
    return _written(tmp_path_factory, embedder, {"review-2018.md": REVENUE})


def test_a_reason_question_gets_its_restating_sentence_and_the_reason_after_it(revenue: Service) -> None:
    answer = revenue.answer("Why did subscription revenue increase in 2018?")
    assert answer.kind == "passage" and "attributable to new customers" in answer.answer
    assert answer.answer == SUBSCRIPTION  # the next paragraph's "because" is another reason's
    span = answer.answer_span
    assert span is not None and _document_text(revenue, span.source)[span.start : span.end] == answer.answer
    assert answer.context == answer.answer
    top = answer.citations[0]
    assert top.highlight is not None and top.text[top.highlight.start : top.highlight.end] == answer.answer


def test_a_reason_question_whose_sentence_states_the_reason_gets_that_sentence_only(revenue: Service) -> None:
    answer = revenue.answer("Why did licence revenue decrease in 2018?")
    assert answer.kind == "passage" and answer.answer == LICENCES


MARKETS = ("# Measuring in the ancient world\n\nMerchants in Roman markets relied on simple devices such as weighing "
           "scales and measuring rods. The steelyard, a balance with unequal arms, let a trader weigh heavy goods "
           "with a small counterweight.\n\nWater clocks measured time in law courts, where each speaker was given a "
           "fixed share of water.\n\n## Surveying\n\nRoman surveyors used the groma to lay out straight roads and "
           "field boundaries.\n\n## Towns\n\nSundials stood in public squares. The senate met in the curia, and "
           "the guards fought at the frontier.\n\n## Night\n\nWater clocks were not used at night, when the water "
           "froze in winter.\n")

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
    return _written(tmp_path_factory, embedder, {"measuring.md": MARKETS, "encyclopaedia.md": ENCYCLOPAEDIA})


@pytest.mark.parametrize(("asked", "swapped", "stated"), [
    ("What simple devices did merchants in Roman markets rely on?",
     "What complex devices did merchants in Roman markets rely on?", "weighing scales"),
    ("What let a trader weigh heavy goods?", "What let a trader weigh light goods?", "steelyard"),
    ("What did Roman surveyors use to lay out straight roads?",
     "What did Roman surveyors use to lay out curved roads?", "groma"),
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
])
def test_a_count_in_words_a_share_a_name_with_small_words_and_a_century_are_the_short_answer(articles: Service,
                                                                                   question: str,
                                                                                   answer: str) -> None:
    """Before, the first three were declined or answered with their whole sentence (no digit for "how many"), the
    map's place was "Musée" and the century the whole sentence."""
    result = articles.answer(question)
    assert result.kind == "passage" and result.confidence >= ABSTAIN_BELOW
    assert result.answer.removeprefix("the ") == answer
