"""Scoped keys over the interfaces other programs speak (the OpenAI chat API, MCP) and page images: each sees
only the key's folder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

import office_docs
from conftest import LiveServer, make_settings, run_async, start_live_server
from qa.embed.embedder import Embedder
from qa.serve.service import Service
from test_access import MARKERS, QUESTIONS, _leaks, team_keys, write_teams


@pytest.fixture(scope="module")
def teams(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """A real uvicorn over a corpus of two team folders, with a reader key for each."""
    base = tmp_path_factory.mktemp("teams")
    write_teams(base / "corpus")
    office_docs.long_pdf(base / "corpus" / "alpha" / "ledger.pdf", pages=2)
    keys = team_keys(base / "keys.db", "reader")
    service = Service(make_settings(base / "corpus", base / "index", keys_db=base / "keys.db"), embedder)
    service.start(build=True)
    live = start_live_server(service)
    yield live, keys
    live.stop()


def _chat(live: LiveServer, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live.url}/v1", api_key=key, max_retries=0)


@pytest.mark.parametrize("folder", ["alpha", "beta"])
def test_the_openai_api_answers_a_key_from_its_own_folder_only(teams: tuple[LiveServer, dict[str, str]],
                                                              folder: str) -> None:
    live, keys = teams
    chat = _chat(live, keys[folder])
    for question in QUESTIONS["alpha"] + QUESTIONS["beta"]:
        completion = chat.chat.completions.create(model="qa", messages=[{"role": "user", "content": question}])
        whole = {"content": completion.choices[0].message.content, "qa": (completion.model_extra or {})["qa"]}
        assert _leaks(whole, folder, question) == [], (question, whole["content"])


def test_the_openai_api_refuses_sources_outside_the_scope_and_wrong_keys(
        teams: tuple[LiveServer, dict[str, str]]) -> None:
    live, keys = teams
    asked = [{"role": "user", "content": "How long is the Quenvar bridge?"}]
    with pytest.raises(openai.PermissionDeniedError) as refused:
        _chat(live, keys["alpha"]).chat.completions.create(model="qa", messages=asked,  # type: ignore[arg-type]
                                                           extra_body={"sources": ["beta/beta-notes.md"]})
    assert "Quenvar" not in str(refused.value) and refused.value.status_code == 403
    with pytest.raises(openai.AuthenticationError):
        _chat(live, "qa_wrong_key").chat.completions.create(model="qa", messages=asked)  # type: ignore[arg-type]
    own = _chat(live, keys["beta"]).chat.completions.create(model="qa", messages=asked)  # type: ignore[arg-type]
    assert (own.model_extra or {})["qa"]["answer"] == "9,310 meters"


def _over_mcp(live: LiveServer, key: str, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    async def run() -> list[Any]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60) as http, \
                Client(streamable_http_client(f"{live.url}/mcp", http_client=http)) as client:
            return [await client.call_tool(name, args) for name, args in calls]

    return run_async(run)


@pytest.mark.parametrize("folder", ["alpha", "beta"])
def test_mcp_tools_see_only_the_keys_folder(teams: tuple[LiveServer, dict[str, str]], folder: str) -> None:
    live, keys = teams
    other = "beta" if folder == "alpha" else "alpha"
    questions = QUESTIONS["alpha"] + QUESTIONS["beta"]
    calls = [("answer", {"question": q, "top_k": 20}) for q in questions]
    calls += [("search", {"query": q, "top_k": 20}) for q in questions]
    calls += [("get_document", {"source": f"{other}/{other}-notes.md"}),
              ("answer", {"question": questions[0], "sources": [f"{other}/{other}-notes.md"]}),
              ("get_document", {"source": f"{folder}/{folder}-notes.md"})]
    results = _over_mcp(live, keys[folder], calls)
    for (_, args), result in zip(calls[:-3], results[:-3], strict=True):
        seen = {"text": [c.text for c in result.content], "data": result.structured_content}
        assert not result.is_error and _leaks(seen, folder, str(args.get("question", args.get("query")))) == []
    hidden, outside, own = results[-3:]
    assert hidden.is_error and "no such document" in hidden.content[0].text
    assert outside.is_error and "outside" in outside.content[0].text
    assert not own.is_error and MARKERS[folder][0] in own.structured_content["text"]


def test_a_placeholder_api_key_asks_anonymously_but_a_wrong_qa_key_is_refused(
        teams: tuple[LiveServer, dict[str, str]]) -> None:
    live, _ = teams
    asked = [{"role": "user", "content": "How long is the Quenvar bridge?"}]
    anonymous = _chat(live, "unused").chat.completions.create(model="qa", messages=asked)  # type: ignore[arg-type]
    assert (anonymous.model_extra or {})["qa"]["answer"] == "9,310 meters"  # QA_ANONYMOUS=read: the whole corpus


def test_mcp_over_http_refuses_a_wrong_key_with_401(teams: tuple[LiveServer, dict[str, str]]) -> None:
    live, _ = teams
    response = httpx2.post(f"{live.url}/mcp", headers={"Authorization": "Bearer qa_wrong_key",
                                                       "Accept": "application/json, text/event-stream"},
                           json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_page_images_are_served_only_within_the_keys_folder(teams: tuple[LiveServer, dict[str, str]]) -> None:
    live, keys = teams
    url = f"{live.url}/api/documents/alpha/ledger.pdf/pages/1.png"
    own = httpx2.get(url, headers={"Authorization": f"Bearer {keys['alpha']}"})
    assert own.status_code == 200 and own.content.startswith(b"\x89PNG")
    other = httpx2.get(url, headers={"Authorization": f"Bearer {keys['beta']}"})
    missing = httpx2.get(f"{live.url}/api/documents/beta/none.pdf/pages/1.png",
                         headers={"Authorization": f"Bearer {keys['beta']}"})
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()
