"""The sentences an article states a definition or a life's dates in: what a "Who is X?" or "When was X born?"
question reads (answer/defines.py, answer/life.py, asked.life_event)."""

from __future__ import annotations

import pytest

from qa.answer.asked import life_event
from qa.answer.defines import defined, defines


@pytest.mark.parametrize(("question", "name"), [
    ("Who was Ilsa Varnholt?", "Ilsa Varnholt"), ("What is the Kessel Observatory?", "Kessel Observatory"),
    ("Who is Gao Yi?", "Gao Yi"), ("What is the revenue?", None), ("Who is the president of China?", None),
])
def test_a_question_asking_who_or_what_a_name_is_asks_its_definition(question: str, name: str | None) -> None:
    assert defined(question) == name


@pytest.mark.parametrize(("text", "defining"), [
    ("Ilsa Varnholt (14 March 1872 – 2 November 1944) was a Dornish chemist.", True),
    ("According to Gao Yi, an associate research fellow at the Academy, it is ideology.", True),
    ("Varnholt was born in the fishing town of Kessa.", False),  # a passive defines nothing
    ("A research vessel, the RV Ilsa Varnholt, was named after her in 1962.", False),
])
def test_a_definition_follows_the_name_as_a_copula_or_an_appositive(text: str, defining: bool) -> None:
    assert defines("Ilsa Varnholt" if "Varnholt" in text else "Gao Yi", text) is defining


@pytest.mark.parametrize(("question", "event"), [
    ("When was Ilsa Varnholt born?", "born"), ("In what year did she die?", "died"),
    ("What year was her death?", "died"), ("Where was Varnholt born?", None), ("When did she marry?", None),
])
def test_a_life_date_question_is_read_with_its_event(question: str, event: str | None) -> None:
    found = life_event(question)
    assert (found[0] if found else None) == event
