"""Building the index from the corpus, incrementally: only new or changed files are read and embedded."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qa.corpus import files as corpus
from qa.corpus.chunking import chunk_document
from qa.corpus.limits import Limits
from qa.embed.embedder import Embedder
from qa.index.dense import DenseIndex, choose_type
from qa.index.sparse import SparseIndex
from qa.index.store import (
    FORMAT_VERSION,
    IndexData,
    IndexUnavailable,
    build_lock,
    generations,
    library_versions,
    read_data,
    repair,
    write_generation,
)
from qa.records import Chunk, Document, Vectors
from qa.settings import Settings
from qa.tables.model import Table, find_tables

log = logging.getLogger(__name__)

Step = Callable[[int, int], None]


@dataclass
class BuildReport:
    """What a build did: the numbers `qa index` prints and the rebuild endpoint returns."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks: int = 0
    tables: int = 0
    embedded: int = 0
    seconds: float = 0.0
    full: bool = False
    written: bool = False
    skipped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)  # files read in part: pages or sheets left out
    message: str = ""

    def summary(self) -> str:
        text = (f"{self.added} added, {self.changed} changed, {self.removed} removed, {self.unchanged} unchanged "
                f"files; {self.chunks} chunks, {self.tables} tables; {self.embedded} chunks embedded; "
                f"{self.seconds:.2f} s")
        return f"{self.message} {text}".strip()

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class _Parts:
    docs: dict[str, Document] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    chunks: dict[str, list[Chunk]] = field(default_factory=dict)
    tables: dict[str, list[Table]] = field(default_factory=dict)


def text_key(chunk: Chunk) -> str:
    """The embedding cache key: what was embedded, so equal texts share a vector."""
    return hashlib.sha1(chunk.search_text.encode()).hexdigest()


def _previous(index_dir: Path, model: str, full: bool, report: BuildReport) -> IndexData | None:
    if full:
        report.message = "Full rebuild requested."
        return None
    for gen in generations(index_dir):
        try:
            data = read_data(gen)
        except IndexUnavailable as exc:
            log.warning("%s", exc)
            continue
        manifest = data.manifest
        if manifest.get("format_version") != FORMAT_VERSION or manifest.get("model") != model:
            report.message = (f"Index was built with model {manifest.get('model')!r}, format "
                              f"{manifest.get('format_version')}; rebuilding everything for {model!r}.")
            return None
        return data
    return None


def _split_previous(prev: IndexData | None) -> _Parts:
    parts = _Parts()
    if prev is None:
        return parts
    for source, doc in prev.documents.items():
        parts.docs[source] = doc
        parts.fingerprints[source] = prev.manifest["files"][source]["fingerprint"]
        parts.chunks[source] = []
        parts.tables[source] = []
    for chunk in prev.chunks:
        parts.chunks[chunk.source].append(chunk)
    for table in prev.tables:
        parts.tables[table.source].append(table)
    return parts


def _refresh(entries: list[corpus.FileEntry], old: _Parts, settings: Settings, report: BuildReport,
             progress: bool = False, step: Step | None = None) -> _Parts:
    """Reuse what is unchanged; read, parse and chunk the rest."""
    new = _Parts()
    # The bar only shows on builds long enough to need one (tqdm's mininterval), and only on a terminal.
    for done, entry in enumerate(tqdm(entries, desc="reading", unit="file", disable=not progress, delay=1.0)):
        if step is not None:
            step(done, len(entries))
        src = entry.source
        if src in old.docs and old.fingerprints[src] == entry.fingerprint:
            _carry(old, new, src, entry.fingerprint)
            report.unchanged += 1
            continue
        try:
            doc = corpus.load(entry, int(settings.max_file_mb * 1e6), Limits.from_settings(settings))
        except corpus.LoadError as exc:
            log.warning("skipped %s: %s", src, exc)
            report.skipped.append({"source": src, "reason": str(exc)})
            continue
        report.warnings += [{"source": src, "reason": w} for w in doc.warnings]
        if src in old.docs and old.docs[src].sha256 == doc.sha256:
            _carry(old, new, src, entry.fingerprint)
            report.unchanged += 1
            continue
        parsed = _parse(doc, settings.max_words, report)
        if parsed is None:
            continue
        new.docs[src], new.fingerprints[src] = doc, entry.fingerprint
        new.tables[src], new.chunks[src] = parsed
        if src in old.docs:
            report.changed += 1
        else:
            report.added += 1
    report.removed = len(set(old.docs) - set(new.docs))
    return new


