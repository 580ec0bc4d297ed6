"""The MCP server, driven by the official `mcp` SDK's client: `python -m qa mcp` over stdio, and `/mcp` over
streamable HTTP on a real uvicorn."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client, StdioServerParameters

from conftest import LiveServer, run_async
from qa.serve.service import Service

PATENTS = "How many patents did China file in 2023?"
Check = Callable[[Client], Awaitable[None]]


def over_http(live_server: LiveServer, check: Check) -> None:
    async def run() -> None:
        async with Client(f"{live_server.url}/mcp") as client:
            await check(client)

    run_async(run)


def over_stdio(service: Service, check: Check) -> None:
    env = {**os.environ, "QA_CORPUS_DIR": str(service.settings.corpus_dir),
           "QA_INDEX_DIR": str(service.settings.index_dir), "QA_LOG_LEVEL": "warning"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "qa", "mcp"], env=env)

    async def run() -> None:
        async with Client(params, read_timeout_seconds=120) as client:
            await check(client)

    run_async(run)


async def every_tool(client: Client, expected: dict[str, Any], cited: str) -> None:
    """List the tools and call each one; what they say must be what the HTTP API says."""
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == {"answer", "search", "get_document"}
    schema = tools["answer"].input_schema
    assert set(schema["properties"]) == {"question", "sources", "top_k"} and schema["required"] == ["question"]
    assert schema["properties"]["top_k"]["maximum"] == 20
    assert tools["search"].input_schema["required"] == ["query"]
    assert tools["get_document"].input_schema["required"] == ["source"]
    assert all(t.description for t in tools.values())

    answered = await client.call_tool("answer", {"question": PATENTS, "top_k": 3})
    assert not answered.is_error
    data = answered.structured_content
    assert data["answer"] == expected["answer"] and len(data["citations"]) == 3
    assert answered.content[0].text.startswith(expected["answer"] + "\n")  # type: ignore[union-attr]

    found = await client.call_tool("search", {"query": "deepest borehole", "top_k": 2})
    hits = found.structured_content["hits"]
    assert not found.is_error and len(hits) == 2 and "borehole" in hits[0]["text"].lower()

    document = await client.call_tool("get_document", {"source": cited})
    text = document.structured_content["text"]
    citation = data["citations"][0]
    assert citation["source"] == cited and text[citation["start"]:citation["end"]] == citation["text"]


async def readable_errors(client: Client) -> None:
    missing = await client.call_tool("get_document", {"source": "no/such/file.md"})
    assert missing.is_error and "no such document" in missing.content[0].text  # type: ignore[union-attr]
    empty = await client.call_tool("answer", {"question": "   "})
    assert empty.is_error and "the question is empty" in empty.content[0].text  # type: ignore[union-attr]
    unknown = await client.call_tool("answer", {"question": PATENTS, "sources": ["nope.md"]})
    assert unknown.is_error and "nope.md" in unknown.content[0].text  # type: ignore[union-attr]
    out_of_range = await client.call_tool("search", {"query": "borehole", "top_k": 0})
    assert out_of_range.is_error and "top_k" in out_of_range.content[0].text  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def expected(live_server: LiveServer) -> dict[str, Any]:
    response = httpx.post(f"{live_server.url}/api/answer", json={"question": PATENTS, "top_k": 3}, timeout=30)
    data: dict[str, Any] = response.json()
    return data


def test_over_streamable_http_the_tools_are_listed_and_each_answers(live_server: LiveServer,
                                                                     expected: dict[str, Any]) -> None:
    over_http(live_server, lambda client: every_tool(client, expected, expected["citations"][0]["source"]))


def test_over_streamable_http_bad_calls_get_readable_errors(live_server: LiveServer) -> None:
    over_http(live_server, readable_errors)


def test_a_page_of_another_origin_is_refused(live_server: LiveServer) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    response = httpx.post(f"{live_server.url}/mcp", json=body, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403


def test_get_and_delete_are_405_not_a_stream_that_never_starts(live_server: LiveServer) -> None:
    headers = {"Accept": "text/event-stream"}
    for method in ("GET", "DELETE"):
        response = httpx.request(method, f"{live_server.url}/mcp", headers=headers, timeout=10)
        assert response.status_code == 405 and response.headers["allow"] == "POST"


@pytest.mark.slow
def test_over_stdio_qa_mcp_lists_the_tools_answers_and_reports_errors(bundled: Service,
                                                                       expected: dict[str, Any]) -> None:
    async def check(client: Client) -> None:
        await every_tool(client, expected, expected["citations"][0]["source"])
        await readable_errors(client)

    over_stdio(bundled, check)


def test_qa_mcp_without_a_corpus_fails_with_one_line_and_nothing_on_stdout(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "qa", "mcp", "--corpus", str(tmp_path / "missing"), "--index", str(tmp_path / "i")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert result.stdout == ""  # stdout is the protocol's
    assert "error: corpus folder not found" in result.stderr and "Traceback" not in result.stderr
