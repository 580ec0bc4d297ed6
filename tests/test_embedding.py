"""Query embedding: the fast paths give encode()'s vectors, load from the checked ONNX graph, and stay safe."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from qa.embed import query_encoder
from qa.embed.embedder import Embedder, ModelError
from qa.embed.query_encoder import INT8_AGREEMENT, cache_dir

TEXTS = ["What was China's R&D spending in 2024?", "How deep is the borehole?", "patents " * 400, "é ü — 10,910 m"]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.sum(a * b, axis=1))


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private ONNX cache folder, so a test sees exactly the graphs it made."""
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "onnx"


def test_onnx_query_vectors_equal_sentence_transformers_encode(embedder: Embedder) -> None:
    exact = Embedder(backend="onnx", cache_size=0)
    fast = np.vstack([exact.encode_queries([t]) for t in TEXTS])
    assert exact.backend == "onnx"
    assert cosines(fast, embedder.encode(TEXTS)).min() > 1 - 1e-5


def test_default_int8_query_vectors_stay_close_to_encode(embedder: Embedder) -> None:
    fast = np.vstack([embedder.encode_queries([t]) for t in TEXTS])
    assert embedder.backend == "onnx-int8"
    assert cosines(fast, embedder.encode(TEXTS)).min() >= INT8_AGREEMENT


def test_auto_falls_back_to_float32_when_int8_disagrees(own_cache: Path, monkeypatch: pytest.MonkeyPatch,
                                                        embedder: Embedder) -> None:
    monkeypatch.setattr(query_encoder, "INT8_AGREEMENT", 1.0)  # no int8 graph can agree this well
    fallback = Embedder(cache_size=0)
    assert fallback.backend == "onnx"
    assert cosines(fallback.encode_queries(TEXTS[:2]), embedder.encode(TEXTS[:2])).min() > 1 - 1e-5
    assert not list(own_cache.glob("*-int8.json"))  # never recorded as checked, so never loaded from the cache


def test_named_backend_that_disagrees_is_a_model_error(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query_encoder, "INT8_AGREEMENT", 1.0)
    with pytest.raises(ModelError, match=r"onnx-int8.*disagrees"):
        Embedder(backend="onnx-int8")


def test_torch_backend_equals_encode(embedder: Embedder) -> None:
    torch_path = Embedder(backend="torch", cache_size=0)
    assert torch_path.backend == "torch"
    assert cosines(torch_path.encode_queries(TEXTS), embedder.encode(TEXTS)).min() > 1 - 1e-5


def test_checked_graph_serves_queries_without_loading_the_model(own_cache: Path, embedder: Embedder) -> None:
    first = Embedder()
    assert first.backend == "onnx-int8" and list(own_cache.glob("*-int8.json"))
    second = Embedder()
    assert second._st is None and second.backend == "onnx-int8"  # start-up skips seconds of imports
    assert second.dimension == embedder.dimension
    assert cosines(second.encode_query(TEXTS[0]), first.encode_queries(TEXTS[:1])).min() > 1 - 1e-5
    assert cosines(second.encode(TEXTS[:2]), embedder.encode(TEXTS[:2])).min() > 1 - 1e-6  # loads it on demand


def test_damaged_graph_is_exported_again(own_cache: Path, embedder: Embedder) -> None:
    Embedder()
    for graph in own_cache.glob("*.onnx"):
        graph.write_bytes(b"not an onnx graph")
    again = Embedder()
    assert again.backend == "onnx-int8"
    assert cosines(again.encode_queries(TEXTS[:2]), embedder.encode(TEXTS[:2])).min() >= INT8_AGREEMENT


def test_unwritable_cache_falls_back_to_a_working_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       embedder: Embedder) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("QA_CACHE_DIR", str(blocker))
    fallback = Embedder()
    assert fallback.backend == "torch"
    assert cosines(fallback.encode_queries(TEXTS[:1]), embedder.encode(TEXTS[:1])).min() > 1 - 1e-5
    assert cache_dir() == blocker / "onnx"


def test_unknown_backend_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="not available"):
        Embedder(backend="tpu")


def test_missing_model_path_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot load"):
        Embedder(str(tmp_path / "no-such-model"))


def test_cached_query_vector_is_shared_and_read_only(embedder: Embedder) -> None:
    first = embedder.encode_query("a question asked twice")
    assert embedder.encode_query("a question asked twice") is first
    with pytest.raises(ValueError):
        first[0, 0] = 1.0


def test_concurrent_queries_get_their_own_vectors(embedder: Embedder) -> None:
    questions = [f"What was the revenue of segment {i} in {2000 + i}?" for i in range(48)]
    embedder.clear_cache()
    with ThreadPoolExecutor(8) as pool:
        parallel = np.vstack(list(pool.map(embedder.encode_query, questions)))
    assert cosines(parallel, embedder.encode_queries(questions)).min() > 1 - 1e-5
