"""Document embedding for builds: the model's ONNX graph run by ONNX Runtime in length-sorted batches.

sentence-transformers' encode() embeds about 64 chunks a second on two cores here. The transformer as an ONNX
graph, fed batches of texts of similar length (little padding) on every core, embeds more: the float32 graph
about 1.6x as many with encode()'s own vectors, the int8 graph (int8 weights, activations quantized per token
row: quantize.py) about twice the float32 graph, with vectors as close to encode()'s as queries must be (cosine
0.95; 0.994 the least measured) and independent of the batch, so a cached vector equals a re-embedded one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING

import numpy as np

from qa.records import Vectors

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from qa.embed.query_encoder import OnnxQueryEncoder

log = logging.getLogger(__name__)
BATCH = 32  # texts per ONNX Runtime call: larger batches gained nothing measurable on two cores
# Int8 first: per-row activations (quantize.py) make its vectors independent of the batch, at twice float32's speed.
AUTO = ("onnx-int8", "onnx")
PROBES = ["What was R&D spending in 2024?", "A longer probe passage about the results of the year. " * 8]


def document_encoder(path: str, model: Callable[[], SentenceTransformer], reference: Callable[[list[str]], Vectors],
                     threads: int | None = None, backends: Sequence[str] = AUTO) -> OnnxQueryEncoder | None:
    """The first of `backends` ("onnx-int8", "onnx") that loads and agrees with encode(), on every core; or None
    (then encode() embeds documents).

    `model` loads the sentence-transformers model only when a graph must be exported; `reference` is encode(),
    which the graph's vectors must meet (int8: cosine 0.95, the queries' bound; float32: 1 - 1e-5).
    """
    threads = threads or os.cpu_count() or 1
    for backend in backends:
        if encoder := _checked(path, model, reference, threads, backend == "onnx-int8"):
            return encoder
    log.warning("no ONNX graph agrees with encode(); documents are embedded by encode()")
    return None


def _checked(path: str, model: Callable[[], SentenceTransformer], reference: Callable[[list[str]], Vectors],
             threads: int, int8: bool) -> OnnxQueryEncoder | None:
    from qa.embed.query_encoder import FastPathUnavailable, OnnxQueryEncoder

    found = OnnxQueryEncoder.cached(path, threads, int8=int8, spin=False)
    if found:  # checked against encode() by the process that recorded it
        return found[0]
    try:
        encoder = OnnxQueryEncoder.export(model(), path, threads, int8=int8)
    except FastPathUnavailable as exc:
        log.info("documents are not embedded by the %s graph: %s", "int8" if int8 else "float32", exc)
        return None
    expected = reference(PROBES)
    if float(np.min(np.sum(encoder.encode(PROBES) * expected, axis=1))) < encoder.agreement:
        return None
    encoder.remember(expected.shape[1])
    return encoder


def encode_sorted(encode: Callable[[list[str]], Vectors], texts: list[str], dimension: int,
                  batch: int = BATCH, pool: Executor | None = None) -> Vectors:
    """Embed texts in batches of similar length (shortest first), returned in the order given; the batches run
    on `pool`'s threads when one is given (ONNX Runtime releases the GIL)."""
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    slices = [order[start : start + batch] for start in range(0, len(order), batch)]

    def run(ids: list[int]) -> Vectors:
        return encode([texts[i] for i in ids])

    for ids, vectors in zip(slices, pool.map(run, slices) if pool else map(run, slices), strict=True):
        out[ids] = vectors
    return out
