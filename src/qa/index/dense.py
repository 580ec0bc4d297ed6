"""The dense side: normalised vectors in a FAISS inner-product index, exact or approximate by corpus size."""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from qa.records import Vectors

# One query at a time is the common case, and FAISS runs a single query 2-2.5x slower on two
# OpenMP threads than on one (measured here); builds raise it while they run.
faiss.omp_set_num_threads(1)

# Index types (settings.index_type): flat is exact; the others approximate, measured in bench/scale.py.
TYPES = ("flat", "hnsw", "hnsw_sq8", "ivf_sq8")
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
IVF_MIN_PROBES = 32
IVF_PROBE_SHARE = 40  # visit 1/40 of the lists (at least IVF_MIN_PROBES): margin over the 16 that synthetic data needs
TRAIN_SAMPLE = 100_000
FILTER_EXACT_MAX = 50_000  # a filter to at most this many chunks is searched exactly (a few ms at most)


def choose_type(index_type: str, count: int, threshold: int) -> str:
    """The FAISS index for a corpus: `auto` stays exact below `threshold` chunks, then IVF over 8-bit codes,
    which builds in seconds where HNSW takes minutes and keeps recall@10 >= 0.95 at a quarter of flat's
    memory (bench/scale.py)."""
    if index_type != "auto":
        return index_type
    return "ivf_sq8" if count >= threshold else "flat"


def ivf_lists(count: int) -> int:
    """Inverted lists for an IVF index: about 4 sqrt(n), so a probe scans a few thousand vectors."""
    return int(max(1, min(65_536, 4 * np.sqrt(max(count, 1)))))


def ivf_probes(lists: int) -> int:
    """Lists an IVF search visits: a fixed share of them, so recall holds as the corpus grows."""
    return int(min(lists, max(IVF_MIN_PROBES, lists // IVF_PROBE_SHARE)))


def _empty(index_type: str, dim: int, count: int) -> faiss.Index:
    ip = faiss.METRIC_INNER_PRODUCT
    index: faiss.Index
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, ip)
    elif index_type == "hnsw_sq8":
        index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, HNSW_M, ip)  # type: ignore[arg-type]
    elif index_type == "ivf_sq8":
        index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, ivf_lists(count),
                                              faiss.ScalarQuantizer.QT_8bit, ip)
    elif index_type == "flat":
        return faiss.IndexFlatIP(dim)
    else:
        raise ValueError(f"unknown index type {index_type!r}; choose one of {', '.join(TYPES)}")
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    _tune(index)
    return index


def _tune(index: faiss.Index) -> None:
    """Search-time parameters, which FAISS does not keep in the file for every type."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = ivf_probes(index.nlist)
        if index.is_trained:
            index.make_direct_map()  # row lookups for filtered searches: 8 bytes a vector


class DenseIndex:
    """Cosine search over chunk vectors; row i of the index is chunk i."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def build(cls, vectors: Vectors, index_type: str = "flat") -> DenseIndex:
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        index = _empty(index_type, data.shape[1], len(data))
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # building is a batch job: use every core
        try:
            if len(data) and not index.is_trained:
                step = max(1, len(data) // TRAIN_SAMPLE)
                index.train(data[::step])
            if len(data):
                index.add(data)
            _tune(index)
        finally:
            faiss.omp_set_num_threads(1)
        return cls(index)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def kind(self) -> str:
        if isinstance(self.index, faiss.IndexHNSWSQ):
            return "hnsw_sq8"
        if isinstance(self.index, faiss.IndexHNSW):
            return "hnsw"
        return "ivf_sq8" if isinstance(self.index, faiss.IndexIVF) else "flat"

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        index = faiss.read_index(str(path))
        _tune(index)
        return cls(index)

    def _params(self, allowed: npt.NDArray[np.int64]) -> faiss.SearchParameters:
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
        # faiss's type stubs lag its API: these classes take these keywords.
        if isinstance(self.index, faiss.IndexHNSW):
            hnsw: faiss.SearchParameters = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                sel=selector, efSearch=HNSW_EF_SEARCH)
            return hnsw
        if isinstance(self.index, faiss.IndexIVF):
            # A filter may leave the allowed chunks outside the probed lists: probe them all.
            ivf: faiss.SearchParameters = faiss.SearchParametersIVF(  # type: ignore[call-arg]
                sel=selector, nprobe=self.index.nlist)
            return ivf
        return faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]

    def _subset(self, query: Vectors, k: int, allowed: npt.NDArray[np.int64]) -> tuple[list[int], list[float]]:
        """Exact scores over the allowed chunks: a graph or list walk may never reach a small filtered set."""
        ids = np.ascontiguousarray(allowed, dtype=np.int64)
        scores = self.index.reconstruct_batch(ids) @ query[0]
        top = np.argsort(-scores, kind="stable")[:k]
        return [int(ids[i]) for i in top], [float(scores[i]) for i in top]

    def search(self, query: Vectors, k: int,
               allowed: npt.NDArray[np.int64] | None = None) -> tuple[list[int], list[float]]:
        """Ids and cosine scores of the k nearest chunks, only among `allowed` ids when given."""
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return [], []
        query = np.ascontiguousarray(query, dtype=np.float32)
        if allowed is not None and self.kind != "flat" and len(allowed) <= FILTER_EXACT_MAX:
            return self._subset(query, k, allowed)
        params = None if allowed is None else self._params(allowed)
        scores, ids = self.index.search(query, k, params=params)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        return [i for i, _ in pairs], [s for _, s in pairs]
