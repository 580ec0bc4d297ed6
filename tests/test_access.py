"""Keys scoped to two folders never see each other's documents, in any field of any endpoint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_settings
from qa.answer.followup import Turn
from qa.embed.embedder import Embedder
from qa.serve.app import create_app
from qa.serve.auth import Caller
from qa.serve.keys import KeyStore
from qa.serve.service import Service

ALPHA = """# Zorblat reactor

## How much power does the Zorblat reactor produce?

The Zorblat reactor produces 412 megawatts of electricity. It was built by Mirela Vostok in 2019.

| Metric | Zorblat | Quillon |
|---|---|---|
| Output (MW) | 412 | 388 |
| Staff | 1,250 | 980 |
"""
BETA = """# Quenvar bridge

## How long is the Quenvar bridge?

The Quenvar bridge is 9,310 meters long. It was designed by Tobias Halvern in 2004.

| Metric | Quenvar | Ostrel |
|---|---|---|
| Length (m) | 9,310 | 7,045 |
| Cost (USD million) | 2,750 | 1,980 |
"""
# What only each folder's documents say: none of it may reach the other folder's key.
MARKERS = {"alpha": ["Zorblat", "Quillon", "412", "388", "1,250", "Vostok", "Mirela", "alpha/", "reactor"],
           "beta": ["Quenvar", "Ostrel", "9,310", "7,045", "2,750", "1,980", "Halvern", "Tobias", "beta/", "bridge"]}
QUESTIONS = {
    "alpha": ["How much power does the Zorblat reactor produce?", "Who built the Zorblat reactor?",
              "What is the staff of Quillon?", "What is the difference in output between Zorblat and Quillon?",
              "Which has the highest output?"],
    "beta": ["How long is the Quenvar bridge?", "Who designed the Quenvar bridge?", "What is the cost of Ostrel?",
             "What is the length of Ostrel?", "How much more does Quenvar cost than Ostrel?", "Which is longest?"],
}
OTHER = {"alpha": "beta", "beta": "alpha"}


def write_teams(corpus: Path) -> None:
    """The two team folders: alpha/alpha-notes.md and beta/beta-notes.md."""
    for folder, text in (("alpha", ALPHA), ("beta", BETA)):
        (corpus / folder).mkdir(parents=True)
        (corpus / folder / f"{folder}-notes.md").write_text(text)


def team_keys(db: Path, role: str) -> dict[str, str]:
    """A key of `role` for each team, scoped to its folder."""
    store = KeyStore(db)
    return {folder: store.create(f"team-{folder}", role, [folder])[0] for folder in ("alpha", "beta")}


@pytest.fixture(scope="module")
def scoped(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app over a corpus of two team folders (and a file the build skips in each), with a key for each."""
    base = tmp_path_factory.mktemp("scoped")
    write_teams(base / "corpus")
    for folder in ("alpha", "beta"):
        (base / "corpus" / folder / f"{folder}-broken.txt").write_bytes(b"\x00\x01 binary " + folder.encode())
    keys = team_keys(base / "keys.db", "editor")
    settings_ = make_settings(base / "corpus", base / "index", keys_db=base / "keys.db", keys_cache_seconds=0)
    service = Service(settings_, embedder)
    with TestClient(create_app(settings_, service, build=True)) as client:
        yield client, keys


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _strings(body: Any, skip: tuple[str, ...] = ("question",)) -> str:
    """Every text of a response (not scores or timings, whose digits are no facts), less the echoed question."""
    if isinstance(body, dict):
        return "\n".join(f"{k}\n{_strings(v, ())}" for k, v in body.items() if k not in skip)
    if isinstance(body, list):
        return "\n".join(_strings(v, ()) for v in body)
    return body if isinstance(body, str) else ""


def _leaks(body: Any, folder: str, asked: str = "") -> list[str]:
    """The other folder's markers found anywhere in a response, less the words the caller itself sent."""
    text = _strings(body)
    # Whole words only: "412" is a fact of the other folder, not the digits of a generation id ("...T195420358412").
    return [m for m in MARKERS[OTHER[folder]] if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text) and m not in asked]


