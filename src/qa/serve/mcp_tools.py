"""qa as a Model Context Protocol server (the official `mcp` SDK): the tools `answer`, `search` and
`get_document`, over stdio (`qa mcp`) or streamable HTTP (`/mcp` in the app)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import HTTPException
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field, ValidationError
from starlette.routing import Route

from qa import __version__
from qa.records import Hit
from qa.search.retrieval import UnknownSource
from qa.serve.auth import Caller, Gate, caller_of
from qa.serve.keys import KeysUnavailable
from qa.serve.middleware import Receive, Scope, Send
from qa.serve.openai_chat import reply_text
from qa.serve.schemas import AnswerRequest
from qa.serve.service import OutOfScope, Service

# Who calls the tools: set per HTTP request from its key (`McpEndpoint`), to ANONYMOUS by `qa mcp` (stdio is
# the local user, who can read the corpus folder anyway). The default sees nothing, so a context that did not
# reach a tool fails closed.
UNSET = Caller("unset", "reader", frozenset())
CALLER: ContextVar[Caller] = ContextVar("qa_mcp_caller", default=UNSET)

INSTRUCTIONS = ("Answers questions from one document corpus with short exact answers and the numbered passages "
                "they come from; no language model writes them. `answer` for a question, `search` for passages, "
                "`get_document` for a whole document's text (its `source` as answers and searches give it).")
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
Question = Annotated[str, Field(description="The question, 1-2000 characters.")]
Query = Annotated[str, Field(description="What to look for: words or a question, up to 2000 characters.")]
Sources = Annotated[list[str] | None, Field(description="Corpus-relative paths: search only these files.")]
TopK = Annotated[int, Field(ge=1, le=20, description="How many citations or passages, 1-20.")]
Source = Annotated[str, Field(description="A document's corpus-relative path, as answers and searches give it.")]


def _readable(exc: ValidationError) -> str:
    return "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors())


def build_server(service: Callable[[], Service]) -> MCPServer:
    """The MCP server over the service `service()` returns at each call (the served one, swapped on rebuilds)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    server: MCPServer = MCPServer("qa", title="qa", version=__version__, instructions=INSTRUCTIONS)
    # The SDK configures the root logger when nothing has yet (logging.basicConfig, bound to the stderr of the
    # moment); qa's logging is configure_logging's job, so that is undone.
    root.handlers[:], root.level = handlers, level

    @server.tool(annotations=READ_ONLY)
    def answer(question: Question, sources: Sources = None, top_k: TopK = 5) -> CallToolResult:
        """Answer a question from the corpus: the short answer and its numbered sources, with the whole answer
        (citations with offsets, table cells and arithmetic, confidence) as structured content."""
        try:
            asked = AnswerRequest(question=question, top_k=top_k, sources=sources)
            svc = service()
            result = svc.answer(asked.question.strip(), (), asked.top_k, asked.sources, svc.allowed_for(CALLER.get()))
        except ValidationError as exc:
            raise ToolError(_readable(exc)) from exc
        except OutOfScope as exc:
            raise ToolError(str(exc)) from exc
        except UnknownSource as exc:
            raise ToolError(f"{exc}; `search` or an answer's sources give the names of the corpus") from exc
        data = {**result.to_json(), "question": question}
        return CallToolResult(content=[TextContent(type="text", text=reply_text(result))], structured_content=data)

    @server.tool(annotations=READ_ONLY)
    def search(query: Query, top_k: TopK = 5) -> CallToolResult:
        """Find the corpus passages that best match a query, best first, each with its document and offsets."""
        if not query.strip():
            raise ToolError("the query is empty")
        svc = service()
        found = svc.search(query.strip()[:2000], top_k, allowed=svc.allowed_for(CALLER.get()))
        hits = [_hit(n, hit) for n, hit in enumerate(found, 1)]
        text = "\n\n".join(f"[{h['n']}] {h['title']} ({h['source']}):\n{h['text']}" for h in hits) or "nothing found"
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content={"hits": hits})

    @server.tool(annotations=READ_ONLY)
    def get_document(source: Source) -> CallToolResult:
        """A whole document's text, the text that citation offsets index into."""
        svc = service()
        doc = svc.document(source, svc.allowed_for(CALLER.get()))
        if doc is None:
            raise ToolError(f"no such document in the corpus: {json.dumps(source)}")
        data = {"source": doc.source, "title": doc.title, "text": doc.text}
        return CallToolResult(content=[TextContent(type="text", text=doc.text)], structured_content=data)

    return server


def _hit(n: int, hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    return {"n": n, "source": c.source, "title": c.title, "chunk_id": c.id, "text": c.text, "start": c.start,
            "end": c.end, "score": hit.score}


class McpEndpoint:
    """`/mcp`: the server over streamable HTTP inside the app. Stateless (any worker answers any request) with
    JSON replies; a fresh session manager each time the app starts, since one runs only once. A browser page of
    another origin is refused (DNS rebinding), unless QA_CORS_ORIGINS lists it; clients that send no Origin
    (programs) are not affected."""

    def __init__(self, server: MCPServer, origins: list[str], gate: Gate) -> None:
        self.server = server
        self.origins = frozenset(origins)
        self.gate = gate

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # The SDK's own host check would refuse every name but localhost; the Origin check below does its job.
        self.server.streamable_http_app(stateless_http=True, json_response=True,
                                        transport_security=TransportSecuritySettings(
                                            enable_dns_rebinding_protection=False))
        async with self.server.session_manager.run():
            yield

    def route(self) -> Route:
        return Route("/mcp", self, include_in_schema=False)

    def _foreign(self, scope: Scope) -> bool:
        headers: dict[bytes, bytes] = dict(scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode("latin-1")
        if not origin or origin in self.origins:
            return False
        return urlsplit(origin).netloc != headers.get(b"host", b"").decode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._foreign(scope):
            await _refuse(send, 403, "requests from another origin are refused; list it in QA_CORS_ORIGINS")
        elif scope.get("method") != "POST":
            # Stateless: no stream for the server to send on of its own (GET), no session to end (DELETE). The
            # SDK would hold a GET open without a byte; the protocol's answer for "no such stream" is 405.
            await _refuse(send, 405, "this MCP endpoint takes POST only (stateless streamable HTTP)",
                          [(b"allow", b"POST")])
        else:
            try:
                caller = await self._caller(scope)
            except HTTPException as exc:
                await _refuse(send, exc.status_code, str(exc.detail), [(b"www-authenticate", b"Bearer")])
                return
            except KeysUnavailable as exc:
                await _refuse(send, 503, str(exc))
                return
            token = CALLER.set(caller)  # the tools run in tasks of this request, which inherit it
            try:
                await self.server.session_manager.handle_request(scope, receive, send)
            finally:
                CALLER.reset(token)

    async def _caller(self, scope: Scope) -> Caller:
        """The request's caller, as the OpenAI API gets it (ClientCallerDep): 401 for a wrong or missing key."""
        header = dict(scope.get("headers", [])).get(b"authorization")
        return await caller_of(self.gate, header.decode("latin-1") if header else None, placeholder=True)


async def _refuse(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
