"""Where an index lives, behind one small interface: the files store (default) or Milvus (`QA_STORE=milvus`).

The searcher needs only `ChunkSearch` (retrievers.py); builds and servers need only `Store`: the last
generation's data as the embedding cache, writing a generation and switching to it atomically, loading the
current one, and its name, which replicas poll to follow rebuilds.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from qa.index.dense import DenseIndex, choose_type
from qa.index.integrity import IndexUnavailable
from qa.index.sparse import SparseIndex
from qa.index.store import (
    IndexData,
    LoadedIndex,
    compatible,
    current_name,
    generations,
    load_latest,
    read_data,
    write_generation,
)
from qa.settings import Settings

log = logging.getLogger(__name__)


class Store(Protocol):
    """Generations of an index: written whole, switched to atomically, loaded whole."""

    def previous(self, model: str) -> tuple[IndexData | None, str]:
        """The newest whole generation's data built with `model` in this format (None, and why not, otherwise)."""
        ...

    def write(self, data: IndexData, settings: Settings, full: bool = False) -> str:
        """Write a new generation and switch to it; returns its name. `full`: nothing of an earlier generation
        may be reused (the store may otherwise update an older generation in place)."""
        ...

    def load(self) -> LoadedIndex: ...

    def current(self) -> str:
        """The name of the generation in use ("" when unknown)."""
        ...


class FilesStore:
    """The index folder: plain-file generations and the CURRENT pointer (store.py)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir

    def previous(self, model: str) -> tuple[IndexData | None, str]:
        for gen in generations(self.index_dir):
            try:
                data = read_data(gen)
            except IndexUnavailable as exc:
                log.warning("%s", exc)
                continue
            why = compatible(data.manifest, model)
            return (None, why) if why else (data, "")
        return None, ""

    def write(self, data: IndexData, settings: Settings, full: bool = False) -> str:
        kind = choose_type(settings.index_type, len(data.chunks), settings.hnsw_threshold)
        return write_generation(self.index_dir, data, DenseIndex.build(data.vectors, kind),
                                SparseIndex.build([c.search_text for c in data.chunks])).name

    def load(self) -> LoadedIndex:
        return load_latest(self.index_dir)

    def current(self) -> str:
        return current_name(self.index_dir)


class MissingExtra(IndexUnavailable):
    """A setting needs an optional dependency that is not installed; the message says how to install it."""


def open_store(settings: Settings, index_dir: Path | None = None) -> Store:
    """The store the settings name: the index folder (`index_dir` when given), or Milvus through pymilvus."""
    if settings.store == "files":
        return FilesStore(index_dir or Path(settings.index_dir))
    try:
        from qa.index.milvus import MilvusStore
    except ImportError as exc:
        raise MissingExtra(f"QA_STORE=milvus needs pymilvus ({exc.name} is missing): pip install 'qa[milvus]'") from exc
    return MilvusStore(settings)
