"""`GET /api/documents` and `GET /api/documents/{source}`: only files of the corpus, anything else 404."""

from __future__ import annotations

from fastapi import APIRouter

from qa.serve.deps import ServiceDep, document_or_404
from qa.serve.schemas import DocumentSummary, DocumentText, ErrorResponse, PageSize

router = APIRouter(prefix="/api", tags=["documents"])


@router.get("/documents", response_model=list[DocumentSummary])
def documents(svc: ServiceDep) -> list[DocumentSummary]:
    data = svc.engine.index.data
    files = data.manifest["files"]
    return [DocumentSummary(source=s, title=data.documents[s].title, chunks=f["chunks"], tables=f["tables"])
            for s, f in files.items()]


@router.get("/documents/{source:path}", response_model=DocumentText,
            responses={404: {"model": ErrorResponse, "description": "Not a file of the corpus."}})
def document(source: str, svc: ServiceDep) -> DocumentText:
    doc = document_or_404(svc, source)
    return DocumentText(source=doc.source, title=doc.title, text=doc.text,
                        pages=[PageSize(width=w, height=h) for w, h in doc.pages])
