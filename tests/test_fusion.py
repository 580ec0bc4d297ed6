"""Rank fusion: RRF rewards agreement; the weighted hybrid normalises each side's scores (BM25 keeping its zero)."""

from __future__ import annotations

import pytest

from qa.search.fusion import rrf, weighted


def test_rrf_prefers_ids_both_rankings_agree_on() -> None:
    fused = rrf([[1, 2, 3], [3, 1, 4]], k=60)
    assert max(fused, key=fused.__getitem__) == 1
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)


def test_rrf_keeps_ids_seen_by_one_side_only() -> None:
    assert set(rrf([[1], [2]])) == {1, 2}


def test_weighted_scales_cosines_min_max_and_bm25_by_its_best_score() -> None:
    fused = weighted(([1, 2], [0.9, 0.5]), ([2, 3], [12.0, 2.0]), dense_weight=0.5)
    assert fused[1] == pytest.approx(0.5) and fused[2] == pytest.approx(0.5)
    assert fused[3] == pytest.approx(0.5 * 2.0 / 12.0)


def test_weighted_does_not_score_the_weakest_bm25_match_as_no_match() -> None:
    # Chunk 2 matches the question's words almost as well as chunk 1 and is the closest in meaning; chunk 3
    # matches no word. Min-max scaling put chunk 2's BM25 at 0, level with chunk 3, and let chunk 1 tie it.
    fused = weighted(([2, 3, 1], [0.70, 0.68, 0.60]), ([1, 2], [5.0, 4.0]), dense_weight=0.5)
    assert max(fused, key=fused.__getitem__) == 2
    assert fused[2] - fused[3] > 0.3


def test_weighted_with_full_dense_weight_ignores_bm25() -> None:
    fused = weighted(([1, 2], [0.9, 0.1]), ([2], [5.0]), dense_weight=1.0)
    assert fused[1] > fused[2]
