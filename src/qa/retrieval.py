"""Hybrid retrieval: dense and BM25 candidates, fused, filtered by source, with the evidence kept."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from qa.embedding import Embedder, Vectors
from qa.fusion import rrf, weighted
from qa.records import Hit
from qa.settings import Settings
from qa.store import LoadedIndex


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

    def allowed(self, sources: Iterable[str] | None) -> npt.NDArray[np.int64] | None:
        """Chunk ids of the named sources; None means every chunk."""
        if not sources:
            return None
        names = list(dict.fromkeys(sources))
        missing = [s for s in names if s not in self.index.data.documents]
        if missing:
            raise UnknownSource(missing)
        arrays = [self._by_source[s] for s in names if s in self._by_source]
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)

    def search(self, question: str, top_k: int = 5, sources: Iterable[str] | None = None,
               query_vector: Vectors | None = None) -> list[Hit]:
        """The best `top_k` chunks for a question, best first."""
        allowed = self.allowed(sources)
        qvec = query_vector if query_vector is not None else self.embedder.encode_query(question)
        n = self.settings.candidates
        dense = self.index.dense.search(qvec, n, allowed)
        sparse = self.index.sparse.search(question, n, allowed)
        if self.settings.fusion == "weighted":
            fused = weighted(dense, sparse, self.settings.dense_weight)
        else:
            fused = rrf([dense[0], sparse[0]], self.settings.rrf_k)
        best = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
        bm25 = dict(zip(*sparse, strict=True))
        vectors = self.index.data.vectors
        chunks = self.index.data.chunks
        return [Hit(chunks[i], score, float(vectors[i] @ qvec[0]), bm25.get(i, 0.0)) for i, score in best]
