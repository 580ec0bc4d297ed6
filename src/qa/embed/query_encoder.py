"""Fast query embedding: the model's own forward pass without sentence-transformers' per-call overhead.

sentence-transformers' encode() spends more time on bookkeeping than on the forward pass for one short
query. These encoders tokenize with the model's tokenizer, run the transformer (ONNX Runtime, or torch
under inference_mode) and mean-pool, which is exactly what a Transformer+mean Pooling(+Normalize) model
does, so their vectors equal encode()'s to float precision and existing indexes stay valid.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
import os
import threading
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from qa.embed.quantize import OPTIMIZATION
from qa.embed.quantize import VERSION as QUANTIZATION
from qa.records import Vectors

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
EXACT = 1 - 1e-5  # float32 reordering noise only
# Int8 weights move a query vector by a few hundredths of cosine (docs/BENCHMARKS.md measures what that costs).
INT8_AGREEMENT = 0.95
INT8_SUFFIX = "-int8"


class FastPathUnavailable(Exception):
    """The model's pipeline or the installed libraries do not allow a fast path."""


class QueryEncoder(Protocol):
    name: str
    agreement: float  # the least cosine its vectors must reach with encode()'s for it to be used

    def encode(self, texts: list[str]) -> Vectors: ...


class _Tokens:
    """The model's fast tokenizer, configured once (truncation, no padding) and then only read."""

    def __init__(self, spec: str, max_length: int) -> None:
        from tokenizers import Tokenizer

        # A private copy: changing truncation on a shared tokenizer races with other threads using it.
        self.spec, self.max_length = spec, max_length
        self._tok = Tokenizer.from_str(spec)
        self._tok.enable_truncation(max_length)
        self._tok.no_padding()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, model: SentenceTransformer) -> _Tokens:
        backend = getattr(model.tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise FastPathUnavailable("the model has no fast tokenizer")
        return cls(backend.to_str(), int(model.max_seq_length or 512))

    def __call__(self, texts: list[str]) -> dict[str, npt.NDArray[np.int64]]:
        with self._lock:
            encs = self._tok.encode_batch(texts) if len(texts) > 1 else [self._tok.encode(texts[0])]
        width = max(len(e.ids) for e in encs)
        out = {name: np.zeros((len(encs), width), dtype=np.int64) for name in INPUTS}
        for row, enc in enumerate(encs):
            n = len(enc.ids)
            out["input_ids"][row, :n] = enc.ids
            out["attention_mask"][row, :n] = 1
            out["token_type_ids"][row, :n] = enc.type_ids
        return out


def _mean_pool(hidden: npt.NDArray[np.float32], mask: npt.NDArray[np.int64]) -> Vectors:
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(pooled / norms, dtype=np.float32)


def _check_pipeline(model: SentenceTransformer) -> Any:
    """The transformer module of a Transformer + mean Pooling (+ Normalize) model, else unavailable."""
    names = [type(m).__name__ for m in model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise FastPathUnavailable(f"pipeline {names} is not Transformer+Pooling")
    pooling: Any = model[1]
    config = pooling.get_config_dict()
    mean = config.get("pooling_mode") == "mean" or config.get("pooling_mode_mean_tokens") is True
    if not mean or any(config.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens")):
        raise FastPathUnavailable(f"pooling {config} is not mean pooling")
    transformer = getattr(model[0], "auto_model", None) or getattr(model[0], "model", None)
    if transformer is None:
        raise FastPathUnavailable("cannot reach the transformer inside the model")
    return transformer


class TorchQueryEncoder:
    """A bare torch forward pass under inference_mode."""

    name = "torch"
    agreement = EXACT

    def __init__(self, model: SentenceTransformer) -> None:
        self._net = _check_pipeline(model).eval()
        self._tokens = _Tokens.of(model)
        self._inputs = set(INPUTS) & set(inspect.signature(self._net.forward).parameters)

    def encode(self, texts: list[str]) -> Vectors:
        import torch

        batch = self._tokens(texts)
        with torch.inference_mode():
            hidden = self._net(**{k: torch.from_numpy(v) for k, v in batch.items() if k in self._inputs})
        return _mean_pool(hidden.last_hidden_state.numpy(), batch["attention_mask"])


class _Wrapped:
    """The transformer as a module returning only the last hidden state, for torch.onnx.export."""

    def __new__(cls, net: Any) -> Any:
        import torch

        class Module(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net = net

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.net(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state

        return Module()


def cache_dir() -> Path:
    """Where exported ONNX graphs are kept: $QA_CACHE_DIR, else the user's cache folder."""
    base = os.environ.get("QA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "qa")
    return Path(base) / "onnx"


def _graph_key(path: str) -> str:
    """Changes when the model files, torch or onnxruntime change: a stale graph is never reused."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"{os.path.realpath(path)}|{version('torch')}|{version('onnxruntime')}|{QUANTIZATION}"
                            .encode())
    for file in sorted(Path(path).rglob("*")):
        if file.is_file():
            stat = file.stat()
            digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def _write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """`write(tmp)` then rename onto `target`: a concurrent reader sees no file or a whole one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _quantize(graph: Path, target: Path) -> None:
    """Int8 weights, one scale per output channel (per-tensor scales move vectors several times further), and
    activations quantized per token row, so that a batch gives each text the vector it gets alone (quantize.py)."""
    from qa.embed.quantize import quantize_per_row

    _write_atomically(target, lambda tmp: quantize_per_row(graph, tmp))


def _export(net: Any, tokens: _Tokens, target: Path) -> None:
    import torch

    sample = {k: torch.from_numpy(v) for k, v in tokens(["a sample question"]).items()}
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "hidden")}

    def write(tmp: Path) -> None:
        with warnings.catch_warnings(), torch.inference_mode(False):
            warnings.simplefilter("ignore")
            torch.onnx.export(_Wrapped(net), tuple(sample[k] for k in INPUTS), str(tmp), input_names=list(INPUTS),
                              output_names=["hidden"], dynamic_axes=axes, opset_version=17, dynamo=False)

    _write_atomically(target, write)


class OnnxQueryEncoder:
    """The transformer exported once to ONNX (kept in the cache folder) and run by ONNX Runtime.

    Next to the graph a small JSON file keeps the tokenizer and the vector size, written only after the
    graph's vectors were checked against encode(): a later process then embeds queries from these two
    files alone, without importing torch or sentence-transformers (seconds of start-up).
    """

    def __init__(self, graph: Path, tokens: _Tokens, threads: int, spin: bool = True) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise FastPathUnavailable("onnxruntime is not installed") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        int8 = graph.stem.endswith(INT8_SUFFIX)
        if int8:  # the extended optimizations mis-fuse per-row activation scales (quantize.py)
            options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, OPTIMIZATION)
        if not spin:  # threads that spin between calls only take CPU from the other work of a build
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.graph, self._tokens = graph, tokens
        self.name, self.agreement = ("onnx-int8", INT8_AGREEMENT) if int8 else ("onnx", EXACT)
        self._session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}

    @staticmethod
    def graph_path(path: str, int8: bool) -> Path:
        return cache_dir() / f"{_graph_key(path)}{INT8_SUFFIX if int8 else ''}.onnx"

    @classmethod
    def export(cls, model: SentenceTransformer, path: str, threads: int, int8: bool = False) -> OnnxQueryEncoder:
        """Export the model's transformer, and quantize it when asked (once; then reused from the cache folder)."""
        try:
            import onnxruntime  # noqa: F401
        except ImportError as exc:
            raise FastPathUnavailable("onnxruntime is not installed") from exc
        net = _check_pipeline(model)
        tokens = _Tokens.of(model)
        graph, final = cls.graph_path(path, False), cls.graph_path(path, int8)
        for attempt in range(2):
            try:
                if attempt or not graph.is_file():
                    _export(net, tokens, graph)
                if int8 and (attempt or not final.is_file()):
                    _quantize(graph, final)
                return cls(final, tokens, threads)
            except Exception as exc:  # export and loading raise many kinds (missing onnx, bad ops, disk full)
                failure = exc
                log.info("ONNX graph %s unusable (%s); exporting it again", graph, exc)
        raise FastPathUnavailable(f"ONNX export failed: {failure}") from failure

    @classmethod
    def cached(cls, path: str, threads: int, int8: bool = False, spin: bool = True
               ) -> tuple[OnnxQueryEncoder, int] | None:
        """The checked encoder for this model and its vector size, when an earlier run left them; else None."""
        try:
            graph = cls.graph_path(path, int8)
            meta = json.loads(graph.with_suffix(".json").read_text(encoding="utf-8"))
            tokens = _Tokens(meta["tokenizer"], int(meta["max_length"]))
            return cls(graph, tokens, threads, spin), int(meta["dimension"])
        except Exception:  # anything missing, stale or unreadable: take the slow path, which rewrites it
            return None

    def remember(self, dimension: int) -> None:
        """Record that this graph was checked, so later processes may use it without the torch model."""
        meta = {"tokenizer": self._tokens.spec, "max_length": self._tokens.max_length, "dimension": dimension}
        try:
            _write_atomically(self.graph.with_suffix(".json"),
                              lambda tmp: tmp.write_text(json.dumps(meta), encoding="utf-8"))
        except OSError as exc:  # a read-only cache only costs the next start its speed
            log.info("cannot record the checked ONNX graph: %s", exc)

    def encode(self, texts: list[str]) -> Vectors:
        batch = self._tokens(texts)
        hidden = self._session.run(None, {k: v for k, v in batch.items() if k in self._inputs})[0]
        return _mean_pool(np.asarray(hidden, dtype=np.float32), batch["attention_mask"])


# What "auto" tries, in order: int8 ONNX (half the cost of float32 at the same answer quality on both eval sets,
# docs/BENCHMARKS.md), float32 ONNX, a bare torch forward pass. Each must agree with encode() to be kept.
AUTO = ("onnx-int8", "onnx", "torch")


def make_query_encoder(model: SentenceTransformer, path: str, backend: str, threads: int) -> QueryEncoder:
    """The encoder for one backend: "onnx", "onnx-int8" or "torch"."""
    if backend in ("onnx", "onnx-int8"):
        return OnnxQueryEncoder.export(model, path, threads, int8=backend == "onnx-int8")
    if backend == "torch":
        return TorchQueryEncoder(model)
    raise FastPathUnavailable(f"unknown query backend {backend!r}")
