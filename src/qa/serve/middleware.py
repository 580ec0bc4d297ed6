"""ASGI middleware: security headers on every response, a cap on request body size, and an access log."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any, TextIO

from starlette.exceptions import HTTPException

from qa.serve.audit import audit_log

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# The API pages (Swagger UI, ReDoc) run self-hosted scripts only, but set inline styles and ReDoc starts a
# worker from a blob: their pages get that much more, and nothing else does.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; frame-ancestors 'none'; "
            "form-action 'self'")
DOCS_PATHS = ("/docs", "/redoc")
UPLOAD_PATH = "/api/documents"
access_log = logging.getLogger("qa.access")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY")]


class SecurityHeaders:
    """Adds CSP, nosniff and Referrer-Policy to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] in DOCS_PATHS else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS,
                                      (b"content-security-policy", csp.encode())]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses request bodies over `limit` bytes with a readable 422, declared or streamed; uploads
    (`POST /api/documents`) may be up to `upload_limit` bytes, and get 413 past it."""

    def __init__(self, app: ASGIApp, limit: int = 64 * 1024, upload_limit: int = 64 * 1024) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    @staticmethod
    async def _refuse(send: Send, limit: int, status: int) -> None:
        body = json.dumps({"detail": f"request body too large: at most {limit // 1024} KB"}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope.get("method") == "POST" and scope.get("path") == UPLOAD_PATH
        limit, status = (self.upload_limit, 413) if upload else (self.limit, 422)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit, status)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit, status)
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._refuse(send, limit, status)


class BodyTooLarge(HTTPException):
    """A streamed body passed the limit; an HTTPException, so FastAPI's body parsing re-raises it unchanged."""

    def __init__(self, limit: int, status: int = 422) -> None:
        super().__init__(status, f"request body too large: at most {limit // 1024} KB")


class CurrentStderr(logging.StreamHandler[TextIO]):
    """A handler that writes to `sys.stderr` as it is when a line is logged, not as it was when the handler was
    made: a test runner swaps stderr per test and closes the old one, which made every later line a logging
    error ("--- Logging error --- ... Call stack:") instead of the line."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str = "info") -> None:
    """Plain log lines for everything, bare JSON lines for the access and audit logs; idempotent."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for json_log in (access_log, audit_log):
        if not json_log.handlers:
            handler = CurrentStderr()
            handler.setFormatter(logging.Formatter("%(message)s"))
            json_log.addHandler(handler)
            json_log.propagate = False
        json_log.setLevel(logging.INFO)
    for noisy in ("bm25s", "watchfiles"):  # per-build chatter; qa logs one line per build itself
        logging.getLogger(noisy).setLevel(logging.WARNING)


class StatusSeen:
    """A `send` that passes messages on and keeps the response status (500 when the app raises before it
    answers: what the client then sees)."""

    def __init__(self, send: Send) -> None:
        self.send, self.status = send, 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        await self.send(message)


async def observed(app: ASGIApp, scope: Scope, receive: Receive, send: Send,
                   done: Callable[[int, float], None]) -> None:
    """Run `app` on one request and tell `done` its status and seconds, whether the app answered or raised."""
    started = time.perf_counter()
    sent = StatusSeen(send)
    try:
        await app(scope, receive, sent)
    finally:
        done(sent.status, time.perf_counter() - started)


class AccessLog:
    """One JSON line per request on the `qa.access` logger: time, method, path, status and milliseconds.

    Only these fields are written: never headers (Authorization carries the admin token), query strings or
    bodies (they carry what users ask).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        await observed(self.app, scope, receive, send, lambda status, seconds: _log(scope, status, seconds))


def _log(scope: Scope, status: int, seconds: float) -> None:
    line = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "method": scope.get("method", ""),
            "path": scope.get("path", ""), "status": status, "ms": round(seconds * 1000, 2)}
    access_log.info(json.dumps(line, ensure_ascii=False))
