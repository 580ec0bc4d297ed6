"""Faults and hostile input: damaged indexes, corpus faults, hostile requests and content; nothing lost, no 500s."""

from __future__ import annotations

import http.client
import logging
import os
import shutil
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import uvicorn
from fastapi.testclient import TestClient

from conftest import LiveServer, free_port, make_settings
from qa.corpus import files as corpus
from qa.embed.embedder import Embedder
from qa.index import parsing
from qa.index.store import build_lock, generations
from qa.records import Document
from qa.serve.app import create_app
from qa.serve.service import Service
from qa.tables.model import Table

TOKEN = "tok-7f3a9c-never-log-me"
GOOD = "# Wells\n\nThe Alpha well is 4,200 metres deep. It was drilled in 2019 by the Borealis survey.\n"
GOOD_QUESTION = "How deep is the Alpha well?"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def served(tmp_path: Path, embedder: Embedder) -> Service:
    """A started service over a corpus with one known answer, rebuilt by each test after it hurts the corpus."""
    _write(tmp_path / "corpus", "good.md", GOOD)
    service = Service(make_settings(tmp_path / "corpus", tmp_path / "index", admin_token=TOKEN), embedder)
    service.start(build=True)
    return service


def _still_answers(service: Service) -> None:
    """The last good content is served: the known question is answered from good.md with exact offsets."""
    result = service.answer(GOOD_QUESTION)
    assert "4,200 metres" in result.answer
    top = result.citations[0]
    doc = service.engine.index.data.documents[top.source]
    assert top.source == "good.md" and doc.text[top.start : top.end] == top.text


def _skip_reason(report_skipped: list[dict[str, str]], source: str) -> str:
    return next(s["reason"] for s in report_skipped if s["source"] == source)


# --- corpus faults: each build finishes (or stops with a message) and the good content stays served -----------


