"""`qa serve --watch`: rebuild the index when corpus files change (debounced), then serve the new one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, watch

from qa.corpus.files import FORMATS, SIDECAR_SUFFIX
from qa.index.builder import BuildReport
from qa.serve.rebuild import RebuildFailed, RebuildInProgress, standalone
from qa.settings import Settings

log = logging.getLogger(__name__)
RETRY_S = 1.0  # wait before trying again when another rebuild holds the index


def is_corpus_change(change: Change, path: str) -> bool:
    """Changes that can alter the index: corpus files and CSV sidecars, not hidden or editor temp files."""
    name = Path(path).name
    if name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".tmp")):
        return False
    suffix = Path(name).suffix.lower()
    # A removed folder has no suffix and may have held corpus files.
    return name.endswith(SIDECAR_SUFFIX) or suffix in FORMATS or (change == Change.deleted and not suffix)


def build_only(settings: Settings) -> Callable[[], BuildReport]:
    """A rebuild for a parent process that serves nothing itself (several workers): it writes the new
    generation and the workers pick it up (`reload_interval`). The model is loaded on the first change."""
    return standalone(settings).rebuild


class CorpusWatcher:
    """Watches the corpus folder in a thread; after `quiet_ms` without further changes, calls `rebuild`."""

    def __init__(self, corpus_dir: Path, rebuild: Callable[[], BuildReport], quiet_ms: int = 1500,
                 on_report: Callable[[BuildReport], None] | None = None) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.rebuild = rebuild
        self.quiet_ms = quiet_ms
        self.on_report = on_report
        self.rebuilds = 0  # finished rebuilds, failed ones included
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qa-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()
        log.info("watching %s for changes", self.corpus_dir)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        # step: quiet time that ends a burst of changes; debounce: the longest a busy burst is held back.
        for changes in watch(self.corpus_dir, watch_filter=is_corpus_change, step=self.quiet_ms,
                             debounce=max(10 * self.quiet_ms, 10_000), stop_event=self._stop, rust_timeout=500,
                             raise_interrupt=False):
            names = sorted({Path(p).name for _, p in changes})
            log.info("corpus changed (%s); rebuilding", ", ".join(names[:5]) + (" ..." if len(names) > 5 else ""))
            self._rebuild_once()

    def _rebuild_once(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.rebuild()
            except RebuildInProgress:
                self._stop.wait(RETRY_S)  # an HTTP rebuild runs; ours follows it, so no change is missed
                continue
            except RebuildFailed as exc:
                log.error("%s", exc)
            else:
                log.info("index rebuilt: %s", report.summary())
                if self.on_report is not None:
                    self.on_report(report)
            self.rebuilds += 1
            return
