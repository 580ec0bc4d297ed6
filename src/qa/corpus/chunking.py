"""Cutting documents into chunks: passages of whole sentences, and one chunk per table row."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from qa.corpus.paged import Locator
from qa.records import Chunk, Document, Span
from qa.tables.model import Table, render_row, split_lines
from qa.text.sentences import HEADING, sentence_spans

_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
MAX_SENTENCES = 3
SHORT_WORDS = 15  # a lead-in ("It also involves:") or a list item joins what follows


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    words: int
    paragraph: int  # ordinal of the paragraph it belongs to
    block: int  # ordinal of the stretch between headings and tables: chunks never cross one
    heading: str


def _is_txt_heading(line: str, next_line: str) -> bool:
    """Plain-text headings: a short line without closing punctuation, followed by prose."""
    text = line.strip()
    return (
        0 < len(text.split()) <= 12
        and not re.search(r"[.,;:!\"”’)]$", text)
        and len(next_line.split()) > len(text.split())
    )


def _next_with_words(lines: list[str]) -> list[int]:
    """For each line, the index of the next line holding words (len(lines) when none): a plain-text heading
    is usually followed by a blank line, so it is judged by the prose after that."""
    found, nxt = [0] * len(lines), len(lines)
    for i in range(len(lines) - 1, -1, -1):
        found[i] = nxt
        if lines[i].strip():
            nxt = i
    return found


def _sentences(doc: Document, skip: list[Span]) -> list[Sentence]:
    """All sentences outside the tables, each knowing its paragraph and section heading."""
    lines = split_lines(doc.text)
    following = _next_with_words([ln.text for ln in lines])
    out: list[Sentence] = []
    heading, paragraph, block, prev_blank = "", 0, 0, True
    for i, ln in enumerate(lines):
        text = ln.text
        if any(s.start <= ln.start < s.end for s in skip):
            block += not prev_blank or paragraph > 0
            prev_blank = True
            continue
        if not text.strip():
            prev_blank = True
            continue
        match = HEADING.match(text.strip())
        nxt = lines[following[i]].text if following[i] < len(lines) else ""
        if match or (doc.fmt == "txt" and _is_txt_heading(text, nxt)):
            heading = match.group(2).strip() if match else text.strip()
            block += 1
            prev_blank = True
            continue
        if prev_blank or _BULLET.match(text) or doc.fmt == "txt":
            paragraph += 1
        prev_blank = False
        for span in sentence_spans(text, ln.start):
            out.append(Sentence(span.start, span.end, len(doc.text[span.start : span.end].split()),
                                paragraph, block, heading))
    return out


def _group(sentences: list[Sentence], max_words: int) -> list[list[Sentence]]:
    """Greedy groups of 1-3 sentences under `max_words`, kept inside one section. A paragraph joins the
    group before it only whole: split, its last sentences would make a chunk of their own, cut off from
    what they continue, and (short, with the title and heading making most of them) outrank real answers."""
    size: dict[int, tuple[int, int]] = {}
    for sent in sentences:
        count, words = size.get(sent.paragraph, (0, 0))
        size[sent.paragraph] = (count + 1, words + sent.words)
    groups: list[list[Sentence]] = []
    for sent in sentences:
        cur = groups[-1] if groups else None
        words = sum(s.words for s in cur) if cur else 0
        same = cur is not None and cur[-1].paragraph == sent.paragraph
        adding, added_words = (1, sent.words) if same else size[sent.paragraph]
        fits = (
            cur is not None
            and cur[-1].block == sent.block
            and len(cur) + adding <= MAX_SENTENCES
            and words + added_words <= max_words
            and (same or words < SHORT_WORDS or sent.words < SHORT_WORDS)
        )
        if fits and cur is not None:
            cur.append(sent)
        else:
            groups.append([sent])
    return groups


def _chunk_id(source: str, text: str, seen: dict[str, int]) -> str:
    base = f"{source}::{hashlib.sha1(text.encode()).hexdigest()[:10]}"
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"


def _search_text(doc: Document, context: str, text: str) -> str:
    """What the retrievers see: the chunk under the document's title and its section heading (or table
    caption). Every chunk carries the title, as it names what the whole document is about: carried only by
    the paragraphs right under it, it handed them every question naming the document's subject, and a
    one-line disclaimer there outranked, by BM25's preference for short texts, the passage that answered."""
    return "\n".join([*dict.fromkeys(x for x in (doc.title, context) if x), text])


def chunk_document(doc: Document, tables: list[Table], max_words: int = 120) -> list[Chunk]:
    """Passages and table-row chunks of one document, in document order."""
    seen: dict[str, int] = {}
    chunks: list[Chunk] = []
    skip = [Span(t.start, t.end) for t in tables if t.source == doc.source and doc.fmt != "csv"]
    if doc.fmt != "csv":
        for group in _group(_sentences(doc, skip), max_words):
            start, end = group[0].start, group[-1].end
            text = doc.text[start:end]
            heading = group[0].heading
            chunks.append(Chunk(_chunk_id(doc.source, text, seen), doc.source, doc.title, "passage", text,
                                start, end, heading, _search_text(doc, heading, text)))
    for table in tables:
        chunks.extend(_row_chunks(doc, table, seen))
    chunks.sort(key=lambda c: (c.start, c.highlight.start if c.highlight else 0))
    return _placed(doc, chunks) if doc.layout else chunks


def _placed(doc: Document, chunks: list[Chunk]) -> list[Chunk]:
    """Chunks of a paged document with their page and boxes; a table row's are its own row's."""
    locator = Locator(doc.layout)
    out = []
    for chunk in chunks:
        hl = chunk.highlight
        start, end = (chunk.start + hl.start, chunk.start + hl.end) if hl else (chunk.start, chunk.end)
        page, boxes = locator.find(start, end)
        out.append(replace(chunk, page=page, boxes=boxes))
    return out


def _row_chunks(doc: Document, table: Table, seen: dict[str, int]) -> list[Chunk]:
    """One chunk per body row: it cites the whole table block and highlights the row's line."""
    block = doc.text[table.start : table.end]
    context = " — ".join(dict.fromkeys(x for x in (table.caption, table.heading) if x and x != doc.title))
    out: list[Chunk] = []
    for n, row in enumerate(table.rows):
        if row.is_section:
            continue
        rendered = render_row(table, row)
        out.append(Chunk(
            _chunk_id(doc.source, rendered, seen), doc.source, doc.title, "table_row", block,
            table.start, table.end, table.heading, _search_text(doc, context, rendered),
            Span(row.start - table.start, row.end - table.start), table.id, n,
        ))
    return out
