"""BM25 side: the tokenizer keeps report vocabulary, and search honours the source filter."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.index.sparse import SparseIndex, stem, tokenize


def test_us_variants_become_one_token_not_the_stopword_us() -> None:
    for text in ("U.S. spending", "US spending", "USA spending", "United States spending", "America spending"):
        assert tokenize(text) == ["usa", "spending"], text


def test_numbers_keep_thousands_together() -> None:
    assert "10910" in tokenize("a staggering 10,910 meters")


def test_rnd_stays_one_token_and_plurals_fold() -> None:
    assert tokenize("R&D patents graduates") == ["r&d", "patent", "graduate"]
    assert stem("supercomputers") == "supercomputer" and stem("bus") == "bus"


def test_search_ranks_matching_chunk_first() -> None:
    index = SparseIndex.build(["wells are deep", "patents filed in 2023", "moon soil samples"])
    ids, scores = index.search("How many patents were filed?", 3)
    assert ids[0] == 1 and scores[0] > 0


def test_search_with_allowed_ids_excludes_others() -> None:
    index = SparseIndex.build(["patents filed", "patents granted", "moon"])
    ids, _ = index.search("patents", 3, allowed=np.asarray([1], dtype=np.int64))
    assert ids == [1]


def test_unknown_words_give_no_hits() -> None:
    index = SparseIndex.build(["wells are deep"])
    assert index.search("zebra quasar", 5) == ([], [])


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    index = SparseIndex.build(["wells are deep", "patents filed"])
    index.save(tmp_path)
    loaded = SparseIndex.load(tmp_path)
    assert loaded.size == 2 and loaded.search("patents", 1)[0] == [1]
    assert not list(tmp_path.glob("*.pkl"))
