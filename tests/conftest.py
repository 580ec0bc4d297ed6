"""Shared fixtures: the real model loaded once, the bundled corpus indexed once, small corpora built on demand."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.app import create_app
from qa.embedding import Embedder
from qa.indexer import BuildReport, build_index
from qa.service import Service
from qa.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    return Embedder()


def make_settings(corpus: Path, index: Path, **extra: object) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=index, _env_file=None, **extra)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def bundled(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Service:
    """A service over a copy of the bundled corpus, indexed once per session; tests must not change it."""
    base = tmp_path_factory.mktemp("bundled")
    shutil.copytree(BUNDLED_CORPUS, base / "corpus")
    service = Service(make_settings(base / "corpus", base / "index"), embedder)
    service.start(build=True)
    return service


@pytest.fixture(scope="session")
def client(bundled: Service) -> Iterator[TestClient]:
    """The real app over the bundled index, through Starlette's test client."""
    with TestClient(create_app(bundled.settings, bundled, build=False)) as test_client:
        yield test_client


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


@pytest.fixture
def build(tmp_path: Path, embedder: Embedder) -> Callable[..., BuildReport]:
    """Build (or update) the index of tmp_path/corpus into tmp_path/index with the shared model."""

    def run(full: bool = False, **extra: object) -> BuildReport:
        settings = make_settings(tmp_path / "corpus", tmp_path / "index", **extra)
        return build_index(settings, lambda: embedder, full=full)

    return run


@pytest.fixture
def small_service(tmp_path: Path, embedder: Embedder) -> Callable[[], Service]:
    """A started service over tmp_path/corpus (write the files first)."""

    def start() -> Service:
        service = Service(make_settings(tmp_path / "corpus", tmp_path / "index"), embedder)
        service.start(build=True)
        return service

    return start
