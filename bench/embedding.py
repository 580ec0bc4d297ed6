"""Query-embedding options, one short query at a time: which way of running the model is fastest here.

    python -m bench.embedding          # full run (about a minute)
    python -m bench.embedding --smoke

Compares sentence-transformers' encode(), a bare torch forward pass, ONNX Runtime (float32, and int8 weights
with per-channel scales: the default), torch/ORT threads 1 vs 2, micro-batches of concurrent queries (float32),
and the LRU cache; each against encode()'s vectors (cosine).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.common import Stats, parser, save
from qa.embed.embedder import Embedder
from qa.records import Vectors

QUESTION = "What was {} spending on research and development in {}?"
TOPICS = ["China's", "the United States'", "Germany's", "Japan's", "Korea's", "India's", "France's", "Brazil's"]


@dataclass
class Option:
    """One way of embedding a query: its per-query latency and how close its vectors are to encode()'s."""

    name: str
    per_query: Stats
    min_cosine: float


def queries(count: int) -> list[str]:
    return [QUESTION.format(TOPICS[i % len(TOPICS)], 1900 + i) for i in range(count)]


def timed(fn: Callable[[list[str]], Vectors], qs: list[str], batch: int = 1) -> Stats:
    for q in qs[:3]:
        fn([q])
    millis = []
    for i in range(0, len(qs) - batch + 1, batch):
        t0 = time.perf_counter()
        fn(qs[i : i + batch])
        millis.append((time.perf_counter() - t0) * 1000 / batch)
    return Stats.of(millis)


def cosine(a: Vectors, b: Vectors) -> float:
    return round(float(np.min(np.sum(a * b, axis=1))), 7)


def options(count: int, thread_counts: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    import torch

    qs = queries(count)
    ref = Embedder(backend="sentence-transformers", cache_size=0)
    truth = ref.encode(qs)
    found: list[Option] = []
    for threads in thread_counts:
        torch.set_num_threads(threads)
        found.append(Option(f"sentence-transformers encode() t{threads}",
                            timed(lambda b: ref.encode(b, batch_size=len(b)), qs), 1.0))
        for backend in ("torch", "onnx", "onnx-int8"):
            emb = Embedder(backend=backend, cache_size=0, threads=threads)
            found.append(Option(f"{backend} t{threads}", timed(emb.encode_queries, qs),
                                cosine(np.vstack([emb.encode_queries([q]) for q in qs]), truth)))
    torch.set_num_threads(1)
    # Micro-batches of the default int8 graph, whose vectors do not depend on the batch (per-row activations).
    int8 = Embedder(backend="onnx-int8", cache_size=0, threads=1)
    batches = {size: timed(int8.encode_queries, qs, size) for size in (1, 4, 8, 16) if size <= len(qs)}
    fast = Embedder(cache_size=len(qs) + 1, threads=1)
    for q in qs:
        fast.encode_query(q)
    cached = timed(lambda b: fast.encode_query(b[0]), qs)
    return {"options": found, "micro_batch_per_query": batches, "cache_hit": cached, "default": fast.backend}


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    results = options(12, (1,)) if args.smoke else options(300)
    for opt in results["options"]:
        print(f"{opt.name:<40} p50 {opt.per_query.p50:7.2f} ms  p95 {opt.per_query.p95:7.2f} ms  cos {opt.min_cosine}")
    for size, stats in results["micro_batch_per_query"].items():
        print(f"micro-batch of {size:>2}: {stats.p50:.2f} ms per query")
    print(f"cache hit: {results['cache_hit'].p50:.4f} ms")
    save("embedding", results, args.out)


if __name__ == "__main__":
    main()
