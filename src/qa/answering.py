"""Choosing and shaping the answer: a table value, the best sentence of a passage, or 'not in the corpus'."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence

from qa.chunking import sentence_spans
from qa.followup import Turn, resolve
from qa.records import Answer, Chunk, Citation, Hit, Span
from qa.retrieval import Retriever
from qa.sparse import tokenize
from qa.table_qa import TableResult, answer_from_tables

NONE_TEXT = "The corpus doesn't say."
TABLE_MIN_CONFIDENCE = 0.5
ABSTAIN_BELOW = 0.35


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class Answerer:
    """Answers questions over one loaded index; shared by all requests."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        data = retriever.index.data
        self.tables = data.tables
        counts: Counter[str] = Counter()
        for chunk in data.chunks:
            counts.update(set(tokenize(chunk.search_text)))
        total = max(len(data.chunks), 1)
        self._idf = {tok: math.log(1 + total / n) for tok, n in counts.items()}
        self._default_idf = math.log(1 + total)

    def answer(self, question: str, messages: Sequence[Turn] = (), top_k: int = 5,
               sources: Sequence[str] | None = None) -> Answer:
        started = time.perf_counter()
        tables = [t for t in self.tables if not sources or t.source in sources]
        resolved = resolve(question, messages, tables)
        hits = self.retriever.search(resolved, top_k, sources)
        table = answer_from_tables(resolved, tables, self.retriever.embedder)
        if table is not None and table.confidence >= TABLE_MIN_CONFIDENCE:
            result = self._table_answer(question, resolved, table, hits, top_k)
        else:
            result = self._passage_answer(question, resolved, hits)
        result.timing_ms = (time.perf_counter() - started) * 1000
        return result

    def _weight(self, token: str) -> float:
        return self._idf.get(token, self._default_idf)

    def coverage(self, question: str, text: str) -> float:
        """Share of the question's information (idf-weighted tokens) that the text contains."""
        wanted = set(tokenize(question))
        if not wanted:
            return 0.0
        have = set(tokenize(text))
        return sum(self._weight(t) for t in wanted & have) / sum(self._weight(t) for t in wanted)

    def best_sentence(self, question: str, chunk: Chunk) -> Span:
        """The sentence of a chunk that covers most of the question, as offsets within chunk.text."""
        if chunk.highlight is not None:
            return chunk.highlight
        spans = sentence_spans(chunk.text) or [Span(0, len(chunk.text))]
        return max(spans, key=lambda s: (self.coverage(question, chunk.text[s.start : s.end]), -s.start))

    def confidence(self, question: str, hit: Hit) -> float:
        """How likely the top passage answers the question: dense similarity and lexical coverage combined."""
        cosine = hit.dense or 0.0
        cover = self.coverage(question, hit.chunk.search_text)
        return round(0.6 * _sigmoid((cosine - 0.45) * 10) + 0.4 * cover, 3)

    def _citations(self, question: str, hits: Sequence[Hit], first: int = 1) -> list[Citation]:
        return [Citation(n, h.chunk.source, h.chunk.title, h.chunk.id, h.chunk.text, h.chunk.start, h.chunk.end,
                         self.best_sentence(question, h.chunk), round(h.score, 6))
                for n, h in enumerate(hits, start=first)]

    def _passage_answer(self, question: str, resolved: str, hits: list[Hit]) -> Answer:
        citations = self._citations(resolved, hits)
        if not hits:
            return Answer(question, resolved, NONE_TEXT, "none", 0.0, None, [])
        confidence = self.confidence(resolved, hits[0])
        if confidence < ABSTAIN_BELOW:
            return Answer(question, resolved, NONE_TEXT, "none", confidence, None, citations)
        best = citations[0]
        span = best.highlight or Span(0, len(best.text))
        return Answer(question, resolved, best.text[span.start : span.end], "passage", confidence, None, citations)

    def _table_answer(self, question: str, resolved: str, table: TableResult, hits: list[Hit],
                      top_k: int) -> Answer:
        chunks = self.retriever.index.data.chunks
        rows = [c for c in chunks if c.table_id == table.table.id and c.row in table.rows]
        lead = Hit(rows[0], 1.0, None, None) if rows else None
        others = [h for h in hits if lead is None or h.chunk.id != lead.chunk.id][: top_k - (lead is not None)]
        citations = self._citations(resolved, ([lead] if lead else []) + others)
        return Answer(question, resolved, table.answer, "table", round(table.confidence, 3), table.table_answer,
                      citations)
