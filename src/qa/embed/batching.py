"""Micro-batching of concurrent query embeddings: the queries that wait while one model call runs share the next.

One model call for eight short queries costs about as much as three calls for one each (docs/BENCHMARKS.md),
so under load the model keeps up with far more requests. Nothing waits on purpose: a lone query is embedded at
once by the thread that asked for it, so batching adds no latency when there is no crowd.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from qa.records import Vectors


@dataclass(eq=False)  # compared by identity: two callers may ask the same question at once
class _Slot:
    text: str
    vector: Vectors | None = None
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.vector is not None or self.error is not None


class QueryBatcher:
    """Embeds one query per caller, running at most one model call at a time with every query then waiting.

    The thread that finds no call running leads: it embeds its own query with all those queued (up to
    `max_batch`), hands each caller its vector, and wakes the others; a waiting caller whose query is still
    queued then leads the next call. A failed call fails only the callers whose queries were in it.
    """

    def __init__(self, encode: Callable[[list[str]], Vectors], max_batch: int = 32) -> None:
        self._encode = encode
        self.max_batch = max(1, max_batch)
        self._cond = threading.Condition()
        self._queue: list[_Slot] = []
        self._busy = False
        self.calls = 0  # model calls made; with `queries`, the mean batch size (benchmarks report it)
        self.queries = 0

    @property
    def waiting(self) -> int:
        """Queries queued for the next model call."""
        with self._cond:
            return len(self._queue)

    def encode(self, text: str) -> Vectors:
        """The vector of one query, shape (1, dimension)."""
        slot = _Slot(text)
        with self._cond:
            self._queue.append(slot)
            while self._busy and not slot.done:
                self._cond.wait()
            batch = [] if slot.done else self._take(slot)
        if batch:
            self._run(batch)
        if slot.error is not None:
            raise slot.error
        assert slot.vector is not None
        return slot.vector

    def _take(self, own: _Slot) -> list[_Slot]:
        """The leader's batch: the oldest queued queries, its own always among them (called under the lock)."""
        batch = self._queue[: self.max_batch]
        if own not in batch:
            batch = [*batch[: self.max_batch - 1], own]
        self._queue = [s for s in self._queue if s not in batch]
        self._busy = True
        return batch

    def _run(self, batch: list[_Slot]) -> None:
        texts = list(dict.fromkeys(s.text for s in batch))  # the same question asked twice at once: embed it once
        try:
            vectors = self._encode(texts)
            rows = {text: vectors[i : i + 1].copy() for i, text in enumerate(texts)}  # the batch array goes
            for s in batch:
                s.vector = rows[s.text]
        except BaseException as exc:  # handed to every caller in the batch, each of which raises it
            for s in batch:
                s.error = exc
        finally:
            with self._cond:
                self._busy = False
                self.calls += 1
                self.queries += len(batch)
                self._cond.notify_all()
