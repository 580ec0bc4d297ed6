"""Question words against table labels: stems, phrases, countries, the operation asked for, label scoring."""

from __future__ import annotations

import pytest

from qa.tableqa.intent import detect
from qa.tableqa.matching import Matcher, make_label
from qa.text.tokens import stem, tokens, years_in


@pytest.mark.parametrize(
    ("a", "b"),
    [("patents", "patent"), ("filed", "file"), ("spending", "spend"), ("spent", "spend"), ("graduates", "graduate"),
     ("companies", "company"), ("taxes", "tax"), ("generation", "generate"), ("investments", "invest"),
     ("supercomputers", "supercomputer"), ("annually", "yearly")],
)
def test_inflections_share_a_stem(a: str, b: str) -> None:
    assert stem(a) == stem(b)


@pytest.mark.parametrize(
    ("text", "stem_"),
    [("research and development", "r&d"), ("R&D", "r&d"), ("U.S.", "united_states"), ("USA", "united_states"),
     ("United States of America", "united_states"), ("America", "united_states"), ("American", "united_states"),
     ("SG&A", "sg&a"), ("selling, general and administrative", "sg&a"), ("pre-tax", "pretax"),
     ("before income taxes", "pretax"), ("Top 500", "top500"), ("TOP500", "top500")],
)
def test_phrases_and_abbreviations_become_one_token(text: str, stem_: str) -> None:
    assert [t.stem for t in tokens(text)] == [stem_]


def test_lower_case_us_is_the_pronoun_not_the_country() -> None:
    assert [t.country for t in tokens("tell us")] == [None, None]
    assert [t.country for t in tokens("the US")][-1] == "united_states"


@pytest.mark.parametrize(("word", "country"), [("Chinese", "china"), ("China's", "china"), ("German", "germany"),
                                               ("British", "united_kingdom"), ("Japanese", "japan")])
def test_demonyms_name_their_country(word: str, country: str) -> None:
    assert tokens(word)[0].country == country


def test_years_are_read_from_fiscal_and_dated_forms() -> None:
    assert years_in("FY2024 versus fiscal 2023, September 28, 2019") == [2024, 2023, 2019]
    assert years_in("$2019 or 12,019 units") == []
    assert tokens("FY2024")[0].year == 2024


@pytest.mark.parametrize(
    ("question", "op"),
    [
        ("What was net income in 2019?", "lookup"),
        ("What was the change in net income from 2018 to 2019?", "difference"),
        ("How much more does the US spend than China?", "difference"),
        ("What is the percentage change in revenue from 2018 to 2019?", "percent_change"),
        ("By what percent did sales grow between 2018 and 2019?", "percent_change"),
        ("What was the growth rate of services revenue?", "percent_change"),
        ("How many times more patents does China file than the US?", "ratio"),
        ("What is the ratio of debt to equity?", "ratio"),
        ("What proportion of total revenue was services revenue in 2019?", "share"),
        ("What is gross margin as a percentage of net sales?", "share"),
        ("What is the average revenue for 2018 and 2019?", "average"),
        ("In which year was operating income the largest?", "max"),
        ("Which segment had the lowest margin?", "min"),
        ("Which country has more supercomputers?", "compare"),
        ("Did China file more patents than the US?", "compare"),
        ("What is the combined R&D spending of China and the US?", "sum"),
        ("How many years did net income exceed $50,000 million?", "count"),
    ],
)
def test_first_operation_asked_for(question: str, op: str) -> None:
    assert detect(question).triggers[0].op == op


def test_intent_reads_direction_years_and_what_is_asked() -> None:
    intent = detect("What was the change in revenue from 2017 to 2019?")
    assert intent.from_to == (2017, 2019) and intent.year_range and intent.years == [2017, 2019]
    assert detect("In which year was revenue higher?").asks_year
    assert detect("How much less does China spend than the US?").less
    assert detect("Why did revenue decline in 2019?").explains
    assert not detect("What was revenue in 2019?").explains


def _rank(labels: list[str], question: str) -> list[str]:
    matcher = Matcher([make_label(x) for x in labels])
    return [labels[m.index] for m in matcher.ranked(tokens(question))]


def test_label_with_fewer_unasked_words_ranks_first() -> None:
    assert _rank(["Total net sales", "Net sales"], "What were net sales?")[0] == "Net sales"
    assert _rank(["Provision for income taxes", "Income before provision for income taxes"],
                 "What was the provision for income taxes?")[0] == "Provision for income taxes"


def test_label_named_by_its_first_words_wins_a_tie() -> None:
    labels = ["Current portion of long-term debt", "Long-term debt, net of current portion"]
    assert _rank(labels, "What was the long-term debt?")[0] == "Long-term debt, net of current portion"


def test_qualifiers_in_parentheses_are_not_required() -> None:
    matcher = Matcher([make_label("R&D Spending (2024 est.)"), make_label("Patents Filed (2023)")])
    best = matcher.ranked(tokens("How much does China spend on research and development?"))[0]
    assert best.index == 0 and best.coverage >= 0.75


def test_repeated_words_go_to_the_label_they_stand_beside() -> None:
    matcher = Matcher([make_label("Total current assets"), make_label("Total current liabilities")])
    q = tokens("What is the ratio of total current assets to total current liabilities?")
    assets = matcher.match(0, q)
    liabilities = matcher.match(1, q, assets.used)
    assert assets.position < liabilities.position
    assert sorted(assets.used) == [5, 6, 7] and sorted(liabilities.used) == [9, 10, 11]


def test_synonym_counts_less_than_the_word_itself() -> None:
    matcher = Matcher([make_label("Revenue"), make_label("Sales")])
    assert [m.index for m in matcher.ranked(tokens("What were sales?"))] == [1, 0]
