"""The index folder: atomic generations with checksums, and recovery from every kind of damage to them."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qa.embed.embedder import Embedder
from qa.index.builder import BuildReport
from qa.index.integrity import IndexUnavailable
from qa.index.store import CURRENT, build_lock, generations, load_latest, read_data

Build = Callable[..., BuildReport]
Damage = Callable[[Path], None]


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_tail(path: Path) -> None:
    """Alter the last bytes but keep the size: what a bad sector or a stray write does."""
    raw = bytearray(path.read_bytes())
    raw[-8:] = bytes(b ^ 0x5A for b in raw[-8:])
    path.write_bytes(bytes(raw))


def _remove(path: Path) -> None:
    path.unlink()


def _replace(path: Path, text: str) -> None:
    path.write_text(text)


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xff garbage \xfe" * 7)


DAMAGE: dict[str, Damage] = {
    "chunks truncated": lambda g: _truncate(g / "chunks.jsonl"),
    "chunks altered": lambda g: _flip_tail(g / "chunks.jsonl"),
    "documents garbage": lambda g: _garbage(g / "documents.jsonl"),
    "tables missing": lambda g: _remove(g / "tables.jsonl"),
    "vectors truncated": lambda g: _truncate(g / "vectors.npy"),
    "vectors altered": lambda g: _flip_tail(g / "vectors.npy"),
    "faiss truncated": lambda g: _truncate(g / "dense.faiss"),
    "faiss garbage": lambda g: _garbage(g / "dense.faiss"),
    "bm25 vocabulary altered": lambda g: _flip_tail(g / "bm25" / "vocab.index.json"),
    "bm25 size missing": lambda g: _remove(g / "bm25" / "size.txt"),
    "manifest truncated": lambda g: _truncate(g / "manifest.json"),
    "manifest missing": lambda g: _remove(g / "manifest.json"),
    "manifest not an object": lambda g: _replace(g / "manifest.json", "[]"),
    "manifest without checksums of its files": lambda g: _rewrite_manifest(g, checksums={}),
}


def _rewrite_manifest(gen: Path, **changes: object) -> None:
    manifest = json.loads((gen / "manifest.json").read_text())
    (gen / "manifest.json").write_text(json.dumps({**manifest, **changes}))


def _write(corpus: Path, name: str, text: str) -> None:
    (corpus / name).write_text(text, encoding="utf-8")


def _two_generations(corpus: Path, build: Build, index: Path) -> tuple[Path, Path]:
    """An older generation with a.md, and the current one with a.md and b.md."""
    _write(corpus, "a.md", "# Alpha\n\nAlpha wells are four kilometres deep.\n")
    build()
    _write(corpus, "b.md", "# Beta\n\nBeta rockets carry nine satellites.\n")
    build()
    newer, older = generations(index)
    assert (index / CURRENT).read_text().strip() == newer.name
    return older, newer


def test_every_file_of_a_generation_has_a_checksum(corpus_dir: Path, build: Build, tmp_path: Path) -> None:
    _write(corpus_dir, "a.md", "# Alpha\n\nAlpha wells are deep.\n")
    build()
    gen = generations(tmp_path / "index")[0]
    files = {p.relative_to(gen).as_posix() for p in gen.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(read_data(gen).manifest["checksums"]) == files


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_current_generation_falls_back_to_the_previous_one(
        corpus_dir: Path, build: Build, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Damage) -> None:
    older, newer = _two_generations(corpus_dir, build, tmp_path / "index")
    damage(newer)
    with caplog.at_level(logging.WARNING, logger="qa.index.store"):
        loaded = load_latest(tmp_path / "index")
    assert loaded.path == older and set(loaded.data.documents) == {"a.md"}
    assert f"index {newer.name} is" in caplog.text and f"previous index generation {older.name}" in caplog.text


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_only_generation_raises_a_message_saying_rebuild(
        corpus_dir: Path, build: Build, tmp_path: Path, damage: Damage) -> None:
    _write(corpus_dir, "a.md", "# Alpha\n\nAlpha wells are deep.\n")
    build()
    damage(generations(tmp_path / "index")[0])
    with pytest.raises(IndexUnavailable, match=r"(damaged|incomplete).*rebuild"):
        load_latest(tmp_path / "index")


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_next_build_sets_damage_aside_and_serves_the_whole_corpus(
        corpus_dir: Path, build: Build, tmp_path: Path, damage: Damage) -> None:
    index = tmp_path / "index"
    _older, newer = _two_generations(corpus_dir, build, index)
    damage(newer)
    report = build()
    assert "set aside" in report.message and (index / f"damaged-{newer.name}").is_dir()
    loaded = load_latest(index)
    assert loaded.path != newer and set(loaded.data.documents) == {"a.md", "b.md"}
    assert (index / CURRENT).read_text().strip() == loaded.path.name


def test_altered_vectors_are_not_reused_as_the_embedding_cache(
        corpus_dir: Path, build: Build, tmp_path: Path, embedder: Embedder) -> None:
    """Vectors that still parse but are wrong would silently give wrong answers for ever; the checksum stops it."""
    _write(corpus_dir, "a.md", "# Alpha\n\nAlpha wells are four kilometres deep.\n")
    _write(corpus_dir, "b.md", "# Beta\n\nBeta rockets carry nine satellites.\n")
    build()
    gen = generations(tmp_path / "index")[0]
    wrong = np.load(gen / "vectors.npy")[::-1].copy()  # same shape, same values, wrong rows
    np.save(gen / "vectors.npy", wrong, allow_pickle=False)
    report = build()
    assert report.written and report.embedded == report.chunks == 2
    loaded = load_latest(tmp_path / "index")
    fresh = embedder.encode_documents([c.search_text for c in loaded.data.chunks])  # as the build embeds them
    assert np.allclose(loaded.data.vectors, fresh, atol=1e-5)


@pytest.mark.parametrize("pointer", [b"gen-does-not-exist\n", b"\xff\xfe\x00\x01", b"", b"../../etc\n", None])
def test_current_pointing_nowhere_serves_the_newest_generation(
        corpus_dir: Path, build: Build, tmp_path: Path, pointer: bytes | None) -> None:
    index = tmp_path / "index"
    _older, newer = _two_generations(corpus_dir, build, index)
    if pointer is None:
        (index / CURRENT).unlink()
    else:
        (index / CURRENT).write_bytes(pointer)
    assert load_latest(index).path == newer


def test_current_is_the_authority_over_newer_complete_generations(
        corpus_dir: Path, build: Build, tmp_path: Path) -> None:
    """A build killed between writing its generation and moving CURRENT must not be served."""
    index = tmp_path / "index"
    older, _newer = _two_generations(corpus_dir, build, index)
    (index / CURRENT).write_text(older.name + "\n")
    assert load_latest(index).path == older


def test_leftovers_of_a_killed_build_are_ignored_then_cleaned(corpus_dir: Path, build: Build, tmp_path: Path) -> None:
    index = tmp_path / "index"
    _write(corpus_dir, "a.md", "# Alpha\n\nAlpha wells are deep.\n")
    build()
    good = generations(index)[0]
    (index / ".tmp-deadbeef").mkdir()
    (index / ".tmp-deadbeef" / "chunks.jsonl").write_text('{"id": "half')
    (index / ".CURRENT.abc123").write_text("gen-half\n")
    half = index / "gen-99991231T235959999999-ffffff"  # newest by name, but never finished
    half.mkdir()
    (half / "chunks.jsonl").write_text("")
    assert load_latest(index).path == good
    _write(corpus_dir, "b.md", "# Beta\n\nBeta rockets fly.\n")
    build()
    left = sorted(p.name for p in index.iterdir() if p.name != ".lock")
    assert left == sorted([CURRENT, good.name, load_latest(index).path.name])


def test_old_generations_are_pruned_to_current_and_one_previous(
        corpus_dir: Path, build: Build, tmp_path: Path) -> None:
    for i in range(4):
        _write(corpus_dir, f"f{i}.md", f"# File {i}\n\nFact number {i}.\n")
        build()
    assert len(generations(tmp_path / "index")) == 2


def test_generation_without_checksums_loads_when_its_contents_agree(
        corpus_dir: Path, build: Build, tmp_path: Path) -> None:
    """Indexes written before checksums existed still load; their contents are checked instead."""
    _write(corpus_dir, "a.md", "# Alpha\n\nAlpha wells are deep.\n")
    build()
    gen = generations(tmp_path / "index")[0]
    manifest = json.loads((gen / "manifest.json").read_text())
    del manifest["checksums"]
    (gen / "manifest.json").write_text(json.dumps(manifest))
    assert load_latest(tmp_path / "index").path == gen
    docs = (gen / "documents.jsonl").read_text().replace("Alpha wells", "Gamma wells")
    (gen / "documents.jsonl").write_text(docs)
    with pytest.raises(IndexUnavailable, match="does not match the text"):
        load_latest(tmp_path / "index")


def test_second_build_of_the_same_index_is_refused_while_one_runs(tmp_path: Path) -> None:
    first = build_lock(tmp_path / "index")
    first.__enter__()
    try:
        with pytest.raises(IndexUnavailable, match="another build"), build_lock(tmp_path / "index"):
            pass
    finally:
        first.__exit__(None, None, None)
    with build_lock(tmp_path / "index"):  # and free again once it ended
        pass
