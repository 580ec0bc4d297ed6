"""The served state: the current index and answerer, swapped whole after a rebuild, never mutated."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from qa.answer.answerer import Answerer
from qa.answer.followup import Turn
from qa.embed.embedder import Embedder
from qa.index.builder import BuildReport
from qa.index.store import IndexUnavailable, LoadedIndex
from qa.index.stores import Store, open_store
from qa.records import Answer
from qa.search.retrieval import Retriever
from qa.serve.rebuild import Rebuilder, RebuildFailed
from qa.settings import Settings

log = logging.getLogger(__name__)
SUGGESTIONS = 20  # starter questions kept per index; a request takes the first few


@dataclass(frozen=True)
class Engine:
    """One consistent set of index, retriever and answerer; a request holds one for its whole life."""

    index: LoadedIndex
    retriever: Retriever
    answerer: Answerer

    @property
    def generation(self) -> str:
        return self.index.path.name

    @functools.cached_property
    def suggestions(self) -> list[str]:
        """Starter questions: question headings, then table rows, at most SUGGESTIONS of them; the walk stops
        there, so a corpus of a million chunks costs what a small one does."""
        data = self.index.data
        found: dict[str, None] = {}
        for chunk in data.chunks:
            if chunk.heading.endswith("?"):
                found.setdefault(chunk.heading)
            if len(found) >= SUGGESTIONS:
                return list(found)
        for table in data.tables:
            for row in table.rows:
                if not row.is_section and table.columns:
                    found.setdefault(f"What is the {row.label} of {table.columns[0]}?")
                if len(found) >= SUGGESTIONS:
                    return list(found)
        return list(found)


class Service:
    """Owns the embedder and the current engine. Swapping is one attribute assignment, so a request that
    already holds an engine finishes on it while the next request gets the new one."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._engine: Engine | None = None
        self.rebuilder = Rebuilder(settings, lambda: self.embedder)
        self._load = threading.RLock()
        self._checked = 0.0
        self._followed = ""  # the CURRENT pointer last acted on: a damaged generation is tried once, not per request
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        """Where the index lives (the index folder, or Milvus), opened on first use."""
        with self._load:
            if self._store is None:
                self._store = open_store(self.settings)
        return self._store

    @property
    def embedder(self) -> Embedder:
        with self._load:
            if self._embedder is None:
                self._embedder = Embedder.from_settings(self.settings)
        return self._embedder

    @property
    def engine(self) -> Engine:
        engine = self._engine
        if engine is None:
            with self._load:
                if self._engine is None:
                    self._engine = self._make_engine()
                engine = self._engine
        return self._follow(engine)

    @property
    def started(self) -> bool:
        return self._engine is not None

    def _make_engine(self) -> Engine:
        index = self.store.load()
        embedder = self._embedder or Embedder.from_settings(self.settings)
        self._embedder = embedder
        retriever = Retriever(index, embedder, self.settings)
        return Engine(index, retriever, Answerer(retriever))

    def _follow(self, engine: Engine) -> Engine:
        """Pick up a generation another process wrote (another worker's rebuild, `qa index`), checked at most
        every `reload_interval` seconds; one thread loads it while the others go on with the old engine."""
        interval = self.settings.reload_interval
        now = time.monotonic()
        if interval <= 0 or now - self._checked < interval:
            return engine
        self._checked = now
        named = self.store.current()
        if not named or named in (engine.generation, self._followed) or not self.rebuilder.lock.acquire(blocking=False):
            return engine
        self._followed = named
        try:
            fresh = self._make_engine()
        except (IndexUnavailable, OSError) as exc:
            log.warning("index %s could not be loaded; still serving %s: %s", named, engine.generation, exc)
            return engine
        finally:
            self.rebuilder.lock.release()
        if fresh.generation == engine.generation:
            log.warning("index %s could not be loaded; still serving %s", named, engine.generation)
            return engine
        self._engine = fresh
        log.info("now serving index %s (written by another process)", fresh.generation)
        return fresh

    def start(self, build: bool = True) -> BuildReport | None:
        """Bring the index up to date (when asked) and load it; called once at start-up.

        A build that fails (corpus unreadable, `qa index` holding the lock, a bug tripped by one file) is logged
        and the last good index is served: while one exists, start-up must not fail, or a supervisor would loop.
        """
        report, failure = None, None
        if build:
            try:
                report = self.rebuilder.build(full=False)
            except Exception as exc:
                failure = exc
                log.error("index build failed (%s); serving the last good index", exc)
        with self._load:
            try:
                self._engine = self._make_engine()
            except IndexUnavailable:
                if failure is not None:
                    raise failure from None  # no index at all: the build's reason is the one to show
                raise
        return report


    def rebuild(self, full: bool = False) -> BuildReport:
        """Rebuild incrementally and swap. Raises RebuildInProgress when one runs, RebuildFailed (old index
        still served) when the build or loading its result fails."""
        old = self._engine.generation if self._engine else "none"

        def swap(report: BuildReport) -> None:
            if report.written or self._engine is None:
                self._swap(old)

        return self.rebuilder.rebuild(full, serving=old, then=swap)

    def _swap(self, old: str) -> None:
        try:
            fresh = self._make_engine()
        except (IndexUnavailable, OSError) as exc:
            raise RebuildFailed(f"the new index could not be loaded, still serving index {old}: {exc}") from exc
        self._engine = fresh
        log.info("now serving index %s (was %s)", fresh.generation, old)

    def answer(self, question: str, messages: Sequence[Turn] = (), top_k: int = 5,
               sources: Sequence[str] | None = None) -> Answer:
        return self.engine.answerer.answer(question, messages, top_k, sources)

    def suggestions(self, limit: int = 6) -> list[str]:
        """Starter questions taken from the corpus (made once per index, not per request)."""
        return self.engine.suggestions[:limit]
