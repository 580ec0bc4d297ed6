"""The FastAPI app: wiring only. The index is loaded once at start-up; routes are a few lines each."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from qa import __version__
from qa.api_models import (
    AnswerRequest,
    AnswerResponse,
    DocumentSummary,
    DocumentText,
    Health,
    RebuildReport,
    Suggestions,
)
from qa.followup import Turn
from qa.http_guards import BodyLimit, SecurityHeaders
from qa.retrieval import UnknownSource
from qa.service import RebuildInProgress, Service
from qa.settings import Settings, get_settings

log = logging.getLogger("qa.app")
WEB = Path(__file__).resolve().parents[2] / "web"


def create_app(settings: Settings | None = None, service: Service | None = None, build: bool = True) -> FastAPI:
    """The app over one service; tests pass their own settings or service."""
    settings = settings or get_settings()
    svc = service or Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if svc._engine is None:
            svc.start(build=build)
        yield

    app = FastAPI(title="qa", version=__version__, lifespan=lifespan,
                  description="Short exact answers from the corpus, with cited passages and table cells.")
    app.state.service = svc
    app.state.settings = settings
    _middleware(app, settings)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_exception_handler(RequestValidationError, _readable_422)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _readable_body_error)  # type: ignore[arg-type]
    app.include_router(_routes())
    return app


def _middleware(app: FastAPI, settings: Settings) -> None:
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "Authorization"])
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)


async def _readable_422(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one sentence a person can read, plus the structured errors without echoing the input."""
    errors = [{"loc": list(e.get("loc", [])), "msg": str(e.get("msg", "")).removeprefix("Value error, ")}
              for e in exc.errors()]
    text = "; ".join(f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in errors)
    return JSONResponse({"detail": text or "invalid request", "errors": errors}, status_code=422)


async def _readable_body_error(request: Request, exc: StarletteHTTPException) -> Response:
    """FastAPI answers undecodable or too deeply nested JSON with a bare 400; say what is wrong, as a 422."""
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError | RecursionError):
        what = "is not valid UTF-8" if isinstance(cause, UnicodeDecodeError) else "is nested too deeply"
        return JSONResponse({"detail": f"malformed body: the JSON {what}"}, status_code=422)
    return await http_exception_handler(request, exc)


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def _routes() -> Any:
    from fastapi import APIRouter

    router = APIRouter()
    templates = Jinja2Templates(directory=WEB / "templates")

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def chat(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "chat.html", {"title": "qa"})

    @router.get("/view/{source:path}", response_class=HTMLResponse, include_in_schema=False)
    def view(request: Request, source: str, svc: ServiceDep, start: int = Query(0, ge=0),
             end: int = Query(0, ge=0)) -> HTMLResponse:
        doc = _document(svc, source)
        start, end = min(start, len(doc.text)), max(min(end, len(doc.text)), min(start, len(doc.text)))
        context = {"title": doc.title, "source": doc.source, "before": doc.text[:start],
                   "highlight": doc.text[start:end], "after": doc.text[end:]}
        return templates.TemplateResponse(request, "document.html", context)

    @router.get("/api/health", response_model=Health)
    def health(svc: ServiceDep) -> Health:
        manifest = svc.engine.index.manifest
        counts = manifest["counts"]
        return Health(status="ok", documents=counts["documents"], chunks=counts["chunks"], tables=counts["tables"],
                      model=manifest["model"], index_built_at=manifest["built_at"])

    @router.post("/api/answer", response_model=AnswerResponse)
    def answer(body: AnswerRequest, svc: ServiceDep) -> Any:
        turns = [Turn(m.role, m.content) for m in body.messages]
        try:
            result = svc.answer(body.question.strip(), turns, body.top_k, body.sources)
        except UnknownSource as exc:
            raise HTTPException(422, str(exc)) from exc
        data = result.to_json()
        data["question"] = body.question
        return data

    @router.get("/api/documents", response_model=list[DocumentSummary])
    def documents(svc: ServiceDep) -> list[DocumentSummary]:
        files = svc.engine.index.manifest["files"]
        docs = svc.engine.index.data.documents
        return [DocumentSummary(source=s, title=docs[s].title, chunks=f["chunks"], tables=f["tables"])
                for s, f in files.items()]

    @router.get("/api/documents/{source:path}", response_model=DocumentText)
    def document(source: str, svc: ServiceDep) -> DocumentText:
        doc = _document(svc, source)
        return DocumentText(source=doc.source, title=doc.title, text=doc.text)

    @router.get("/api/suggestions", response_model=Suggestions)
    def suggestions(svc: ServiceDep) -> Suggestions:
        return Suggestions(questions=svc.suggestions())

    @router.post("/api/index/rebuild", response_model=RebuildReport)
    def rebuild(svc: ServiceDep, authorization: Annotated[str | None, Header()] = None) -> Any:
        _check_token(svc.settings, authorization)
        try:
            return svc.rebuild().to_json()
        except RebuildInProgress as exc:
            raise HTTPException(409, str(exc)) from exc

    return router


def _document(svc: Service, source: str) -> Any:
    doc = svc.engine.index.data.documents.get(source)
    if doc is None:
        raise HTTPException(404, "no such document in the corpus")
    return doc


def _check_token(settings: Settings, authorization: str | None) -> None:
    if settings.admin_token is None or not settings.admin_token.get_secret_value():
        raise HTTPException(403, "index rebuilds over HTTP are disabled: set QA_ADMIN_TOKEN to enable them")
    expected = f"Bearer {settings.admin_token.get_secret_value()}".encode()
    if not authorization or not hmac.compare_digest(authorization.encode(), expected):
        raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})
