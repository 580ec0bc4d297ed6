"""Thousands of schemathesis cases against the API, generated from its own OpenAPI schema, in process (ASGI).

    python -m bench.fuzz                 # 4,000 cases: valid and invalid requests to every operation
    python -m bench.fuzz --cases 10000
    python -m bench.fuzz --smoke         # 50 cases, for CI

Every reply must be below 500, JSON with the security headers, schema-conformant when it succeeds and carry a
readable `detail` string when it refuses. Failures are collected (not stopped at), with a curl line to replay.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from bench.common import BUNDLED_CORPUS, indexed_service, parser, save
from qa.serve.app import create_app


@dataclass
class Tally:
    """Cases sent per mode, operation and status, and the failures found."""

    cases: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, str]] = field(default_factory=list)


def problem(case: schemathesis.Case[Any]) -> tuple[int, str]:
    """Send one case; the status and what is wrong with the reply ("" when nothing is)."""
    try:
        response = case.call()
    except Exception as exc:  # the app raised through the ASGI transport: a 500 a user would see
        return 500, f"app raised {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-3)}"
    status = response.status_code
    try:
        case.validate_response(response, checks=[not_a_server_error])
        if status < 400:
            case.validate_response(response, checks=[response_schema_conformance])
    except AssertionError as exc:  # schemathesis raises a subclass with every failed check in it
        return status, str(exc)[:2000]
    headers = {k.lower(): v[0] if isinstance(v, list) else v for k, v in response.headers.items()}
    content_type = headers.get("content-type", "")
    streamed = status == 200 and content_type.startswith("text/event-stream")  # /v1/chat/completions, stream: true
    if not streamed and not content_type.startswith("application/json"):
        return status, f"content-type {content_type!r}"
    if headers.get("x-content-type-options") != "nosniff":
        return status, "no x-content-type-options: nosniff"
    if status >= 400:
        body = json.loads(response.content)
        error = body.get("error")  # the OpenAI-compatible routes (/v1/) refuse in that API's shape
        detail = error.get("message") if isinstance(error, dict) else body.get("detail")
        if not isinstance(detail, str) or not detail or "Traceback" in detail:
            return status, f"unreadable refusal: {response.content[:300]!r}"
    return status, ""


def run_mode(schema: schemathesis.BaseSchema, mode: GenerationMode, cases: int, tally: Tally) -> None:
    @given(case=schema.as_strategy(generation_mode=mode))
    @settings(max_examples=cases, deadline=None, database=None, print_blob=False,
              suppress_health_check=list(HealthCheck))
    def one(case: schemathesis.Case[Any]) -> None:
        status, wrong = problem(case)
        tally.cases += 1
        tally.statuses[f"{mode.value} {case.method} {case.operation.path} {status}"] += 1
        if wrong and len(tally.failures) < 50:
            tally.failures.append({"mode": mode.value, "request": case.as_curl_command(), "problem": wrong})

    one()


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--cases", type=int, default=4000, help="cases in all, split between valid and invalid")
    args = p.parse_args()
    cases = 50 if args.smoke else args.cases
    tally = Tally()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        service = indexed_service(BUNDLED_CORPUS, Path(tmp))
        app = create_app(service.settings, service, build=False)
        # The build's event stream is server-sent events that wait for a build (tests/test_uploads.py tests it).
        schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/api/index/events")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_mode(schema, mode, cases // 2, tally)
    seconds = time.perf_counter() - started
    results = {"cases": tally.cases, "seconds": round(seconds, 1), "failures": tally.failures,
               "server_errors": sum(n for key, n in tally.statuses.items() if key.rsplit(" ", 1)[1].startswith("5")),
               "by_mode_operation_status": dict(sorted(tally.statuses.items()))}
    for key, n in sorted(tally.statuses.items()):
        print(f"{n:>6}  {key}")
    print(f"{tally.cases} cases in {seconds:.0f} s, {len(tally.failures)} failures")
    for failure in tally.failures[:5]:
        print(f"--- {failure['mode']}: {failure['request']}\n{failure['problem'][:800]}")
    save("fuzz", results, args.out)
    sys.exit(1 if tally.failures else 0)


if __name__ == "__main__":
    main()
