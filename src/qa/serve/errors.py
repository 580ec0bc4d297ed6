"""Error bodies a person can read: 422s that say what is wrong, without echoing the input."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from qa.serve.keys import KeysUnavailable
from qa.serve.schemas import ErrorResponse

log = logging.getLogger(__name__)

BAD_INPUT: dict[int | str, dict[str, Any]] = {422: {"model": ErrorResponse, "description": "Bad input."}}
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing (with QA_ANONYMOUS=none), unknown or revoked key."},
    403: {"model": ErrorResponse, "description": "The key's role or folders do not allow it."},
}


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _readable_422)  # type: ignore[arg-type]
    app.add_exception_handler(KeysUnavailable, _keys_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _readable_body_error)  # type: ignore[arg-type]


async def _keys_unavailable(request: Request, exc: KeysUnavailable) -> JSONResponse:
    """The keys file cannot be read: nothing that needs it is allowed, and the reason goes to the log only."""
    log.error("%s", exc)
    return JSONResponse({"detail": "keys cannot be checked right now; try again later"}, status_code=503)


async def _readable_422(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one sentence a person can read, plus the structured errors without echoing the input."""
    errors = [{"loc": [p for p in e.get("loc", []) if p != "body"], "msg": _message(e)} for e in exc.errors()]
    text = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors)
    return JSONResponse({"detail": text or "invalid request", "errors": errors}, status_code=422)


async def _readable_body_error(request: Request, exc: StarletteHTTPException) -> Response:
    """FastAPI answers undecodable or too deeply nested JSON with a bare 400; say what is wrong, as a 422."""
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError | RecursionError):
        what = "is not valid UTF-8" if isinstance(cause, UnicodeDecodeError) else "is nested too deeply"
        return JSONResponse({"detail": f"malformed body: the JSON {what}"}, status_code=422)
    return await http_exception_handler(request, exc)


def _message(error: Any) -> str:
    if error.get("type") == "json_invalid":
        return "the body is not valid JSON"
    if error.get("type") == "model_attributes_type":
        return "the body must be a JSON object"
    return str(error.get("msg", "")).removeprefix("Value error, ")
