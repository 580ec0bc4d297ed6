"""Builds at scale: documents embedded by ONNX Runtime with encode()'s vectors, a killed build resumed from its
journal, files parsed in worker processes into the same index, and per-question work that does not walk the corpus."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, make_settings
from qa.embed.embedder import Embedder
from qa.embed.query_encoder import INT8_AGREEMENT
from qa.index import builder
from qa.index.builder import BuildReport, build_index
from qa.index.journal import EmbeddingJournal
from qa.index.store import generations, read_data
from qa.records import Vectors
from qa.serve.service import Service

sys.path.insert(0, str(ROOT))
from bench.scale_corpus import generate


class Dies:
    """An embedder that stops the build (as a kill would) at its `calls`-th document batch, and counts texts."""

    def __init__(self, embedder: Embedder, calls: int | None = None, span_calls: int | None = None) -> None:
        self.embedder, self.calls, self.texts = embedder, calls, 0
        self.span_calls, self.spans = span_calls, 0
        self.dimension = embedder.dimension

    def encode_documents(self, texts: list[str]) -> Vectors:
        self.calls = _tick(self.calls)
        self.texts += len(texts)
        return self.embedder.encode_documents(texts)

    def encode_spans(self, texts: list[str]) -> Vectors:
        self.span_calls = _tick(self.span_calls)
        self.spans += len(texts)
        return self.embedder.encode_spans(texts)


def _tick(calls: int | None) -> int | None:
    """One call fewer left before the kill (None: never killed); raises as a kill would when none is left."""
    if calls is None:
        return None
    if calls - 1 < 0:
        raise KeyboardInterrupt("killed")
    return calls - 1


def _build(tmp_path: Path, embedder: object, **extra: object) -> BuildReport:
    settings = make_settings(tmp_path / "corpus", tmp_path / "index", **extra)
    return build_index(settings, lambda: embedder, full=False)  # type: ignore[arg-type,return-value]


def test_documents_are_embedded_by_int8_onnx_close_to_the_models_own_vectors(embedder: Embedder) -> None:
    texts = ["Kalador was founded in 1999 in the city of Bergen.", "short", "a much longer passage " * 40]
    fast = embedder.encode_documents(texts)
    assert embedder.document_backend == "onnx-int8"
    assert np.min(np.sum(fast * embedder.encode(texts), axis=1)) >= INT8_AGREEMENT
    alone = np.vstack([embedder.encode_documents([t]) for t in texts])
    assert np.min(np.sum(fast * alone, axis=1)) > 1 - 1e-6  # a chunk's vector does not depend on its batch


def test_the_float32_build_backend_gives_the_models_own_vectors() -> None:
    exact = Embedder(documents="onnx")
    texts = ["Kalador was founded in 1999 in the city of Bergen.", "a much longer passage " * 40]
    fast = exact.encode_documents(texts)
    assert exact.document_backend == "onnx"
    assert np.min(np.sum(fast * exact.encode(texts), axis=1)) > 1 - 1e-5


def test_a_killed_build_reuses_the_vectors_it_embedded(tmp_path: Path, embedder: Embedder,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    generate(tmp_path / "corpus", 10)  # 60 chunks
    monkeypatch.setattr(builder, "JOURNAL_SLICE", 16)
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path, Dies(embedder, calls=2))
    assert generations(tmp_path / "index") == []  # nothing was served from the half-done build
    resumed = Dies(embedder)
    report = _build(tmp_path, resumed)
    assert report.written and report.chunks == 60
    assert report.embedded == resumed.texts == 60 - 2 * 16  # the two journalled slices were not embedded again
    vectors = read_data(generations(tmp_path / "index")[0]).vectors
    texts = [c.search_text for c in read_data(generations(tmp_path / "index")[0]).chunks]
    assert np.min(np.sum(vectors * embedder.encode_documents(texts), axis=1)) > 1 - 1e-6  # as if never killed
    assert not list((tmp_path / "index").glob(".journal-*"))  # a finished build leaves no journal


def test_a_build_killed_while_embedding_spans_reuses_them(tmp_path: Path, embedder: Embedder,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    generate(tmp_path / "corpus", 10)  # 60 chunks, about 110 spans
    monkeypatch.setattr(builder, "JOURNAL_SLICE", 16)
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path, Dies(embedder, span_calls=2))
    resumed = Dies(embedder)
    report = _build(tmp_path, resumed)
    assert report.written and resumed.texts == 0  # the chunks' vectors were all journalled before the spans
    total = len(read_data(generations(tmp_path / "index")[0]).spans or ())
    assert report.spans_embedded == resumed.spans == total - 2 * 16 > 0
    assert not list((tmp_path / "index").glob(".journal-*"))


def test_a_torn_journal_keeps_only_its_whole_rows(tmp_path: Path) -> None:
    journal = EmbeddingJournal(tmp_path, "model", 4)
    journal.append(["a", "b"], np.eye(4, dtype=np.float32)[:2])
    with journal.vectors_path.open("ab") as fh:
        fh.write(b"\x00\x01\x02")  # a row cut short by the kill
    with journal.keys_path.open("a") as fh:
        fh.write("c")  # and its key, unfinished
    found = journal.load()
    assert sorted(found) == ["a", "b"] and found["b"].tolist() == [0.0, 1.0, 0.0, 0.0]
    journal.append(["d"], np.ones((1, 4), dtype=np.float32))
    assert sorted(journal.load()) == ["a", "b", "d"] and journal.load()["d"].tolist() == [1.0] * 4


def test_files_parsed_in_worker_processes_give_the_same_index(tmp_path: Path, embedder: Embedder) -> None:
    generate(tmp_path / "a" / "corpus", 24)
    generate(tmp_path / "b" / "corpus", 24)
    one = _build(tmp_path / "a", embedder, build_workers=1)
    two = _build(tmp_path / "b", embedder, build_workers=2)
    assert one.added == two.added == 24 and one.chunks == two.chunks
    first, second = (read_data(generations(tmp_path / x / "index")[0]) for x in "ab")
    assert [c.to_json() for c in first.chunks] == [c.to_json() for c in second.chunks]
    assert [t.to_json() for t in first.tables] == [t.to_json() for t in second.tables]


def test_suggestions_are_made_once_per_index(small_service: Callable[[], Service], corpus_dir: Path) -> None:
    (corpus_dir / "faq.md").write_text("# FAQ\n\n## How deep is the well?\n\nIt is 40 metres deep.\n")
    service = small_service()
    assert service.suggestions() == ["How deep is the well?"]
    assert service.engine.suggestions is service.engine.suggestions  # computed once, not per request
