"""Crash safety: `qa index` killed with SIGKILL at random points of a build, and `qa serve` killed mid-rebuild.

    python -m bench.crash            # 20 kills of `qa index`, 3 of `qa serve` (about ten minutes)
    python -m bench.crash --smoke    # 2 kills and 1 server kill, for CI

After every kill the previous index must load and answer a known question with exact offsets, and the next
build must complete and hold exactly the corpus. Half the kills land at a random time of the whole build; the
other half wait until the build is writing its new generation and kill it there, the window that matters.
A killed and restarted server must serve the last good index.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
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

from bench.common import BUNDLED_CORPUS, copy_corpus, generate_corpus, parser, save
from bench.load import start_server, stop_server
from qa.corpus.files import scan
from qa.embed.embedder import Embedder
from qa.index.store import CURRENT, current_name, load_latest
from qa.serve.service import Service
from qa.settings import Settings

QUESTION = "How deep is the borehole in the Taklimakan Desert?"
EXPECTED = "10,910"


@dataclass
class Kill:
    """One killed build: when, in which state it left the index folder, and what was checked after."""

    n: int
    mode: str
    full: bool
    after_s: float
    state: str
    served_after_kill: str
    next_build_s: float
    served_after_build: str


@dataclass
class Report:
    kills: list[Kill] = field(default_factory=list)
    server_kills: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def qa_index(corpus: Path, index: Path, full: bool) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "qa", "index", "--corpus", str(corpus), "--index", str(index)]
    return subprocess.Popen([*cmd, "--full"] if full else cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def complete_build(corpus: Path, index: Path, full: bool = False) -> float:
    started = time.perf_counter()
    process = qa_index(corpus, index, full)
    _out, err = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(f"qa index failed ({process.returncode}): {err.decode(errors='replace')[-1000:]}")
    return time.perf_counter() - started


def mutate(corpus: Path, rng: random.Random, n: int) -> None:
    """Give the next build work: change a report, add a note, sometimes remove an older note."""
    reports = sorted((corpus / "reports").glob("*.md"))
    target = rng.choice(reports)
    target.write_text(target.read_text() + f"\nRevision {n}: the tally rose to {rng.randrange(10**6)} units.\n")
    (corpus / f"crash-note-{n}.md").write_text(f"# Note {n}\n\nCrash round {n} logged {rng.randrange(999)} events.\n")
    if n % 3 == 0:
        for old in sorted(corpus.glob("crash-note-*.md"))[:1]:
            old.unlink()


def wait_for_write(index: Path, process: subprocess.Popen[bytes], rng: random.Random, limit: float) -> None:
    """Block until the build starts writing a generation (a .tmp- folder appears), then a few ms more."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        if any(index.glob(".tmp-*")):
            time.sleep(rng.uniform(0, 0.03))
            return
        time.sleep(0.0005)


def state_after(index: Path, before: str, before_gens: set[str], returncode: int | None) -> str:
    if returncode == 0:
        return "finished before the kill"
    if any(index.glob(".tmp-*")):
        return "killed while writing a generation"
    gens = {p.name for p in index.glob("gen-*")}
    if current_name(index) != before:
        return "killed after switching CURRENT (new index complete)"
    if gens - before_gens:
        return "killed after writing, before switching CURRENT"
    return "killed before writing"


def serves(settings: Settings, embedder: Embedder) -> str:
    """Start a service over the index without building; it must answer the known question with exact offsets."""
    service = Service(settings, embedder)
    service.start(build=False)
    result = service.answer(QUESTION)
    if EXPECTED not in result.answer:
        raise AssertionError(f"answer {result.answer!r} lacks {EXPECTED}")
    docs = service.engine.index.data.documents
    for c in result.citations:
        if docs[c.source].text[c.start : c.end] != c.text:
            raise AssertionError(f"citation {c.n} offsets do not match {c.source}")
    return service.engine.index.path.name


def holds_corpus(corpus: Path, index: Path) -> None:
    expected = {e.source for e in scan(corpus)[0]}
    held = set(load_latest(index).data.documents)
    if held != expected:
        raise AssertionError(f"index holds {sorted(held ^ expected)} differently from the corpus")


