"""Micro-batching of query embeddings: concurrent queries share model calls and get their own vectors."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest

from qa.embed.batching import QueryBatcher
from qa.embed.embedder import Embedder
from qa.records import Vectors

QUESTIONS = [f"How much did China spend on research in {2000 + i}?" for i in range(12)]


class Gate:
    """Wraps an encode function; the first call waits until released, so the next callers must queue."""

    def __init__(self, encode: Callable[[list[str]], Vectors]) -> None:
        self.encode = encode
        self.release = threading.Event()
        self.started = threading.Event()
        self.batches: list[list[str]] = []
        self.threads: list[str] = []

    def __call__(self, texts: list[str]) -> Vectors:
        self.batches.append(list(texts))
        self.threads.append(threading.current_thread().name)
        if len(self.batches) == 1:
            self.started.set()
            self.release.wait(10)
        return self.encode(texts)


def _ask_all(batcher: QueryBatcher, gate: Gate, questions: list[str]) -> dict[str, Vectors | BaseException]:
    """The first question starts a call that waits; the rest queue behind it; then the call is released."""
    out: dict[str, Vectors | BaseException] = {}

    def ask(q: str) -> None:
        try:
            out[q] = batcher.encode(q)
        except Exception as exc:
            out[q] = exc

    first = threading.Thread(target=ask, args=(questions[0],))
    first.start()
    assert gate.started.wait(10)
    rest = [threading.Thread(target=ask, args=(q,)) for q in questions[1:]]
    for t in rest:
        t.start()
    while batcher.waiting < len(questions) - 1 and any(t.is_alive() for t in rest):
        threading.Event().wait(0.005)
    gate.release.set()
    for t in [first, *rest]:
        t.join(10)
    return out


def test_queries_waiting_on_a_model_call_share_the_next_one(embedder: Embedder) -> None:
    gate = Gate(embedder.encode_queries)
    batcher = QueryBatcher(gate, max_batch=32)
    got = _ask_all(batcher, gate, QUESTIONS)
    assert [len(b) for b in gate.batches] == [1, len(QUESTIONS) - 1]
    assert batcher.calls == 2 and batcher.queries == len(QUESTIONS)
    for q in QUESTIONS:  # each caller gets its own question's vector, as if embedded alone
        vector = got[q]
        assert isinstance(vector, np.ndarray) and vector.shape == (1, embedder.dimension)
        assert float(vector[0] @ embedder.encode_queries([q])[0]) > 1 - 1e-5


def test_batches_hold_at_most_max_batch_queries(embedder: Embedder) -> None:
    gate = Gate(embedder.encode_queries)
    batcher = QueryBatcher(gate, max_batch=4)
    got = _ask_all(batcher, gate, QUESTIONS)
    assert max(len(b) for b in gate.batches) == 4 and sum(len(b) for b in gate.batches) == len(QUESTIONS)
    assert all(isinstance(got[q], np.ndarray) for q in QUESTIONS)


def test_lone_query_is_embedded_by_its_own_thread_without_waiting(embedder: Embedder) -> None:
    gate = Gate(embedder.encode_queries)
    gate.release.set()
    batcher = QueryBatcher(gate)
    batcher.encode("Who is Gao Yi?")
    assert gate.threads == [threading.current_thread().name] and gate.batches == [["Who is Gao Yi?"]]


def test_same_question_asked_at_once_is_embedded_once(embedder: Embedder) -> None:
    gate = Gate(embedder.encode_queries)
    batcher = QueryBatcher(gate)
    same = ["first question", *["How deep is the borehole?"] * 5]
    got = _ask_all(batcher, gate, same)
    assert gate.batches[1] == ["How deep is the borehole?"]
    vector = got["How deep is the borehole?"]
    assert isinstance(vector, np.ndarray) and vector.shape == (1, embedder.dimension)


def test_failed_model_call_fails_its_callers_and_the_next_call_works(embedder: Embedder) -> None:
    def encode(texts: list[str]) -> Vectors:
        if "broken" in texts:
            raise RuntimeError("model call failed")
        return embedder.encode_queries(texts)

    gate = Gate(encode)
    batcher = QueryBatcher(gate)
    got = _ask_all(batcher, gate, ["first", "broken", "second"])
    assert isinstance(got["first"], np.ndarray)
    assert all(isinstance(got[q], RuntimeError) for q in ("broken", "second"))  # the same call held both
    assert isinstance(batcher.encode("third"), np.ndarray)


def test_float32_embedder_sends_cache_misses_through_its_batcher() -> None:
    exact = Embedder(backend="onnx")
    exact.encode_query("A question never asked before, about batching?")
    exact.encode_query("A question never asked before, about batching?")  # cached: no model call
    assert exact.batcher.queries == 1


def test_int8_vectors_do_not_depend_on_the_texts_embedded_with_them(embedder: Embedder) -> None:
    """Int8 activations are quantized per token row: a crowded batch gives a text the vector it gets alone."""
    assert embedder.backend == "onnx-int8"
    alone = embedder.encode_queries([QUESTIONS[0]])
    crowded = embedder.encode_queries(["patents " * 300, QUESTIONS[0], "é ü — 10,910 m"])
    assert float(alone[0] @ crowded[1]) > 1 - 1e-6
    before = embedder.batcher.queries
    embedder.encode_query("Another question never asked before?")
    assert embedder.batcher.queries == before + 1  # cache misses go through the batcher, as for float32


@pytest.mark.parametrize("max_batch", [0, -3])
def test_batch_size_below_one_means_no_batching(max_batch: int) -> None:
    assert QueryBatcher(lambda texts: np.zeros((len(texts), 2), dtype=np.float32), max_batch).max_batch == 1
