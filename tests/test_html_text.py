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
