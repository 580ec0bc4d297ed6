"""Encyclopaedia articles saved hard-wrapped at 72 columns, as many editors write Markdown, written for these tests:
no sentence is cut at a wrap, every sentence of an article counts as about its subject, and a question asking for
a thing by its kind ("Which label ...?", "What antibiotic ...?") gets the name the sentence gives it."""

from __future__ import annotations

import textwrap

import pytest

from conftest import written_service
from qa.embed.embedder import Embedder
from qa.serve.service import Service

ARTICLES = {
    "grey-tern.md": ["# Grey-backed tern",
                     "The grey-backed tern (Sterna orvalis) is a seabird in the family Laridae that breeds on rocky "
                     "islands of the southern Arvel Sea. It was first described by the naturalist Petra Dunmore in "
                     "1834 from a specimen collected near Cape Holm. Adults measure 33 to 36 centimetres in length "
                     "and have a wingspan of about 75 centimetres.",
                     "## Behaviour",
                     "Grey-backed terns feed mainly on small fish such as sand eels and sprats. Pairs return to the "
                     "same colony each spring and usually lay two eggs in a shallow scrape on bare rock. Both parents "
                     "incubate the eggs for 21 to 24 days.",
                     "## Conservation",
                     "The population fell sharply in the early twentieth century, when the eggs were collected for "
                     "food and the feathers were sold to the hat trade. Hunting was banned by the Arvel Bird "
                     "Protection Act of 1921. Since then numbers have recovered, and the 2019 census counted roughly "
                     "48,000 breeding pairs."],
    "the-lanterns.md": ["# The Lanterns (band)",
                        "The Lanterns were a folk rock band formed in Port Aske in 1966. The original line-up was "
                        "singer and guitarist Maya Corr, bassist Ned Fallow, violinist Ruth Inge and drummer Sam "
                        "Otley.",
                        "## History",
                        "The four members first played together in a pub called the Anchor. After a year of touring "
                        "small clubs they signed with the label Greywell Records in 1967. Their debut album, Lantern "
                        "Light, was recorded in nine days and released in March 1968."],
    "velox-fever.md": ["# Velox fever",
                       "Velox fever is an infectious disease spread to humans by the bite of infected ticks. The "
                       "disease was first identified in 1952 by the doctor Helena Marsk.",
                       "## Treatment",
                       "Velox fever is treated with the antibiotic doxycycline for two weeks, and most patients "
                       "recover fully. There is no vaccine."],
    "siege-of-hallam.md": ["# Siege of Hallam",
                           "The Siege of Hallam was a military blockade of the walled city of Hallam during the War "
                           "of the Three Crowns. It lasted from October 1588 to June 1589.",
                           "## Aftermath",
                           "The city's walls were pulled down in the nineteenth century, but the north gate, known as "
                           "the Vesk Gate, still stands and is now a museum of the siege."],
}


@pytest.fixture(scope="module")
def wrapped(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Service:
    files = {name: "\n\n".join(textwrap.fill(block, 72) for block in blocks) + "\n"
             for name, blocks in ARTICLES.items()}
    return written_service(tmp_path_factory, embedder, files)


def test_a_sentence_is_never_cut_at_a_wrap(wrapped: Service) -> None:
    """The sentence ended at its line's end: "... and the feathers" was served, "were sold ..." lost."""
    doc = wrapped.document("grey-tern.md")
    assert doc is not None and "century, when the eggs were collected for food and the feathers were sold" in doc.text
    reply = wrapped.answer("Why did the population fall in the early twentieth century?")
    assert reply.kind == "passage" and reply.answer.endswith("were sold to the hat trade.")
    assert reply.answer_span is not None
    assert doc.text[reply.answer_span.start : reply.answer_span.end] == reply.answer


def test_a_sentence_about_the_article_subject_answers_without_naming_it(wrapped: Service) -> None:
    """"It was first described by ..." never says "grey-backed tern"; the sentence that does got the question and
    answered "Sterna"."""
    assert wrapped.answer("Who first described the grey-backed tern?").answer == "Petra Dunmore"


@pytest.mark.parametrize(("question", "answer"), [
    # The name given right after the thing asked for, or after "called" / "known as" ...
    ("Which label did the Lanterns sign with?", "Greywell Records"),
    ("What family does the grey-backed tern belong to?", "Laridae"),
    ("What was the name of the pub where the band first played?", "Anchor"),
    ("What was the band's debut album?", "Lantern Light"),
    # ... or a name that holds it.
    ("During which war did the Siege of Hallam take place?", "War of the Three Crowns"),
    ("What is the north gate called?", "Vesk Gate"),
    # A range is one measure; a measure asked by its name is a measure.
    ("How long do the parents incubate the eggs?", "21 to 24 days"),
    ("What is the wingspan of the grey-backed tern?", "75 centimetres"),
])
def test_a_question_asking_for_a_thing_gets_its_name_or_measure(wrapped: Service, question: str, answer: str) -> None:
    reply = wrapped.answer(question)
    assert reply.kind == "passage" and reply.answer == answer


def test_another_name_in_brackets_does_not_answer_where(wrapped: Service) -> None:
    """"(Sterna orvalis)" names the tern the question names: it was served for where it breeds."""
    reply = wrapped.answer("Where does the grey-backed tern breed?")
    assert "Sterna" not in reply.answer and "Arvel Sea" in reply.answer


def test_a_count_asked_for_another_year_than_the_sentence_gives_is_declined(wrapped: Service) -> None:
    """The passage names 1921 (the Act), so the chunk-wide year clash did not fire: "48,000" was served at 0.85."""
    assert wrapped.answer("How many breeding pairs were counted in 2019?").answer == "48,000"
    reply = wrapped.answer("How many breeding pairs were counted in 1921?")
    assert reply.kind == "none", (reply.answer, reply.confidence)
