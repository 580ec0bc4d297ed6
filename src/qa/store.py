"""The index folder: plain files (JSONL, .npy, a FAISS file, bm25s arrays) in generations swapped atomically."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from qa.dense import DenseIndex
from qa.embedding import Vectors
from qa.records import Chunk, Document
from qa.sparse import SparseIndex
from qa.tables import Table

FORMAT_VERSION = 1
CURRENT = "CURRENT"
KEEP_GENERATIONS = 2


class IndexUnavailable(Exception):
    """The index is missing, locked or unreadable; the message says which and what to do."""


@dataclass
class IndexData:
    """Everything an index holds except the search structures, which are derived from it."""

    documents: dict[str, Document]
    chunks: list[Chunk]
    tables: list[Table]
    vectors: Vectors
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoadedIndex:
    """A served index: data plus the dense and sparse structures over its chunks."""

    data: IndexData
    dense: DenseIndex
    sparse: SparseIndex
    path: Path

    @property
    def manifest(self) -> dict[str, Any]:
        return self.data.manifest


def library_versions() -> dict[str, str]:
    names = ["qa", "faiss-cpu", "bm25s", "sentence-transformers", "torch", "numpy"]
    found = {}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_generation(index_dir: Path, data: IndexData, dense: DenseIndex, sparse: SparseIndex) -> Path:
    """Write a complete new generation, then point CURRENT at it; a crash before that changes nothing."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "documents.jsonl", (_doc_json(d) for d in data.documents.values()))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_json() for c in data.chunks))
        _write_jsonl(tmp / "tables.jsonl", (t.to_json() for t in data.tables))
        np.save(tmp / "vectors.npy", data.vectors, allow_pickle=False)
        dense.save(tmp / "dense.faiss")
        (tmp / "bm25").mkdir()
        sparse.save(tmp / "bm25")
        # The manifest is written last: a generation without one is never loaded.
        (tmp / "manifest.json").write_text(json.dumps(data.manifest, indent=2, ensure_ascii=False))
        _fsync_tree(tmp)
        final = index_dir / f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        tmp.rename(final)
        _point_current(index_dir, final.name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(index_dir, keep=final.name)
    return final


def _point_current(index_dir: Path, name: str) -> None:
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
    tmp.write_text(name + "\n")
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)


def _prune(index_dir: Path, keep: str) -> None:
    """Drop half-written folders and all but the newest generations."""
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.name, reverse=True)
    for old in [g for g in gens if g.name != keep][KEEP_GENERATIONS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
    for junk in index_dir.glob(".tmp-*"):
        if time.time() - junk.stat().st_mtime > 5:
            shutil.rmtree(junk, ignore_errors=True)


def _doc_json(doc: Document) -> dict[str, Any]:
    return {"source": doc.source, "title": doc.title, "text": doc.text, "sha256": doc.sha256, "fmt": doc.fmt,
            "meta": doc.meta}


def generations(index_dir: Path) -> list[Path]:
    """Candidate generations, the one CURRENT names first, then the others newest first."""
    if not index_dir.is_dir():
        return []
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.name, reverse=True)
    current = index_dir / CURRENT
    name = current.read_text().strip() if current.is_file() else ""
    return sorted(gens, key=lambda p: p.name != name)


def read_data(gen: Path) -> IndexData:
    """The data of one generation, checked for consistency; raises IndexUnavailable when it is damaged."""
    try:
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        docs = {d["source"]: Document(**d) for d in _read_jsonl(gen / "documents.jsonl")}
        chunks = [Chunk.from_json(c) for c in _read_jsonl(gen / "chunks.jsonl")]
        tables = [Table.from_json(t) for t in _read_jsonl(gen / "tables.jsonl")]
        vectors = np.load(gen / "vectors.npy", allow_pickle=False)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexUnavailable(f"index {gen.name} is damaged ({type(exc).__name__}: {exc}); rebuild it") from exc
    if manifest.get("counts", {}).get("chunks") != len(chunks) or len(vectors) != len(chunks):
        raise IndexUnavailable(f"index {gen.name} is damaged (chunk count does not match its manifest); rebuild it")
    return IndexData(docs, chunks, tables, vectors, manifest)


def load_generation(gen: Path) -> LoadedIndex:
    data = read_data(gen)
    try:
        dense = DenseIndex.load(gen / "dense.faiss")
        sparse = SparseIndex.load(gen / "bm25")
    except Exception as exc:  # FAISS raises RuntimeError, bm25s several kinds; all mean "damaged"
        raise IndexUnavailable(f"index {gen.name} is damaged ({exc}); rebuild it") from exc
    if dense.size != len(data.chunks) or sparse.size != len(data.chunks):
        raise IndexUnavailable(f"index {gen.name} is damaged (search structures do not match the chunks)")
    return LoadedIndex(data, dense, sparse, gen)


def load_latest(index_dir: Path) -> LoadedIndex:
    """The newest generation that loads whole; a damaged CURRENT falls back to the previous one."""
    errors = []
    for gen in generations(index_dir):
        try:
            return load_generation(gen)
        except IndexUnavailable as exc:
            errors.append(str(exc))
    if errors:
        raise IndexUnavailable("; ".join(errors))
    raise IndexUnavailable(f"no index in {index_dir}; run `qa index` first")


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder, across processes."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexUnavailable(f"another build of {index_dir} is running; try again when it ends") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
