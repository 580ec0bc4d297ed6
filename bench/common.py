"""Shared benchmark helpers: timing statistics, machine facts, result files and a real `qa serve` process."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"
BUNDLED_CORPUS = ROOT / "corpus"
FINANCIAL_CORPUS = DATA / "financial"


@dataclass(frozen=True)
class Stats:
    """Latency summary in milliseconds."""

    n: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float

    @classmethod
    def of(cls, millis: Sequence[float]) -> Stats:
        if not millis:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0.0)
        a = np.asarray(millis, dtype=np.float64)
        p50, p95, p99 = (float(np.percentile(a, q)) for q in (50, 95, 99))
        return cls(len(a), round(p50, 3), round(p95, 3), round(p99, 3), round(float(a.mean()), 3),
                   round(float(a.max()), 3))


def parser(description: str) -> argparse.ArgumentParser:
    """The argument parser every benchmark shares: --smoke for CI's tiny run, --out for the result file."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--smoke", action="store_true", help="a tiny run that only proves the benchmark works")
    p.add_argument("--out", type=Path, default=None, help="result file (default: bench/results/NAME.json)")
    return p


def machine() -> dict[str, Any]:
    """What the figures were measured on, including how busy the machine was."""
    versions = {}
    for name in ("torch", "sentence-transformers", "faiss-cpu", "bm25s", "onnxruntime", "txtai", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {"platform": platform.platform(), "processor": _cpu_model(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "versions": versions}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def save(name: str, results: dict[str, Any], out: Path | None = None) -> Path:
    """Write results with the machine and the command that produced them; returns the file written."""
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"benchmark": name, "command": "python -m " + " ".join([f"bench.{name}", *sys.argv[1:]]),
              "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "results": results}
    path.write_text(json.dumps(record, indent=2, default=_jsonable) + "\n")
    print(f"wrote {path}")
    return path


def _jsonable(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def copy_corpus(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, dirs_exist_ok=True)
    return dst


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerRun:
    """A `qa serve` child process and when it first answered."""

    url: str
    process: subprocess.Popen[bytes]
    ready_s: float


@contextmanager
def serve(corpus: Path, index: Path, env: dict[str, str] | None = None, timeout: float = 120.0,
          workers: int = 1) -> Iterator[ServerRun]:
    """Run `qa serve` (a real uvicorn in its own process) on a free loopback port until the block ends."""
    port = free_port()
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "qa", "serve", "--port", str(port), "--corpus", str(corpus), "--index", str(index),
           "--workers", str(workers)]
    # The server's log goes to a file: an undrained pipe fills up and blocks the server mid-request.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(cmd, env={**os.environ, "QA_LOG_LEVEL": "warning", **(env or {})},
                                   stdout=subprocess.DEVNULL, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            ready = wait_ready(url, process, started, timeout, log)
            yield ServerRun(url, process, ready)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_ready(url: str, process: subprocess.Popen[bytes], started: float, timeout: float, log: IO[bytes]) -> float:
    """Seconds from `started` until /api/health answered 200; raises when the server died or never came up."""
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            log.seek(0)
            err = log.read().decode(errors="replace")
            raise RuntimeError(f"qa serve exited with {process.returncode}: {err[-2000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"qa serve did not answer within {timeout:.0f} s")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def indexed_service(corpus: Path, workdir: Path, **settings: Any) -> Any:
    """A started Service over a copy of `corpus` indexed into `workdir` (the library path the API uses)."""
    from qa.serve.service import Service
    from qa.settings import Settings

    copy = copy_corpus(corpus, workdir / "corpus")
    service = Service(Settings(corpus_dir=copy, index_dir=workdir / "index", _env_file=None, **settings))
    service.start(build=True)
    return service


EVAL_SETS = {"bundled": (BUNDLED_CORPUS, DATA / "bundled_eval.jsonl"),
             "financial": (FINANCIAL_CORPUS, DATA / "financial_eval.jsonl")}


_COMPANIES = ["Northwind", "Helios", "Cobalt", "Meridian", "Atlas", "Harbor", "Juniper", "Orion", "Vesta", "Kestrel",
              "Solace", "Tamarind", "Quarry", "Lumen", "Brightwater", "Falcon"]
_METRICS = ["revenue", "operating profit", "net income", "free cash flow", "capital expenditure", "net debt",
            "gross margin", "order backlog", "research spending", "dividend"]
_REGIONS = ["Germany", "France", "Poland", "Texas", "Ontario", "Japan", "Brazil", "Kenya", "Chile", "Norway"]


def synthetic_paragraph(rng: np.random.Generator, n: int) -> str:
    """A report-like paragraph with names and numbers, different for every (seed, n)."""
    c, m, r = (rng.choice(x) for x in (_COMPANIES, _METRICS, _REGIONS))
    m2 = rng.choice(_METRICS)
    year = int(rng.integers(2015, 2026))
    v, pct, q = rng.integers(100, 99_999), round(float(rng.normal(4, 9)), 1), int(rng.integers(1, 5))
    return (f"{c} reported {m} of ${v:,} million in {r} for fiscal {year}, a change of {pct}% on the prior year. "
            f"In the {q}Q period, {m2} in {r} reached {rng.integers(10, 9_999):,} million as unit {n} expanded. "
            f"Management expects {m} growth of {round(float(rng.uniform(1, 12)), 1)}% next year.")


def generate_corpus(folder: Path, files: int, paragraphs: int = 3, seed: int = 7) -> Path:
    """`files` Markdown files of synthetic report paragraphs (one chunk each at the default chunk size)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        body = "\n\n".join(f"## Section {p}\n\n{synthetic_paragraph(rng, i * paragraphs + p)}"
                           for p in range(paragraphs))
        (folder / f"report-{i:05d}.md").write_text(f"# Report {i}\n\n{body}\n", encoding="utf-8")
    return folder
