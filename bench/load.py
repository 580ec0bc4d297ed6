"""Sustained load on a real `qa serve`: 16 clients for 2 minutes, then the same with a rebuild every 20 seconds.

    python -m bench.load            # full run: 2 x 120 s (about five minutes with start-up)
    python -m bench.load --smoke    # 2 x 5 s, for CI

Reports requests sent, errors (any exception or non-200), latency percentiles and the server's resident memory
before and after each phase. The server runs in its own process on 127.0.0.1 with an admin token; its log is
kept and checked for errors and for the token.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import BUNDLED_CORPUS, DATA, Stats, copy_corpus, free_port, parser, read_jsonl, save

# What a chat page and its users do: mostly questions, some listings and document fetches.
MIX = [("answer", 70), ("health", 10), ("documents", 8), ("document", 7), ("suggestions", 5)]


@dataclass
class Server:
    """A `qa serve` child process, its URL and its log file."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)


@dataclass
class Phase:
    """One timed phase: what was sent, what failed, how fast, and the server's memory around it."""

    name: str
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    by_route: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    latency: Stats | None = None
    answer_latency: Stats | None = None
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rebuilds: list[dict[str, Any]] = field(default_factory=list)


def rss_mb(pid: int) -> float:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def start_server(corpus: Path, index: Path, token: str, log: Path) -> Server:
    """`qa serve` on a free loopback port, logging at info level to `log` (never to a pipe that could fill)."""
    port = free_port()
    env = {**os.environ, "QA_ADMIN_TOKEN": token, "QA_LOG_LEVEL": "info"}
    cmd = [sys.executable, "-m", "qa", "serve", "--port", str(port), "--corpus", str(corpus), "--index", str(index)]
    with log.open("ab") as out:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"qa serve exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/api/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    stop_server(server)
    raise RuntimeError("qa serve did not answer within 180 s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def questions() -> list[str]:
    path = DATA / "bundled_eval.jsonl"
    found = [r["question"] for r in read_jsonl(path) if not r.get("messages")] if path.is_file() else []
    return list(dict.fromkeys(found)) or ["How deep is Asia's deepest borehole?", "Who is Gao Yi?"]


def _request(http: httpx.Client, route: str, rng: random.Random, qs: list[str], sources: list[str]
             ) -> httpx.Response:
    if route == "answer":
        question = rng.choice(qs)
        if rng.random() < 0.5:  # half are new texts, so the query cache does not carry the load
            question = f"{question} ({rng.randrange(10**6)})"
        return http.post("/api/answer", json={"question": question, "top_k": rng.randint(1, 8)})
    if route == "document":
        return http.get(f"/api/documents/{rng.choice(sources)}")
    return http.get({"health": "/api/health", "documents": "/api/documents", "suggestions": "/api/suggestions"}[route])


def _client(url: str, deadline: float, seed: int, qs: list[str], sources: list[str], phase: Phase,
            samples: list[tuple[str, float]], lock: threading.Lock) -> None:
    rng = random.Random(seed)
    routes, weights = zip(*MIX, strict=True)
    with httpx.Client(base_url=url, timeout=60) as http:
        while time.monotonic() < deadline:
            route = rng.choices(routes, weights)[0]
            started = time.perf_counter()
            try:
                response = _request(http, route, rng, qs, sources)
                status = response.status_code
                error = "" if status == 200 else f"{route}: HTTP {status} {response.text[:200]}"
            except httpx.HTTPError as exc:
                error = f"{route}: {type(exc).__name__}: {exc}"
            ms = (time.perf_counter() - started) * 1000
            with lock:
                phase.requests += 1
                phase.by_route[route] = phase.by_route.get(route, 0) + 1
                samples.append((route, ms))
                if error:
                    phase.errors += 1
                    if len(phase.error_samples) < 10:
                        phase.error_samples.append(error)


def _rebuilder(server: Server, corpus: Path, token: str, every: float, deadline: float, phase: Phase) -> None:
    """Every `every` seconds: change the corpus (add, change or remove a file) and rebuild through the API."""
    extra = corpus / "load-extra.md"
    n = 0
    while time.monotonic() + every < deadline:
        time.sleep(every)
        n += 1
        if n % 3 == 0:
            extra.unlink(missing_ok=True)
        else:
            extra.write_text(f"# Extra note {n}\n\nRebuild number {n} added a note about tidal turbines.\n")
        started = time.perf_counter()
        try:
            response = httpx.post(f"{server.url}/api/index/rebuild", headers={"Authorization": f"Bearer {token}"},
                                  timeout=120)
            body = response.json()
            record = {"status": response.status_code, "seconds": round(time.perf_counter() - started, 2),
                      "rss_after_mb": server.rss_mb(),
                      "added": body.get("added"), "changed": body.get("changed"), "removed": body.get("removed")}
        except (httpx.HTTPError, ValueError) as exc:
            record = {"status": 0, "error": f"{type(exc).__name__}: {exc}"}
        phase.rebuilds.append(record)


def run_phase(server: Server, name: str, clients: int, seconds: float, corpus: Path, token: str,
              rebuild_every: float | None) -> Phase:
    qs = questions()
    sources = [d["source"] for d in httpx.get(f"{server.url}/api/documents", timeout=30).json()]
    phase = Phase(name, clients, seconds, rss_before_mb=server.rss_mb())
    samples: list[tuple[str, float]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=_client, args=(server.url, deadline, i, qs, sources, phase, samples, lock))
               for i in range(clients)]
    if rebuild_every:
        threads.append(threading.Thread(target=_rebuilder, args=(server, corpus, token, rebuild_every, deadline,
                                                                 phase)))
    for thread in threads:
        thread.start()
    peak = phase.rss_before_mb
    while any(t.is_alive() for t in threads):
        peak = max(peak, server.rss_mb())
        time.sleep(0.5)
    phase.rss_after_mb, phase.rss_peak_mb = server.rss_mb(), max(peak, server.rss_mb())
    phase.latency = Stats.of([ms for _, ms in samples])
    phase.answer_latency = Stats.of([ms for route, ms in samples if route == "answer"])
    return phase


