"""Rank fusion: RRF rewards agreement; the weighted hybrid normalises each side's scores."""

from __future__ import annotations

import pytest

from qa.fusion import rrf, weighted


def test_rrf_prefers_ids_both_rankings_agree_on() -> None:
    fused = rrf([[1, 2, 3], [3, 1, 4]], k=60)
    assert max(fused, key=fused.__getitem__) == 1
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)


def test_rrf_keeps_ids_seen_by_one_side_only() -> None:
    assert set(rrf([[1], [2]])) == {1, 2}


def test_weighted_uses_min_max_normalised_scores() -> None:
    fused = weighted(([1, 2], [0.9, 0.5]), ([2, 3], [12.0, 2.0]), dense_weight=0.5)
    assert fused[1] == pytest.approx(0.5) and fused[2] == pytest.approx(0.5) and fused[3] == pytest.approx(0.0)


def test_weighted_with_full_dense_weight_ignores_bm25() -> None:
    fused = weighted(([1, 2], [0.9, 0.1]), ([2], [5.0]), dense_weight=1.0)
    assert fused[1] > fused[2]
