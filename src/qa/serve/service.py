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
from qa.index.integrity import IndexUnavailable
from qa.index.store import LoadedIndex
from qa.index.stores import Store, open_store
from qa.lru import Lru
from qa.records import Answer, Document, Hit
from qa.search.retrieval import Retriever
from qa.serve.audit import audit
from qa.serve.auth import Caller
from qa.serve.metrics import record_answer
from qa.serve.rebuild import LastBuild, Progress, Rebuilder, RebuildFailed, RebuildInProgress, scoped_report
from qa.serve.suggestions import SUGGESTIONS, starters
from qa.settings import Settings

log = logging.getLogger(__name__)
RETRY_S = 0.5  # an update waiting on another process's build tries again this often


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
        """The whole corpus's starter questions, made once per index."""
        return starters(self.index, SUGGESTIONS)


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
        self._allowed: Lru[tuple[str, frozenset[str]], frozenset[str]] = Lru(256)
        self._starters: Lru[tuple[str, frozenset[str], int], list[str]] = Lru(256)
        self._followed = ""  # the CURRENT pointer last acted on: a damaged generation is tried once, not per request
        self.last: LastBuild | None = None  # the last rebuild this process ran, for /api/index/status
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

    def rebuild(self, full: bool = False, wait: float = 0.0, who: str = "server") -> BuildReport:
        """Rebuild incrementally and swap. Raises RebuildInProgress when one runs (after waiting `wait` seconds
        for it), RebuildFailed (old index still served) when the build or loading its result fails."""
        return self._run(full, wait, who).report

    def update(self, caller: Caller, wait: float = 0.0) -> dict[str, object]:
        """Rebuild after a change to the corpus; the summary as `caller` may see it (its folders' counts)."""
        deadline = time.monotonic() + wait
        while True:
            try:
                done = self._run(False, max(deadline - time.monotonic(), 0.0), caller.name)
                break
            except RebuildInProgress:
                # Another process (`qa index`, another worker) holds the index: its build may predate the change.
                if time.monotonic() >= deadline:
                    raise
                time.sleep(RETRY_S)
        summary = scoped_report(done.last, caller.scope_test)
        return {**summary, "index_generation": self.engine.generation}

    def _run(self, full: bool, wait: float, who: str) -> _Ran:
        old = self._engine.generation if self._engine else "none"
        ran: list[LastBuild] = []

        def swap(report: BuildReport) -> None:
            before = self._files()
            if report.written or self._engine is None:
                self._swap(old)
            ran.append(LastBuild(report.to_json(), before, self._files()))

        try:
            report = self.rebuilder.rebuild(full, serving=old, then=swap, wait=wait)
        except (RebuildInProgress, RebuildFailed) as exc:
            audit("rebuild", who, "index", "busy" if isinstance(exc, RebuildInProgress) else "failed", reason=str(exc))
            raise
        self.last = ran[0]
        audit("rebuild", who, "index", "ok", summary=report.summary(), generation=self.engine.generation)
        return _Ran(report, ran[0])

    def _files(self) -> dict[str, dict[str, object]]:
        files: dict[str, dict[str, object]] = self._engine.index.manifest["files"] if self._engine else {}
        return files

    def status(self, caller: Caller, progress: Progress | None = None) -> dict[str, object]:
        """The build progress (now, or the recorded `progress`), the last rebuild's summary and the files the
        index skipped, as `caller` may see them: a scoped caller's numbers count its own folders only."""
        progress = progress or self.rebuilder.progress
        skipped = [s for s in self.engine.index.manifest.get("skipped", []) if caller.covers(s["source"])]
        last = self.last and scoped_report(self.last, caller.scope_test)
        return {"state": progress.state, "done": progress.done, "total": progress.total, "last": last,
                "skipped": skipped}

    def _swap(self, old: str) -> None:
        try:
            fresh = self._make_engine()
        except (IndexUnavailable, OSError) as exc:
            raise RebuildFailed(f"the new index could not be loaded, still serving index {old}: {exc}") from exc
        self._engine = fresh
        log.info("now serving index %s (was %s)", fresh.generation, old)

    def answer(self, question: str, messages: Sequence[Turn] = (), top_k: int = 5,
               sources: Sequence[str] | None = None, allowed: frozenset[str] | None = None) -> Answer:
        """The one answer path of every interface (/api/answer, /v1/chat/completions, MCP, `qa ask`), over
        `allowed` sources (None: the whole corpus). With `allowed`, a `sources` entry outside it raises
        OutOfScope whether or not it exists, so the refusal tells nothing about other folders."""
        self.check_scope(sources, allowed)
        answer = self.engine.answerer.answer(question, messages, top_k, sources, allowed)
        record_answer(answer)
        return answer

    def search(self, query: str, top_k: int = 5, sources: Sequence[str] | None = None,
               allowed: frozenset[str] | None = None) -> list[Hit]:
        """The best passages for a query within `allowed`, best first, without choosing an answer (MCP's `search`)."""
        self.check_scope(sources, allowed)
        return self.engine.retriever.search(query, top_k, sources, allowed=allowed)

    @staticmethod
    def check_scope(sources: Sequence[str] | None, allowed: frozenset[str] | None) -> None:
        """OutOfScope for any named source outside `allowed`."""
        if allowed is not None and sources:
            outside = [s for s in dict.fromkeys(sources) if s not in allowed]
            if outside:
                raise OutOfScope(outside)

    def allowed_for(self, caller: Caller) -> frozenset[str] | None:
        """The sources of the served index that `caller` may see, computed once per scope and generation."""
        if caller.scopes is None:
            return None
        engine = self.engine
        key = (engine.generation, caller.scopes)
        found = self._allowed.get(key)
        if found is None:
            found = caller.allowed(engine.index.data.documents) or frozenset()
            self._allowed.put(key, found)
        return found

    def documents(self, allowed: frozenset[str] | None = None) -> list[dict[str, object]]:
        """Each served document in `allowed`: source, title, chunks, tables."""
        data = self.engine.index.data
        return [{"source": s, "title": data.documents[s].title, "chunks": f["chunks"], "tables": f["tables"]}
                for s, f in data.manifest["files"].items() if allowed is None or s in allowed]

    def document(self, source: str, allowed: frozenset[str] | None = None) -> Document | None:
        """One served document, or None when there is none of that name within `allowed`."""
        if allowed is not None and source not in allowed:
            return None
        return self.engine.index.data.documents.get(source)

    def counts(self, allowed: frozenset[str] | None = None) -> dict[str, int]:
        """Documents, chunks and tables served, within `allowed`."""
        manifest = self.engine.index.manifest
        if allowed is None:
            return {k: manifest["counts"][k] for k in ("documents", "chunks", "tables")}
        files = [f for s, f in manifest["files"].items() if s in allowed]
        return {"documents": len(files), "chunks": sum(f["chunks"] for f in files),
                "tables": sum(f["tables"] for f in files)}

    def suggestions(self, limit: int = 6, allowed: frozenset[str] | None = None) -> list[str]:
        """Starter questions taken from the corpus (within `allowed`): question headings and table rows. The
        whole corpus's are made once per index; a scope's walk stops at `limit`."""
        engine = self.engine
        if allowed is None:
            return engine.suggestions[:limit]
        key = (engine.generation, allowed, limit)
        found = self._starters.get(key)
        if found is None:
            found = starters(engine.index, limit, allowed)
            self._starters.put(key, found)
        return found

@dataclass(frozen=True)
class _Ran:
    report: BuildReport
    last: LastBuild


class OutOfScope(PermissionError):
    """`sources` names files outside the caller's folders (or nowhere): 403."""

    def __init__(self, outside: list[str]) -> None:
        super().__init__("outside this key's folders or not in the corpus: " + ", ".join(outside))
        self.outside = outside