def warm_up(server: Server) -> None:
    """Every route once and a few questions, so lazily built state is counted in 'before', not as growth."""
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for q in questions()[:20]:
            http.post("/api/answer", json={"question": q})
        for path in ("/api/health", "/api/documents", "/api/suggestions"):
            http.get(path)


def check_log(log: Path, token: str) -> dict[str, Any]:
    text = log.read_text(errors="replace")
    levels = Counter(word for line in text.splitlines() for word in ("ERROR", "Traceback") if word in line)
    return {"log_lines": len(text.splitlines()), "error_lines": levels["ERROR"], "tracebacks": levels["Traceback"],
            "token_in_log": token in text}


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=120.0)
    p.add_argument("--rebuild-every", type=float, default=20.0)
    args = p.parse_args()
    seconds, every = (5.0, 2.0) if args.smoke else (args.seconds, args.rebuild_every)
    token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = copy_corpus(BUNDLED_CORPUS, Path(tmp) / "corpus")
        server = start_server(corpus, Path(tmp) / "index", token, Path(tmp) / "server.log")
        try:
            warm_up(server)
            steady = run_phase(server, "steady", args.clients, seconds, corpus, token, None)
            rebuilding = run_phase(server, "rebuild_every", args.clients, seconds, corpus, token, every)
        finally:
            stop_server(server)
        log = check_log(server.log, token)
    results = {"phases": [steady, rebuilding], "log": log, "rebuild_every_s": every}
    for phase in (steady, rebuilding):
        ok_rebuilds = sum(1 for r in phase.rebuilds if r["status"] == 200)
        print(f"{phase.name}: {phase.requests} requests from {phase.clients} clients in {phase.seconds:.0f} s, "
              f"{phase.errors} errors, p50 {phase.latency.p50 if phase.latency else 0} ms, "
              f"p99 {phase.latency.p99 if phase.latency else 0} ms, RSS {phase.rss_before_mb} -> "
              f"{phase.rss_after_mb} MB (peak {phase.rss_peak_mb}); rebuilds ok {ok_rebuilds}/{len(phase.rebuilds)}")
    print(f"server log: {log}")
    save("load", results, args.out)
    failed = steady.errors + rebuilding.errors + sum(1 for r in rebuilding.rebuilds if r["status"] != 200)
    sys.exit(1 if failed or log["token_in_log"] or log["tracebacks"] or not rebuilding.rebuilds else 0)


if __name__ == "__main__":
    main()
