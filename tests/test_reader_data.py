"""The built near misses the answer models learn abstention from (bench/reader_data.py): swaps and denials."""

from __future__ import annotations

import random

from bench.reader_data import Pool, perturb

TEXTS = ["Revenue from Tencent grew, and Cash held at Weixin rose.",
         "Cash and net equivalents fell. Net cash flow rose."]


def _pool() -> Pool:
    return Pool([{"paragraphs": [{"text": text}]} for text in TEXTS])


def test_a_name_is_swapped_only_for_a_name_of_the_corpus() -> None:
    """"Cash" is capitalised mid-sentence once but written in lower case too, as "net" is: no names to swap."""
    pool = _pool()
    assert pool.names == ["Tencent", "Weixin"]
    swaps = {perturb("How much did Tencent earn?", "Tencent earned $5.", pool, random.Random(seed))
             for seed in range(20)}
    assert ("How much did Weixin earn?", "name") in swaps
    assert all(kind != "name" for _, kind in filter(None, (perturb("What was the Net cash flow?", "Net cash flow",
                                                                   pool, random.Random(s)) for s in range(20))))


def test_a_question_is_denied_only_where_the_context_states_no_negation() -> None:
    pool = _pool()
    denied = {perturb("What did the company sell?", "It sold wafers.", pool, random.Random(s)) for s in range(20)}
    assert ("What did not the company sell?", "negation") in denied
    assert all(kind != "negation" for _, kind in filter(None, (
        perturb("What did the company sell?", "It did not sell wafers.", pool, random.Random(s)) for s in range(20))))
