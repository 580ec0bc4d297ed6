"""The command line: index, ask and serve, with clean errors (typer's runner in-process; serve as a process)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from conftest import BUNDLED_CORPUS, free_port
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


def test_serve_with_workers_serves_the_last_good_index_when_the_build_fails(indexed: Path, tmp_path: Path) -> None:
    """`qa serve --workers 2` over a corpus that cannot be read: its index from before is still served."""
    index = tmp_path / "index"
    shutil.copytree(indexed / "index", index)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--workers", "2", "--port", str(port),
                                    "--corpus", str(tmp_path / "gone"), "--index", str(index)],
                                   stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "QA_LOG_LEVEL": "warning"})
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert process.poll() is None, log.read_text()
        body = httpx.post(f"{url}/api/answer", json={"question": "How deep is the borehole?"}, timeout=30).json()
        assert "10,910 meters" in body["answer"]
        assert "corpus folder not found" in log.read_text() and "serving the last good index" in log.read_text()
    finally:
        process.terminate()
        process.wait(30)


def test_serve_with_workers_and_no_index_fails_with_the_build_reason(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--workers", "2", "--corpus", str(tmp_path / "gone"),
                                 "--index", str(tmp_path / "index")])
    assert result.exit_code == 1 and "corpus folder not found" in result.output


def test_index_of_files_without_text_builds_and_names_each_skipped_file_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "title.md").write_text("# Only a title\n")
    (corpus / "bad.csv").write_text('a,b\n1,"never closed\n')
    # A real process: a warning logged with no handler set up reaches stderr there, as it does for a user.
    done = subprocess.run([sys.executable, "-m", "qa", "index", "--corpus", str(corpus),
                           "--index", str(tmp_path / "index")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("skipped bad.csv: malformed CSV") == 1
    assert "0 chunks" in done.stdout
