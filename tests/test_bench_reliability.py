"""The reliability benchmarks run end to end in --smoke mode; the full runs' figures are in docs/RELIABILITY.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _smoke(name: str, out: Path) -> dict[str, Any]:
    """Run `python -m bench.NAME --smoke` as CI would, and return its results."""
    run = subprocess.run([sys.executable, "-m", f"bench.{name}", "--smoke", "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results: dict[str, Any] = json.loads(out.read_text())["results"]
    return results


@pytest.mark.slow
def test_load_smoke_has_no_errors_with_or_without_rebuilds(tmp_path: Path) -> None:
    results = _smoke("load", tmp_path / "load.json")
    steady, rebuilding = results["phases"]
    assert steady["requests"] > 0 and steady["errors"] == 0 and rebuilding["errors"] == 0
    assert rebuilding["rebuilds"] and all(r["status"] == 200 for r in rebuilding["rebuilds"])
    assert not results["log"]["token_in_log"] and results["log"]["tracebacks"] == 0


@pytest.mark.slow
def test_crash_smoke_survives_every_kill(tmp_path: Path) -> None:
    results = _smoke("crash", tmp_path / "crash.json")
    assert results["failures"] == [] and len(results["kills"]) == 2
    assert results["server_restarts_ok"] == len(results["server_kills"]) == 1


@pytest.mark.slow
def test_fuzz_smoke_finds_no_server_errors(tmp_path: Path) -> None:
    results = _smoke("fuzz", tmp_path / "fuzz.json")
    assert results["cases"] >= 25 and results["failures"] == [] and results["server_errors"] == 0


@pytest.mark.slow
def test_corpus_faults_smoke_builds_and_refuses_the_big_file(tmp_path: Path) -> None:
    results = _smoke("corpus_faults", tmp_path / "corpus_faults.json")
    assert results["failed"] == [] and results["big_file_refused_by_size"]
    assert results["big_file_peak_rss_ratio"] < 1.2
