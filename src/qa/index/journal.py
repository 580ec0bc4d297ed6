"""The embedding journal: vectors a build has embedded, appended as they come, so a killed build's successor
reuses them instead of embedding them again.

Two append-only files per model in the index folder: `<name>.f32` (raw float32 rows) and `<name>.keys` (one text
key a line). A vector is written and flushed before its key, so a key never stands without its vector; on opening,
both are cut to the rows they share, which drops whatever a crash left half-written. A finished build removes
the journal: its generation's vectors.npy is the cache from then on.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qa.records import Vectors


class EmbeddingJournal:
    """The journal of one model's vectors in one index folder; used with the build lock held."""

    def __init__(self, index_dir: Path, model: str, dimension: int) -> None:
        name = hashlib.sha1(f"{model}|{dimension}".encode()).hexdigest()[:12]
        self.vectors_path = index_dir / f".journal-{name}.f32"
        self.keys_path = index_dir / f".journal-{name}.keys"
        self.dimension = dimension
        self.row_bytes = 4 * dimension

    def load(self) -> dict[str, Vectors]:
        """The vectors of the rows both files hold whole, by text key; the files are cut to those rows."""
        try:
            keys = self.keys_path.read_text(encoding="utf-8").split("\n")
            raw = self.vectors_path.read_bytes()
        except (FileNotFoundError, UnicodeDecodeError):
            self.clear()
            return {}
        keys = keys[:-1]  # the last line is unfinished (or empty after the final newline)
        rows = min(len(keys), len(raw) // self.row_bytes)
        with self.keys_path.open("r+b") as fh:
            fh.truncate(sum(len(k.encode()) + 1 for k in keys[:rows]))
        with self.vectors_path.open("r+b") as fh:
            fh.truncate(rows * self.row_bytes)
        vectors = np.frombuffer(raw[: rows * self.row_bytes], dtype=np.float32).reshape(rows, self.dimension)
        finite = np.isfinite(vectors).sum(axis=1) == self.dimension
        return {key: vectors[i] for i, key in enumerate(keys[:rows]) if finite[i]}

    def append(self, keys: list[str], vectors: Vectors) -> None:
        """Add rows: vectors first, flushed to disk, then their keys."""
        if not keys:
            return
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        with self.vectors_path.open("ab") as fh:
            fh.write(data.tobytes())
            fh.flush()
            os.fsync(fh.fileno())
        with self.keys_path.open("a", encoding="utf-8") as fh:
            fh.write("".join(f"{k}\n" for k in keys))

    def fill(self, missing: list[tuple[str, str]], embed: Callable[[list[str]], Vectors], size: int,
             progress: bool = False, desc: str = "embedding") -> dict[str, Vectors]:
        """Embed (key, text) pairs a slice of `size` at a time, appending each slice as soon as it is done."""
        found: dict[str, Vectors] = {}
        with tqdm(total=len(missing), desc=desc, unit="text", disable=not progress, delay=1.0) as bar:
            for start in range(0, len(missing), size):
                part = missing[start : start + size]
                fresh = embed([text for _, text in part])
                self.append([key for key, _ in part], fresh)
                found.update(zip([key for key, _ in part], fresh, strict=True))
                bar.update(len(part))
        return found

    def clear(self) -> None:
        for path in (self.keys_path, self.vectors_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
