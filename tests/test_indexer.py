"""Incremental indexing: only what changed is read and embedded; removed files leave both indexes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from qa.index.builder import BuildReport
from qa.index.retrievers import FilesSearch
from qa.index.sparse import SparseIndex
from qa.index.store import load_latest

Build = Callable[..., BuildReport]


def _write(corpus: Path, name: str, text: str) -> None:
    (corpus / name).write_text(text, encoding="utf-8")


def test_first_build_indexes_every_file(corpus_dir: Path, build: Build) -> None:
    _write(corpus_dir, "a.md", "# A\n\nAlpha wells are deep.\n")
    _write(corpus_dir, "b.md", "# B\n\nBeta rockets fly high.\n")
    report = build()
    assert (report.added, report.changed, report.removed) == (2, 0, 0)
    assert report.chunks == 2 and report.embedded == 2 and report.written


def test_changing_one_file_reembeds_only_its_chunks(corpus_dir: Path, build: Build) -> None:
    for i in range(5):
        _write(corpus_dir, f"f{i}.md", f"# File {i}\n\nSentence one of file {i}. Sentence two of file {i}.\n")
    build()
    _write(corpus_dir, "f2.md", "# File 2\n\nA brand new sentence about lunar soil samples.\n")
    report = build()
    assert (report.added, report.changed, report.removed, report.unchanged) == (0, 1, 0, 4)
    assert report.embedded == 1


def test_no_change_rebuild_writes_nothing(corpus_dir: Path, build: Build, tmp_path: Path) -> None:
    _write(corpus_dir, "a.md", "# A\n\nAlpha.\n")
    build()
    before = load_latest(tmp_path / "index").path
    report = build()
    assert not report.written and report.unchanged == 1 and report.embedded == 0
    assert load_latest(tmp_path / "index").path == before


def test_touched_but_identical_file_is_not_reembedded(corpus_dir: Path, build: Build) -> None:
    _write(corpus_dir, "a.md", "# A\n\nAlpha.\n")
    build()
    _write(corpus_dir, "a.md", "# A\n\nAlpha.\n")
    report = build()
    assert report.unchanged == 1 and report.embedded == 0


def test_removed_file_leaves_dense_and_sparse_indexes(corpus_dir: Path, build: Build, tmp_path: Path) -> None:
    _write(corpus_dir, "keep.md", "# Keep\n\nZebras graze in the savanna.\n")
    _write(corpus_dir, "gone.md", "# Gone\n\nQuasars emit enormous energy.\n")
    build()
    (corpus_dir / "gone.md").unlink()
    report = build()
    assert report.removed == 1
    index = load_latest(tmp_path / "index")
    assert {c.source for c in index.data.chunks} == {"keep.md"}
    assert isinstance(index.search, FilesSearch)
    assert index.search.dense_index.size == 1 and index.search.sparse_index.size == 1
    assert index.search.sparse("quasars energy", 5) == ([], [])


def test_full_flag_rebuilds_everything(corpus_dir: Path, build: Build) -> None:
    _write(corpus_dir, "a.md", "# A\n\nAlpha.\n")
    build()
    report = build(full=True)
    assert report.full and report.added == 1 and report.written


def test_model_change_forces_full_rebuild_with_message(corpus_dir: Path, build: Build, tmp_path: Path) -> None:
    _write(corpus_dir, "a.md", "# A\n\nAlpha.\n")
    build()
    manifest = next((tmp_path / "index").glob("gen-*")) / "manifest.json"
    manifest.write_text(manifest.read_text().replace("bundled:all-MiniLM-L6-v2", "other-model"))
    report = build()
    assert report.full and "rebuilding everything" in report.message


def test_bad_files_are_reported_and_the_build_goes_on(corpus_dir: Path, build: Build) -> None:
    _write(corpus_dir, "good.md", "# Good\n\nFine text.\n")
    (corpus_dir / "bin.txt").write_bytes(b"\x00\x01binary")
    (corpus_dir / "latin.txt").write_bytes("caf\u00e9".encode("latin-1"))
    _write(corpus_dir, "ragged.csv", "a,b\n1,2\n3\n")
    _write(corpus_dir, "empty.md", "")
    report = build()
    assert report.added == 1
    assert sorted(s["source"] for s in report.skipped) == ["bin.txt", "empty.md", "latin.txt", "ragged.csv"]


def test_failure_after_faiss_write_keeps_previous_index_answering(
    corpus_dir: Path, build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(corpus_dir, "a.md", "# Wells\n\nThe borehole is 10,910 meters deep.\n")
    build()
    _write(corpus_dir, "b.md", "# Moon\n\nSoil came back from the far side.\n")

    def explode(self: SparseIndex, folder: Path) -> None:
        assert (folder.parent / "dense.faiss").exists()  # the FAISS file is already written
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(SparseIndex, "save", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        build()
    monkeypatch.undo()
    index = load_latest(tmp_path / "index")
    assert {c.source for c in index.data.chunks} == {"a.md"}
    assert not list((tmp_path / "index").glob(".tmp-*"))
    assert build().added == 1  # and the next build completes
