"""`GET /api/health` and `POST /api/index/rebuild` (bearer token, constant-time compared)."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException

from qa.serve.deps import ServiceDep
from qa.serve.rebuild import RebuildFailed, RebuildInProgress
from qa.serve.schemas import ErrorResponse, Health, RebuildReport
from qa.settings import Settings

router = APIRouter(prefix="/api", tags=["index"])

REBUILD_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token."},
    403: {"model": ErrorResponse, "description": "Rebuilds over HTTP are off: QA_ADMIN_TOKEN is not set."},
    409: {"model": ErrorResponse, "description": "Another rebuild is running."},
    500: {"model": ErrorResponse, "description": "The rebuild failed; the previous index is still served."},
}


@router.get("/health", response_model=Health)
def health(svc: ServiceDep) -> Health:
    engine = svc.engine
    manifest = engine.index.manifest
    counts = manifest["counts"]
    return Health(status="ok", documents=counts["documents"], chunks=counts["chunks"], tables=counts["tables"],
                  model=manifest["model"], index_built_at=manifest["built_at"], index_generation=engine.generation)


@router.post("/index/rebuild", response_model=RebuildReport, responses=REBUILD_ERRORS)
def rebuild(svc: ServiceDep, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    check_token(svc.settings, authorization)
    try:
        report = svc.rebuild()
    except RebuildInProgress as exc:
        raise HTTPException(409, str(exc)) from exc
    except RebuildFailed as exc:
        raise HTTPException(500, str(exc)) from exc
    return {**report.to_json(), "index_generation": svc.engine.generation}


def check_token(settings: Settings, authorization: str | None) -> None:
    """Constant-time comparison of the bearer token; the token itself never goes into a message or log."""
    token = settings.admin_token.get_secret_value() if settings.admin_token is not None else ""
    if not token:
        raise HTTPException(403, "index rebuilds over HTTP are disabled: set QA_ADMIN_TOKEN to enable them")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})
