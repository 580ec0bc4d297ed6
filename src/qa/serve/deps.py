"""What routes depend on: the served state, and a corpus document (within the caller's folders) or a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from qa.records import Document
from qa.serve.auth import Caller
from qa.serve.service import Service


async def get_service(request: Request) -> Service:
    # async: a plain function would be run on the thread pool, one more thread hop for every request
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def document_or_404(svc: Service, source: str, caller: Caller) -> Document:
    """The document, or 404 alike for a missing one and one outside the caller's folders."""
    doc = svc.document(source, svc.allowed_for(caller))
    if doc is None:
        raise HTTPException(404, "no such document in the corpus")
    return doc
