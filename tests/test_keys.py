"""Keys: stored as salted hashes, checked in constant time, revoked on a running server, managed by admins."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import make_settings
from qa.cli import app as cli
from qa.embed.embedder import Embedder
from qa.serve.app import create_app
from qa.serve.keys import KeyProblem, KeyStore
from qa.serve.service import Service

TOKEN = "admin-token-for-tests"


def test_a_key_is_stored_only_as_a_salted_hash(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.db")
    key_a, _ = store.create("a")
    key_b, _ = store.create("b")
    raw = (tmp_path / "keys.db").read_bytes()
    assert key_a.encode() not in raw and key_a.split("_", 2)[2].encode() not in raw  # the secret may hold "_"
    rows = sqlite3.connect(tmp_path / "keys.db").execute("SELECT salt, hash FROM keys").fetchall()
    assert len({r[0] for r in rows}) == 2 and len({r[1] for r in rows}) == 2 and all(len(r[1]) == 32 for r in rows)
    assert store.verify(key_a) is not None and store.verify(key_b) is not None
    assert store.verify(key_a[:-1] + ("x" if key_a[-1] != "x" else "y")) is None
    assert store.verify(key_b.replace(key_b.split("_")[1], key_a.split("_")[1])) is None  # a's id, b's secret


def test_revoked_keys_stop_working_once_the_cache_is_stale(tmp_path: Path) -> None:
    now = [0.0]
    server = KeyStore(tmp_path / "keys.db", ttl=2.0, clock=lambda: now[0])
    key, _ = KeyStore(tmp_path / "keys.db").create("team", "editor", ["team"])
    assert server.verify(key) is not None
    KeyStore(tmp_path / "keys.db").revoke("team")  # another process: `qa keys revoke`
    now[0] = 1.0
    assert server.verify(key) is not None  # still within the few seconds a server trusts its copy
    now[0] = 2.5
    assert server.verify(key) is None


@pytest.mark.parametrize("scope", ["../up", "/abs", "a/../b", ".hidden", ""])
def test_scopes_leading_out_of_the_corpus_are_refused(tmp_path: Path, scope: str) -> None:
    with pytest.raises(KeyProblem):
        KeyStore(tmp_path / "keys.db").create("x", "reader", [scope])


def test_cli_creates_lists_and_revokes_keys_and_prints_the_key_once(tmp_path: Path) -> None:
    runner, db = CliRunner(), str(tmp_path / "keys.db")
    created = runner.invoke(cli, ["keys", "create", "team-a", "--role", "editor", "--scope", "team-a", "--db", db])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("qa_") and KeyStore(Path(db)).verify(key) is not None
    listed = runner.invoke(cli, ["keys", "list", "--db", db])
    assert "team-a\teditor\tteam-a" in listed.stdout and key not in listed.stdout
    again = runner.invoke(cli, ["keys", "create", "team-a", "--db", db])
    assert again.exit_code == 1 and "exists already" in again.output
    assert runner.invoke(cli, ["keys", "revoke", "team-a", "--db", db]).exit_code == 0
    assert KeyStore(Path(db)).verify(key) is None
    assert runner.invoke(cli, ["keys", "create", "bad", "--role", "owner", "--db", db]).exit_code == 1


@pytest.fixture
def keyed(tmp_path: Path, embedder: Embedder) -> Iterator[TestClient]:
    """A server with QA_ANONYMOUS=none, an admin token and a keys file, over a one-folder corpus."""
    (tmp_path / "corpus" / "team").mkdir(parents=True)
    (tmp_path / "corpus" / "team" / "wells.md").write_text("# Wells\n\nThe Alpha well is 4,200 metres deep.\n")
    settings = make_settings(tmp_path / "corpus", tmp_path / "index", keys_db=tmp_path / "keys.db",
                             keys_cache_seconds=0, anonymous="none", admin_token=TOKEN)
    with TestClient(create_app(settings, Service(settings, embedder), build=True)) as client:
        yield client


def test_with_anonymous_none_every_request_but_health_needs_a_key(keyed: TestClient) -> None:
    for method, path in (("GET", "/api/documents"), ("GET", "/api/suggestions"), ("GET", "/api/index/status"),
                         ("GET", "/api/documents/team/wells.md")):
        assert keyed.request(method, path).status_code == 401, path
    shell = keyed.get("/view/team/wells.md")  # the page without the text: the browser fetches it with its key
    assert shell.status_code == 200 and "4,200" not in shell.text
    assert 'data-api="/api/documents/team/wells.md"' in shell.text
    assert keyed.post("/api/answer", json={"question": "How deep is the Alpha well?"}).status_code == 401
    health = keyed.get("/api/health")
    assert health.status_code == 200 and health.json()["documents"] == 0  # nobody's folders: nothing counted
    admin = {"Authorization": f"Bearer {TOKEN}"}
    assert keyed.get("/api/health", headers=admin).json()["documents"] == 1


def test_admins_create_and_revoke_keys_and_the_running_server_refuses_a_revoked_one(
        keyed: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    admin = {"Authorization": f"Bearer {TOKEN}"}
    caplog.set_level(logging.INFO, logger="qa.audit")
    created = keyed.post("/api/keys", json={"name": "team", "role": "reader", "scopes": ["team"]}, headers=admin)
    assert created.status_code == 201
    key = created.json()["key"]
    reader = {"Authorization": f"Bearer {key}"}
    asked = keyed.post("/api/answer", json={"question": "How deep is the Alpha well?"}, headers=reader)
    assert asked.status_code == 200 and asked.json()["answer"] == "4,200 metres"
    assert keyed.get("/api/me", headers=reader).json() == {"name": "team", "role": "reader", "scopes": ["team"]}
    assert keyed.get("/api/keys", headers=reader).status_code == 403
    assert keyed.post("/api/index/rebuild", headers=reader).status_code == 403
    assert [k["name"] for k in keyed.get("/api/keys", headers=admin).json()] == ["team"]
    assert key not in keyed.get("/api/keys", headers=admin).text
    assert keyed.delete("/api/keys/team", headers=admin).status_code == 200
    assert keyed.post("/api/answer", json={"question": "How deep?"}, headers=reader).status_code == 401
    events = [r.getMessage() for r in caplog.records if r.name == "qa.audit"]
    assert any('"key.create"' in e and '"ok"' in e for e in events)
    assert any('"key.revoke"' in e for e in events) and all(key not in e for e in events)


def test_a_scoped_admin_cannot_hand_out_keys_beyond_its_folders(keyed: TestClient) -> None:
    admin = {"Authorization": f"Bearer {TOKEN}"}
    boss = keyed.post("/api/keys", json={"name": "boss", "role": "admin", "scopes": ["team"]}, headers=admin).json()
    scoped = {"Authorization": f"Bearer {boss['key']}"}
    assert keyed.post("/api/keys", json={"name": "all", "role": "reader"}, headers=scoped).status_code == 403
    assert keyed.post("/api/keys", json={"name": "o", "scopes": ["other"]}, headers=scoped).status_code == 403
    assert keyed.post("/api/keys", json={"name": "sub", "scopes": ["team/sub"]}, headers=scoped).status_code == 201
    assert keyed.delete("/api/keys/boss", headers=scoped).status_code == 200


def test_anonymous_questions_never_touch_the_keys_file(tmp_path: Path, embedder: Embedder) -> None:
    """QA_ANONYMOUS=read and no header: no database read at all (a keys path that cannot be opened is fine)."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "wells.md").write_text("# Wells\n\nThe Alpha well is 4,200 metres deep.\n")
    unreadable = tmp_path / "keys-is-a-folder"
    unreadable.mkdir()
    settings = make_settings(tmp_path / "corpus", tmp_path / "index", keys_db=unreadable)
    with TestClient(create_app(settings, Service(settings, embedder), build=True)) as client:
        asked = client.post("/api/answer", json={"question": "How deep is the Alpha well?"})
        assert asked.status_code == 200 and asked.json()["answer"] == "4,200 metres"
        keyed = client.post("/api/answer", json={"question": "How deep?"}, headers={"Authorization": "Bearer qa_x_y"})
        assert keyed.status_code == 503  # a key check reads it, fails closed, and says so
        assert "cannot be checked" in keyed.json()["detail"]
