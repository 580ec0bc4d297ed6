"""`GET /api/documents` and `GET /api/documents/{source}`: files of the caller's folders, anything else 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from qa.serve.auth import CallerDep
from qa.serve.deps import ServiceDep, document_or_404
from qa.serve.errors import FORBIDDEN
from qa.serve.schemas import DocumentSummary, DocumentText, ErrorResponse, PageSize

router = APIRouter(prefix="/api", tags=["documents"])


@router.get("/documents", response_model=list[DocumentSummary], responses=FORBIDDEN)
def documents(svc: ServiceDep, caller: CallerDep) -> list[dict[str, Any]]:
    return svc.documents(svc.allowed_for(caller))


@router.get("/documents/{source:path}", response_model=DocumentText,
            responses={**FORBIDDEN, 404: {"model": ErrorResponse, "description": "Not a file of the corpus."}})
def document(source: str, svc: ServiceDep, caller: CallerDep) -> DocumentText:
    doc = document_or_404(svc, source, caller)
    return DocumentText(source=doc.source, title=doc.title, text=doc.text,
                        pages=[PageSize(width=w, height=h) for w, h in doc.pages])
