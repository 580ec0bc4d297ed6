"""The two retrievers of one generation behind one small interface, whatever store holds them."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from qa.index.dense import DenseIndex
from qa.index.sparse import SparseIndex
from qa.records import Vectors

Ranked = tuple[list[int], list[float]]
Rows = npt.NDArray[np.int64]


class ChunkSearch(Protocol):
    """What the searcher asks of a store: the best chunk rows by meaning and by words (row i is chunk i of the
    generation's data), only among `allowed` rows when given."""

    def dense(self, query: Vectors, k: int, allowed: Rows | None = None) -> Ranked: ...

    def sparse(self, text: str, k: int, allowed: Rows | None = None) -> Ranked: ...


class FilesSearch:
    """FAISS and bm25s over the files of one generation."""

    def __init__(self, dense: DenseIndex, sparse: SparseIndex) -> None:
        self.dense_index, self.sparse_index = dense, sparse

    def dense(self, query: Vectors, k: int, allowed: Rows | None = None) -> Ranked:
        return self.dense_index.search(query, k, allowed)

    def sparse(self, text: str, k: int, allowed: Rows | None = None) -> Ranked:
        return self.sparse_index.search(text, k, allowed)
