"""Span vectors made by the build: every candidate answer span embedded beforehand, so a first question about a
document embeds only itself, with the answers the question-time embedding gives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from conftest import make_settings
from qa.answer.answerer import Answerer
from qa.embed.embedder import Embedder
from qa.index.builder import BuildReport
from qa.index.spans import SpanTable, span_key
from qa.index.store import load_latest
from qa.serve.service import Service
from qa.text.units import span_texts

QUESTIONS = ["How deep is the Alpha well?", "What does giant kelp grow?", "Who founded the owl survey?"]


def write_corpus(folder: Path) -> None:
    (folder / "wells.md").write_text("# Wells\n\nThe Alpha well is 4,200 metres deep; drilling took a year.\n"
                                     "It was drilled in 1998. The crew — nine people — lived on site.\n")
    (folder / "kelp.md").write_text("# Kelp\n\nGiant kelp grows up to 60 centimetres a day.\n")
    (folder / "owls.csv").write_text("survey,founder,owls\nNorth,Ada Grey,40\nSouth,Ben Holt,12\n")


class Counting:
    """The embedder's question-time model calls (queries through the batcher, spans directly): their texts."""

    def __init__(self, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[list[str]] = []
        assert embedder._query is not None  # the default int8 encoder, which every question-time call goes through
        real = embedder._query.encode

        def encode(texts: list[str]) -> np.ndarray:
            self.calls.append(list(texts))
            return real(texts)

        monkeypatch.setattr(embedder._query, "encode", encode)


def test_every_span_of_every_chunk_has_the_question_paths_vector(corpus_dir: Path, build: Callable[..., BuildReport],
                                                                 embedder: Embedder) -> None:
    write_corpus(corpus_dir)
    report = build()
    data = load_latest(corpus_dir.parent / "index").data
    assert data.spans is not None and report.spans_embedded == len(data.spans) > len(data.chunks)
    texts = list(dict.fromkeys(t for c in data.chunks for t in span_texts(c)))
    stored = data.spans.find(texts)
    assert set(stored) == set(texts)
    fresh = embedder.encode_queries(texts)
    assert np.min(np.sum(np.stack([stored[t] for t in texts]) * fresh, axis=1)) > 0.999  # float16 only


def test_a_first_question_embeds_only_itself(corpus_dir: Path, build: Callable[..., BuildReport],
                                             embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    write_corpus(corpus_dir)
    service = Service(make_settings(corpus_dir, corpus_dir.parent / "index"), embedder)
    service.start(build=True)
    with_spans, without = service.engine.answerer, Answerer(service.engine.retriever)
    without.spans.stored = None  # as an index built without span vectors: spans embedded when asked
    expected = [without.answer(q) for q in QUESTIONS]
    embedder.clear_cache()
    counting = Counting(embedder, monkeypatch)
    got = [with_spans.answer(q) for q in QUESTIONS]
    embedded = {t for call in counting.calls for t in call}
    spans = {t for c in service.engine.index.data.chunks for t in span_texts(c)}
    assert set(QUESTIONS) <= embedded and not embedded & spans  # the rest: table labels the table engine weighs
    assert [(a.kind, a.answer, a.confidence) for a in got] == [(a.kind, a.answer, a.confidence) for a in expected]


def test_a_rebuild_embeds_only_the_spans_of_changed_files(corpus_dir: Path, build: Callable[..., BuildReport]) -> None:
    write_corpus(corpus_dir)
    build()
    assert build().spans_embedded == 0
    (corpus_dir / "kelp.md").write_text("# Kelp\n\nGiant kelp grows up to 50 centimetres a day.\n")
    report = build()
    assert report.changed == 1 and report.spans_embedded == 1  # the one changed sentence
    spans = load_latest(corpus_dir.parent / "index").data.spans
    assert spans is not None and list(spans.find(["Giant kelp grows up to 50 centimetres a day."]))


def test_an_index_without_span_vectors_gets_them_on_the_next_build(tmp_path: Path, corpus_dir: Path,
                                                                  build: Callable[..., BuildReport],
                                                                  embedder: Embedder) -> None:
    write_corpus(corpus_dir)
    build(span_vectors=False)
    gen = load_latest(tmp_path / "index")
    assert gen.data.spans is None and not (gen.path / "spans.npy").exists()
    service = Service(make_settings(corpus_dir, tmp_path / "index", span_vectors=False), embedder)
    service.start(build=False)
    assert "4,200" in service.answer(QUESTIONS[0]).answer  # spans embedded at question time
    report = build()
    assert report.written and report.embedded == 0 and report.spans_embedded > 0
    assert load_latest(tmp_path / "index").data.spans is not None


def test_the_span_table_finds_what_it_holds_and_nothing_else(tmp_path: Path) -> None:
    vectors = {span_key(t): np.full(4, (i + 1) / 2, dtype=np.float32) for i, t in enumerate(["a", "b", "c"])}
    table = SpanTable.of(vectors, 4)
    table.save(tmp_path)
    loaded = SpanTable.load(tmp_path)
    assert loaded is not None and list(loaded.keys) == sorted(loaded.keys)
    found = loaded.find(["c", "zz", "a"])
    assert set(found) == {"a", "c"} and found["c"].dtype == np.float32 and found["c"][0] == 1.5
    assert SpanTable.of({}, 4).find(["a"]) == {} and SpanTable.load(tmp_path / "none") is None
