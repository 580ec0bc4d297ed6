"""Dense index types: each finds the nearest chunks, honours source filters and survives a save and load."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from qa.index.dense import TYPES, DenseIndex, choose_type, ivf_lists, ivf_probes


def unit_vectors(count: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim))
    v = centres[rng.integers(0, 20, count)] + 0.5 * rng.standard_normal((count, dim))
    return np.asarray(v / np.linalg.norm(v, axis=1, keepdims=True), dtype=np.float32)


@pytest.mark.parametrize("kind", TYPES)
def test_every_index_type_finds_a_stored_vector_first(kind: str) -> None:
    vectors = unit_vectors(3000)
    index = DenseIndex.build(vectors, kind)
    hits = [index.search(vectors[i : i + 1], 5)[0][0] for i in range(0, 3000, 150)]
    assert hits == list(range(0, 3000, 150))
    assert index.kind == kind and index.size == 3000


@pytest.mark.parametrize("kind", TYPES)
def test_allowed_ids_limit_results_for_every_type(kind: str) -> None:
    vectors = unit_vectors(2000, seed=1)
    index = DenseIndex.build(vectors, kind)
    allowed = np.arange(1000, 1010, dtype=np.int64)
    ids, scores = index.search(vectors[5:6], 20, allowed)
    assert set(ids) <= set(allowed.tolist()) and len(ids) == 10
    exact = sorted(allowed.tolist(), key=lambda i: -float(vectors[i] @ vectors[5]))
    assert ids[0] == exact[0]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("kind", ["hnsw", "hnsw_sq8", "ivf_sq8"])
def test_save_and_load_restore_search_parameters(kind: str, tmp_path: Path) -> None:
    vectors = unit_vectors(2000, seed=2)
    built = DenseIndex.build(vectors, kind)
    built.save(tmp_path / "dense.faiss")
    loaded = DenseIndex.load(tmp_path / "dense.faiss")
    assert loaded.kind == kind
    if kind == "ivf_sq8":
        ivf = faiss.extract_index_ivf(loaded.index)
        assert ivf.nprobe == ivf_probes(ivf.nlist) > 1
    else:
        hnsw = faiss.downcast_index(loaded.index)
        assert isinstance(hnsw, faiss.IndexHNSW) and hnsw.hnsw.efSearch >= 64
    assert loaded.search(vectors[7:8], 3)[0] == built.search(vectors[7:8], 3)[0]


def test_approximate_index_recall_against_exact() -> None:
    vectors, queries = unit_vectors(5000, seed=3), unit_vectors(50, seed=4)
    exact = DenseIndex.build(vectors, "flat")
    for kind in ("hnsw_sq8", "ivf_sq8"):
        approx = DenseIndex.build(vectors, kind)
        recall = np.mean([len(set(approx.search(q[None], 10)[0]) & set(exact.search(q[None], 10)[0])) / 10
                          for q in queries])
        assert recall >= 0.9, kind


def test_empty_index_searches_to_nothing() -> None:
    index = DenseIndex.build(np.zeros((0, 8), dtype=np.float32), "flat")
    assert index.search(np.ones((1, 8), dtype=np.float32), 5) == ([], [])


def test_auto_type_is_exact_until_the_threshold() -> None:
    assert choose_type("auto", 49_999, 50_000) == "flat"
    assert choose_type("auto", 50_000, 50_000) == "ivf_sq8"
    assert choose_type("hnsw", 10, 50_000) == "hnsw"


def test_unknown_index_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown index type"):
        DenseIndex.build(unit_vectors(10), "annoy")


def test_ivf_lists_grow_with_the_corpus() -> None:
    assert ivf_lists(10_000) == 400 and ivf_lists(1_000_000) == 4000
    assert ivf_probes(4000) == 100 and ivf_probes(400) == 32 and ivf_probes(10) == 10
