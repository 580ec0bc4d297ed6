"""Every training table and question through the table answer path without one exception (issue #12, item 6)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRAINING_DATA = ROOT.parent / "shared" / "data"
needs_data = pytest.mark.skipif(not TRAINING_DATA.is_dir(), reason=f"no training data at {TRAINING_DATA}")


@pytest.fixture
def isolation(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT))
    return importlib.import_module("bench.table_isolation")


@needs_data
def test_a_table_that_fails_an_engine_is_counted_though_the_request_survives(
        isolation: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check would see a failure: an engine that raises on every table is logged and skipped by the answer
    path (no exception reaches the caller), and each such skip is counted."""
    def broken(*_: object) -> None:
        raise RuntimeError("this engine is broken")

    monkeypatch.setattr("qa.tableqa.engine.learned_answer", broken)
    groups = isolation.write_corpus(tmp_path, smoke=True)[:3]
    tally = isolation.run_shard(tmp_path, groups)
    assert tally.questions == 3 and tally.failures
    assert all(line.startswith("logged: table ") for line in tally.failures)


@pytest.mark.slow
@pytest.mark.timeout(2400)
@needs_data
def test_every_training_table_and_question_is_answered_without_an_exception(tmp_path: Path) -> None:
    """All 14,152 WikiTableQuestions and 1,663 TAT-QA training questions, each closed to its file as the product
    reads it: nothing raised, nothing logged as a skipped failure."""
    out = tmp_path / "isolation.json"
    result = subprocess.run([sys.executable, "-m", "bench.table_isolation", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=2300)
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(out.read_text())["results"]
    assert found["questions"] == 14152 + 1663 and found["files"] == 1679 + 277
    assert found["failures"] == []
