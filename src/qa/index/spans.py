"""Span vectors stored with a generation: the embedding of every candidate answer span of every chunk
(qa.text.units), made by the build so that the first question about a document embeds no sentence.

They are made by the question path itself (`Embedder.encode_spans`: the query encoder, in batches, which give
each text the vector it gets alone: embed/quantize.py), so an answer from stored vectors is the answer the
question-time cache would give. Keyed by a 64-bit hash of the span's text (equal texts share a vector, as in that
cache) and sorted for binary search; kept as float16 (cosines move by about 1e-4), `span_keys.npy` and `spans.npy`
in the files store, memory-mapped when served. A generation written before they existed has none: its spans are
embedded at question time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from qa.index.journal import EmbeddingJournal
from qa.records import Chunk, Vectors
from qa.text.units import span_texts

KEYS_FILE = "span_keys.npy"
VECTORS_FILE = "spans.npy"


def span_key(text: str) -> int:
    """A span text's key: 64 bits of its hash (a collision among a billion spans is unlikely, about 3%)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True, eq=False)  # arrays: compared by identity
class SpanTable:
    """Span vectors by key, keys sorted ascending."""

    keys: npt.NDArray[np.uint64]
    vectors: npt.NDArray[np.float16]

    @classmethod
    def of(cls, found: Mapping[int, Vectors], dimension: int) -> SpanTable:
        keys = np.sort(np.fromiter(found, dtype=np.uint64, count=len(found)))
        vectors = np.zeros((len(keys), dimension), dtype=np.float16)
        for row, key in enumerate(keys.tolist()):
            vectors[row] = found[key]
        return cls(keys, vectors)

    def __len__(self) -> int:
        return len(self.keys)

    def rows(self, keys: list[int]) -> dict[int, Vectors]:
        """The float32 vectors of those of `keys` the table holds."""
        if not len(self.keys) or not keys:
            return {}
        wanted = np.asarray(keys, dtype=np.uint64)
        pos = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        hit = self.keys[pos] == wanted
        return {k: self.vectors[p].astype(np.float32) for k, p, h in zip(keys, pos.tolist(), hit.tolist(),
                                                                         strict=True) if h}

    def find(self, texts: list[str]) -> dict[str, Vectors]:
        """The vectors of those texts the table holds, by text."""
        keys = {t: span_key(t) for t in texts}
        found = self.rows(list(keys.values()))
        return {t: found[k] for t, k in keys.items() if k in found}

    def save(self, folder: Path) -> None:
        np.save(folder / KEYS_FILE, self.keys, allow_pickle=False)
        np.save(folder / VECTORS_FILE, self.vectors, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> SpanTable | None:
        """The generation's span vectors (the vectors memory-mapped), or None when it has none."""
        if not (folder / KEYS_FILE).is_file():
            return None
        keys = np.load(folder / KEYS_FILE, allow_pickle=False)
        vectors = np.load(folder / VECTORS_FILE, mmap_mode="r", allow_pickle=False)
        if keys.dtype != np.uint64 or vectors.dtype != np.float16 or vectors.ndim != 2 or len(vectors) != len(keys):
            raise ValueError(f"span vectors have shape {vectors.shape} for {len(keys)} keys")
        return cls(keys, vectors)


def span_table(chunks: list[Chunk], prev: SpanTable | None, embed: Callable[[list[str]], Vectors],
               journal: EmbeddingJournal, size: int, progress: bool = False) -> tuple[SpanTable, int]:
    """The span vectors of all chunks: the previous generation's and the journal's where they have them, the
    rest embedded (and journalled) a slice at a time; and how many were embedded."""
    texts = {span_key(t): t for c in chunks for t in span_texts(c)}
    known: dict[int, Vectors] = {int(k, 16): v for k, v in journal.load().items()}
    if prev is not None:
        known |= prev.rows([k for k in texts if k not in known])
    missing = sorted(((f"{k:016x}", t) for k, t in texts.items() if k not in known), key=lambda kv: len(kv[1]))
    fresh = journal.fill(missing, embed, size, progress, "spans")
    known |= {int(k, 16): v for k, v in fresh.items()}
    return SpanTable.of({k: known[k] for k in texts}, journal.dimension), len(missing)
