"""Candidate answer spans of a chunk: its sentences (the lines of a list apart) and their clauses.

Here, before every package that needs them: the answer scorer weighs these spans, and the index build embeds
each one beforehand (index/spans.py), so both must cut a chunk the same way.
"""

from __future__ import annotations

import functools
import re

from qa.records import Chunk, Span
from qa.text.sentences import sentence_spans

_CLAUSE_BREAK = re.compile(r"(?<=[”\"]) (?=\S)|(?<=,”) |(?<=;) | — | – ")
_LINES = re.compile(r"\n+")
MIN_CLAUSE_WORDS = 3


def units(text: str) -> list[Span]:
    """Candidate answer spans of a chunk's text: its sentences (lines of a list apart) and their clauses."""
    return list(_units(text))


@functools.lru_cache(maxsize=50_000)
def sentence_units(text: str) -> tuple[Span, ...]:
    """The sentences of a text, the lines of a list or table apart, trimmed of space and bullets."""
    # Sentence splitting (pysbd) cost more than the rest of an answer; chunk texts repeat across questions.
    return tuple(line for sentence in sentence_spans(text) for line in _split(text, sentence, _LINES))


def row_text(chunk: Chunk) -> str:
    """The words a table-row chunk stands for: its row as rendered with the column names."""
    return chunk.search_text.rsplit("\n", 1)[-1]


def span_texts(chunk: Chunk) -> list[str]:
    """Every text of a chunk whose vector an answer may ask for: a passage's units; a table row's rendered
    row, and the lines of its table block that the reader reads for it (those within its highlight)."""
    if chunk.highlight is None:
        return [chunk.text[s.start : s.end] for s in units(chunk.text)]
    hl = chunk.highlight
    lines = [chunk.text[s.start : s.end] for s in sentence_units(chunk.text) if hl.start <= s.start < hl.end]
    return list(dict.fromkeys([row_text(chunk), *lines]))


@functools.lru_cache(maxsize=50_000)
def _units(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    for line in sentence_units(text):
        spans.append(line)
        parts = _split(text, line, _CLAUSE_BREAK)
        if len(parts) > 1:
            spans += [p for p in parts if len(text[p.start : p.end].split()) >= MIN_CLAUSE_WORDS]
    return tuple(spans or [Span(0, len(text))])


def _split(text: str, span: Span, pattern: re.Pattern[str]) -> list[Span]:
    """Pieces of `span` between matches of `pattern`, trimmed of space and list bullets."""
    pieces, pos = [], span.start
    for match in pattern.finditer(text, span.start, span.end):
        pieces.append(Span(pos, match.start()))
        pos = match.end()
    pieces.append(Span(pos, span.end))
    return [t for p in pieces if (t := _trim(text, p)).end > t.start]


def _trim(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and (text[start].isspace() or text[start] in "-*•"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)
