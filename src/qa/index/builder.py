"""Building the index from the corpus, incrementally: only new or changed files are read and embedded."""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from qa.corpus import files as corpus
from qa.corpus.limits import Limits
from qa.embed.embedder import Embedder
from qa.embed.quantize import VERSION as SPAN_GRAPH
from qa.index.dense import choose_type
from qa.index.journal import EmbeddingJournal
from qa.index.parsing import Job, Parsed, parse_all, workers_for
from qa.index.spans import span_table
from qa.index.store import FORMAT_VERSION, IndexData, build_lock, library_versions, repair
from qa.index.stores import open_store
from qa.records import Chunk, Document, Vectors
from qa.settings import Settings
from qa.tables.model import Table

if TYPE_CHECKING:
    from qa.index.cluster import RayBuild

JOURNAL_SLICE = 256  # chunks embedded between two journal writes: what a killed build can lose at most

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
    spans_embedded: int = 0  # candidate answer spans embedded for the index (index/spans.py)
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
             progress: bool = False, parse: Callable[[list[Job]], Iterable[Parsed]] | None = None,
             step: Step | None = None) -> _Parts:
    """Reuse what is unchanged; read, parse and chunk the rest (in worker processes when there are many).
    `step(done, total)` follows the files looked at (the server's build progress)."""
    new = _Parts()
    jobs = []
    limits = Limits.from_settings(settings)
    for entry in entries:
        src = entry.source
        if src in old.docs and old.fingerprints[src] == entry.fingerprint:
            _carry(old, new, src, entry.fingerprint)
            report.unchanged += 1
        else:
            known = old.docs[src].sha256 if src in old.docs else None
            jobs.append(Job(entry, known, int(settings.max_file_mb * 1e6), settings.max_words, limits))
    workers = workers_for(settings.build_workers, [j.entry for j in jobs])
    results = parse(jobs) if parse is not None else parse_all(jobs, workers)
    seen = len(entries) - len(jobs)
    if step is not None:
        step(seen, len(entries))
    # The bar only shows on builds long enough to need one (tqdm's delay), and only on a terminal.
    for n, done in enumerate(tqdm(results, total=len(jobs), desc="reading", unit="file", disable=not progress,
                                  delay=1.0), 1):
        _take(done, old, new, report)
        if step is not None:
            step(seen + n, len(entries))
    report.removed = len(set(old.docs) - set(new.docs))
    return new


def _take(done: Parsed, old: _Parts, new: _Parts, report: BuildReport) -> None:
    src = done.entry.source
    if done.document is not None:
        report.warnings += [{"source": src, "reason": w} for w in done.document.warnings]
    if done.document is None:
        report.skipped.append({"source": src, "reason": done.reason})
    elif done.same:
        _carry(old, new, src, done.entry.fingerprint)
        report.unchanged += 1
    else:
        new.docs[src], new.fingerprints[src] = done.document, done.entry.fingerprint
        new.tables[src], new.chunks[src] = done.tables, done.chunks
        if src in old.docs:
            report.changed += 1
        else:
            report.added += 1


def _carry(old: _Parts, new: _Parts, src: str, fingerprint: str) -> None:
    new.docs[src], new.fingerprints[src] = old.docs[src], fingerprint
    new.chunks[src], new.tables[src] = old.chunks[src], old.tables[src]


def _vectors(chunks: list[Chunk], prev: IndexData | None, embed: Callable[[list[str]], Vectors],
             journal: EmbeddingJournal, report: BuildReport, progress: bool = False, size: int = 256) -> Vectors:
    """Vectors for all chunks: cached ones by text hash (the previous generation's, then those a killed build
    left in the journal), the rest embedded a slice at a time, each slice journalled as soon as it is done."""
    known: dict[str, Vectors] = journal.load()
    if prev is not None:
        known.update({text_key(c): prev.vectors[i] for i, c in enumerate(prev.chunks)})
    missing = list({text_key(c): c.search_text for c in chunks if text_key(c) not in known}.items())
    missing.sort(key=lambda kv: len(kv[1]))  # slices of similar lengths: batches pad little (documents.py)
    report.embedded = len(missing)
    known.update(journal.fill(missing, embed, size, progress))
    if not chunks:
        return np.zeros((0, journal.dimension), dtype=np.float32)
    return np.vstack([known[text_key(c)] for c in chunks]).astype(np.float32)


def build_index(settings: Settings, embedder: Callable[[], Embedder], full: bool = False,
                progress: bool = False, corpus_dir: Path | None = None, index_dir: Path | None = None,
                step: Step | None = None) -> BuildReport:
    """Bring the index up to date with the corpus; writes a new generation only when something changed.
    With `settings.ray_address`, files are parsed and chunks embedded by Ray tasks (cluster.py); `step(done,
    total)` follows the files looked at (the server's build progress)."""
    started = time.perf_counter()
    index_dir = index_dir or settings.index_dir
    report = BuildReport(full=full)
    with build_lock(index_dir), contextlib.ExitStack() as stack:
        if settings.ray_address:
            from qa.index.cluster import ray_build

            ray = stack.enter_context(ray_build(settings.ray_address, settings.model))
        _build(settings, embedder, corpus_dir or settings.corpus_dir, index_dir, report, progress,
               ray if settings.ray_address else None, step)
    report.seconds = time.perf_counter() - started
    return report


def _build(settings: Settings, embedder: Callable[[], Embedder], corpus_dir: Path, index_dir: Path,
           report: BuildReport, progress: bool, ray: RayBuild | None, step: Step | None = None) -> None:
    repaired = repair(index_dir)  # damaged generations are set aside, never reused as the embedding cache
    entries, skipped = corpus.scan(corpus_dir)
    report.skipped += [{"source": s.source, "reason": s.reason} for s in skipped]
    store = open_store(settings, index_dir)
    prev, why = (None, "Full rebuild requested.") if report.full else store.previous(settings.model)
    report.message = " ".join([*repaired, why]).strip()
    report.full = prev is None
    parts = _refresh(entries, _split_previous(prev), settings, report, progress, ray.parse if ray else None, step)
    # A generation from before span vectors is written again once, with them.
    stale = prev is not None and prev.spans is None and settings.span_vectors
    if prev is not None and not (report.added or report.changed or report.removed or stale):
        report.chunks, report.tables = len(prev.chunks), len(prev.tables)
        return
    model = embedder()
    chunks = [c for src in sorted(parts.chunks) for c in parts.chunks[src]]
    tables = [t for src in sorted(parts.tables) for t in parts.tables[src]]
    journal = EmbeddingJournal(index_dir, settings.model, model.dimension)
    embed, size = (ray.embed, ray.slice) if ray else (model.encode_documents, JOURNAL_SLICE)
    vectors = _vectors(chunks, prev, embed, journal, report, progress, size)
    # Keyed by the int8 graph too: a killed build's span vectors from another quantization are not reused.
    spans, span_journal = None, EmbeddingJournal(index_dir, f"{settings.model}|spans|{SPAN_GRAPH}", model.dimension)
    if settings.span_vectors:
        spans, report.spans_embedded = span_table(chunks, prev.spans if prev else None,
                                                  ray.embed_spans if ray else model.encode_spans, span_journal, size,
                                                  progress)
    data = IndexData(parts.docs, chunks, tables, vectors, spans=spans)
    data.manifest = _manifest(settings, model, parts, report, len(chunks), len(tables))
    store.write(data, settings, full=report.full)
    journal.clear()  # the new generation's files are the cache from now on
    span_journal.clear()
    report.chunks, report.tables, report.written = len(chunks), len(tables), True


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
