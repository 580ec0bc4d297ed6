"""The HTML pages: the chat at `/` and the document view at `/view/{source}`, scrolled to a cited span."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from qa.corpus.paged import Locator
from qa.records import Document
from qa.serve.deps import ServiceDep, document_or_404

WEB = Path(__file__).resolve().parents[4] / "web"
templates = Jinja2Templates(directory=WEB / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def chat(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "chat.html", {"title": "qa"})


@router.get("/view/{source:path}", response_class=HTMLResponse)
def view(request: Request, source: str, svc: ServiceDep, start: int = Query(0, ge=0),
         end: int = Query(0, ge=0), page: int | None = Query(None, ge=1)) -> HTMLResponse:
    doc = document_or_404(svc, source)
    start, end = min(start, len(doc.text)), max(min(end, len(doc.text)), min(start, len(doc.text)))
    context = {"title": doc.title, "source": doc.source, "before": doc.text[:start], "start": start, "end": end,
               "highlight": doc.text[start:end], "after": doc.text[end:], **_page_view(doc, start, end, page)}
    return templates.TemplateResponse(request, "document.html", context)


def _page_view(doc: Document, start: int, end: int, page: int | None) -> dict[str, object]:
    """A PDF opens on the page the cited text starts on (or the one asked for), its boxes on that page."""
    if doc.fmt != "pdf" or not doc.pages:
        return {}
    found, boxes = Locator(doc.layout).find(start, end)
    shown = min(page or found or 1, len(doc.pages))
    width, height = doc.pages[shown - 1]
    return {"page": shown, "pages": len(doc.pages), "width": width, "height": height,
            "boxes": [b for b in boxes if b.page == shown]}
