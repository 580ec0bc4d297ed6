"""The served state: engines swapped whole, rebuilds that fail keep the old index, other processes followed."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import make_settings
from qa.embed.embedder import Embedder
from qa.index.builder import build_index
from qa.index.store import build_lock
from qa.records import Vectors
from qa.serve.rebuild import RebuildFailed, RebuildInProgress
from qa.serve.service import Service

WELLS = "# Wells\n\nThe Alpha well is 4,200 metres deep. It was drilled in 2019.\n"
KELP = "# Kelp\n\nGiant kelp grows up to 60 centimetres a day in cold water.\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "wells.md").write_text(WELLS)
    return folder


def service_over(tmp_path: Path, embedder: Embedder, **extra: object) -> Service:
    service = Service(make_settings(tmp_path / "corpus", tmp_path / "index", **extra), embedder)
    service.start(build=True)
    return service


def test_start_builds_and_serves_the_corpus(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    service = service_over(tmp_path, embedder)
    assert service.started and "4,200 metres" in service.answer("How deep is the Alpha well?").answer


def test_model_and_index_are_loaded_once_and_shared(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    service = service_over(tmp_path, embedder)
    engine = service.engine
    for question in ("How deep is the Alpha well?", "When was it drilled?", "How deep is the Alpha well?"):
        service.answer(question)
    assert service.engine is engine and service.embedder is embedder and engine.retriever.embedder is embedder


def test_rebuild_swaps_in_the_new_index_and_held_engines_keep_the_old(
        corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    service = service_over(tmp_path, embedder)
    held = service.engine  # what a request in flight holds
    (corpus / "kelp.md").write_text(KELP)
    report = service.rebuild()
    assert report.added == 1 and report.written
    assert service.engine is not held and service.engine.generation != held.generation
    assert service.answer("How fast does giant kelp grow?").citations[0].source == "kelp.md"
    # The old engine still answers whole, from the old index (its files may be pruned: all is in memory).
    old = held.answerer.answer("How fast does giant kelp grow?")
    assert {c.source for c in old.citations} == {"wells.md"}


def test_rebuild_with_nothing_changed_keeps_the_engine(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    service = service_over(tmp_path, embedder)
    engine = service.engine
    assert not service.rebuild().written and service.engine is engine


class GatedEmbedder:
    """The real embedder, except that batch encoding waits for a gate: holds a rebuild mid-build on demand."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.gate = threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def encode_documents(self, texts: list[str]) -> Vectors:
        self.entered.set()
        self.gate.wait(60)
        return self.inner.encode_documents(texts)


def test_second_rebuild_while_one_runs_gets_rebuild_in_progress(
        corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    gated = GatedEmbedder(embedder)
    service = Service(make_settings(corpus, tmp_path / "index"), gated)  # type: ignore[arg-type]
    gated.gate.set()
    service.start(build=True)
    gated.gate.clear()
    (corpus / "kelp.md").write_text(KELP)
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(service.rebuild()))
    first.start()
    assert gated.entered.wait(60)
    with pytest.raises(RebuildInProgress, match="already running"):
        service.rebuild()
    assert "4,200 metres" in service.answer("How deep is the Alpha well?").answer  # served meanwhile
    gated.gate.set()
    first.join(60)
    assert len(results) == 1 and service.answer("How fast does giant kelp grow?").citations[0].source == "kelp.md"


def test_rebuild_while_another_process_builds_gets_rebuild_in_progress(
        corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    service = service_over(tmp_path, embedder)
    with build_lock(tmp_path / "index"), pytest.raises(RebuildInProgress, match="another build"):
        service.rebuild()


def test_failed_rebuild_keeps_serving_and_says_why(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    service = service_over(tmp_path, embedder)
    before = service.engine.generation
    shutil.rmtree(corpus)
    with pytest.raises(RebuildFailed, match=f"corpus folder not found.*|still serving index {before}"):
        service.rebuild()
    assert service.engine.generation == before
    assert "4,200 metres" in service.answer("How deep is the Alpha well?").answer


def test_rebuild_over_a_broken_file_reports_it_and_serves_the_rest(
        corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    service = service_over(tmp_path, embedder)
    (corpus / "broken.md").write_bytes(b"# Broken\n\n\xff\xfe\x00 binary junk\n")
    (corpus / "kelp.md").write_text(KELP)
    report = service.rebuild()
    assert [s["source"] for s in report.skipped] == ["broken.md"] and report.added == 1
    assert set(service.engine.index.data.documents) == {"wells.md", "kelp.md"}
    assert "4,200 metres" in service.answer("How deep is the Alpha well?").answer


def test_index_written_by_another_process_is_picked_up(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    service = service_over(tmp_path, embedder, reload_interval=1e-6)
    before = service.engine.generation
    (corpus / "kelp.md").write_text(KELP)
    build_index(service.settings, lambda: embedder)  # as `qa index` or another worker would
    assert service.engine.generation != before
    assert service.answer("How fast does giant kelp grow?").citations[0].source == "kelp.md"


def test_other_process_index_is_not_followed_when_reload_is_off(
        corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    service = service_over(tmp_path, embedder, reload_interval=0)
    before = service.engine.generation
    (corpus / "kelp.md").write_text(KELP)
    build_index(service.settings, lambda: embedder)
    assert service.engine.generation == before


def test_damaged_generation_from_another_process_is_not_served(
        corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    service = service_over(tmp_path, embedder, reload_interval=1e-6)
    before = service.engine.generation
    (corpus / "kelp.md").write_text(KELP)
    build_index(service.settings, lambda: embedder)
    fresh = sorted((tmp_path / "index").glob("gen-*"))[-1]
    (fresh / "chunks.jsonl").write_text("not json\n")
    engine = service.engine
    assert engine.generation == before and service.engine is engine  # tried once, not reloaded per request
    assert "4,200 metres" in service.answer("How deep is the Alpha well?").answer


def test_concurrent_answers_match_sequential_ones(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    (corpus / "kelp.md").write_text(KELP)
    service = service_over(tmp_path, embedder)
    questions = ["How deep is the Alpha well?", "How fast does giant kelp grow?", "When was the well drilled?",
                 "Where does kelp grow?"] * 4

    def run(q: str) -> tuple[str, str, list[str]]:
        r = service.answer(q)
        return r.kind, r.answer, [c.chunk_id for c in r.citations]

    expected = [run(q) for q in questions]
    results: dict[int, tuple[str, str, list[str]]] = {}
    workers = [threading.Thread(target=_store(results, i, run, q)) for i, q in enumerate(questions)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [results[i] for i in range(len(questions))] == expected


def _store(out: dict[int, tuple[str, str, list[str]]], i: int, fn: Callable[[str], tuple[str, str, list[str]]],
           q: str) -> Callable[[], None]:
    def call() -> None:
        out[i] = fn(q)
    return call
