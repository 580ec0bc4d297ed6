"""`qa index --ray local`: files parsed and chunks embedded by Ray tasks give the index a local build gives."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import ROOT, make_settings
from qa.cli import app
from qa.embed.embedder import Embedder
from qa.index.builder import build_index
from qa.index.store import generations, read_data

pytest.importorskip("ray", reason="pip install -e '.[ray]'")
sys.path.insert(0, str(ROOT))
from bench.scale_corpus import generate

pytestmark = pytest.mark.slow


def test_ray_local_build_gives_the_same_chunks_and_vectors(tmp_path: Path, embedder: Embedder) -> None:
    generate(tmp_path / "local" / "corpus", 12)
    generate(tmp_path / "ray" / "corpus", 12)
    build_index(make_settings(tmp_path / "local" / "corpus", tmp_path / "local" / "index"), lambda: embedder)
    result = CliRunner().invoke(app, ["index", "--corpus", str(tmp_path / "ray" / "corpus"), "--index",
                                      str(tmp_path / "ray" / "index"), "--ray", "local"])
    assert result.exit_code == 0, result.output
    assert "12 added" in result.output and "72 chunks" in result.output
    local, ray = (read_data(generations(tmp_path / x / "index")[0]) for x in ("local", "ray"))
    assert [c.to_json() for c in ray.chunks] == [c.to_json() for c in local.chunks]
    assert [t.to_json() for t in ray.tables] == [t.to_json() for t in local.tables]
    assert np.allclose(ray.vectors, local.vectors, atol=1e-5)


def test_ray_without_the_extra_is_a_clean_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.md").write_text("# A\n\nThe ferry leaves at noon.\n")
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    result = CliRunner().invoke(app, ["index", "--corpus", str(tmp_path / "corpus"), "--index",
                                      str(tmp_path / "index"), "--ray", "local"])
    assert result.exit_code == 1 and "--ray needs Ray: pip install 'qa[ray]'" in result.output
    assert generations(tmp_path / "index") == []
