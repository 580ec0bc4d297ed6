"""Small thread-safe LRU caches: query vectors, span vectors, and what is derived once per loaded table."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")
R = TypeVar("R")


class Lru(Generic[K, V]):
    """At most `size` entries, the least recently used dropped first; size 0 keeps nothing.

    Values are computed by the caller outside the lock, so two threads missing the same key both compute it
    and the second `put` wins: cheaper than holding every caller while one model call runs.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def per_object(size: int = 512) -> Callable[[Callable[[T], R]], Callable[[T], R]]:
    """`fn(obj)` computed once per object, told apart by identity (a loaded table is never changed, and a
    table is neither hashable nor cheap to compare); the object is kept with the value, so a new object
    that reuses a dead one's id is never served the old value."""

    def wrap(fn: Callable[[T], R]) -> Callable[[T], R]:
        cache: Lru[int, tuple[T, R]] = Lru(size)

        @functools.wraps(fn)
        def cached(obj: T) -> R:
            hit = cache.get(id(obj))
            if hit is not None and hit[0] is obj:
                return hit[1]
            value = fn(obj)
            cache.put(id(obj), (obj, value))
            return value

        return cached

    return wrap
