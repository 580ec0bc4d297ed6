"""Reading and parsing the files a build needs, in worker processes when there are many.

Reading a file, finding its tables and chunking it is pure Python, one file at a time, so it runs in a pool of
processes (one per core) and the build's own process only collects the results. Workers are spawned, never
forked: a forked child of a process running threads (a server, ONNX Runtime) can inherit a held lock.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from qa.corpus import files as corpus
from qa.corpus.chunking import chunk_document
from qa.corpus.limits import Limits
from qa.corpus.readers import BINARY_FORMATS
from qa.records import Chunk, Document
from qa.tables.model import Table, find_tables

log = logging.getLogger(__name__)
PARALLEL_MIN = 16  # fewer files than this are parsed in the building process: starting workers costs a second
# Text files parse at about 150 KB/s a core (sentence splitting, pysbd, is most of it) and spawned workers take 2-4 s
# to start (imports): with one per core, text below 2 MB parses sooner here (300 generated reports: 1.0 s in
# process, 3.6-4.6 s with two workers). A PDF or Office file costs tens to hundreds of ms: 16 of them pay.
PARALLEL_MIN_BYTES = 2_000_000


@dataclass(frozen=True)
class Parsed:
    """One file read and parsed, or the reason it was skipped, or `same` when its text had not changed."""

    entry: corpus.FileEntry
    document: Document | None = None
    tables: list[Table] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    reason: str = ""
    same: bool = False


@dataclass(frozen=True)
class Job:
    """What a worker needs to parse one file: the entry, the hash of its last indexed text, the limits."""

    entry: corpus.FileEntry
    known_sha256: str | None
    max_bytes: int
    max_words: int
    limits: Limits = field(default_factory=Limits)


def parse(job: Job) -> Parsed:
    """Read and parse one file; never raises for a bad file (a parser bug tripped by one file skips that file)."""
    try:
        doc = corpus.load(job.entry, job.max_bytes, job.limits)
    except corpus.LoadError as exc:
        return Parsed(job.entry, reason=str(exc))
    if doc.sha256 == job.known_sha256:
        return Parsed(job.entry, doc, same=True)
    try:
        tables = find_tables(doc)
        return Parsed(job.entry, doc, tables, chunk_document(doc, tables, job.max_words))
    except Exception as exc:  # one hostile file must not stop the whole build
        log.exception("skipped %s: could not be parsed", doc.source)
        return Parsed(job.entry, reason=f"could not be parsed ({type(exc).__name__}: {exc})")


def workers_for(setting: int, entries: Sequence[corpus.FileEntry]) -> int:
    """Worker processes for parsing `entries`: none for a handful of files; the setting when it names a number;
    for 0 (auto), one per core when the work outweighs starting them (PARALLEL_MIN_BYTES), else none."""
    if len(entries) < PARALLEL_MIN:
        return 1
    if setting:
        return setting
    paged = sum(e.path.suffix.lower() in BINARY_FORMATS for e in entries)
    heavy = paged >= PARALLEL_MIN or sum(e.size for e in entries) >= PARALLEL_MIN_BYTES
    return max(1, os.cpu_count() or 1) if heavy else 1


def parse_all(jobs: Sequence[Job], workers: int) -> Iterator[Parsed]:
    """Every job's result, in the order given."""
    if workers <= 1 or len(jobs) < PARALLEL_MIN:
        yield from map(parse, jobs)
        return
    context = multiprocessing.get_context("spawn")
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
            for parsed in pool.map(parse, jobs, chunksize=max(1, min(64, len(jobs) // (4 * workers)))):
                done += 1
                yield parsed
    except BrokenProcessPool as exc:
        # A worker died (out of memory, or a script without `if __name__ == "__main__":`, which spawned workers
        # import again): the rest is parsed here, slower but whole.
        log.warning("parsing workers failed (%s); parsing the remaining %d files in this process", exc,
                    len(jobs) - done)
        yield from map(parse, jobs[done:])