def kill_build(n: int, corpus: Path, index: Path, rng: random.Random, timing: dict[str, float],
               settings: Settings, embedder: Embedder) -> Kill:
    mutate(corpus, rng, n)
    full, mode = rng.random() < 0.5, "random" if n % 2 == 0 else "while writing"
    before, before_gens = current_name(index), {p.name for p in index.glob("gen-*")}
    started = time.monotonic()
    process = qa_index(corpus, index, full)
    if mode == "random":
        time.sleep(rng.uniform(0.0, 1.05) * timing["full" if full else "incremental"])
    else:
        wait_for_write(index, process, rng, 600)
    returncode = process.poll()
    if returncode is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    after_s = time.monotonic() - started
    state = state_after(index, before, before_gens, returncode)
    served = serves(settings, embedder)
    next_build = complete_build(corpus, index)
    holds_corpus(corpus, index)
    return Kill(n, mode, full, round(after_s, 3), state, served, round(next_build, 2), serves(settings, embedder))


def kill_server(n: int, corpus: Path, index: Path, rng: random.Random, log: Path,
                settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """Kill `qa serve` while it rebuilds through the API; the restarted server must serve the last good index."""
    token = f"bench-crash-{n}-{rng.randrange(10**9)}"
    server = start_server(corpus, index, token, log)
    mutate(corpus, rng, 1000 + n)
    before = current_name(index)
    rebuild = threading.Thread(target=_post_rebuild, args=(server.url, token), daemon=True)
    rebuild.start()
    time.sleep(rng.uniform(0.0, 3.0))
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    rebuild.join(timeout=30)
    state = "rebuild finished before the kill" if current_name(index) != before else "killed during the rebuild"
    served_dead = serves(settings, embedder)
    restarted = start_server(corpus, index, token, log)
    try:
        with httpx.Client(base_url=restarted.url, timeout=60) as http:
            health = http.get("/api/health")
            answer = http.post("/api/answer", json={"question": QUESTION}).json()
            listed = {d["source"] for d in http.get("/api/documents").json()}
    finally:
        stop_server(restarted)
    expected = {e.source for e in scan(corpus)[0]}
    ok = health.status_code == 200 and EXPECTED in answer["answer"] and listed == expected
    return {"n": n, "state": state, "served_while_down": served_dead, "restart_ok": ok,
            "restart_serves": current_name(index)}


def _post_rebuild(url: str, token: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it: that is the point
        httpx.post(f"{url}/api/index/rebuild", headers={"Authorization": f"Bearer {token}"}, timeout=120)


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--server-kills", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    kills, server_kills = (2, 1) if args.smoke else (args.kills, args.server_kills)
    rng = random.Random(args.seed)
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = copy_corpus(BUNDLED_CORPUS, Path(tmp) / "corpus")
        generate_corpus(corpus / "reports", 10 if args.smoke else 60)
        index = Path(tmp) / "index"
        timing = {"full": complete_build(corpus, index, full=True)}
        mutate(corpus, rng, 0)
        # The smoke run skips timing an incremental build: its kills then sample the full build's span.
        timing["incremental"] = timing["full"] if args.smoke else complete_build(corpus, index)
        settings = Settings(corpus_dir=corpus, index_dir=index, _env_file=None)  # type: ignore[call-arg]
        embedder = Embedder()
        for n in range(1, kills + 1):
            try:
                report.kills.append(kill_build(n, corpus, index, rng, timing, settings, embedder))
                print(f"kill {n}: {report.kills[-1].state}; served {report.kills[-1].served_after_kill}")
            except (AssertionError, RuntimeError, OSError) as exc:
                report.failures.append(f"kill {n}: {type(exc).__name__}: {exc}")
                print(report.failures[-1])
        for n in range(1, server_kills + 1):
            try:
                report.server_kills.append(kill_server(n, corpus, index, rng, Path(tmp) / "server.log", settings,
                                                       embedder))
                print(f"server kill {n}: {report.server_kills[-1]}")
            except (AssertionError, RuntimeError, OSError, httpx.HTTPError) as exc:
                report.failures.append(f"server kill {n}: {type(exc).__name__}: {exc}")
                print(report.failures[-1])
        leftovers = sorted(p.name for p in index.iterdir() if p.name not in (CURRENT, ".lock"))
    survived = sum(1 for k in report.kills if k.state != "finished before the kill")
    restarts_ok = sum(1 for s in report.server_kills if s["restart_ok"])
    states = Counter(k.state for k in report.kills)
    results = {"build_seconds": timing, "kills": report.kills, "states": states,
               "crashes_survived": survived, "server_kills": report.server_kills, "server_restarts_ok": restarts_ok,
               "failures": report.failures, "index_folder_after": leftovers}
    print(f"{len(report.kills)} builds killed ({survived} mid-build), {len(report.failures)} failures; "
          f"server restarts ok {restarts_ok}/{len(report.server_kills)}; states {dict(states)}")
    save("crash", results, args.out)
    sys.exit(1 if report.failures or restarts_ok != server_kills else 0)


if __name__ == "__main__":
    main()
