"""Prometheus metrics (prometheus-client): requests and latency by route template, answers by kind, rebuilds by
outcome, and the served index's size. Every label has a fixed, small set of values: never a question, a key,
a document name or a raw path."""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from qa.records import Answer
from qa.serve.middleware import ASGIApp, Receive, Scope, Send, observed

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
UNMATCHED = "unmatched"  # every path no route serves (scanners, typos): one label value, not one per path
CONTENT_TYPE = CONTENT_TYPE_LATEST
# The `_created` series would double the page, and no dashboard reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

REQUESTS = Counter("qa_http_requests", "HTTP requests answered, by route template and status code.",
                   ["method", "route", "status"])
LATENCY = Histogram("qa_http_request_duration_seconds", "Time from request to the last byte of the response.",
                    ["method", "route"],
                    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
ANSWERS = Counter("qa_answers", "Questions answered, by kind of answer (none: the corpus does not say).", ["kind"])
ABSTENTIONS = Counter("qa_abstentions", "Questions the corpus does not answer (answers of kind none).")
CONFIDENCE = Histogram("qa_answer_confidence", "Confidence of the answers given.",
                       buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0))
REBUILDS = Counter("qa_index_rebuilds", "Index rebuilds asked of the server (HTTP, --watch), by outcome.",
                   ["outcome"])
REBUILD_SECONDS = Histogram("qa_index_rebuild_duration_seconds", "Time a rebuild took, by outcome.", ["outcome"],
                            buckets=(0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0))
INDEX = Gauge("qa_index_items", "What the served index holds: documents, chunks or tables.", ["what"])
for _kind in ("table", "passage", "none"):
    ANSWERS.labels(_kind)  # present from the start at 0, so that rate() sees the first answer of each kind
for _outcome in ("written", "unchanged", "failed", "busy"):
    REBUILDS.labels(_outcome)


def record_answer(answer: Answer) -> None:
    ANSWERS.labels(answer.kind).inc()
    CONFIDENCE.observe(answer.confidence)
    if answer.kind == "none":
        ABSTENTIONS.inc()


def record_rebuild(outcome: str, seconds: float) -> None:
    """`outcome`: written (a new index is served), unchanged (nothing to do), failed or busy."""
    REBUILDS.labels(outcome).inc()
    REBUILD_SECONDS.labels(outcome).observe(seconds)


def exposition(counts: dict[str, Any]) -> bytes:
    """The text format, the index gauges read from the served manifest's counts at scrape time."""
    for what in ("documents", "chunks", "tables"):
        INDEX.labels(what).set(float(counts.get(what, 0)))
    return generate_latest(REGISTRY)


def route_of(scope: Scope) -> str:
    """The template of the route that served the request ("/api/documents/{source:path}"), set by the router."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class Metrics:
    """Counts and times every HTTP request by method, route template and status; pure ASGI, so a request pays
    two clock reads, a dictionary lookup and two updates, and streamed bodies are timed to their last byte."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await observed(self.app, scope, receive, send, lambda status, seconds: self._observe(scope, status, seconds))

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        key = (scope.get("method", ""), route_of(scope), status)
        children = self._children.get(key) or self._add(key)
        children[0].observe(seconds)
        children[1].inc()

    def _add(self, key: tuple[str, str, int]) -> tuple[Any, Any]:
        # `labels()` takes a lock and builds a tuple on every call; the children are fixed per key, so keep them.
        # The keys are bounded: methods outside METHODS share "other", routes are the app's templates.
        method, route, status = key
        method = method if method in METHODS else "other"
        children = (LATENCY.labels(method, route), REQUESTS.labels(method, route, str(status)))
        if len(self._children) < 10_000:
            self._children[key] = children
        return children
