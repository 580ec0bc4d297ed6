"""Wiki note markers: gone from prose ("the Ossel.[2][3]" -> "the Ossel."), kept where they are not markers."""

from __future__ import annotations

import pytest

from qa.corpus.markers import strip_markers


@pytest.mark.parametrize(("text", "clean"), [
    ("Its largest tributary is the Ossel.[2][3] The first", "Its largest tributary is the Ossel. The first"),
    ("supplies 1.2 million people.[citation needed]", "supplies 1.2 million people."),
    ("History[edit]", "History"),
    ("a famine[a] and a flood[note 3] followed", "a famine and a flood followed"),
    ("built in 74 AD.[when?] Later", "built in 74 AD. Later"),
    ("a claim[dubious – discuss] stands", "a claim stands"),
])
def test_markers_after_a_word_are_removed(text: str, clean: str) -> None:
    assert strip_markers(text) == clean


@pytest.mark.parametrize("text", [
    "- [x] a done task", "see [the map](map.png)", "a value [12] after a space", "the year[2019] stays",
    "index[0] is the first",
])
def test_text_that_is_no_marker_is_kept(text: str) -> None:
    assert strip_markers(text, markdown=True) == text


def test_markdown_code_keeps_its_brackets() -> None:
    text = "Use `items[1]` here.[4]\n\n```\nrow[2] = 5\n```\nDone.[5]\n"
    assert strip_markers(text, markdown=True) == "Use `items[1]` here.\n\n```\nrow[2] = 5\n```\nDone.\n"
