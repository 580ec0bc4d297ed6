"""The index folder: plain files (JSONL, .npy, a FAISS file, bm25s arrays) in generations swapped atomically."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from qa.index.dense import DenseIndex
from qa.index.integrity import MANIFEST, BuildLocked, IndexDamaged, IndexUnavailable, checksums, verify
from qa.index.retrievers import ChunkSearch, FilesSearch
from qa.index.spans import SpanTable
from qa.index.sparse import SparseIndex
from qa.records import Chunk, Document, Vectors
from qa.tables.model import Table

FORMAT_VERSION = 13  # 2: tables keep multi-row headers, sections, scale and unit (tables.py)
# 3: every chunk's search text carries the document title; paragraphs are not split across chunks (chunking.py)
# 4: BM25 indexes the terms of the one tokenizer (qa.text.tokens): phrases, heavier stems, one stop list
# 5: paged documents (PDF, Office): documents carry layout, pages and warnings; chunks carry page and boxes
# 6: header rows only above amounts (tables/layout.py): tables stored before read their first body rows as headers
# 7: span vectors from the per-row int8 graph (embed/quantize.py): those of the per-tensor graph are not reused
# 8: report headers (tables/layout.py): footnoted years, a lone scale note, lower labels bounded by upper ones
# 9: a labelled header row of words over sections and amounts; a section written like an open one is its sibling
#    ("June 30, 2018" after "June 30, 2019", tables/layout.py)
# 10: BM25 terms meet irregular forms at their base ("stood" / "stand", "made" / "make"; qa.text.tokens)
# 11: prose loses wiki note markers ("[3]", "[citation needed]"), HTML pages their wiki furniture (corpus/markers.py,
#     corpus/html.py): documents stored before keep them until rebuilt
# 12: BM25 terms of "-ied" and "-ying" forms meet their base ("married" / "marry", "died" / "die"; qa.text.tokens)
# 13: hard-wrapped prose in Markdown and text is joined into its lines (corpus/unwrap.py)
CURRENT = "CURRENT"
KEEP_GENERATIONS = 2
DAMAGED_PREFIX = "damaged-"

log = logging.getLogger(__name__)


@dataclass
class IndexData:
    """Everything an index holds except the search structures, which are derived from it."""

    documents: dict[str, Document]
    chunks: list[Chunk]
    tables: list[Table]
    vectors: Vectors
    manifest: dict[str, Any] = field(default_factory=dict)
    spans: SpanTable | None = None  # the candidate answer spans' vectors (spans.py); None: embedded when asked


@dataclass
class LoadedIndex:
    """A served index: data plus the retrievers over its chunks. `path.name` names the generation (for Milvus,
    the path is the collection's name alone)."""

    data: IndexData
    search: ChunkSearch
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
        _write_jsonl(tmp / "documents.jsonl", (d.to_json() for d in data.documents.values()))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_json() for c in data.chunks))
        _write_jsonl(tmp / "tables.jsonl", (t.to_json() for t in data.tables))
        np.save(tmp / "vectors.npy", data.vectors, allow_pickle=False)
        dense.save(tmp / "dense.faiss")
        (tmp / "bm25").mkdir()
        sparse.save(tmp / "bm25")
        if data.spans is not None:
            data.spans.save(tmp)
        # The manifest is written last and carries every file's checksum: a generation without one is never
        # loaded, and one whose files were truncated or altered afterwards is recognised as damaged.
        manifest = {**data.manifest, "checksums": checksums(tmp)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        _fsync_tree(tmp)
        final = index_dir / f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"
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
    """Drop half-written folders left by killed builds, and all but the newest generations."""
    for prefix in ("gen-", DAMAGED_PREFIX):
        olds = sorted((p for p in index_dir.glob(f"{prefix}*") if p.is_dir() and p.name != keep), reverse=True)
        # One without a manifest is half-deleted by a prune that was killed: it goes first, whatever its name.
        olds.sort(key=lambda p: not (p / MANIFEST).is_file())
        for old in olds[KEEP_GENERATIONS - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
    for junk in [*index_dir.glob(".tmp-*"), *index_dir.glob(f".{CURRENT}.*")]:
        # Callers hold the build lock, so anything half-written here belongs to a build that died.
        with contextlib.suppress(OSError):
            if junk.is_dir():
                shutil.rmtree(junk, ignore_errors=True)
            else:
                junk.unlink()


def current_name(index_dir: Path) -> str:
    """The generation CURRENT names, or "" when it is missing or unreadable (any generation may then serve)."""
    try:
        name = (index_dir / CURRENT).read_bytes().decode("utf-8", errors="replace").strip()
    except OSError:
        return ""
    return name if name.startswith("gen-") and "/" not in name else ""


def generations(index_dir: Path) -> list[Path]:
    """Candidate generations, the one CURRENT names first, then the others newest first."""
    if not index_dir.is_dir():
        return []
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.name, reverse=True)
    name = current_name(index_dir)
    return sorted(gens, key=lambda p: p.name != name)


def read_data(gen: Path) -> IndexData:
    """The data of one generation, checked for consistency; raises IndexUnavailable when it is damaged."""
    manifest = verify(gen)
    try:
        docs = {d["source"]: Document.from_json(d) for d in _read_jsonl(gen / "documents.jsonl")}
        chunks = [Chunk.from_json(c) for c in _read_jsonl(gen / "chunks.jsonl")]
        tables = [Table.from_json(t) for t in _read_jsonl(gen / "tables.jsonl")]
        vectors = np.load(gen / "vectors.npy", allow_pickle=False)
        spans = SpanTable.load(gen)
    except FileNotFoundError as exc:
        raise IndexDamaged(f"index {gen.name} is damaged ({exc.filename} is missing); rebuild it") from exc
    except OSError as exc:
        raise IndexUnavailable(f"index {gen.name} cannot be read ({exc.strerror or exc})") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise IndexDamaged(f"index {gen.name} is damaged ({type(exc).__name__}: {exc}); rebuild it") from exc
    data = IndexData(docs, chunks, tables, vectors, manifest, spans)
    problem = _inconsistency(data)
    if problem:
        raise IndexDamaged(f"index {gen.name} is damaged ({problem}); rebuild it")
    return data


def _inconsistency(data: IndexData) -> str:
    """What makes the data unfit to serve (it could give wrong answers), or "" when it is whole."""
    counts = data.manifest.get("counts")
    vectors, chunks = data.vectors, data.chunks
    if not isinstance(counts, dict) or counts.get("chunks") != len(chunks):
        return "chunk count does not match its manifest"
    if counts.get("documents") != len(data.documents) or counts.get("tables") != len(data.tables):
        return "document or table count does not match its manifest"
    if vectors.ndim != 2 or vectors.dtype != np.float32 or len(vectors) != len(chunks):
        return f"vectors have shape {vectors.shape} and type {vectors.dtype}, not ({len(chunks)}, dim) float32"
    if data.manifest.get("dimension") not in (None, vectors.shape[1]) or not np.isfinite(vectors).all():
        return "vectors do not match the model's dimension or hold non-numbers"
    if data.spans is not None and len(data.spans) and data.spans.vectors.shape[1] != vectors.shape[1]:
        return "span vectors do not match the model's dimension"
    for chunk in chunks:
        doc = data.documents.get(chunk.source)
        if doc is None or doc.text[chunk.start : chunk.end] != chunk.text:
            return f"chunk {chunk.id} does not match the text of {chunk.source}"
    return ""


def compatible(manifest: dict[str, object], model: str) -> str:
    """Why a generation cannot serve as the cache of a build with `model` ("" when it can)."""
    if manifest.get("format_version") != FORMAT_VERSION or manifest.get("model") != model:
        return (f"Index was built with model {manifest.get('model')!r}, format {manifest.get('format_version')}; "
                f"rebuilding everything for {model!r}.")
    return ""


def load_generation(gen: Path) -> LoadedIndex:
    data = read_data(gen)
    try:
        dense = DenseIndex.load(gen / "dense.faiss")
        sparse = SparseIndex.load(gen / "bm25")
    except Exception as exc:  # FAISS raises RuntimeError, bm25s several kinds; all mean "damaged"
        raise IndexDamaged(f"index {gen.name} is damaged ({exc}); rebuild it") from exc
    if dense.size != len(data.chunks) or sparse.size != len(data.chunks):
        raise IndexDamaged(f"index {gen.name} is damaged (search structures do not match the chunks)")
    if len(data.chunks) and dense.index.d != data.vectors.shape[1]:
        raise IndexDamaged(f"index {gen.name} is damaged (FAISS dimension {dense.index.d} does not match vectors)")
    return LoadedIndex(data, FilesSearch(dense, sparse), gen)


def load_latest(index_dir: Path) -> LoadedIndex:
    """The newest generation that loads whole; a damaged CURRENT falls back to the previous one."""
    errors = []
    candidates = generations(index_dir)
    named = current_name(index_dir)
    if candidates and named and candidates[0].name != named:
        log.warning("index pointer %s names %s, which does not exist; using the newest generation", CURRENT, named)
    for gen in candidates:
        try:
            loaded = load_generation(gen)
        except IndexUnavailable as exc:
            log.warning("%s", exc)
            errors.append(str(exc))
            continue
        if errors:
            log.warning("serving the previous index generation %s instead", gen.name)
        return loaded
    if errors:
        raise IndexUnavailable("; ".join(errors))
    raise IndexUnavailable(f"no index in {index_dir}; run `qa index` first")


def repair(index_dir: Path) -> list[str]:
    """Set damaged generations aside and point CURRENT at the newest whole one; call with the build lock held.

    Returns one message per generation set aside. Only certain damage moves a generation; a file that cannot
    be read right now (permissions, too many open files) leaves everything as it is.
    """
    notes: list[str] = []
    for gen in generations(index_dir):
        try:
            verify(gen)
        except IndexDamaged as exc:
            aside = gen.with_name(DAMAGED_PREFIX + gen.name)
            shutil.rmtree(aside, ignore_errors=True)
            gen.rename(aside)
            notes.append(f"{exc}; set aside as {aside.name}")
            log.warning("%s", notes[-1])
            continue
        except IndexUnavailable:
            return notes
        if current_name(index_dir) != gen.name:
            _point_current(index_dir, gen.name)
        return notes
    return notes


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder, across processes."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildLocked(f"another build of {index_dir} is running; try again when it ends") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
