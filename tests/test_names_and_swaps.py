"""Encyclopaedia articles written for these tests: the name a question asks for by what the sentence calls it (the
agent of a passive, the name after a naming word, a name holding the thing asked for), and the near miss that asks
about another entity of the same article ("the University of Halden" of an article on the University of Marren)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import written_service
from qa.embed.embedder import Embedder
from qa.serve.service import Service

CLUB = ("# FC Ebbing\n\nFC Ebbing is a professional football club based in Ebbing, Valdren. The club was founded in "
        "1899 by workers from the town's rope factory and plays its home matches at the Riverside Ground, which holds "
        "18,500 spectators.\n\n## Rivalries\n\nThe club's fiercest rival is Holl United, and matches between the two "
        "sides are known as the Estuary Derby.\n")
GLASS = ("# Saltglass\n\nSaltglass is a type of glass made by fusing sand with sea salt and wood ash. The technique "
         "was developed in the coastal workshops of Valdren in the fourteenth century.\n\n## Uses\n\nSaltglass was "
         "used for lamp chimneys and laboratory flasks. Today the Holl Glass Museum holds the largest collection of "
         "saltglass objects.\n")
BAND = ("# The Lanterns (band)\n\nThe Lanterns were a folk rock band formed in Port Aske in 1966. The original line-up "
        "was singer Maya Corr, bassist Ned Fallow and drummer Sam Otley.\n\n## History\n\nTheir debut album was "
        "recorded in nine days. Fallow left the band in 1971 to work as a record producer and was replaced by Joe "
        "Marsh.\n")
# Three of the articles bench/articles_eval.py asks, whole: the swaps need the rest of the article around them.
ARTICLES = Path(__file__).resolve().parents[1] / "bench" / "data" / "articles"


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Service:
    files = {name: (ARTICLES / name).read_text(encoding="utf-8")
             for name in ("marren-university.md", "hendrik-aalto.txt", "river-osk.md")}
    return written_service(tmp_path_factory, embedder, {"fc-ebbing.md": CLUB, "saltglass.md": GLASS,
                                                         "the-lanterns.md": BAND, **files})


@pytest.mark.parametrize(("question", "answer"), [
    # The agent of the passive that has the question's verb ("Riverside Ground", a name, was served).
    ("Who founded FC Ebbing?", "workers"),
    # The name after a naming word, for a question asking what a thing is called (the whole sentence was served).
    ("What are matches against Holl United called?", "Estuary Derby"),
    # A name holding the thing asked for, without the sentence's first word ("Today the Holl Glass Museum").
    ("Which museum has the largest collection of saltglass?", "Holl Glass Museum"),
])
def test_a_question_gets_the_name_the_sentence_gives(articles: Service, question: str, answer: str) -> None:
    reply = articles.answer(question)
    assert reply.kind == "passage" and reply.answer == answer


@pytest.mark.parametrize("question", [
    # The article's other campus: "It has about 31,000 students" was served, at 0.51.
    "How many students does the University of Halden have?",
    # Another bridge, named after a river of another article: "its main span of 412 metres" was served, at 0.82.
    "How long is the main span of the Marl Bridge?",
])
def test_a_question_about_another_entity_of_the_article_is_declined(articles: Service, question: str) -> None:
    reply = articles.answer(question)
    assert reply.kind == "none", (reply.answer, reply.confidence)


@pytest.mark.parametrize(("question", "answer"), [
    # The place phrase the name stands in ("Holl" was served) ...
    ("Where did Aalto study?", "the technical college in Holl"),
    ("Where have the science departments moved?", "the Halden campus"),
])
def test_a_where_question_gets_the_whole_place(articles: Service, question: str, answer: str) -> None:
    reply = articles.answer(question)
    assert reply.kind == "passage" and reply.answer == answer


def test_a_person_asked_in_full_and_written_by_surname_is_still_answered(articles: Service) -> None:
    """"Ned Fallow" asked, "Fallow left the band ..." written: the article names him in full earlier."""
    reply = articles.answer("Who replaced Ned Fallow?")
    assert reply.kind == "passage" and reply.answer == "Joe Marsh"
