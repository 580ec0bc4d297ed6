"""`GET /metrics`: the Prometheus text format (see serve/metrics.py for what is counted)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from qa.serve.deps import ServiceDep
from qa.serve.metrics import CONTENT_TYPE, exposition

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics(svc: ServiceDep) -> Response:
    return Response(exposition(svc.engine.index.manifest["counts"]), media_type=CONTENT_TYPE)
