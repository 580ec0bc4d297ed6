"""Articles as Wikipedia hands them out, written for these tests: a saved page with its furniture (note markers,
edit links, reference list, navigation box, infobox), plain text copied with its note markers, and an article in
Markdown with the short answers an encyclopaedia question asks for."""

from __future__ import annotations

import pytest

from conftest import written_service
from qa.embed.embedder import Embedder
from qa.serve.service import Service

PAGE = """<!DOCTYPE html><html><head><title>Port Velmar - Wikipedia</title></head><body>
<div id="mw-navigation"><a href="/">Main page</a> <a href="/random">Random article</a></div>
<h1 id="firstHeading">Port Velmar</h1>
<table class="infobox"><tr><th>Country</th><td>Ostravia</td></tr><tr><th>Founded</th><td>1342</td></tr></table>
<p><b>Port Velmar</b> is a harbour town on the northern coast of Ostravia.<sup class="reference"><a
href="#cite_note-1">[1]</a></sup> It was founded in 1342 by the merchant Aldo Brenn.<sup class="reference">[2]</sup></p>
<h2><span class="mw-headline">History</span><span class="mw-editsection">[<a href="/e">edit</a>]</span></h2>
<p>The harbour wall, completed in 1410, is 2.4 kilometres long.<sup class="reference">[3]</sup> The town council
rebuilt the docks with stone quarried at Mirren.<sup class="noprint">[<i>citation needed</i>]</sup></p>
<h2>References</h2><ol class="references"><li>Smith, J. (1999). Harbours of the North. p. 12.</li></ol>
<div class="navbox">Towns of Ostravia: Port Velmar · Kessa · Dorn</div>
</body></html>"""

RIVER = ("The Lenna River\n\nThe Lenna is a river that flows 312 kilometres from the Tarn Hills to the Gulf of "
         "Sorrel.[1] Its largest tributary is the Ossel.[2][3] The first bridge over the Lenna was built by Roman "
         "engineers in 74 AD.[4] Today the river supplies drinking water to about 1.2 million people.[citation "
         "needed]\n")


BIOGRAPHY = ("# Ilsa Varnholt\n\nIlsa Varnholt (14 March 1872 – 2 November 1944) was a Dornish chemist and "
             "inventor, best known for preserving fish with salt brine under pressure.\n\n## Life\n\nVarnholt was born "
             "in the fishing town of Kessa. In 1912 she married the engineer Oskar Lind. A research vessel, the RV "
             "Ilsa Varnholt, was named after her in 1962.\n")
OBSERVATORY = "\n".join([
    "# Kessel Observatory", "",
    "The Kessel Observatory is an astronomical observatory on Mount Aren, north of Dornveld. It was built "
    "between 1891 and 1897 at a cost of 2.3 million marks, paid largely by the "
    "banker Hugo Kessel. The main telescope is a refractor with a lens 86 centimetres across.", "",
    "## Today", "",
    "About 25,000 people visit the observatory each year, most of them on guided tours held every Saturday. Since "
    "2005 the observatory has taken part in the NSS, a survey of faint variable stars shared by eleven universities. "
    "The NSS, or Northern Sky Survey, publishes its catalogue every spring.", ""])


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Service:
    return written_service(tmp_path_factory, embedder, {"port-velmar.html": PAGE, "lenna.txt": RIVER,
                                                         "kessel.md": OBSERVATORY, "varnholt.md": BIOGRAPHY})


def test_an_answer_never_ends_in_a_note_marker(wiki: Service) -> None:
    """"the Ossel.[2][3]" was served; the markers are gone from the document text the offsets index."""
    reply = wiki.answer("What is the largest tributary of the Lenna?")
    assert reply.answer == "the Ossel"
    doc = wiki.document("lenna.txt")
    assert doc is not None and "[" not in doc.text
    assert reply.answer_span is not None and doc.text[reply.answer_span.start : reply.answer_span.end] == "the Ossel"


def test_a_saved_page_is_cited_for_its_article_not_its_furniture(wiki: Service) -> None:
    doc = wiki.document("port-velmar.html")
    assert doc is not None and doc.title == "Port Velmar"
    for furniture in ("Main page", "Harbours of the North", "Kessa", "edit", "citation needed", "[3]"):
        assert furniture not in doc.text
    reply = wiki.answer("How long is the harbour wall?")
    assert reply.answer == "2.4 kilometres"
    assert all("Harbours of the North" not in c.text for c in reply.citations)


def test_a_how_long_question_is_answered_by_a_measure_without_the_word_long(wiki: Service) -> None:
    """"long" names the answer's kind ("312 kilometres"), as "how many" does: it was counted as a question word the
    sentence lacks, and the question declined at 0.34."""
    reply = wiki.answer("How long is the Lenna?")
    assert reply.kind == "passage" and reply.answer == "312 kilometres"


def test_a_who_question_is_never_answered_with_a_number_from_a_table(wiki: Service) -> None:
    """The infobox's "Founded | 1342" answered "Who founded Port Velmar?" with "1342" at 0.97."""
    reply = wiki.answer("Who founded Port Velmar?")
    assert "1342" not in reply.answer and reply.kind != "table"
    assert wiki.answer("When was Port Velmar founded?").answer == "1342"


@pytest.mark.parametrize(("question", "answer"), [
    # A currency written as a word: "marks" was a plural noun, and a "how much ... cost" question wants money.
    ("How much did the observatory cost?", "2.3 million marks"),
    # A weekday is a date ("When ...?" got the whole sentence).
    ("When are guided tours held?", "every Saturday"),
    # "people visit observatory" is the question's first run of words: "25,000 people" counts what it asks.
    ("How many people visit the observatory each year?", "25,000"),
    # The span whose initials spell the acronym; "stand" is the question's form, no word the text must hold.
    ("What does NSS stand for?", "Northern Sky Survey"),
    # A people named by their nation answers "who"; "Roman" alone answers "whose".
    ("Who built the first bridge over the Lenna?", "Roman engineers"),
    # A "when" question's year stands in its period; "In what year ...?" asks one year.
    ("When was the Kessel Observatory built?", "between 1891 and 1897"),
    # A biography: the dates in brackets after the name, where no "born" or "died" is written (1962 was served).
    ("When was Ilsa Varnholt born?", "14 March 1872"),
    ("When did Ilsa Varnholt die?", "2 November 1944"),
    ("In what year did Ilsa Varnholt die?", "1944"),
    # "married" and "marry" meet.
    ("Who did Varnholt marry?", "Oskar Lind"),
    # The sentence defining her, and its definition: "A research vessel, the RV Ilsa Varnholt, ..." was served.
    ("Who was Ilsa Varnholt?", "a Dornish chemist and inventor"),
    ("What is the Kessel Observatory?", "an astronomical observatory on Mount Aren"),
])
def test_an_encyclopaedia_question_gets_its_short_answer(wiki: Service, question: str, answer: str) -> None:
    reply = wiki.answer(question)
    assert reply.kind == "passage" and reply.answer == answer

