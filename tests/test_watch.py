"""`qa serve --watch`: corpus changes trigger one debounced rebuild, failures and busy rebuilds do not stop it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watchfiles import Change

from conftest import make_settings
from qa.embed.embedder import Embedder
from qa.index.builder import BuildReport
from qa.index.store import build_lock
from qa.serve.rebuild import RebuildFailed, RebuildInProgress
from qa.serve.service import Service
from qa.serve.watch import CorpusWatcher, build_only, is_corpus_change

WAIT_S = 60  # an upper bound for a watcher to notice a change on a busy machine; no speed is asserted


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(("change", "path", "wanted"), [
    (Change.added, "/c/notes.md", True),
    (Change.modified, "/c/sub/table.CSV", True),
    (Change.modified, "/c/table.meta.json", True),
    (Change.deleted, "/c/page.html", True),
    (Change.deleted, "/c/old-folder", True),
    (Change.added, "/c/.hidden.md", False),
    (Change.modified, "/c/notes.md~", False),
    (Change.modified, "/c/.notes.md.swp", False),
    (Change.added, "/c/image.png", False),
    (Change.added, "/c/new-folder", False),
])
def test_only_changes_to_corpus_files_count(change: Change, path: str, wanted: bool) -> None:
    assert is_corpus_change(change, path) is wanted


@pytest.fixture
def watched(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[Service, CorpusWatcher]]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wells.md").write_text("# Wells\n\nThe Alpha well is 4,200 metres deep.\n")
    service = Service(make_settings(corpus, tmp_path / "index"), embedder)
    service.start(build=True)
    watcher = CorpusWatcher(corpus, service.rebuild, quiet_ms=200)
    watcher.start()
    yield service, watcher
    watcher.stop()


def test_added_file_is_indexed_and_served_without_a_restart(watched: tuple[Service, CorpusWatcher]) -> None:
    service, _ = watched
    (service.settings.corpus_dir / "kelp.md").write_text("# Kelp\n\nGiant kelp grows 60 centimetres a day.\n")
    assert wait_for(lambda: "kelp.md" in service.engine.index.data.documents)
    assert service.answer("How fast does giant kelp grow?").citations[0].source == "kelp.md"


def test_burst_of_changes_is_rebuilt_together(watched: tuple[Service, CorpusWatcher]) -> None:
    service, watcher = watched
    for n in range(5):
        (service.settings.corpus_dir / f"note{n}.md").write_text(f"# Note {n}\n\nNote number {n} is here.\n")
    assert wait_for(lambda: len(service.engine.index.data.documents) == 6)
    assert watcher.rebuilds <= 2  # debounced: not one rebuild per file


def test_removed_file_leaves_the_index(watched: tuple[Service, CorpusWatcher]) -> None:
    service, _ = watched
    (service.settings.corpus_dir / "wells.md").unlink()
    (service.settings.corpus_dir / "kelp.md").write_text("# Kelp\n\nGiant kelp grows 60 centimetres a day.\n")
    assert wait_for(lambda: set(service.engine.index.data.documents) == {"kelp.md"})


def test_watcher_goes_on_after_a_failed_rebuild(tmp_path: Path) -> None:
    calls: list[str] = []
    done = threading.Event()

    def rebuild() -> BuildReport:
        calls.append("call")
        if len(calls) == 1:
            raise RebuildFailed("rebuild failed, still serving index gen-1: disk full")
        done.set()
        return BuildReport(added=1)

    watcher = CorpusWatcher(tmp_path, rebuild, quiet_ms=100)
    watcher.start()
    try:
        (tmp_path / "a.md").write_text("one")
        assert wait_for(lambda: len(calls) == 1)
        (tmp_path / "b.md").write_text("two")
        assert done.wait(WAIT_S) and watcher.rebuilds == 2
    finally:
        watcher.stop()


def test_watcher_retries_when_another_rebuild_is_running(tmp_path: Path) -> None:
    calls: list[str] = []

    def rebuild() -> BuildReport:
        calls.append("call")
        if len(calls) < 3:
            raise RebuildInProgress("a rebuild is already running")
        return BuildReport(changed=1)

    watcher = CorpusWatcher(tmp_path, rebuild, quiet_ms=100)
    watcher.start()
    try:
        (tmp_path / "a.md").write_text("one")
        assert wait_for(lambda: watcher.rebuilds == 1)
        assert len(calls) == 3  # the change was not dropped while the other rebuild ran
    finally:
        watcher.stop()


def test_build_only_reports_a_held_build_lock_as_in_progress(tmp_path: Path, embedder: Embedder) -> None:
    (tmp_path / "corpus").mkdir()
    settings = make_settings(tmp_path / "corpus", tmp_path / "index")
    with build_lock(tmp_path / "index"), pytest.raises(RebuildInProgress):
        build_only(settings)()


def test_build_only_reports_a_missing_corpus_as_failed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "missing", tmp_path / "index")
    with pytest.raises(RebuildFailed, match="corpus folder not found"):
        build_only(settings)()
