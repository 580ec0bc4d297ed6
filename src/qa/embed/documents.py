"""Document embedding for builds: the model's float32 ONNX graph run by ONNX Runtime in length-sorted batches.

sentence-transformers' encode() embeds about 64 chunks a second on two cores here; the same transformer as a
float32 ONNX graph, fed batches of texts of similar length (little padding) on every core, about three times
as many (docs/SCALING.md), and its vectors equal encode()'s to float precision (checked at load, as for queries).
Int8 weights are not used for documents: their activations are scaled per model call, so a chunk's vector would
depend on the other chunks in its batch, and a cached vector would differ from a re-embedded one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from qa.records import Vectors

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from qa.embed.query_encoder import OnnxQueryEncoder

log = logging.getLogger(__name__)
BATCH = 32  # texts per ONNX Runtime call: larger batches gained nothing measurable on two cores
PROBES = ["What was R&D spending in 2024?", "A longer probe passage about the results of the year. " * 8]


def document_encoder(path: str, model: Callable[[], SentenceTransformer], reference: Callable[[list[str]], Vectors],
                     threads: int | None = None) -> OnnxQueryEncoder | None:
    """The checked float32 ONNX encoder on every core, or None (then encode() embeds documents).

    `model` loads the sentence-transformers model only when the graph must be exported; `reference` is encode(),
    which the graph's vectors must equal (cosine 1 - 1e-5) before it is used.
    """
    from qa.embed.query_encoder import EXACT, FastPathUnavailable, OnnxQueryEncoder

    threads = threads or os.cpu_count() or 1
    found = OnnxQueryEncoder.cached(path, threads, int8=False, spin=False)
    if found:  # checked against encode() by the process that recorded it
        return found[0]
    try:
        encoder = OnnxQueryEncoder.export(model(), path, threads, int8=False)
    except FastPathUnavailable as exc:
        log.info("documents are embedded by encode(): %s", exc)
        return None
    expected = reference(PROBES)
    if float(np.min(np.sum(encoder.encode(PROBES) * expected, axis=1))) < EXACT:
        log.warning("the ONNX graph disagrees with encode(); documents are embedded by encode()")
        return None
    encoder.remember(expected.shape[1])
    return encoder


def encode_sorted(encode: Callable[[list[str]], Vectors], texts: list[str], dimension: int,
                  batch: int = BATCH) -> Vectors:
    """Embed texts in batches of similar length (shortest first), returned in the order given."""
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch):
        ids = order[start : start + batch]
        out[ids] = encode([texts[i] for i in ids])
    return out