def test_each_key_answers_from_its_own_folder(scoped: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = scoped
    own = client.post("/api/answer", json={"question": "How long is the Quenvar bridge?"}, headers=_auth(keys["beta"]))
    assert own.status_code == 200 and own.json()["answer"] == "9,310 meters"
    anonymous = client.post("/api/answer", json={"question": "How long is the Quenvar bridge?"}).json()
    assert anonymous["answer"] == "9,310 meters"  # without a key (QA_ANONYMOUS=read) the whole corpus, as before


@pytest.mark.parametrize("folder", ["alpha", "beta"])
def test_answers_never_carry_the_other_folders_facts(scoped: tuple[TestClient, dict[str, str]], folder: str) -> None:
    client, keys = scoped
    for question in QUESTIONS["alpha"] + QUESTIONS["beta"]:
        response = client.post("/api/answer", json={"question": question, "top_k": 20}, headers=_auth(keys[folder]))
        assert response.status_code == 200
        body = response.json()
        assert _leaks(body, folder, question) == [], (question, body["answer"])
        sources = {c["source"] for c in body["citations"]} | {(body["answer_span"] or {}).get("source", folder + "/")}
        assert all(s.startswith(folder + "/") for s in sources), (question, sources)


@pytest.mark.parametrize("folder", ["alpha", "beta"])
def test_follow_ups_naming_the_other_folders_entities_resolve_within_the_scope(
        scoped: tuple[TestClient, dict[str, str]], folder: str) -> None:
    client, keys = scoped
    mine, theirs = QUESTIONS[folder][0], QUESTIONS[OTHER[folder]][0]
    entity = "Quenvar" if folder == "alpha" else "Zorblat"
    conversations = [([mine], f"And {entity}?"), ([theirs], "And the year before?"), ([theirs], "Who designed it?"),
                     ([mine, f"And {entity}?"], "What about the cost?")]
    for earlier, question in conversations:
        messages = [{"role": "user", "content": m} for m in earlier]
        body = client.post("/api/answer", json={"question": question, "messages": messages},
                           headers=_auth(keys[folder])).json()
        asked = " ".join([*earlier, question])
        assert _leaks(body, folder, asked) == [], (earlier, question, body)


@pytest.mark.parametrize("folder", ["alpha", "beta"])
def test_sources_outside_the_scope_are_403_whether_or_not_they_exist(
        scoped: tuple[TestClient, dict[str, str]], folder: str) -> None:
    client, keys = scoped
    other = OTHER[folder]
    real = client.post("/api/answer", json={"question": "How long?", "sources": [f"{other}/{other}-notes.md"]},
                       headers=_auth(keys[folder]))
    made_up = client.post("/api/answer", json={"question": "How long?", "sources": [f"{other}/nothing.md"]},
                          headers=_auth(keys[folder]))
    assert real.status_code == made_up.status_code == 403
    detail = real.json()["detail"].replace(f"{other}-notes.md", "X")
    assert detail == made_up.json()["detail"].replace("nothing.md", "X")
    own = client.post("/api/answer", headers=_auth(keys[folder]),
                      json={"question": QUESTIONS[folder][0], "sources": [f"{folder}/{folder}-notes.md"]})
    assert own.status_code == 200


@pytest.mark.parametrize("folder", ["alpha", "beta"])
def test_document_list_texts_views_suggestions_status_and_counts_stay_in_the_scope(
        scoped: tuple[TestClient, dict[str, str]], folder: str) -> None:
    client, keys = scoped
    other, auth = OTHER[folder], _auth(keys[folder])
    listing = client.get("/api/documents", headers=auth).json()
    assert [d["source"] for d in listing] == [f"{folder}/{folder}-notes.md"]
    for path in (f"/api/documents/{other}/{other}-notes.md", f"/view/{other}/{other}-notes.md"):
        hidden, missing = client.get(path, headers=auth), client.get(path.replace("-notes", "-none"), headers=auth)
        assert hidden.status_code == missing.status_code == 404 and hidden.text == missing.text
    assert client.get(f"/api/documents/{folder}/{folder}-notes.md", headers=auth).status_code == 200
    for path in ("/api/documents", "/api/suggestions", "/api/index/status", "/api/health", "/api/me"):
        response = client.get(path, headers=auth)
        assert response.status_code == 200 and _leaks(response.json(), folder) == [], (path, response.text)
    status = client.get("/api/index/status", headers=auth).json()
    assert [s["source"] for s in status["skipped"]] == [f"{folder}/{folder}-broken.txt"]
    health, everything = client.get("/api/health", headers=auth).json(), client.get("/api/health").json()
    assert health["documents"] == 1 and everything["documents"] == 2
    assert health["chunks"] < everything["chunks"] and health["tables"] == 1


def test_unknown_and_malformed_keys_are_401_and_readers_cannot_change_the_corpus(
        scoped: tuple[TestClient, dict[str, str]], tmp_path: Path) -> None:
    client, keys = scoped
    for header in ("Bearer qa_nope_nope", "Bearer " + keys["alpha"] + "x", "Basic " + keys["alpha"], "Bearer "):
        response = client.post("/api/answer", json={"question": "How long?"}, headers={"Authorization": header})
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert keys["alpha"] not in response.text


LEAK_WORDS = [m for ms in MARKERS.values() for m in ms if "/" not in m]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scope=st.sets(st.sampled_from(["alpha", "beta"]), max_size=2),
       earlier=st.lists(st.sampled_from(QUESTIONS["alpha"] + QUESTIONS["beta"]), max_size=2),
       question=st.one_of(st.sampled_from(QUESTIONS["alpha"] + QUESTIONS["beta"]),
                          st.lists(st.sampled_from([*LEAK_WORDS, "how", "much", "what", "is", "the", "?"]),
                                   min_size=1, max_size=8).map(" ".join)))
