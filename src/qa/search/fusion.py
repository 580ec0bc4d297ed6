"""Fusing the dense and BM25 rankings: reciprocal rank fusion, or a normalised weighted sum."""

from __future__ import annotations

from collections.abc import Sequence


def rrf(rankings: Sequence[Sequence[int]], k: int = 60) -> dict[int, float]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the rankings that hold an id."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)
    return fused


def _min_max(scores: Sequence[float]) -> list[float]:
    if not scores:
        return []
    low, high = min(scores), max(scores)
    if high - low < 1e-9:
        return [1.0 for _ in scores]
    return [(s - low) / (high - low) for s in scores]


def _by_max(scores: Sequence[float]) -> list[float]:
    top = max(scores, default=0.0)
    return [s / top if top > 0 else 0.0 for s in scores]


def weighted(dense: tuple[Sequence[int], Sequence[float]], sparse: tuple[Sequence[int], Sequence[float]],
             dense_weight: float = 0.5) -> dict[int, float]:
    """Convex combination of normalised scores; missing scores count as 0. Cosines are min-max scaled (they
    crowd a narrow band); BM25 is scaled by its best score, so that 0 keeps meaning "matches no query word"
    (as in txtai's hybrid): min-max would put the weakest matching candidate at 0 and stretch small BM25
    gaps, letting a short chunk that repeats the question's names outrank the one holding the answer."""
    fused: dict[int, float] = {}
    for ids, scaled, weight in ((dense[0], _min_max(dense[1]), dense_weight),
                                (sparse[0], _by_max(sparse[1]), 1.0 - dense_weight)):
        for doc, score in zip(ids, scaled, strict=True):
            fused[doc] = fused.get(doc, 0.0) + weight * score
    return fused
