"""Rebuilding the index for a running service: one build at a time, and the one mapping of build errors."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from qa.corpus.files import LoadError
from qa.embed.embedder import Embedder, ModelError
from qa.index.builder import BuildReport, build_index
from qa.index.integrity import BuildLocked, IndexUnavailable
from qa.serve.metrics import record_rebuild
from qa.settings import Settings

log = logging.getLogger(__name__)
HISTORY = 256  # progress changes remembered for event streams


class RebuildInProgress(RuntimeError):
    """A rebuild was asked for while another one runs (in this process or another)."""


class RebuildFailed(RuntimeError):
    """A rebuild could not finish; the index served before it is still served."""


@dataclass(frozen=True)
class Progress:
    """Where the build of this process stands: `done` of `total` corpus files looked at; `version` grows with
    every change, so a watcher sends only what changed."""

    state: str = "idle"  # "idle" or "building"
    done: int = 0
    total: int = 0
    version: int = 0


class Rebuilder:
    """Builds the index of one settings object; `lock` is held for the whole of a rebuild, so that nothing
    else (another rebuild, following another process's generation) loads an index meanwhile."""

    def __init__(self, settings: Settings, embedder: Callable[[], Embedder]) -> None:
        self.settings = settings
        self.embedder = embedder
        self.lock = threading.Lock()
        self.progress = Progress()
        # Recent changes, so an event stream that looks every quarter second still sends each one, even of a
        # build that began and ended in between.
        self._changes: deque[Progress] = deque(maxlen=HISTORY)

    def build(self, full: bool = False) -> BuildReport:
        """Build, log the summary and the skipped files, and let any error through as it is."""
        with self._building():
            return self._build(full)

    def _build(self, full: bool) -> BuildReport:
        report = build_index(self.settings, self.embedder, full=full, step=self._step)
        log.info("index: %s", report.summary())
        for skip in report.skipped:
            log.warning("skipped %s: %s", skip["source"], skip["reason"])
        for note in report.warnings:
            log.warning("read %s in part: %s", note["source"], note["reason"])
        return report

    @contextmanager
    def _building(self) -> Iterator[None]:
        """`progress` says "building" from the start of a build until its index is served (or it failed)."""
        self._set(Progress("building"))
        try:
            yield
        finally:
            self._set(replace(self.progress, state="idle", done=self.progress.total))

    def _step(self, done: int, total: int) -> None:
        self._set(replace(self.progress, done=done, total=total))

    def _set(self, progress: Progress) -> None:
        # One attribute assignment of a frozen record: readers on other threads see the old or the new one.
        fresh = replace(progress, version=self.progress.version + 1)
        self._changes.append(fresh)
        self.progress = fresh

    def changes(self, after: int) -> list[Progress]:
        """The recorded changes newer than version `after`, oldest first (the latest always among them)."""
        found = [p for p in list(self._changes) if p.version > after]
        return found or ([self.progress] if self.progress.version > after else [])

    def rebuild(self, full: bool = False, serving: str | None = None,
                then: Callable[[BuildReport], None] | None = None, wait: float = 0.0) -> BuildReport:
        """Build under `lock`, every failure mapped to RebuildInProgress or RebuildFailed (naming the
        generation still served, when there is one); `then` (loading and swapping) runs under the lock too.
        `wait`: seconds to wait for a running rebuild to end first (an upload's own change must be built)."""
        acquired = self.lock.acquire(timeout=wait) if wait > 0 else self.lock.acquire(blocking=False)
        if not acquired:
            record_rebuild("busy", 0.0)
            raise RebuildInProgress("a rebuild is already running; try again when it ends")
        started, outcome = time.perf_counter(), "failed"
        try:
            with self._building():
                try:
                    report = self._build(full)
                except Exception as exc:
                    error = rebuild_error(exc, serving)
                    outcome = "busy" if isinstance(error, RebuildInProgress) else "failed"
                    raise error from exc
                if then is not None:
                    then(report)
                outcome = "written" if report.written else "unchanged"
                return report
        finally:
            self.lock.release()
            record_rebuild(outcome, time.perf_counter() - started)


@dataclass(frozen=True)
class LastBuild:
    """A finished rebuild: its summary, and the index's files before and after it (to count a scope's share)."""

    report: dict[str, object]
    before: dict[str, dict[str, object]]
    after: dict[str, dict[str, object]]


def scoped_report(last: LastBuild, covers: Callable[[str], bool] | None) -> dict[str, object]:
    """A rebuild summary as a scoped caller may see it: every count and name from its own folders only
    (`covers` None: the whole summary as it is)."""
    if covers is None:
        return last.report
    old = {s: f for s, f in last.before.items() if covers(s)}
    new = {s: f for s, f in last.after.items() if covers(s)}
    changed = [s for s in new.keys() & old.keys() if new[s]["sha256"] != old[s]["sha256"]]
    skipped = last.report.get("skipped", [])
    return {**last.report, "added": len(new.keys() - old.keys()), "removed": len(old.keys() - new.keys()),
            "changed": len(changed), "unchanged": len(new.keys() & old.keys()) - len(changed),
            "chunks": sum(int(str(f["chunks"])) for f in new.values()),
            "tables": sum(int(str(f["tables"])) for f in new.values()),
            # the embedding cache is shared by every folder: a scope's share of it is not told
            "embedded": sum(int(str(new[s]["chunks"])) for s in [*changed, *(new.keys() - old.keys())]),
            "skipped": [s for s in skipped if isinstance(s, dict) and covers(str(s.get("source", "")))]
            if isinstance(skipped, list) else []}


def rebuild_error(exc: Exception, serving: str | None) -> RebuildInProgress | RebuildFailed:
    """What a failed build means to whoever asked for it: busy (409) or failed, with the reason."""
    if isinstance(exc, BuildLocked):
        return RebuildInProgress(str(exc))
    prefix = f"rebuild failed, still serving index {serving}" if serving else "rebuild failed"
    if isinstance(exc, IndexUnavailable | LoadError | ModelError | OSError | ValueError):
        return RebuildFailed(f"{prefix}: {exc}")
    # A crash in a library mid-build: the server must stay up and say why.
    log.error("rebuild crashed", exc_info=exc)
    return RebuildFailed(f"{prefix}: {type(exc).__name__}: {exc}")


def standalone(settings: Settings) -> Rebuilder:
    """A rebuilder for a process that serves nothing itself (the parent of several workers): the model is
    loaded on the first build."""
    holder: list[Embedder] = []

    def embedder() -> Embedder:
        if not holder:
            holder.append(Embedder.from_settings(settings))
        return holder[0]

    return Rebuilder(settings, embedder)

