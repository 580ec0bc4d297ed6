"""Hybrid retrieval: relevant chunks first, filters and top_k honoured, table rows ranked by what is asked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import make_settings
from qa.embed.embedder import Embedder
from qa.search.retrieval import UnknownSource
from qa.serve.service import Service

FINANCIAL = Path(__file__).resolve().parents[1] / "bench" / "data" / "financial"


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


@pytest.fixture(scope="module")
def insurer(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Service:
    """An insurer's report: the group's combined ratio in prose, and one per line of business in a table."""
    base = tmp_path_factory.mktemp("insurer")
    (base / "corpus").mkdir()
    shutil.copy(FINANCIAL / "harbor-insurance-solvency-2024.html", base / "corpus")
    service = Service(make_settings(base / "corpus", base / "index"), embedder)
    service.start(build=True)
    return service


def test_rows_the_question_does_not_name_rank_below_the_passage_it_asks_about(insurer: Service) -> None:
    hits = insurer.engine.retriever.search("What combined ratio did Harbor Mutual report for 2024?", 5)
    assert hits[0].chunk.kind == "passage" and "94.1%" in hits[0].chunk.text
    assert [h.chunk.kind for h in hits[1:5]].count("table_row") >= 3  # the segment rows are still cited


def test_a_row_the_question_names_comes_first(insurer: Service) -> None:
    hits = insurer.engine.retriever.search("What was the combined ratio of Marine in 2024?", 3)
    assert hits[0].chunk.kind == "table_row" and hits[0].chunk.search_text.rsplit("\n", 1)[-1].startswith("Marine")


def test_which_row_questions_keep_every_row_in_front(insurer: Service) -> None:
    hits = insurer.engine.retriever.search("Which line of business had the highest combined ratio in 2024?", 4)
    assert all(h.chunk.kind == "table_row" for h in hits[:4])
