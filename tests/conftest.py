"""Shared fixtures: the real model loaded once, the bundled corpus indexed once, small corpora built on demand."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from qa.embed.embedder import Embedder
from qa.index.builder import BuildReport, build_index
from qa.serve.app import create_app
from qa.serve.service import Service
from qa.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
BUNDLED_CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    return Embedder()


T = TypeVar("T")


def run_async(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to its end on a thread of its own: once a browser test has run, the session's sync
    Playwright holds the main thread's event loop, where asyncio.run() refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()


def make_settings(corpus: Path, index: Path, **extra: object) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=index, _env_file=None, **extra)  # type: ignore[call-arg,arg-type]


def start_service(base: Path, embedder: Embedder) -> Service:
    """A started service over base/corpus (write the files first), indexed into base/index."""
    service = Service(make_settings(base / "corpus", base / "index"), embedder)
    service.start(build=True)
    return service


def written_service(factory: pytest.TempPathFactory, embedder: Embedder, files: dict[str, str]) -> Service:
    """A started service over a corpus of written documents (file name: text)."""
    base = factory.mktemp("written")
    (base / "corpus").mkdir()
    for name, text in files.items():
        (base / "corpus" / name).write_text(text, encoding="utf-8")
    return start_service(base, embedder)


@pytest.fixture(scope="session")
def bundled(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Service:
    """A service over a copy of the bundled corpus, indexed once per session; tests must not change it."""
    base = tmp_path_factory.mktemp("bundled")
    shutil.copytree(BUNDLED_CORPUS, base / "corpus")
    return start_service(base, embedder)


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
        return start_service(tmp_path, embedder)

    return start


@dataclass
class LiveServer:
    """A real uvicorn serving the app on a loopback port, in a thread of the test process."""

    url: str
    service: Service
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_live_server(service: Service) -> LiveServer:
    """Serve `service` on 127.0.0.1 and wait until /api/health answers."""
    port = free_port()
    config = uvicorn.Config(create_app(service.settings, service, build=False), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return LiveServer(url, service, server, thread)
        except httpx.HTTPError:
            time.sleep(0.05)
    server.should_exit = True
    raise RuntimeError("live server did not start")


@pytest.fixture(scope="session")
def live_server(bundled: Service) -> Iterator[LiveServer]:
    """A real uvicorn over the bundled index, shared by the session (read-only use)."""
    live = start_live_server(bundled)
    yield live
    live.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the session; skipped without it unless QA_REQUIRE_BROWSER=1 (CI)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run browser tests"
        if os.environ.get("QA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"QA_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Opens pages in fresh browser contexts (own storage, own viewport); all are closed after the test."""
    contexts = []

    def open_(url: str, **options: Any) -> Page:
        options.setdefault("viewport", {"width": 1000, "height": 800})
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()
@dataclass
class OfficeCorpus:
    """A service over generated PDF, Word, Excel and PowerPoint files and bad files, and its first build."""

    service: Service
    report: BuildReport


@pytest.fixture(scope="session")
def office(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> OfficeCorpus:
    """Indexed once per session: report.pdf (3 pages, the last scanned), handbook.docx, sales.xlsx (2 sheets),
    deck.pptx, and bad files: encrypted, truncated, a zip bomb, 2,000 pages, lying extensions."""
    import office_docs as make

    base = tmp_path_factory.mktemp("office")
    corpus = base / "corpus"
    corpus.mkdir()
    make.report_pdf(corpus / "report.pdf")
    make.handbook_docx(corpus / "handbook.docx")
    make.sales_xlsx(corpus / "sales.xlsx")
    make.deck_pptx(corpus / "deck.pptx")
    make.encrypted_pdf(corpus / "locked.pdf")
    (corpus / "truncated.pdf").write_bytes((corpus / "report.pdf").read_bytes()[:3000])
    make.zip_bomb_docx(corpus / "bomb.docx", megabytes=30)
    (corpus / "broken.docx").write_bytes((corpus / "handbook.docx").read_bytes()[:3000])
    make.long_pdf(corpus / "ledger.pdf", pages=2000)
    make.memo_docx(corpus / "notes.pdf")  # a Word file named .pdf
    (corpus / "fake.xlsx").write_text("Region,Revenue\nNorth,12\n", encoding="utf-8")  # a CSV named .xlsx
    settings = make_settings(corpus, base / "index", max_pages=20, max_unzipped_mb=20)
    report = build_index(settings, lambda: embedder)
    service = Service(settings, embedder)
    service.start(build=False)
    return OfficeCorpus(service, report)


@pytest.fixture(scope="session")
def office_client(office: OfficeCorpus) -> Iterator[TestClient]:
    with TestClient(create_app(office.service.settings, office.service, build=False)) as test_client:
        yield test_client
