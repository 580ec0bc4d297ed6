"""A real uvicorn on a loopback port: rebuilds under load lose no request, failed rebuilds keep serving."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from conftest import LiveServer, make_settings, start_live_server
from qa.embed.embedder import Embedder
from qa.serve.service import Service

TOKEN = "live-token-91c2-not-for-logs"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
REQUESTS = 300
CLIENTS = 4
QUESTIONS = ["How deep is the Alpha well?", "When was the Alpha well drilled?", "Where is the Zhurong rover?",
             "Who operates the Beta platform?"]
ROVER = "# Rover\n\nThe Zhurong rover landed in Utopia Planitia on Mars in May 2021.\n"


@pytest.fixture
def live(tmp_path: Path, embedder: Embedder) -> Iterator[LiveServer]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wells.md").write_text("# Wells\n\nThe Alpha well is 4,200 metres deep. It was drilled in 2019.\n\n"
                                     "The Beta platform is operated by Northsea Energy.\n")
    service = Service(make_settings(corpus, tmp_path / "index", admin_token=TOKEN), embedder)
    service.start(build=True)
    server = start_live_server(service)
    yield server
    server.stop()


@dataclass
class Reply:
    question: str
    started: float  # time.monotonic() when the request was sent
    status: int
    sources: list[str]


def ask_loop(url: str, count: int, after: threading.Event, rebuild_after: int) -> list[Reply]:
    """`count` answers over CLIENTS connections; sets `after` once `rebuild_after` replies are in."""
    replies: list[Reply] = []
    lock = threading.Lock()

    def one(i: int, client: httpx.Client) -> None:
        question = QUESTIONS[i % len(QUESTIONS)]
        started = time.monotonic()
        try:
            response = client.post(f"{url}/api/answer", json={"question": question}, timeout=60)
            status = response.status_code
            sources = [c["source"] for c in response.json()["citations"]] if status == 200 else []
        except httpx.HTTPError:
            status, sources = 0, []
        with lock:
            replies.append(Reply(question, started, status, sources))
            if len(replies) == rebuild_after:
                after.set()

    clients = [httpx.Client() for _ in range(CLIENTS)]
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(lambda i: one(i, clients[i % CLIENTS]), range(count)))
    finally:
        for client in clients:
            client.close()
    return replies


def test_rebuild_under_load_fails_no_request_and_then_serves_the_new_document(live: LiveServer) -> None:
    start_rebuild = threading.Event()
    began_at: list[float] = []
    swapped_at: list[float] = []
    rebuild_response: list[httpx.Response] = []

    def rebuild() -> None:
        start_rebuild.wait(120)
        (live.service.settings.corpus_dir / "rover.md").write_text(ROVER)
        began_at.append(time.monotonic())
        rebuild_response.append(httpx.post(f"{live.url}/api/index/rebuild", headers=AUTH, timeout=120))
        swapped_at.append(time.monotonic())

    rebuilder = threading.Thread(target=rebuild)
    rebuilder.start()
    replies = ask_loop(live.url, REQUESTS, start_rebuild, rebuild_after=40)
    rebuilder.join(120)

    assert len(replies) == REQUESTS and [r.status for r in replies if r.status != 200] == []
    assert rebuild_response[0].status_code == 200 and rebuild_response[0].json()["added"] == 1
    assert any(began_at[0] <= r.started < swapped_at[0] for r in replies)  # answered while it rebuilt
    rover = [r for r in replies if r.question == QUESTIONS[2]]
    after = [r for r in rover if r.started > swapped_at[0]]
    assert after, "the loop should outlast the rebuild; raise REQUESTS if it does not"
    assert all(r.sources[0] == "rover.md" for r in after)  # every answer asked after the swap finds it
    assert any("rover.md" not in r.sources for r in rover)  # and the early ones ran on the old index


def test_rebuild_over_a_broken_file_keeps_serving_and_names_the_file(live: LiveServer) -> None:
    corpus = live.service.settings.corpus_dir
    (corpus / "broken.csv").write_text("a,b\n1,2,3\n")
    (corpus / "rover.md").write_text(ROVER)
    response = httpx.post(f"{live.url}/api/index/rebuild", headers=AUTH, timeout=120)
    body = response.json()
    assert response.status_code == 200 and body["added"] == 1
    assert [s["source"] for s in body["skipped"]] == ["broken.csv"] and "row 2" in body["skipped"][0]["reason"]
    answer = httpx.post(f"{live.url}/api/answer", json={"question": "Where did the Zhurong rover land?"}, timeout=60)
    assert answer.status_code == 200 and answer.json()["citations"][0]["source"] == "rover.md"
    assert httpx.get(f"{live.url}/api/health", timeout=10).json()["documents"] == 2


def test_failed_rebuild_returns_500_with_the_reason_and_keeps_the_index(live: LiveServer) -> None:
    before = httpx.get(f"{live.url}/api/health", timeout=10).json()["index_generation"]
    shutil.rmtree(live.service.settings.corpus_dir)
    response = httpx.post(f"{live.url}/api/index/rebuild", headers=AUTH, timeout=120)
    assert response.status_code == 500
    assert "corpus folder not found" in response.json()["detail"] and before in response.json()["detail"]
    assert httpx.get(f"{live.url}/api/health", timeout=10).json()["index_generation"] == before
    answer = httpx.post(f"{live.url}/api/answer", json={"question": QUESTIONS[0]}, timeout=60).json()
    assert "4,200 metres" in answer["answer"]


def test_concurrent_rebuilds_one_runs_the_other_gets_409(live: LiveServer) -> None:
    (live.service.settings.corpus_dir / "rover.md").write_text(ROVER)
    with ThreadPoolExecutor(3) as pool:
        statuses = sorted(pool.map(lambda _: httpx.post(f"{live.url}/api/index/rebuild", headers=AUTH,
                                                        timeout=120).status_code, range(3)))
    # Each one either ran (200; a later one may find nothing left to do) or found one running (409).
    assert set(statuses) <= {200, 409} and statuses.count(200) >= 1
    assert httpx.get(f"{live.url}/api/health", timeout=10).json()["documents"] == 2


def test_concurrent_answers_equal_sequential_ones(live: LiveServer) -> None:
    def answer(question: str) -> tuple[str, str, list[str]]:
        body = httpx.post(f"{live.url}/api/answer", json={"question": question}, timeout=60).json()
        return body["kind"], body["answer"], [c["chunk_id"] for c in body["citations"]]

    questions = QUESTIONS * 6
    expected = [answer(q) for q in questions]
    with ThreadPoolExecutor(CLIENTS) as pool:
        assert list(pool.map(answer, questions)) == expected


def test_access_log_and_errors_never_carry_the_token(live: LiveServer, caplog: pytest.LogCaptureFixture) -> None:
    def rebuild_lines() -> list[str]:
        # Only this test's requests: a request is logged once its response is sent, so a line may come a
        # moment after the client has its answer (the start-up health check's, or the last rebuild's).
        lines = [r.getMessage() for r in caplog.records if r.name == "qa.access"]
        return [line for line in lines if '"path": "/api/index/rebuild"' in line]

    with caplog.at_level(logging.DEBUG):
        wrong = httpx.post(f"{live.url}/api/index/rebuild", headers={"Authorization": f"Bearer {TOKEN}-no"},
                           timeout=30)
        right = httpx.post(f"{live.url}/api/index/rebuild", headers=AUTH, timeout=120)
        deadline = time.monotonic() + 5
        while len(rebuild_lines()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert wrong.status_code == 401 and right.status_code == 200
    access = rebuild_lines()
    assert len(access) == 2 and '"status": 401' in access[0] and '"status": 200' in access[1]
    assert TOKEN not in caplog.text and TOKEN not in wrong.text and TOKEN not in right.text


@pytest.mark.browser
def test_api_pages_render_in_a_browser_from_local_assets(live_server: LiveServer) -> None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        if os.environ.get("QA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"QA_REQUIRE_BROWSER=1 but {chromium} is missing")
        pytest.skip(f"{chromium} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("request", lambda r: problems.append(r.url) if not r.url.startswith(live_server.url) else None)
            page.goto(f"{live_server.url}/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = sum(len(ops) for ops in httpx.get(f"{live_server.url}/openapi.json").json()["paths"].values())
            assert page.locator(".opblock").count() == operations >= 6  # every operation of the schema is shown
            assert page.locator("[data-path='/api/answer']").count()
            assert problems == []  # no CSP refusal, nothing fetched from elsewhere
            page.goto(f"{live_server.url}/redoc")
            page.wait_for_selector("text=Answer", timeout=30_000)
        finally:
            browser.close()
