"""Builds on Ray (`qa index --ray ADDRESS`, `QA_RAY_ADDRESS`): reading, parsing and embedding as Ray tasks.

The building process stays in charge of everything that needs the whole corpus (what changed, the journal, the
store); Ray runs the work per file and per slice of chunks, as many at once as the cluster has CPUs. `local`
starts Ray on this machine. Workers read the files by path, so on a cluster the corpus must be on a file system
every node mounts at the same path; each worker loads the model once (the checked ONNX graph, as builds here).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from qa.embed.embedder import Embedder
from qa.index.integrity import IndexUnavailable
from qa.index.parsing import Job, Parsed, parse
from qa.records import Vectors

FILES_PER_TASK = 32
TEXTS_PER_TASK = 64
LOCAL_CPUS = 2  # `local`: a small Ray beside the build, not one that takes the whole machine
_models: dict[str, Embedder] = {}  # one model per worker process, kept between tasks


class RayUnavailable(IndexUnavailable):
    """`--ray` was asked for but Ray is not installed or the cluster cannot be reached."""


def _parse_many(jobs: list[Job]) -> list[Parsed]:
    return [parse(job) for job in jobs]


def _embed_many(model: str, texts: list[str], spans: bool = False) -> Vectors:
    if model not in _models:
        embedder = Embedder(model, cache_size=0)
        embedder.document_threads = 1  # a task is one CPU: Ray runs one task per CPU
        _models[model] = embedder
    return _models[model].encode_spans(texts) if spans else _models[model].encode_documents(texts)


class RayBuild:
    """The two kinds of build work, sent to Ray; Ray is started (or reached) on first use, so a build with
    nothing to do never waits for it."""

    def __init__(self, address: str, model: str) -> None:
        self.address, self.model = address, model
        self._ray: Any = None
        self._started = False

    @property
    def ray(self) -> Any:
        if self._ray is None:
            self._ray, self._started = _connect(self.address)
        return self._ray

    def parse(self, jobs: list[Job]) -> list[Parsed]:
        if not jobs:
            return []
        task = self.ray.remote(_parse_many)
        parts = [jobs[i : i + FILES_PER_TASK] for i in range(0, len(jobs), FILES_PER_TASK)]
        return [p for batch in self.ray.get([task.remote(part) for part in parts]) for p in batch]

    def embed(self, texts: Sequence[str], spans: bool = False) -> Vectors:
        """Chunk vectors (as `Embedder.encode_documents`), or with `spans` span vectors (`encode_spans`)."""
        task = self.ray.remote(_embed_many)
        parts = [list(texts[i : i + TEXTS_PER_TASK]) for i in range(0, len(texts), TEXTS_PER_TASK)]
        found = self.ray.get([task.remote(self.model, part, spans) for part in parts])
        return np.vstack(found).astype(np.float32) if found else np.zeros((0, 0), dtype=np.float32)

    def embed_spans(self, texts: Sequence[str]) -> Vectors:
        return self.embed(texts, spans=True)

    @property
    def slice(self) -> int:
        """Chunks to embed between two journal writes: enough for a task on every CPU."""
        return max(256, TEXTS_PER_TASK * int(self.ray.cluster_resources().get("CPU", 1)))

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
        self._ray, self._started = None, False


def _connect(address: str) -> tuple[Any, bool]:
    """The ray module, connected to `address` (`local`: started here); and whether it was started here."""
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable("--ray needs Ray: pip install 'qa[ray]'") from exc
    if ray.is_initialized():
        return ray, False
    try:
        if address == "local":
            ray.init(num_cpus=LOCAL_CPUS, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError and more for an unreachable cluster
        raise RayUnavailable(f"cannot start or reach Ray at {address!r}: {exc}") from exc
    return ray, True


@contextlib.contextmanager
def ray_build(address: str, model: str) -> Iterator[RayBuild]:
    """Ray at `address` for one build; Ray started here is stopped after it."""
    build = RayBuild(address, model)
    try:
        yield build
    finally:
        build.close()
