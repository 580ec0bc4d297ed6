"""The served state: the current index and answerer, swapped atomically after a rebuild."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.answering import Answerer
from qa.embedding import Embedder
from qa.followup import Turn
from qa.indexer import BuildReport, build_index
from qa.records import Answer
from qa.retrieval import Retriever
from qa.settings import Settings
from qa.store import LoadedIndex, load_latest

log = logging.getLogger(__name__)


class RebuildInProgress(RuntimeError):
    """A rebuild was asked for while another one runs."""


@dataclass(frozen=True)
class Engine:
    """One consistent set of index, retriever and answerer; requests hold one for their whole life."""

    index: LoadedIndex
    retriever: Retriever
    answerer: Answerer


class Service:
    """Owns the embedder and the current engine; `engine` is replaced whole, never mutated."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._engine: Engine | None = None
        self._rebuild = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(self.settings.model, self.settings.query_cache_size,
                                      self.settings.torch_threads)
        return self._embedder

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._load()
        return self._engine

    def _load(self) -> Engine:
        index = load_latest(Path(self.settings.index_dir))
        retriever = Retriever(index, self.embedder, self.settings)
        return Engine(index, retriever, Answerer(retriever))

    def start(self, build: bool = True) -> BuildReport | None:
        """Bring the index up to date (when asked) and load it; called once at start-up."""
        report = self._build(full=False) if build else None
        self._engine = self._load()
        return report

    def _build(self, full: bool) -> BuildReport:
        report = build_index(self.settings, lambda: self.embedder, full=full)
        log.info("index: %s", report.summary())
        return report

    def rebuild(self, full: bool = False) -> BuildReport:
        """Rebuild incrementally and swap; requests in flight finish on the engine they hold."""
        if not self._rebuild.acquire(blocking=False):
            raise RebuildInProgress("a rebuild is already running; try again when it ends")
        try:
            report = self._build(full)
            if report.written or self._engine is None:
                self._engine = self._load()
            return report
        finally:
            self._rebuild.release()

    def answer(self, question: str, messages: Sequence[Turn] = (), top_k: int = 5,
               sources: Sequence[str] | None = None) -> Answer:
        return self.engine.answerer.answer(question, messages, top_k, sources)

    def suggestions(self, limit: int = 6) -> list[str]:
        """Starter questions taken from the corpus: question headings and table rows."""
        data = self.engine.index.data
        found = [c.heading for c in data.chunks if c.heading.endswith("?")]
        for table in data.tables:
            for row in table.rows:
                if not row.is_section and table.columns:
                    found.append(f"What is the {row.label} of {table.columns[0]}?")
        return list(dict.fromkeys(found))[:limit]
