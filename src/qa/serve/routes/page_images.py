"""`GET /api/documents/{source}/pages/{n}.png`: a page of a PDF document as an image, for the document view."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from qa.serve.auth import CallerDep
from qa.serve.deps import ServiceDep, document_or_404
from qa.serve.render import PageUnavailable, page_png
from qa.serve.schemas import ErrorResponse

router = APIRouter(prefix="/api", tags=["documents"])


@router.get("/documents/{source:path}/pages/{n:int}.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "The page, rendered."},
                       404: {"model": ErrorResponse, "description": "No such document or page, or not a PDF."},
                       409: {"model": ErrorResponse, "description": "The file changed since it was indexed."}})
async def page_image(source: str, n: int, svc: ServiceDep, caller: CallerDep) -> Response:
    doc = document_or_404(svc, source, caller)  # outside the caller's folders: 404, as for a missing one
    settings = svc.settings
    try:
        png = await run_in_threadpool(page_png, settings.corpus_dir, doc, n, settings.page_image_px,
                                      settings.page_cache_size, int(settings.max_file_mb * 1e6))
    except PageUnavailable as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    # The image is of the indexed version of the file (checked against its sha256), so it may be cached.
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
