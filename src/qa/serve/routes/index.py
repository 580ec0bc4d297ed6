"""`GET /api/health`, `POST /api/index/rebuild` (admins) and the build progress: status and server-sent events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import StreamingResponse

from qa.serve.auth import UNAUTHORIZED, Caller, CallerDep, OpenCallerDep, get_gate, require
from qa.serve.deps import ServiceDep
from qa.serve.errors import FORBIDDEN
from qa.serve.rebuild import Progress, RebuildFailed, RebuildInProgress
from qa.serve.schemas import ErrorResponse, Health, IndexStatus, RebuildReport
from qa.serve.service import Service

router = APIRouter(prefix="/api", tags=["index"])
POLL_S = 0.25  # how often an event stream looks at the build's progress
IDLE_WAIT_S = 30.0  # an event stream opened while idle waits this long for a build, then ends (browsers reconnect)

REBUILD_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token."},
    403: {"model": ErrorResponse, "description": "Rebuilds over HTTP are off (no QA_ADMIN_TOKEN, no admin key), "
          "or the key is not an admin's."},
    409: {"model": ErrorResponse, "description": "Another rebuild is running."},
    500: {"model": ErrorResponse, "description": "The rebuild failed; the previous index is still served."},
}


@router.get("/health", response_model=Health)
def health(svc: ServiceDep, caller: OpenCallerDep) -> Health:
    engine = svc.engine
    manifest = engine.index.manifest
    counts = svc.counts(svc.allowed_for(caller))  # a scoped key counts its own folders only
    return Health(status="ok", **counts, model=manifest["model"], index_built_at=manifest["built_at"],
                  index_generation=engine.generation)


@router.post("/index/rebuild", response_model=RebuildReport, responses=REBUILD_ERRORS)
def rebuild(request: Request, svc: ServiceDep,
            authorization: Annotated[str | None, Header()] = None) -> dict[str, object]:
    gate = get_gate(request)
    if not gate.admins_exist():
        raise HTTPException(403, "index rebuilds over HTTP are disabled: set QA_ADMIN_TOKEN (or create an admin "
                            "key with `qa keys create`) to enable them")
    if not authorization:
        raise HTTPException(401, "missing or wrong bearer token", headers=UNAUTHORIZED)
    caller = gate.caller(authorization)
    require(caller, "admin")
    try:
        return svc.update(caller)
    except RebuildInProgress as exc:
        raise HTTPException(409, str(exc)) from exc
    except RebuildFailed as exc:
        raise HTTPException(500, str(exc)) from exc


@router.get("/index/status", response_model=IndexStatus, responses=FORBIDDEN)
def status(svc: ServiceDep, caller: CallerDep) -> dict[str, object]:
    return svc.status(caller)


@router.get("/index/events", response_class=StreamingResponse, responses=FORBIDDEN)
async def events(request: Request, svc: ServiceDep, caller: CallerDep) -> StreamingResponse:
    """The status as server-sent events: one now, one each time it changes, until the build ends."""
    return StreamingResponse(_progress(request, svc, caller), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _progress(request: Request, svc: Service, caller: Caller) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    first = seen = svc.rebuilder.progress.version
    yield _event(svc.status(caller))
    deadline = asyncio.get_running_loop().time() + IDLE_WAIT_S
    while not await request.is_disconnected():
        for progress in _worth_sending(svc.rebuilder.changes(seen)):
            seen = progress.version
            yield _event(svc.status(caller, progress))
            if progress.state == "idle":
                return  # the build seen is over
        if seen == first and asyncio.get_running_loop().time() > deadline:
            return
        await asyncio.sleep(POLL_S)


def _worth_sending(changes: list[Progress]) -> list[Progress]:
    """Every change of state, and the latest count of files: a quarter second of per-file steps is one event."""
    return [p for i, p in enumerate(changes)
            if i in (0, len(changes) - 1) or p.state != changes[i - 1].state or p.state != changes[i + 1].state]


def _event(data: dict[str, object]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
