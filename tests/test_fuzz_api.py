"""Property-based fuzzing of the HTTP API from its own OpenAPI schema: no 500s, every refusal readable JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from qa.serve.app import create_app
from qa.serve.service import Service

# CI runs a bounded number of cases (per generation mode, spread over all operations); bench/fuzz.py runs thousands.
EXAMPLES = 100


@pytest.fixture(scope="module")
def api_schema(bundled: Service) -> schemathesis.BaseSchema:
    """The app's OpenAPI schema, called in-process through its ASGI interface; the build's event stream is
    server-sent events, not JSON, and stays open while it waits for a build (tests/test_uploads.py tests it)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(bundled.settings, bundled, build=False))
    return schema.exclude(path="/api/index/events")


def assert_readable(status: int, content_type: str, body: bytes, headers: dict[str, str]) -> None:
    """The API's promise about every reply: JSON, security headers, and a sentence a person can read on refusal."""
    assert status < 500, f"server error {status}: {body[:300]!r}"
    streamed = status == 200 and content_type.startswith("text/event-stream")  # /v1/chat/completions, stream: true
    assert streamed or content_type.startswith("application/json"), content_type
    assert headers.get("x-content-type-options") == "nosniff"
    if status >= 400:
        detail = refusal(json.loads(body))
        assert isinstance(detail, str) and detail.strip(), body[:300]
        assert "Traceback" not in detail and "File \"" not in detail


def refusal(body: Any) -> Any:
    """The sentence of an error body: `detail`, or `error.message` on the OpenAI-compatible routes (/v1/)."""
    error = body.get("error")
    return error.get("message") if isinstance(error, dict) else body.get("detail")


def check_case(case: schemathesis.Case[Any]) -> None:
    """Send one generated request and hold the reply to the API's promises."""
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code < 400:
        case.validate_response(response, checks=[response_schema_conformance])
    headers = {k.lower(): v[0] if isinstance(v, list) else v for k, v in response.headers.items()}
    assert_readable(response.status_code, headers.get("content-type", ""), response.content, headers)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_api_never_fails_with_500_and_refuses_readably(api_schema: schemathesis.BaseSchema,
                                                        mode: GenerationMode) -> None:
    """Valid requests get schema-conformant JSON; invalid ones a 4xx with a readable `detail`."""

    @given(case=api_schema.as_strategy(generation_mode=mode))
    # No shrinking phase: a failure is reported as generated, so CI never spends minutes minimising it.
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def run(case: schemathesis.Case[Any]) -> None:
        check_case(case)

    run()
