"""QA_STORE=milvus on Milvus Lite: the same answers as the files store, incremental rebuilds, swaps under load."""

from __future__ import annotations

import json
import shutil
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import BUNDLED_CORPUS, ROOT, make_settings
from qa.embed.embedder import Embedder
from qa.index.stores import MissingExtra, open_store
from qa.serve.service import Service

pytest.importorskip("pymilvus", reason="pip install -e '.[milvus]'")
pytest.importorskip("milvus_lite", reason="pip install -e '.[milvus]'")
sys.path.insert(0, str(ROOT))
from bench.scale_corpus import generate

pytestmark = pytest.mark.slow
QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "bench" / "data" / "bundled_eval.jsonl").open()]


def milvus_service(base: Path, embedder: Embedder, name: str = "qa", **extra: object) -> Service:
    settings = make_settings(base / "corpus", base / "index", store="milvus", milvus_uri=str(base / "milvus.db"),
                             milvus_collection=name, **extra)
    service = Service(settings, embedder)
    service.start(build=True)
    return service


def files_service(base: Path, embedder: Embedder) -> Service:
    service = Service(make_settings(base / "corpus", base / "files-index"), embedder)
    service.start(build=True)
    return service


def same_answers(a: Service, b: Service, questions: list[str]) -> list[str]:
    """The questions whose kind or first citation differ between the two services."""
    differ = []
    for question in questions:
        x, y = a.answer(question), b.answer(question)
        if (x.kind, x.citations[0].chunk_id if x.citations else None) != \
                (y.kind, y.citations[0].chunk_id if y.citations else None):
            differ.append(question)
    return differ


