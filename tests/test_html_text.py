"""HTML to text: readable text with headings, list items and tables, and nothing executable."""

from __future__ import annotations

from qa.corpus.html import html_to_text


def test_inline_markup_joins_words_naturally() -> None:
    text, _ = html_to_text("<p>Hello <b>bold</b> world.</p>")
    assert text == "Hello bold world.\n"


def test_headings_and_list_items_keep_markdown_markers() -> None:
    text, _ = html_to_text("<h2>Section</h2><ul><li>one</li><li>two</li></ul>")
    assert text.splitlines() == ["## Section", "", "- one", "", "- two"]


def test_tables_become_pipe_tables() -> None:
    text, _ = html_to_text("<table><tr><th>Metric</th><th>A</th></tr><tr><td>X</td><td>$1</td></tr></table>")
    assert text.splitlines() == ["| Metric | A |", "|---|---|", "| X | $1 |"]


def test_scripts_styles_and_head_are_dropped_title_kept() -> None:
    text, title = html_to_text("<html><head><title>T</title><style>p{}</style></head>"
                               "<body><script>evil()</script><noscript>x</noscript><p>ok</p></body></html>")
    assert title == "T" and text == "ok\n"


def test_entities_are_decoded_as_text() -> None:
    text, _ = html_to_text("<p>A &amp; B &lt;script&gt;</p>")
    assert text == "A & B <script>\n"


WIKI_PAGE = """<html><head><title>Port Velmar - Wikipedia</title></head><body>
<div id="mw-navigation"><a href="/">Main page</a></div><a class="mw-jump-link" href="#content">Jump to content</a>
<h1 id="firstHeading">Port Velmar</h1><div id="siteSub">From Wikipedia, the free encyclopedia</div>
<div class="hatnote">For the village, see Velmar.</div>
<p>Port Velmar is a harbour town.<sup class="reference"><a href="#cite_note-1">[1]</a></sup> It was founded in
1342.<sup class="noprint Inline-Template">[<i>citation needed</i>]</sup></p>
<div id="toc" class="toc"><ul><li>1 History</li></ul></div>
<h2><span class="mw-headline">History</span><span class="mw-editsection">[<a href="/e">edit</a>]</span></h2>
<p>The harbour wall is 2.4 kilometres long.</p>
<h2>References</h2><ol class="references"><li>Smith, J. (1999). Harbours of the North. p. 12.</li></ol>
<table class="sidebar"><tr><td>Part of a series on Ostravia</td></tr></table>
<div class="refbegin"><ul><li><cite class="citation book">Brenn, A. (1402). Ledgers.</cite></li></ul></div>
<div class="navbox">Towns of Ostravia: Kessa · Dorn</div><div id="catlinks">Categories: Towns</div>
</body></html>"""


def test_a_saved_wikipedia_page_reads_as_its_article() -> None:
    text, title = html_to_text(WIKI_PAGE)
    assert title == "Port Velmar"
    assert text.splitlines() == ["# Port Velmar", "", "Port Velmar is a harbour town. It was founded in 1342.", "",
                                 "## History", "", "The harbour wall is 2.4 kilometres long.", "", "## References"]


def test_a_title_is_kept_whole_when_it_is_not_the_heading_and_a_site_name() -> None:
    assert html_to_text("<title>Velmarsk</title><h1>Velmar</h1>")[1] == "Velmarsk"
    assert html_to_text("<title>Port Velmar</title><h1>Port Velmar</h1>")[1] == "Port Velmar"


def test_line_breaks_in_markup_are_spaces_but_pre_keeps_its_lines() -> None:
    text, _ = html_to_text("<p>It was founded in\n1342 by   a merchant.</p><pre>a = 1\n  b = 2\n</pre>")
    assert text.splitlines() == ["It was founded in 1342 by a merchant.", "", "a = 1", "  b = 2"]


def test_bibliography_entries_and_sidebars_leave_no_empty_items() -> None:
    text, _ = html_to_text('<table class="sidebar"><tr><td>Part of a series</td></tr></table><h2>External links</h2>'
                           '<ul><li><cite class="citation web">Harbour trust site</cite></li><li>Town hall</li></ul>')
    assert text.splitlines() == ["## External links", "", "- Town hall"]
