"""The dense side: normalised vectors in a FAISS inner-product index (exact, or HNSW for large corpora)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from qa.embedding import Vectors

# One query at a time is the common case, and FAISS runs a single query 2-2.5x slower on two
# OpenMP threads than on one (measured here); batch searches can raise it again on purpose.
faiss.omp_set_num_threads(1)

HNSW_M = 32
HNSW_EF_SEARCH = 128


def choose_type(index_type: str, count: int, threshold: int) -> str:
    """'flat' or 'hnsw': auto picks exact search until the corpus is large."""
    if index_type != "auto":
        return index_type
    return "hnsw" if count >= threshold else "flat"


class DenseIndex:
    """Cosine search over chunk vectors; row i of the index is chunk i."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def build(cls, vectors: Vectors, index_type: str = "flat") -> DenseIndex:
        dim = vectors.shape[1]
        index: faiss.Index
        if index_type == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        index = faiss.read_index(str(path))
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index)

    def search(self, query: Vectors, k: int,
               allowed: npt.NDArray[np.int64] | None = None) -> tuple[list[int], list[float]]:
        """Ids and cosine scores of the k nearest chunks, only among `allowed` ids when given."""
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return [], []
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            # faiss's type stubs lag its API: both classes take these keywords.
            params = (faiss.SearchParametersHNSW(sel=selector, efSearch=HNSW_EF_SEARCH)  # type: ignore[attr-defined]
                      if isinstance(self.index, faiss.IndexHNSW)
                      else faiss.SearchParameters(sel=selector))  # type: ignore[call-arg]
        scores, ids = self.index.search(np.ascontiguousarray(query, dtype=np.float32), k, params=params)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        return [i for i, _ in pairs], [s for _, s in pairs]
