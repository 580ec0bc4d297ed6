"""The command line: index and ask, with clean errors (run through typer's runner, in-process)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import BUNDLED_CORPUS
from qa.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("cli")
    shutil.copytree(BUNDLED_CORPUS, base / "corpus")
    result = runner.invoke(app, ["index", "--corpus", str(base / "corpus"), "--index", str(base / "index")])
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "chunks" in result.output
    return base


def test_index_again_reports_everything_unchanged(indexed: Path) -> None:
    result = runner.invoke(app, ["index", "--corpus", str(indexed / "corpus"), "--index", str(indexed / "index")])
    assert result.exit_code == 0 and "2 unchanged" in result.output


def test_ask_prints_answer_and_numbered_citations(indexed: Path) -> None:
    result = runner.invoke(app, ["ask", "How deep is the borehole?", "--corpus", str(indexed / "corpus"),
                                 "--index", str(indexed / "index")])
    assert result.exit_code == 0
    assert "10,910 meters" in result.output and "[1] china-sci-tech-push.md:" in result.output


def test_ask_json_matches_the_api_shape(indexed: Path) -> None:
    result = runner.invoke(app, ["ask", "How deep is the borehole?", "--json", "--corpus", str(indexed / "corpus"),
                                 "--index", str(indexed / "index")])
    body = json.loads(result.stdout)
    assert {"question", "resolved_question", "answer", "kind", "confidence", "table_answer", "citations",
            "timing_ms"} <= set(body)


def test_missing_corpus_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i")])
    assert result.exit_code == 1 and "corpus folder not found" in result.output


def test_empty_question_is_refused(indexed: Path) -> None:
    result = runner.invoke(app, ["ask", "  ", "--index", str(indexed / "index")])
    assert result.exit_code == 1 and "1-2000 characters" in result.output
