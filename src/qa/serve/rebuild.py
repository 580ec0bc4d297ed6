"""Rebuilding the index for a running service: one build at a time, and the one mapping of build errors."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from qa.corpus.files import LoadError
from qa.embed.embedder import Embedder, ModelError
from qa.index.builder import BuildReport, build_index
from qa.index.store import BuildLocked, IndexUnavailable
from qa.settings import Settings

log = logging.getLogger(__name__)


class RebuildInProgress(RuntimeError):
    """A rebuild was asked for while another one runs (in this process or another)."""


class RebuildFailed(RuntimeError):
    """A rebuild could not finish; the index served before it is still served."""


class Rebuilder:
    """Builds the index of one settings object; `lock` is held for the whole of a rebuild, so that nothing
    else (another rebuild, following another process's generation) loads an index meanwhile."""

    def __init__(self, settings: Settings, embedder: Callable[[], Embedder]) -> None:
        self.settings = settings
        self.embedder = embedder
        self.lock = threading.Lock()

    def build(self, full: bool = False) -> BuildReport:
        """Build, log the summary and the skipped files, and let any error through as it is."""
        report = build_index(self.settings, self.embedder, full=full)
        log.info("index: %s", report.summary())
        for skip in report.skipped:
            log.warning("skipped %s: %s", skip["source"], skip["reason"])
        for note in report.warnings:
            log.warning("read %s in part: %s", note["source"], note["reason"])
        return report

    def rebuild(self, full: bool = False, serving: str | None = None,
                then: Callable[[BuildReport], None] | None = None) -> BuildReport:
        """Build under `lock`, every failure mapped to RebuildInProgress or RebuildFailed (naming the
        generation still served, when there is one); `then` (loading and swapping) runs under the lock too."""
        if not self.lock.acquire(blocking=False):
            raise RebuildInProgress("a rebuild is already running; try again when it ends")
        try:
            try:
                report = self.build(full)
            except Exception as exc:
                raise rebuild_error(exc, serving) from exc
            if then is not None:
                then(report)
            return report
        finally:
            self.lock.release()


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