def test_random_scopes_and_questions_never_return_a_source_outside_the_scope(
        scoped: tuple[TestClient, dict[str, str]], scope: set[str], earlier: list[str], question: str) -> None:
    client, _ = scoped
    svc: Service = client.app.state.service  # type: ignore[attr-defined]
    allowed = svc.allowed_for(Caller("prop", "reader", frozenset(scope)))
    turns = [Turn("user", q) for q in earlier]  # follow-ups resolved against either folder's questions
    answer = svc.answer(question, turns, top_k=20, allowed=allowed).to_json()
    named = [c["source"] for c in answer["citations"]]
    if answer["answer_span"]:
        named.append(answer["answer_span"]["source"])
    if answer["table_answer"]:
        named.append(answer["table_answer"]["table_id"].split("#")[0])
    assert all(s.split("/")[0] in scope for s in named), (scope, question, named)
    for folder in {"alpha", "beta"} - scope:
        text = _strings(answer, ("question", "resolved_question"))
        asked = " ".join([*earlier, question])
        assert [m for m in MARKERS[folder] if m in text and m not in asked] == [], (scope, earlier, question)


def test_the_answerer_keeps_to_allowed_even_when_named_sources_lie_outside(
        scoped: tuple[TestClient, dict[str, str]]) -> None:
    """Defence in depth for interfaces that call the answerer directly: `sources` outside `allowed` select
    nothing (the service refuses them with 403 before this)."""
    client, _ = scoped
    svc: Service = client.app.state.service  # type: ignore[attr-defined]
    allowed = svc.allowed_for(Caller("direct", "reader", frozenset({"alpha"})))
    for question in QUESTIONS["beta"]:
        answer = svc.engine.answerer.answer(question, (), 20, ["beta/beta-notes.md"], allowed).to_json()
        assert _leaks(answer, "alpha", question) == [] and answer["citations"] == [], question