@pytest.fixture(scope="module")
def bundled_pair(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[tuple[Service, Service]]:
    base = tmp_path_factory.mktemp("milvus-bundled")
    shutil.copytree(BUNDLED_CORPUS, base / "corpus")
    yield files_service(base, embedder), milvus_service(base, embedder)


def test_milvus_gives_the_files_stores_answers_on_the_bundled_corpus(bundled_pair: tuple[Service, Service]) -> None:
    files, milvus = bundled_pair
    assert milvus.engine.generation.startswith("qa_g")
    assert same_answers(files, milvus, QUESTIONS) == []
    assert files.answer(QUESTIONS[0]).answer == milvus.answer(QUESTIONS[0]).answer


def test_milvus_scores_bm25_as_bm25s_does(bundled_pair: tuple[Service, Service]) -> None:
    files, milvus = bundled_pair
    a, b = (s.engine.index.search.sparse("China patents filed 2023", 10) for s in (files, milvus))
    assert a[1] == pytest.approx(b[1], rel=1e-5)  # the same scores; equal scores may come in either order
    x, y = dict(zip(*a, strict=True)), dict(zip(*b, strict=True))
    assert all(x[i] == pytest.approx(y[i], rel=1e-5) for i in set(x) & set(y)) and len(set(x) & set(y)) >= 8


def test_a_new_process_loads_the_released_collections(bundled_pair: tuple[Service, Service]) -> None:
    """A server started later finds the collections released (Milvus keeps them on disk, not loaded)."""
    _, milvus = bundled_pair
    store = open_store(milvus.settings)
    name = store.current()
    for collection in (name, f"{name}_docs"):
        store.client.release_collection(collection)  # type: ignore[attr-defined]
    loaded = store.load()
    assert loaded.path.name == name and len(loaded.data.chunks) == len(milvus.engine.index.data.chunks)
    assert loaded.search.dense(milvus.engine.index.data.vectors[:1], 1)[0] == [0]


def test_milvus_filters_by_source(bundled_pair: tuple[Service, Service]) -> None:
    _, milvus = bundled_pair
    answer = milvus.answer("How many patents did China file in 2023?", sources=["china-us-metrics.csv"])
    assert answer.citations and {c.source for c in answer.citations} == {"china-us-metrics.csv"}


def test_milvus_gives_the_files_stores_answers_on_a_generated_corpus(tmp_path: Path, embedder: Embedder) -> None:
    items = generate(tmp_path / "corpus", 60)
    files, milvus = files_service(tmp_path, embedder), milvus_service(tmp_path, embedder)
    assert same_answers(files, milvus, [q["question"] for q in items[::2]]) == []


def test_milvus_updates_incrementally_and_keeps_two_generations(tmp_path: Path, embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wells.md").write_text("# Wells\n\nThe Alpha well is 4,200 metres deep.\n")
    (corpus / "kelp.md").write_text("# Kelp\n\nGiant kelp grows up to 60 centimetres a day.\n")
    service = milvus_service(tmp_path, embedder)
    first = service.engine.generation
    (corpus / "wells.md").write_text("# Wells\n\nThe Alpha well is 5,100 metres deep.\n")
    (corpus / "kelp.md").unlink()
    (corpus / "owls.md").write_text("# Owls\n\nThe snowy owl hunts lemmings in the Arctic tundra.\n")
    report = service.rebuild()
    assert (report.added, report.changed, report.removed, report.unchanged) == (1, 1, 1, 0)
    assert report.embedded == 2 and service.engine.generation != first
    assert "5,100 metres" in service.answer("How deep is the Alpha well?").answer
    assert "lemmings" in service.answer("What does the snowy owl hunt?").answer
    assert "kelp.md" not in service.engine.index.data.documents
    service.rebuild(full=True)
    store = open_store(service.settings)
    collections = [c for c in store.client.list_collections()  # type: ignore[attr-defined]
                   if not c.endswith(("_docs", "_spans"))]
    assert len(collections) == 2 and store.current() == service.engine.generation


def _spy_inserts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The rows each Milvus insert writes, by collection."""
    from qa.index import milvus

    written: list[tuple[str, int]] = []
    real = milvus._insert

    def insert(client: Any, collection: str, rows: Iterable[dict[str, Any]]) -> int:
        count = real(client, collection, rows)
        written.append((collection, count))
        return count

    monkeypatch.setattr(milvus, "_insert", insert)
    return written


def test_a_rebuild_updates_the_older_generation_by_file(tmp_path: Path, embedder: Embedder,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        (corpus / f"well{i}.md").write_text(f"# Well {i}\n\nThe well number {i} is {1000 + i} metres deep.\n")
    service = milvus_service(tmp_path, embedder, milvus_update_after=0)
    older = service.engine.generation
    (corpus / "well0.md").write_text("# Well 0\n\nThe well number 0 is 2222 metres deep.\n")
    service.rebuild()  # the first rebuild has no older generation: new collections
    served = service.engine.generation
    written = _spy_inserts(monkeypatch)
    (corpus / "well1.md").write_text("# Well 1\n\nThe well number 1 is 3333 metres deep.\n")
    (corpus / "well5.md").unlink()
    (corpus / "owls.md").write_text("# Owls\n\nThe snowy owl hunts lemmings in the Arctic tundra.\n")
    report = service.rebuild()
    # The older generation held well0 (old), well1-well5: well0 and well1 changed since, well5 went, owls came.
    chunks = service.engine.index.data.chunks
    expected = sum(c.source in {"well0.md", "well1.md", "owls.md"} for c in chunks)
    # Written into the older generation's collections, renamed after: only the rows of those three files.
    assert [(c, n) for c, n in written if not c.endswith(("_docs", "_spans"))] == [(older, expected)]
    assert expected < len(chunks)
    assert report.embedded == 2 and service.engine.generation not in (older, served)
    store = open_store(service.settings)
    assert set(store._generations()) == {served, service.engine.generation}  # type: ignore[attr-defined]
    count = store.client.query(service.engine.generation, filter="", output_fields=["count(*)"])  # type: ignore[attr-defined]
    assert count[0]["count(*)"] == len(chunks)
    for question, answer in [("How deep is well number 0?", "2222"), ("How deep is well number 1?", "3333"),
                             ("How deep is well number 3?", "1003"), ("What does the snowy owl hunt?", "lemmings")]:
        assert answer in service.answer(question).answer, question
    assert "well5.md" not in service.engine.index.data.documents
    fresh = files_service(tmp_path, embedder)
    assert same_answers(fresh, service, [f"How deep is well number {i}?" for i in range(5)]) == []


def test_milvus_swap_under_load_fails_no_request(tmp_path: Path, embedder: Embedder) -> None:
    """Two full rebuilds, then one that updates the older generation in place, under three asking threads."""
    shutil.copytree(BUNDLED_CORPUS, tmp_path / "corpus")
    service = milvus_service(tmp_path, embedder, milvus_update_after=0)
    before, stop, failures, answered = service.engine.generation, threading.Event(), [], [0]

    def ask() -> None:
        while not stop.is_set():
            try:
                assert service.answer(QUESTIONS[answered[0] % len(QUESTIONS)]).citations
                answered[0] += 1
            except Exception as exc:  # any failure under the swap is the defect this test looks for
                failures.append(repr(exc))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(2):
            service.rebuild(full=True)
        (tmp_path / "corpus" / "owls.md").write_text("# Owls\n\nThe snowy owl hunts lemmings in the tundra.\n")
        assert service.rebuild().added == 1
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert failures == [] and answered[0] > 0 and service.engine.generation != before
    assert "lemmings" in service.answer("What does the snowy owl hunt?").answer


def test_a_missing_milvus_extra_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pymilvus", None)
    monkeypatch.delitem(sys.modules, "qa.index.milvus", raising=False)
    with pytest.raises(MissingExtra, match=r"pip install 'qa\[milvus\]'"):
        open_store(make_settings(tmp_path, tmp_path / "index", store="milvus"))


def test_a_keys_scope_filters_milvus_retrieval_too(tmp_path: Path, embedder: Embedder) -> None:
    """Scopes are a filter of the store's searches, so a key of one folder gets nothing of the other from Milvus."""
    from test_access import QUESTIONS, _leaks, write_teams

    write_teams(tmp_path / "corpus")
    service = milvus_service(tmp_path, embedder, "scoped")
    for folder in ("alpha", "beta"):
        allowed = frozenset({f"{folder}/{folder}-notes.md"})
        for question in QUESTIONS["alpha"] + QUESTIONS["beta"]:
            body = service.answer(question, top_k=20, allowed=allowed).to_json()
            assert _leaks(body, folder, question) == [], (question, body["answer"])
            assert {c["source"] for c in body["citations"]} <= allowed
