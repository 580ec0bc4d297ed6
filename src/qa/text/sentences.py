"""Sentence boundaries (pysbd: "U.S." and "10,910" do not end sentences) and the Markdown heading line."""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

from qa.records import Span

# The one Markdown heading pattern: group 1 the hashes, group 2 the heading's text.
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def sentence_spans(text: str, offset: int = 0) -> list[Span]:
    """Sentence boundaries of `text`, trimmed of surrounding space, as offsets (+ `offset`)."""
    spans: list[Span] = []
    pos = 0
    for piece in _segmenter().segment(text):
        start = text.find(piece.sent.strip(), pos) if piece.sent.strip() else -1
        if start < 0:
            continue
        end = start + len(piece.sent.strip())
        spans.append(Span(offset + start, offset + end))
        pos = end
    return spans


def heading_text(line: str) -> str | None:
    """The text of a Markdown heading line ("## Results" -> "Results"), else None."""
    match = HEADING.match(line.strip())
    return match.group(2).strip() if match else None
