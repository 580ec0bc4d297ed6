"""Many users: two real `qa serve` replicas over one index folder behind a real nginx, answering through a rebuild
written by another process (as `qa index` writes it) with no failed request; both then serve the new generation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import BUNDLED_CORPUS, free_port, make_settings
from qa.embed.embedder import Embedder
from qa.index.builder import build_index

NGINX = Path("/usr/sbin/nginx")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not NGINX.exists(), reason="nginx is not installed "
                                                   "(apt-get install nginx; .ci/run installs it)")]
CONFIG = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream qa {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://qa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout http_502 http_503;
        }}
    }}
}}
"""


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer: {log.read_text()[-2000:]}")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in reversed(started):
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def replica(tmp_path: Path, name: str, processes: list[subprocess.Popen[bytes]]) -> str:
    port, log = free_port(), tmp_path / f"{name}.log"
    env = {**os.environ, "QA_RELOAD_INTERVAL": "0.5", "QA_LOG_LEVEL": "warning", "QA_ACCESS_LOG": "false"}
    with log.open("wb") as out:
        processes.append(subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", str(port), "--corpus",
                                           str(tmp_path / "corpus"), "--index", str(tmp_path / "index")],
                                          env=env, stdout=out, stderr=subprocess.STDOUT))
    wait_for(f"http://127.0.0.1:{port}/api/health", processes[-1], log)
    return f"http://127.0.0.1:{port}"


def balancer(tmp_path: Path, replicas: list[str], processes: list[subprocess.Popen[bytes]]) -> str:
    port = free_port()
    a, b = (int(url.rsplit(":", 1)[1]) for url in replicas)
    (tmp_path / "nginx.conf").write_text(CONFIG.format(tmp=tmp_path, a=a, b=b, port=port))
    log = tmp_path / "nginx-error.log"
    log.touch()
    processes.append(subprocess.Popen([str(NGINX), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wait_for(f"http://127.0.0.1:{port}/api/health", processes[-1], log)
    return f"http://127.0.0.1:{port}"


def test_two_replicas_behind_nginx_answer_through_a_rebuild(tmp_path: Path, embedder: Embedder,
                                                           processes: list[subprocess.Popen[bytes]]) -> None:
    shutil.copytree(BUNDLED_CORPUS, tmp_path / "corpus")
    settings = make_settings(tmp_path / "corpus", tmp_path / "index")
    build_index(settings, lambda: embedder)
    replicas = [replica(tmp_path, name, processes) for name in ("a", "b")]
    url = balancer(tmp_path, replicas, processes)
    before = {httpx.get(f"{r}/api/health").json()["index_generation"] for r in replicas}
    statuses: list[int] = []
    stop = threading.Event()

    def ask() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                try:
                    statuses.append(client.post("/api/answer", json={"question": "How deep is the borehole?"})
                                    .status_code)
                except httpx.HTTPError:
                    statuses.append(0)

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for t in askers:
        t.start()
    try:
        (tmp_path / "corpus" / "owls.md").write_text("# Owls\n\nThe snowy owl hunts lemmings in the tundra.\n")
        report = build_index(settings, lambda: embedder)  # another process's `qa index`, as far as the replicas know
        assert report.written
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len({httpx.get(f"{r}/api/health").json()["index_generation"]
                                                   for r in replicas} - before) < 1:
            time.sleep(0.2)
        time.sleep(1.5)  # both replicas past their reload interval, under load
    finally:
        stop.set()
        for t in askers:
            t.join(30)
    after = {httpx.get(f"{r}/api/health").json()["index_generation"] for r in replicas}
    assert len(after) == 1 and after.isdisjoint(before)  # both follow the new CURRENT
    assert statuses and set(statuses) == {200}, f"{len(statuses)} requests, failures: {statuses.count(0)}"
    owls = httpx.post(f"{url}/api/answer", json={"question": "What does the snowy owl hunt?"}, timeout=30).json()
    assert "lemmings" in owls["answer"]
    served = (tmp_path / "nginx-access.log").read_text().count("POST /api/answer")
    assert served >= len(statuses)
