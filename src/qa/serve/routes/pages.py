"""The HTML pages: the chat at `/`, the manage page, and the document view at `/view/{source}` (scrolled to a
cited span; within the caller's folders)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from qa.serve.auth import NOBODY, OpenCallerDep
from qa.serve.deps import ServiceDep, document_or_404

WEB = Path(__file__).resolve().parents[4] / "web"
templates = Jinja2Templates(directory=WEB / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def chat(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "chat.html", {"title": "qa"})


@router.get("/manage", response_class=HTMLResponse)
def manage(request: Request) -> HTMLResponse:
    """The corpus management page; it holds no data itself: it signs in with a key and calls the API."""
    return templates.TemplateResponse(request, "manage.html", {"title": "Manage · qa"})


@router.get("/view/{source:path}", response_class=HTMLResponse)
def view(request: Request, source: str, svc: ServiceDep, caller: OpenCallerDep, start: int = Query(0, ge=0),
         end: int = Query(0, ge=0)) -> HTMLResponse:
    if caller is NOBODY:
        # A link opened from the page carries no Authorization header: the page fetches the text with the
        # tab's key instead (doc.js), and shows nothing without one.
        api = request.url_for("document", source=source).path
        return templates.TemplateResponse(request, "document.html", {
            "title": "Document", "source": source, "deferred": {"api": api, "start": start, "end": end}})
    doc = document_or_404(svc, source, caller)
    start, end = min(start, len(doc.text)), max(min(end, len(doc.text)), min(start, len(doc.text)))
    context = {"title": doc.title, "source": doc.source, "before": doc.text[:start],
               "highlight": doc.text[start:end], "after": doc.text[end:]}
    return templates.TemplateResponse(request, "document.html", context)
