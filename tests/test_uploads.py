"""Uploads and deletes through the API: the fact answerable, then gone; tricks refused; no request failed."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import make_settings, start_live_server
from qa.embed.embedder import Embedder
from qa.serve.app import create_app
from qa.serve.keys import KeyStore
from qa.serve.service import Service

LIMIT_MB = 0.05
KELP = "# Kelp\n\nThe Morrow kelp forest covers 61 hectares.\n"
KELP_V2 = "# Kelp\n\nThe Morrow kelp forest covers 75 hectares.\n"


@dataclass
class Site:
    """A service over tmp_path/corpus with an editor key for `team/`, a reader key, and files outside the corpus."""

    service: Service
    root: Path
    editor: dict[str, str]
    reader: dict[str, str]


@pytest.fixture
def site(tmp_path: Path, embedder: Embedder) -> Site:
    (tmp_path / "corpus" / "team").mkdir(parents=True)
    (tmp_path / "corpus" / "other").mkdir()
    (tmp_path / "corpus" / "team" / "wells.md").write_text("# Wells\n\nThe Alpha well is 4,200 metres deep.\n")
    (tmp_path / "corpus" / "other" / "roads.md").write_text("# Roads\n\nRoute 9 is 310 kilometres long.\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "target.md").write_text("untouched")
    store = KeyStore(tmp_path / "keys.db")
    editor, _ = store.create("editor", "editor", ["team"])
    reader, _ = store.create("reader", "reader", ["team"])
    settings = make_settings(tmp_path / "corpus", tmp_path / "index", keys_db=tmp_path / "keys.db",
                             keys_cache_seconds=0, max_file_mb=LIMIT_MB)
    service = Service(settings, embedder)
    service.start(build=True)
    return Site(service, tmp_path, {"Authorization": f"Bearer {editor}"}, {"Authorization": f"Bearer {reader}"})


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(create_app(site.service.settings, site.service, build=False)) as test_client:
        yield test_client


def _ask(client: TestClient | httpx.Client, question: str, headers: dict[str, str]) -> str:
    response = client.post("/api/answer", json={"question": question}, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["answer"])


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.is_symlink()
            and "index" not in p.relative_to(root).parts and p.suffix != ".db"}


def test_upload_replace_and_delete_end_to_end(client: TestClient, site: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="qa.audit")
    question = "How large is the Morrow kelp forest?"
    assert "61" not in _ask(client, question, site.editor)
    added = client.post("/api/documents", files={"file": ("kelp.md", KELP.encode())}, data={"folder": "team"},
                        headers=site.editor)
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["source"] == "team/kelp.md" and not body["replaced"] and body["rebuild"]["added"] == 1
    assert body["rebuild"]["chunks"] == 2  # team/wells.md and team/kelp.md, one passage each; other/ not counted
    assert _ask(client, question, site.editor) == "61 hectares"
    replaced = client.post("/api/documents", files={"file": ("kelp.md", KELP_V2.encode())}, data={"folder": "team"},
                           headers=site.editor)
    assert replaced.status_code == 201 and replaced.json()["replaced"] and replaced.json()["rebuild"]["changed"] == 1
    assert _ask(client, question, site.editor) == "75 hectares"
    removed = client.delete("/api/documents/team/kelp.md", headers=site.editor)
    assert removed.status_code == 200 and removed.json()["rebuild"]["removed"] == 1
    assert "hectares" not in _ask(client, question, site.editor)
    assert not (site.root / "corpus" / "team" / "kelp.md").exists()
    assert client.get("/api/documents/team/kelp.md", headers=site.editor).status_code == 404
    events = [r.getMessage() for r in caplog.records if r.name == "qa.audit"]
    assert sum('"upload"' in e and '"ok"' in e for e in events) == 2 and any('"delete"' in e for e in events)
    assert sum('"rebuild"' in e and '"who": "editor"' in e for e in events) == 3
    assert not any(site.editor["Authorization"].split()[1] in e for e in events)


def test_scoped_rebuild_summaries_count_only_the_keys_folders(client: TestClient, site: Site) -> None:
    (site.root / "corpus" / "other" / "more.md").write_text("# More\n\nRoute 12 is 80 kilometres long.\n")
    body = client.post("/api/documents", files={"file": ("kelp.md", KELP.encode())}, data={"folder": "team"},
                       headers=site.editor).json()
    # the build took in other/more.md as well; the team key is told of its own folder only
    assert body["rebuild"]["added"] == 1 and body["rebuild"]["chunks"] == 2
    assert client.get("/api/index/status", headers=site.editor).json()["last"]["added"] == 1


@pytest.mark.parametrize(("name", "folder", "status"), [
    ("../evil.md", "team", 422), ("/tmp/evil.md", "team", 422), ("a/b.md", "team", 422), ("..", "team", 422),
    (".hidden.md", "team", 422), ("evil.exe", "team", 422), ("notes.meta.json", "team", 422),
    ("evil.md", "../outside", 422), ("evil.md", "/abs", 422), ("evil.md", "team/../../outside", 422),
    ("evil.md", "team/link", 422), ("target.md", "team/linked", 422), ("evil.md", "other", 403),
    ("evil.md", None, 403), ("evil.md", "team\\..\\..\\outside", 422),
])
def test_path_tricks_are_refused_and_nothing_is_written(client: TestClient, site: Site, name: str,
                                                        folder: str | None, status: int) -> None:
    os.symlink(site.root / "outside", site.root / "corpus" / "team" / "link")
    (site.root / "corpus" / "team" / "linked").mkdir()
    os.symlink(site.root / "outside" / "target.md", site.root / "corpus" / "team" / "linked" / "target.md")
    before = _files(site.root)
    response = client.post("/api/documents", files={"file": (name, b"# Evil\n\nEvil text.\n")},
                           data={"folder": folder} if folder is not None else {}, headers=site.editor)
    assert response.status_code == status, response.text
    assert _files(site.root) == before
    assert (site.root / "outside" / "target.md").read_text() == "untouched"


def test_readers_cannot_upload_or_delete_and_deletes_stay_in_the_scope(client: TestClient, site: Site) -> None:
    upload = client.post("/api/documents", files={"file": ("kelp.md", KELP.encode())}, data={"folder": "team"},
                         headers=site.reader)
    assert upload.status_code == 403
    assert client.delete("/api/documents/team/wells.md", headers=site.reader).status_code == 403
    assert client.delete("/api/documents/other/roads.md", headers=site.editor).status_code == 403
    assert client.delete("/api/documents/team/none.md", headers=site.editor).status_code == 404
    assert client.post("/api/documents", files={"file": ("kelp.md", KELP.encode())}).status_code == 403
    assert (site.root / "corpus" / "other" / "roads.md").exists()
    assert (site.root / "corpus" / "team" / "wells.md").exists()


def test_an_oversized_file_is_413_and_leaves_nothing_behind(client: TestClient, site: Site) -> None:
    before = _files(site.root)
    just_over = b"x" * int(LIMIT_MB * 1e6 + 1)
    response = client.post("/api/documents", files={"file": ("big.txt", just_over)}, data={"folder": "team"},
                           headers=site.editor)
    assert response.status_code == 413 and "MB" in response.json()["detail"]
    way_over = client.post("/api/documents", files={"file": ("big.txt", b"x" * 2_000_000)}, data={"folder": "team"},
                           headers=site.editor)
    assert way_over.status_code == 413
    assert _files(site.root) == before and not list((site.root / "corpus").rglob(".upload-*"))


@pytest.mark.slow
def test_concurrent_askers_see_no_failed_request_while_documents_are_uploaded(site: Site) -> None:
    live = start_live_server(site.service)
    failures: list[str] = []
    answered = [0]
    stop = threading.Event()

    def ask() -> None:
        with httpx.Client(base_url=live.url, timeout=60) as http:
            while not stop.is_set():
                response = http.post("/api/answer", json={"question": "How deep is the Alpha well?"},
                                     headers=site.reader)
                if response.status_code != 200 or response.json()["answer"] != "4,200 metres":
                    failures.append(f"{response.status_code} {response.text[:200]}")
                answered[0] += 1

    askers = [threading.Thread(target=ask) for _ in range(4)]
    try:
        for thread in askers:
            thread.start()
        with httpx.Client(base_url=live.url, timeout=120, headers=site.editor) as http:
            for n in range(4):
                text = f"# Note {n}\n\nThe Morrow kelp forest number {n} covers {60 + n} hectares.\n"
                assert http.post("/api/documents", files={"file": (f"kelp-{n}.md", text.encode())},
                                 data={"folder": "team"}).status_code == 201
            assert http.delete("/api/documents/team/kelp-0.md").status_code == 200
            assert _ask(http, "How large is the Morrow kelp forest number 3?", site.editor) == "63 hectares"
    finally:
        stop.set()
        for thread in askers:
            thread.join(timeout=60)
        live.stop()
    assert failures == [] and answered[0] > 0


def test_build_progress_is_streamed_as_server_sent_events_while_an_upload_builds(site: Site) -> None:
    live = start_live_server(site.service)
    events: list[dict[str, object]] = []
    opened = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{live.url}/api/index/events", headers=site.reader, timeout=120) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                    opened.set()

    listener = threading.Thread(target=listen)
    try:
        listener.start()
        assert opened.wait(60)  # the stream's first event: the status when it was opened
        response = httpx.post(f"{live.url}/api/documents", files={"file": ("kelp.md", KELP.encode())},
                              data={"folder": "team"}, headers=site.editor, timeout=120)
        assert response.status_code == 201
        listener.join(timeout=120)  # the stream ends by itself once the build is over
    finally:
        live.stop()
    states = [e["state"] for e in events]
    assert states[0] == "idle" and "building" in states and states[-1] == "idle"
    last = events[-1]["last"]
    assert isinstance(last, dict) and last["added"] == 1
    assert not listener.is_alive()
