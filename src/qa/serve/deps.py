"""What routes depend on: the served state, and a corpus document or a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from qa.records import Document
from qa.serve.service import Service


async def get_service(request: Request) -> Service:
    # async: a plain function would be run on the thread pool, one more thread hop for every request
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def document_or_404(svc: Service, source: str) -> Document:
    doc = svc.document(source)
    if doc is None:
        raise HTTPException(404, "no such document in the corpus")
    return doc
