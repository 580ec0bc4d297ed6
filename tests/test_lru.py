"""The small LRU caches behind query vectors, span vectors and per-table matchers."""

from __future__ import annotations

from dataclasses import dataclass

from qa.lru import Lru, per_object


def test_least_recently_used_entry_is_dropped_first() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3 and len(cache) == 2


def test_size_zero_keeps_nothing_and_clear_empties() -> None:
    off: Lru[str, int] = Lru(0)
    off.put("a", 1)
    assert off.get("a") is None
    cache: Lru[str, int] = Lru(4)
    cache.put("a", 1)
    cache.clear()
    assert cache.get("a") is None and len(cache) == 0


@dataclass(eq=False)
class Loaded:
    name: str


def test_per_object_computes_once_per_object_and_tells_equal_objects_apart() -> None:
    calls: list[str] = []

    @per_object(size=8)
    def derived(obj: Loaded) -> str:
        calls.append(obj.name)
        return obj.name.upper()

    first, twin = Loaded("t"), Loaded("t")
    assert derived(first) == derived(first) == "T"
    assert derived(twin) == "T"
    assert calls == ["t", "t"]  # once for each object, never twice for the same one
