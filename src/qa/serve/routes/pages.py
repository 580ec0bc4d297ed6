"""The HTML pages: the chat at `/`, the manage page, and the document view at `/view/{source}` (scrolled to a
cited span; within the caller's folders)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from qa.corpus.paged import Locator
from qa.records import Document
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
         end: int = Query(0, ge=0), page: int | None = Query(None, ge=1),
         focus_start: int = Query(0, ge=0), focus_end: int = Query(0, ge=0)) -> HTMLResponse:
    if caller is NOBODY:
        # A link opened from the page carries no Authorization header: the page fetches the text with the
        # tab's key instead (doc.js), and shows nothing without one (nor the page image, which needs the key too).
        api = request.url_for("document", source=source).path
        return templates.TemplateResponse(request, "document.html", {
            "title": "Document", "source": source, "deferred": {"api": api, "start": start, "end": end}})
    doc = document_or_404(svc, source, caller)
    start, end = min(start, len(doc.text)), max(min(end, len(doc.text)), min(start, len(doc.text)))
    context = {"title": doc.title, "source": doc.source, "before": doc.text[:start], "start": start, "end": end,
               "highlight": doc.text[start:end], "after": doc.text[end:], "focus_start": focus_start,
               "focus_end": focus_end, **_page_view(doc, (start, end), (focus_start, focus_end), page)}
    return templates.TemplateResponse(request, "document.html", context)


def _page_view(doc: Document, cited: tuple[int, int], focus: tuple[int, int], page: int | None) -> dict[str, object]:
    """A PDF opens on the page the focus (a table's cited row) or else the cited text starts on, or the one
    asked for; the cited boxes of that page are marked, the focus's the strongest."""
    if doc.fmt != "pdf" or not doc.pages:
        return {}
    locator = Locator(doc.layout)
    found, boxes = locator.find(*cited)
    focus_page, focused = locator.find(*focus)
    shown = min(page or focus_page or found or 1, len(doc.pages))
    width, height = doc.pages[shown - 1]
    marks = [(b, b in focused) for b in dict.fromkeys([*boxes, *focused]) if b.page == shown]
    return {"page": shown, "pages": len(doc.pages), "width": width, "height": height, "boxes": marks}