def test_file_deleted_or_rewritten_during_a_build_is_caught_up_next_build(
        served: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = served.settings.corpus_dir
    for name in ("a.md", "b.md", "c.md"):
        _write(folder, name, f"# {name}\n\nThe {name[0]} file says the ferry leaves at noon.\n")
    real_load = corpus.load

    def load_while_files_change(entry: corpus.FileEntry, max_bytes: int, *limits: object) -> object:
        if entry.source == "a.md":  # after the scan, before b and c are read: another program edits the corpus
            (folder / "b.md").unlink()
            _write(folder, "c.md", "# c\n\nThe ferry timetable moved: it leaves at dusk.\n")
        return real_load(entry, max_bytes, *limits)  # type: ignore[arg-type]

    monkeypatch.setattr(corpus, "load", load_while_files_change)
    report = served.rebuild()
    monkeypatch.undo()
    assert "deleted during the build" in _skip_reason(report.skipped, "b.md")
    _still_answers(served)
    report = served.rebuild()
    docs = served.engine.index.data.documents
    assert "b.md" not in docs and "dusk" in docs["c.md"].text


def test_200_mb_file_is_refused_by_size_without_being_read(served: Service) -> None:
    big = served.settings.corpus_dir / "huge.txt"
    with big.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: 200 MB by size, nothing on disk
    tracemalloc.start()
    try:
        report = served.rebuild()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "over the 50 MB limit" in _skip_reason(report.skipped, "huge.txt")
    assert peak < 20 * 1024 * 1024, f"build allocated {peak / 1e6:.0f} MB"
    _still_answers(served)


def test_file_that_grows_past_the_limit_after_the_scan_is_not_read_whole(corpus_dir: Path) -> None:
    path = _write(corpus_dir, "log.txt", "small at scan time\n")
    entry = next(e for e in corpus.scan(corpus_dir)[0] if e.source == "log.txt")
    path.write_text("x" * 5000)
    with pytest.raises(corpus.LoadError, match="grew past"):
        corpus.load(entry, max_bytes=1000)


def test_many_tiny_files_all_build_and_answer(served: Service) -> None:
    """CI's size; bench/corpus_faults.py builds 10,000 and times it."""
    notes = served.settings.corpus_dir / "notes"
    for i in range(500):
        _write(notes, f"note-{i:04d}.md", f"# Note {i}\n\nLocker {i} holds crate number {i * 7}.\n")
    report = served.rebuild()
    assert report.added == 500 and not report.skipped
    assert len(served.engine.index.data.documents) == 501
    result = served.answer("Which crate does locker 312 hold?")
    assert any(c.source == "notes/note-0312.md" for c in result.citations)
    _still_answers(served)


def test_deeply_nested_folder_is_scanned_without_recursion(served: Service) -> None:
    levels = [Path(served.settings.corpus_dir)]
    for _ in range(1200):  # past Python's recursion limit: a recursive walk would fail here
        levels.append(levels[-1] / "d")
        levels[-1].mkdir()  # one level at a time: mkdir(parents=True) itself recurses
    bottom = _write(levels[-1], "bottom.md", "# Bottom\n\nThe deepest note mentions a turquoise lantern.\n")
    try:
        served.rebuild()
        assert "d/" * 1200 + "bottom.md" in served.engine.index.data.documents
        _still_answers(served)
    finally:  # shutil.rmtree (pytest's tmp_path clean-up) recurses too: take it down level by level
        bottom.unlink()
        for level in reversed(levels[1:]):
            level.rmdir()


def test_names_with_spaces_and_non_ascii_are_indexed_and_served(served: Service) -> None:
    name = "Résumés et données/Ünïcode 名前 file.md"
    _write(served.settings.corpus_dir, name, "# Données\n\nLa citerne contient 310 litres.\n")
    served.rebuild()
    with TestClient(create_app(served.settings, served, build=False)) as client:
        body = client.get("/api/documents/" + httpx.URL(name).raw_path.decode()).json()
    assert body["source"] == name and "310 litres" in body["text"]


def test_file_name_that_is_not_utf8_is_skipped_with_a_reason(served: Service) -> None:
    folder = os.fsencode(served.settings.corpus_dir)
    with open(os.path.join(folder, b"caf\xe9-notes.md"), "wb") as fh:
        fh.write(b"# Cafe\n\nOpen late.\n")
    report = served.rebuild()
    assert [s["reason"] for s in report.skipped] == ["file name is not valid UTF-8; rename it"]
    _still_answers(served)


def test_links_leaving_the_corpus_loops_and_pipes_are_refused(served: Service, tmp_path: Path) -> None:
    folder = served.settings.corpus_dir
    secret = _write(tmp_path / "outside", "secret.md", "# Secret\n\nThe vault code is 8812.\n")
    os.symlink(secret, folder / "secret-link.md")
    os.symlink(secret.parent, folder / "outside-folder")
    os.symlink(folder / "loop-b", folder / "loop-a")
    os.symlink(folder / "loop-a", folder / "loop-b")
    os.symlink(folder, folder / "myself")
    os.mkfifo(folder / "pipe.md")  # reading it would block the build for ever
    report = served.rebuild()
    reasons = {s["source"]: s["reason"] for s in report.skipped}
    assert "outside the corpus" in reasons["secret-link.md"] and "outside the corpus" in reasons["outside-folder"]
    assert "loop" in reasons["loop-a"] and "loop" in reasons["loop-b"]
    assert "not followed" in reasons["myself"] and "not a regular file" in reasons["pipe.md"]
    texts = " ".join(d.text for d in served.engine.index.data.documents.values())
    assert "8812" not in texts
    _still_answers(served)


def test_csv_with_ten_thousand_columns_builds(served: Service) -> None:
    header = "Metric," + ",".join(f"Y{i}" for i in range(10_000))
    rows = [f"Row {r}," + ",".join(str(i * r) for i in range(10_000)) for r in range(1, 4)]
    _write(served.settings.corpus_dir, "wide.csv", "\n".join([header, *rows]) + "\n")
    report = served.rebuild()
    assert report.added == 1 and not report.skipped
    assert any(t.source == "wide.csv" for t in served.engine.index.data.tables)
    _still_answers(served)


def test_pipe_table_with_mismatched_cells_builds_with_exact_offsets(served: Service) -> None:
    text = ("# Ragged\n\n| Metric | 2020 | 2021 |\n|---|---|---|\n| Output | 1 | 2 | 3 | 4 |\n| Staff | 5 |\n"
            "| | |\n|x\n| Debt | 7 | 8 |\n\nAfter the table.\n")
    _write(served.settings.corpus_dir, "ragged.md", text)
    served.rebuild()
    data = served.engine.index.data
    chunks = [c for c in data.chunks if c.source == "ragged.md"]
    assert chunks and all(data.documents["ragged.md"].text[c.start : c.end] == c.text for c in chunks)
    _still_answers(served)


def test_single_column_csv_is_skipped_with_a_reason(served: Service) -> None:
    """A plain list saved as CSV used to stop the whole build with a traceback."""
    _write(served.settings.corpus_dir, "names.csv", "Name\nAlice\nBob\n")
    _write(served.settings.corpus_dir, "other.md", "# Other\n\nThe ferry leaves at noon.\n")
    report = served.rebuild()
    assert "single column" in _skip_reason(report.skipped, "names.csv")
    assert "other.md" in served.engine.index.data.documents
    _still_answers(served)


def test_parser_failure_on_one_file_skips_only_that_file(served: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug tripped by one hostile file (injected here: none is known) costs that file, not the build."""
    real_find_tables = parsing.find_tables  # type: ignore[attr-defined]

    def fails_on_bad(doc: Document) -> list[Table]:
        if doc.source == "bad.md":
            raise IndexError("list index out of range")
        return real_find_tables(doc)

    monkeypatch.setattr(parsing, "find_tables", fails_on_bad)
    _write(served.settings.corpus_dir, "bad.md", "# Bad\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    _write(served.settings.corpus_dir, "other.md", "# Other\n\nThe ferry leaves at noon.\n")
    report = served.rebuild()
    assert "could not be parsed (IndexError" in _skip_reason(report.skipped, "bad.md")
    assert set(served.engine.index.data.documents) == {"good.md", "other.md"}
    _still_answers(served)


def test_removed_corpus_folder_fails_the_rebuild_and_keeps_serving(served: Service) -> None:
    shutil.rmtree(served.settings.corpus_dir)
    with pytest.raises(Exception, match="corpus folder not found"):
        served.rebuild()
    _still_answers(served)


# --- crashes and damage: start-up recovers and never serves a wrong index ------------------------------------


def test_start_over_damaged_index_rebuilds_and_answers(served: Service, embedder: Embedder) -> None:
    gen = generations(served.settings.index_dir)[0]
    np.save(gen / "vectors.npy", np.zeros_like(np.load(gen / "vectors.npy")), allow_pickle=False)
    fresh = Service(served.settings, embedder)
    fresh.start(build=True)
    assert fresh.engine.index.path != gen and np.abs(fresh.engine.index.data.vectors).sum() > 0
    _still_answers(fresh)


def test_start_serves_last_good_index_when_the_build_cannot_run(served: Service, embedder: Embedder) -> None:
    """`qa serve` while `qa index` holds the build lock must come up on the index there is, not crash."""
    served_before = served.engine.index.path
    with build_lock(served.settings.index_dir):
        fresh = Service(served.settings, embedder)
        fresh.start(build=True)
    assert fresh.engine.index.path == served_before
    _still_answers(fresh)


def test_start_with_unreadable_corpus_serves_last_good_index(served: Service, embedder: Embedder) -> None:
    shutil.rmtree(served.settings.corpus_dir)
    fresh = Service(served.settings, embedder)
    fresh.start(build=True)
    _still_answers(fresh)


def test_start_with_no_index_and_no_corpus_says_why(tmp_path: Path, embedder: Embedder) -> None:
    service = Service(make_settings(tmp_path / "missing", tmp_path / "index"), embedder)
    with pytest.raises(Exception, match="corpus folder not found"):
        service.start(build=True)


# --- hostile requests ---------------------------------------------------------------------------------------


def _json_error(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    assert words in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"question": "' + b"a" * 70_000 + b'"}', "too large"),
        (b"[" * 30_000 + b"]" * 30_000, "nested too deeply"),
        (b'{"question": {"a": ' * 3000 + b"1" + b"}" * 6000, "nested too deeply"),
        (b'{"question": "caf\xe9 \xff"}', "not valid UTF-8"),
        (b'{"question": "\\ud800 borehole"}', "lone surrogate"),
        (b'{"question": "x", "messages": [' + b",".join([b'{"role":"user","content":"hi"}'] * 21) + b"]}",
         "at most 20"),
        (b'{"question": "borehole", "top_k": 1e309}', "top_k"),
        (b'{"question": "borehole", "extra": 1}', "extra"),
        (b"not json at all", "JSON"),
    ],
    ids=["oversized", "nested-arrays", "nested-objects", "invalid-utf8", "lone-surrogate", "too-many-messages",
         "huge-number", "unknown-field", "not-json"],
)
def test_malformed_answer_request_gets_a_readable_422(client: TestClient, body: bytes, words: str) -> None:
    response = client.post("/api/answer", content=body, headers={"content-type": "application/json"})
    _json_error(response, 422, words)  # type: ignore[arg-type]


def test_streamed_body_over_the_limit_is_refused(live_server: LiveServer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(40):
            yield b"b" * 4096

    response = httpx.post(f"{live_server.url}/api/answer", content=chunks(),
                          headers={"content-type": "application/json"}, timeout=30)
    assert "content-length" not in response.request.headers  # it really went chunked
    _json_error(response, 422, "too large")


@pytest.mark.parametrize("source", ["../../etc/passwd", "/etc/passwd", "..\\..\\etc\\passwd", "corpus/../../x.md",
                                    "china-us-metrics.csv\x00.md", "%2e%2e/%2e%2e/etc/passwd"])
def test_sources_outside_the_corpus_are_refused(client: TestClient, source: str) -> None:
    response = client.post("/api/answer", json={"question": "patents", "sources": [source]})
    _json_error(response, 422, "unknown source")  # type: ignore[arg-type]


TRAVERSALS = ["../secret.md", "..%2fsecret.md", "%2e%2e%2fsecret.md", "..%252fsecret.md", "%2fetc%2fpasswd",
              "/etc/passwd", "//etc/passwd", "..\\secret.md", "..%5csecret.md", "good.md%00.txt",
              "good.md/../../secret.md", "%00", "....//secret.md", "good.md%2f..%2f..%2fsecret.md",
              "%c0%ae%c0%ae/secret.md"]


def test_documents_and_view_cannot_read_outside_the_corpus(served: Service) -> None:
    _write(served.settings.corpus_dir.parent, "secret.md", "# Secret\n\nThe vault code is 8812.\n")
    live = _serve(served)
    try:
        for path in TRAVERSALS:
            for prefix in ("/api/documents/", "/view/"):
                connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
                connection.request("GET", prefix + path)  # sent byte for byte, no client-side normalisation
                response = connection.getresponse()
                body = response.read().decode("utf-8", "replace")
                connection.close()
                assert response.status in (400, 404), (prefix, path, response.status)
                assert "8812" not in body and "root:" not in body, (prefix, path)
    finally:
        live.stop()


def test_rebuild_needs_the_token_and_never_shows_or_logs_it(
        served: Service, caplog: pytest.LogCaptureFixture) -> None:
    assert TOKEN not in repr(served.settings) and TOKEN not in str(served.settings.model_dump())
    with caplog.at_level(logging.DEBUG):
        live = _serve(served, log_level="debug", access_log=True)
        try:
            url = f"http://127.0.0.1:{live.port}/api/index/rebuild"
            attempts = [httpx.post(url, timeout=30),
                        httpx.post(url, headers={"Authorization": "Bearer wrong"}, timeout=30),
                        httpx.post(url, headers={"Authorization": TOKEN}, timeout=30),
                        httpx.post(url, headers={"Authorization": f"Bearer {TOKEN}x"}, timeout=30),
                        httpx.post(url, headers={"Authorization": f"Basic {TOKEN}"}, timeout=30)]
            _write(served.settings.corpus_dir, "new.md", "# New\n\nA fresh note about kelp.\n")
            granted = httpx.post(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
        finally:
            live.stop()
    assert [r.status_code for r in attempts] == [401] * 5
    assert all(r.json()["detail"] and "WWW-Authenticate" in r.headers for r in attempts)
    assert granted.status_code == 200 and granted.json()["added"] == 1
    for response in [*attempts, granted]:
        assert TOKEN not in response.text and TOKEN not in str(response.headers)
    assert "/api/index/rebuild" in caplog.text  # the requests were logged, and the token was not
    assert TOKEN not in caplog.text


def test_rebuild_without_a_configured_token_is_403(client: TestClient) -> None:
    response = client.post("/api/index/rebuild", headers={"Authorization": "Bearer anything"})
    _json_error(response, 403, "QA_ADMIN_TOKEN")  # type: ignore[arg-type]


# --- hostile content: inert in the API's JSON ----------------------------------------------------------------

HOSTILE_MD = ("# <script>alert('t')</script> Title\n\n<img src=x onerror=alert(1)> The pump moves "
              "\x1b[31m90 litres\x1b[0m per minute\x07. <style>body{display:none}</style> "
              "\u202eevil\u202c </textarea><!-- ${7*7} {{7*7}} -->\n")
HOSTILE_CSV = 'Metric,"<b>2020</b>"\n"<script>x()</script> Output","=cmd|\' /C calc\'!A0"\n'


def test_hostile_corpus_text_comes_back_verbatim_as_json_strings(served: Service) -> None:
    _write(served.settings.corpus_dir, "hostile.md", HOSTILE_MD)
    _write(served.settings.corpus_dir, "hostile.csv", HOSTILE_CSV)
    served.rebuild()
    with TestClient(create_app(served.settings, served, build=False)) as client:
        doc = client.get("/api/documents/hostile.md")
        answer = client.post("/api/answer", json={"question": "<script>alert(2)</script> How fast is the pump?"})
        listing = client.get("/api/documents")
    for response in (doc, answer, listing):
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "script-src 'self'" in response.headers["content-security-policy"]
    text = served.engine.index.data.documents["hostile.md"].text
    assert doc.json()["text"] == text and "<script>alert('t')</script>" in text and "\x1b[31m" in text
    body = answer.json()
    assert body["question"] == "<script>alert(2)</script> How fast is the pump?"
    for citation in body["citations"]:
        source_text = served.engine.index.data.documents[citation["source"]].text
        assert source_text[citation["start"] : citation["end"]] == citation["text"]
    assert any(c["source"] == "hostile.md" for c in body["citations"])


# --- helpers: a real uvicorn on loopback with chosen logging ------------------------------------------------


class _Live:
    def __init__(self, server: uvicorn.Server, thread: threading.Thread, port: int) -> None:
        self.server, self.thread, self.port = server, thread, port

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _serve(service: Service, log_level: str = "warning", access_log: bool = False) -> _Live:
    """uvicorn in a thread; log_config=None leaves its loggers to propagate, so caplog sees every line."""
    port = free_port()
    config = uvicorn.Config(create_app(service.settings, service, build=False), host="127.0.0.1", port=port,
                            log_level=log_level, access_log=access_log, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    return _Live(server, thread, port)

