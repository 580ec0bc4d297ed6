"""Hybrid retrieval: dense and BM25 candidates, fused, filtered by source, with the evidence kept."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from qa.embed.embedder import Embedder
from qa.index.store import LoadedIndex
from qa.lru import Lru
from qa.records import Chunk, Hit, Vectors
from qa.search.fusion import rrf, weighted
from qa.settings import Settings
from qa.text.questions import asks_for_label
from qa.text.tokens import content, tokens

Ranked = tuple[list[int], list[float]]
# The share of its fused score a table row keeps when the question names nothing of its label (see `fuse`).
# Measured on both eval sets: any value from 0.5 to 0.9 gives the same rankings at the top (docs/BENCHMARKS.md).
UNNAMED_ROW = 0.8


class UnknownSource(ValueError):
    """A `sources` filter names files the index does not hold."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("unknown source(s): " + ", ".join(missing))
        self.missing = missing


class Retriever:
    """Searches one loaded index; immutable after construction, so threads can share it."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        ids: dict[str, list[int]] = {}
        for i, chunk in enumerate(index.data.chunks):
            ids.setdefault(chunk.source, []).append(i)
        self._by_source = {s: np.asarray(v, dtype=np.int64) for s, v in ids.items()}
        self._tables = {t.id: t for t in index.data.tables}
        self._scopes: Lru[frozenset[str], npt.NDArray[np.int64]] = Lru(64)
        self._row_words = {chunk.id: words for chunk in index.data.chunks
                           if (label := self.row_label(chunk)) and (words := question_words(label))}

    def allowed(self, sources: Iterable[str] | None,
                scope: frozenset[str] | None = None) -> npt.NDArray[np.int64] | None:
        """Chunk ids of the named sources, within `scope` (the caller's sources; None: every source); None
        means every chunk. A source outside the scope selects nothing: callers refuse it before (403)."""
        if scope is not None:
            names = [s for s in dict.fromkeys(sources or ()) if s in scope] if sources else None
            return self._scope_ids(scope) if names is None else self._ids(names)
        if not sources:
            return None
        names = list(dict.fromkeys(sources))
        missing = [s for s in names if s not in self.index.data.documents]
        if missing:
            raise UnknownSource(missing)
        return self._ids(names)

    def _ids(self, names: Iterable[str]) -> npt.NDArray[np.int64]:
        arrays = [self._by_source[s] for s in names if s in self._by_source]
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)

    def _scope_ids(self, scope: frozenset[str]) -> npt.NDArray[np.int64]:
        """A scope's chunk ids, kept for the few scopes in use: a key's every question filters by them."""
        ids = self._scopes.get(scope)
        if ids is None:
            ids = np.sort(self._ids(scope))
            self._scopes.put(scope, ids)
        return ids

    def search(self, question: str, top_k: int = 5, sources: Iterable[str] | None = None,
               query_vector: Vectors | None = None, allowed: frozenset[str] | None = None) -> list[Hit]:
        """The best `top_k` chunks for a question, best first; no chunk outside `allowed` sources is a candidate."""
        ids = self.allowed(sources, allowed)
        qvec = query_vector if query_vector is not None else self.embedder.encode_query(question)
        n = self.settings.candidates
        dense = self.index.search.dense(qvec, n, ids)
        sparse = self.index.search.sparse(question, n, ids)
        fused = self.fuse(question, dense, sparse, self.settings.fusion, self.settings.dense_weight)
        best = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
        bm25 = dict(zip(*sparse, strict=True))
        vectors = self.index.data.vectors
        chunks = self.index.data.chunks
        return [Hit(chunks[i], score, float(vectors[i] @ qvec[0]), bm25.get(i, 0.0)) for i, score in best]

    def fuse(self, question: str, dense: Ranked, sparse: Ranked, fusion: str, dense_weight: float) -> dict[int, float]:
        """Fused scores of the candidates of both sides.

        A table row is "label: column value; ...", and every row of a table shares its caption and column
        names. A row none of whose label words the question uses matched through those shared words only: it
        is evidence for its table, not for itself, so it keeps UNNAMED_ROW of its score. Without this, the
        four short segment rows of "Combined ratio 2024" outranked the passage with the group's combined
        ratio. Questions asking which row ("which region had the highest revenue") name no row by nature and
        are left as they are.
        """
        fused = weighted(dense, sparse, dense_weight) if fusion == "weighted" else rrf([dense[0], sparse[0]],
                                                                                       self.settings.rrf_k)
        if not self._row_words or asks_for_label(question):
            return fused
        asked = question_words(question)
        chunks = self.index.data.chunks
        return {i: s * UNNAMED_ROW if self.unnamed_row(chunks[i], asked) else s for i, s in fused.items()}

    def row_label(self, chunk: Chunk) -> str | None:
        """The label of the table row a chunk stands for; None for passages."""
        table = self._tables.get(chunk.table_id or "")
        if chunk.kind != "table_row" or table is None or chunk.row is None or chunk.row >= len(table.rows):
            return None
        return table.rows[chunk.row].label

    def unnamed_row(self, chunk: Chunk, asked: frozenset[str]) -> bool:
        """Whether `chunk` is a table row none of whose label words are `asked` (`question_words(question)`)."""
        words = self._row_words.get(chunk.id)
        return words is not None and not words & asked


def question_words(text: str) -> frozenset[str]:
    """What the table matcher knows a text's words by (stems, synonym groups: "research and development" is
    "R&D"), less stop words and years: a year names a column, not a row."""
    return frozenset().union(*(t.keys for t in content(tokens(text)) if t.year is None))