def _parse(doc: Document, max_words: int, report: BuildReport) -> tuple[list[Table], list[Chunk]] | None:
    """Tables and chunks of one document; None (the file skipped, with its reason) when a parser fails on it."""
    try:
        tables = find_tables(doc)
        return tables, chunk_document(doc, tables, max_words)
    except Exception as exc:  # a parser bug tripped by one hostile file must not stop the whole build
        log.exception("skipped %s: could not be parsed", doc.source)
        report.skipped.append({"source": doc.source, "reason": f"could not be parsed ({type(exc).__name__}: {exc})"})
        return None


def _carry(old: _Parts, new: _Parts, src: str, fingerprint: str) -> None:
    new.docs[src], new.fingerprints[src] = old.docs[src], fingerprint
    new.chunks[src], new.tables[src] = old.chunks[src], old.tables[src]


def _vectors(chunks: list[Chunk], prev: IndexData | None, embed: Callable[[list[str]], Vectors],
             report: BuildReport) -> Vectors:
    """Vectors for all chunks: cached ones by text hash, the rest embedded in one batch."""
    cache: dict[str, int] = {}
    if prev is not None:
        cache = {text_key(c): i for i, c in enumerate(prev.chunks)}
    missing = [c for c in chunks if text_key(c) not in cache]
    fresh = embed([c.search_text for c in missing]) if missing else None
    report.embedded = len(missing)
    fresh_at = {text_key(c): i for i, c in enumerate(missing)}
    rows = []
    for chunk in chunks:
        key = text_key(chunk)
        rows.append(fresh[fresh_at[key]] if key in fresh_at and fresh is not None
                    else prev.vectors[cache[key]])  # type: ignore[union-attr]
    if not rows:
        dim = prev.vectors.shape[1] if prev is not None and prev.vectors.ndim == 2 else 0
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack(rows).astype(np.float32)


def build_index(settings: Settings, embedder: Callable[[], Embedder], full: bool = False,
                progress: bool = False, corpus_dir: Path | None = None, index_dir: Path | None = None,
                step: Step | None = None) -> BuildReport:
    """Bring the index up to date with the corpus; writes a new generation only when something changed.
    `step(done, total)` is called before each corpus file is looked at (the server's build progress)."""
    started = time.perf_counter()
    corpus_dir = corpus_dir or settings.corpus_dir
    index_dir = index_dir or settings.index_dir
    report = BuildReport(full=full)
    with build_lock(index_dir):
        repaired = repair(index_dir)  # damaged generations are set aside, never reused as the embedding cache
        entries, skipped = corpus.scan(corpus_dir)
        report.skipped += [{"source": s.source, "reason": s.reason} for s in skipped]
        prev = _previous(index_dir, settings.model, full, report)
        report.message = " ".join([*repaired, report.message]).strip()
        report.full = prev is None
        parts = _refresh(entries, _split_previous(prev), settings, report, progress, step)
        if prev is not None and not (report.added or report.changed or report.removed):
            report.chunks, report.tables = len(prev.chunks), len(prev.tables)
            report.seconds = time.perf_counter() - started
            return report
        model = embedder()
        chunks = [c for src in sorted(parts.chunks) for c in parts.chunks[src]]
        tables = [t for src in sorted(parts.tables) for t in parts.tables[src]]
        vectors = _vectors(chunks, prev, lambda texts: model.encode(texts, progress=progress), report)
        if not len(vectors):
            vectors = np.zeros((0, model.dimension), dtype=np.float32)
        data = IndexData(parts.docs, chunks, tables, vectors)
        data.manifest = _manifest(settings, model, parts, report, len(chunks), len(tables))
        kind = choose_type(settings.index_type, len(chunks), settings.hnsw_threshold)
        write_generation(index_dir, data, DenseIndex.build(vectors, kind),
                         SparseIndex.build([c.search_text for c in chunks]))
        report.chunks, report.tables, report.written = len(chunks), len(tables), True
    report.seconds = time.perf_counter() - started
    return report


def _manifest(settings: Settings, model: Embedder, parts: _Parts, report: BuildReport, chunks: int,
              tables: int) -> dict[str, object]:
    files = {src: {"sha256": parts.docs[src].sha256, "fingerprint": parts.fingerprints[src],
                   "chunks": len(parts.chunks[src]), "tables": len(parts.tables[src])} for src in sorted(parts.docs)}
    return {
        "format_version": FORMAT_VERSION,
        "model": settings.model,
        "dimension": model.dimension,
        "index_type": choose_type(settings.index_type, chunks, settings.hnsw_threshold),
        "versions": library_versions(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": {"documents": len(parts.docs), "chunks": chunks, "tables": tables},
        "files": files,
        "skipped": report.skipped,
    }
