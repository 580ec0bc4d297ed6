"""Hybrid retrieval over the bundled corpus: relevant chunks first, filters and top_k honoured."""

from __future__ import annotations

import pytest

from qa.retrieval import UnknownSource
from qa.service import Service


def test_borehole_question_finds_the_borehole_passage_first(bundled: Service) -> None:
    hits = bundled.engine.retriever.search("How deep is the borehole in the Taklimakan Desert?", 3)
    assert "10,910 meters" in hits[0].chunk.text
    assert hits[0].dense is not None and hits[0].dense > 0.4 and (hits[0].sparse or 0) > 0


def test_table_row_is_found_by_paraphrase(bundled: Service) -> None:
    hits = bundled.engine.retriever.search("number of supercomputers in the TOP500 list", 3)
    assert any(h.chunk.kind == "table_row" and "Supercomputers" in h.chunk.search_text for h in hits)


def test_sources_filter_keeps_only_named_files(bundled: Service) -> None:
    hits = bundled.engine.retriever.search("patents", 5, sources=["china-us-metrics.csv"])
    assert hits and {h.chunk.source for h in hits} == {"china-us-metrics.csv"}


def test_unknown_source_is_named_in_the_error(bundled: Service) -> None:
    with pytest.raises(UnknownSource, match=r"missing\.md"):
        bundled.engine.retriever.search("patents", 5, sources=["missing.md"])


def test_top_k_bounds_the_number_of_hits(bundled: Service) -> None:
    assert len(bundled.engine.retriever.search("China technology", 2)) == 2


def test_hits_are_sorted_best_first(bundled: Service) -> None:
    scores = [h.score for h in bundled.engine.retriever.search("Huawei semiconductors export bans", 5)]
    assert scores == sorted(scores, reverse=True)
