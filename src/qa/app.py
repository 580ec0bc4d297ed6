"""The FastAPI app: wiring only. The index is loaded once at start-up; routes are a few lines each."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
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
    ErrorResponse,
    Health,
    RebuildReport,
    Suggestions,
)
from qa.docs_ui import add_docs
from qa.followup import Turn
from qa.http_guards import AccessLog, BodyLimit, SecurityHeaders, configure_logging
from qa.records import Document
from qa.retrieval import UnknownSource
from qa.service import RebuildFailed, RebuildInProgress, Service
from qa.settings import Settings, get_settings

log = logging.getLogger("qa.app")
WEB = Path(__file__).resolve().parents[2] / "web"
ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": ErrorResponse, "description": "Bad input."}}


def create_app(settings: Settings | None = None, service: Service | None = None, build: bool = True) -> FastAPI:
    """The app over one service; tests pass their own settings or service."""
    settings = settings or get_settings()
    svc = service or Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not svc.started:
            svc.start(build=build)
        yield

    app = FastAPI(title="qa", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Short exact answers from the corpus, with cited passages and table cells.")
    app.state.service = svc
    _middleware(app, settings)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    add_docs(app)
    app.add_exception_handler(RequestValidationError, _readable_422)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _readable_body_error)  # type: ignore[arg-type]
    app.include_router(_pages())
    app.include_router(_api())
    return app


def served_app() -> FastAPI:
    """The app of one `qa serve` worker process (several workers): the parent built the index already."""
    configure_logging(get_settings().log_level)
    return create_app(build=False)


def _middleware(app: FastAPI, settings: Settings) -> None:
    # Added innermost first: the access log sees every response, security headers go on all of them.
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "Authorization"])
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    if settings.access_log:
        app.add_middleware(AccessLog)


async def _readable_422(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one sentence a person can read, plus the structured errors without echoing the input."""
    errors = [{"loc": [p for p in e.get("loc", []) if p != "body"], "msg": _message(e)} for e in exc.errors()]
    text = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors)
    return JSONResponse({"detail": text or "invalid request", "errors": errors}, status_code=422)


async def _readable_body_error(request: Request, exc: StarletteHTTPException) -> Response:
    """FastAPI answers undecodable or too deeply nested JSON with a bare 400; say what is wrong, as a 422."""
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError | RecursionError):
        what = "is not valid UTF-8" if isinstance(cause, UnicodeDecodeError) else "is nested too deeply"
        return JSONResponse({"detail": f"malformed body: the JSON {what}"}, status_code=422)
    return await http_exception_handler(request, exc)


def _message(error: Any) -> str:
    if error.get("type") == "json_invalid":
        return "the body is not valid JSON"
    if error.get("type") == "model_attributes_type":
        return "the body must be a JSON object"
    return str(error.get("msg", "")).removeprefix("Value error, ")


async def get_service(request: Request) -> Service:
    # async: a plain function would be run on the thread pool, one more thread hop for every request
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def _pages() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    templates = Jinja2Templates(directory=WEB / "templates")

    @router.get("/", response_class=HTMLResponse)
    def chat(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "chat.html", {"title": "qa"})

    @router.get("/view/{source:path}", response_class=HTMLResponse)
    def view(request: Request, source: str, svc: ServiceDep, start: int = Query(0, ge=0),
             end: int = Query(0, ge=0)) -> HTMLResponse:
        doc = _document(svc, source)
        start, end = min(start, len(doc.text)), max(min(end, len(doc.text)), min(start, len(doc.text)))
        context = {"title": doc.title, "source": doc.source, "before": doc.text[:start],
                   "highlight": doc.text[start:end], "after": doc.text[end:]}
        return templates.TemplateResponse(request, "document.html", context)

    return router


def _api() -> APIRouter:
    router = APIRouter(prefix="/api")

    @router.get("/health", response_model=Health)
    def health(svc: ServiceDep) -> Health:
        engine = svc.engine
        manifest = engine.index.manifest
        counts = manifest["counts"]
        return Health(status="ok", documents=counts["documents"], chunks=counts["chunks"], tables=counts["tables"],
                      model=manifest["model"], index_built_at=manifest["built_at"],
                      index_generation=engine.generation)

    @router.post("/answer", response_model=AnswerResponse, responses=ERRORS)
    def answer(body: AnswerRequest, svc: ServiceDep) -> dict[str, Any]:
        turns = [Turn(m.role, m.content) for m in body.messages]
        try:
            result = svc.answer(body.question.strip(), turns, body.top_k, body.sources)
        except UnknownSource as exc:
            raise HTTPException(422, str(exc)) from exc
        return {**result.to_json(), "question": body.question}

    @router.get("/documents", response_model=list[DocumentSummary])
    def documents(svc: ServiceDep) -> list[DocumentSummary]:
        data = svc.engine.index.data
        files = data.manifest["files"]
        return [DocumentSummary(source=s, title=data.documents[s].title, chunks=f["chunks"], tables=f["tables"])
                for s, f in files.items()]

    @router.get("/documents/{source:path}", response_model=DocumentText,
                responses={404: {"model": ErrorResponse, "description": "Not a file of the corpus."}})
    def document(source: str, svc: ServiceDep) -> DocumentText:
        doc = _document(svc, source)
        return DocumentText(source=doc.source, title=doc.title, text=doc.text)

    @router.get("/suggestions", response_model=Suggestions)
    def suggestions(svc: ServiceDep) -> Suggestions:
        return Suggestions(questions=svc.suggestions())

    @router.post("/index/rebuild", response_model=RebuildReport, responses=REBUILD_ERRORS)
    def rebuild(svc: ServiceDep, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        _check_token(svc.settings, authorization)
        try:
            report = svc.rebuild()
        except RebuildInProgress as exc:
            raise HTTPException(409, str(exc)) from exc
        except RebuildFailed as exc:
            raise HTTPException(500, str(exc)) from exc
        return {**report.to_json(), "index_generation": svc.engine.generation}

    return router


REBUILD_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token."},
    403: {"model": ErrorResponse, "description": "Rebuilds over HTTP are off: QA_ADMIN_TOKEN is not set."},
    409: {"model": ErrorResponse, "description": "Another rebuild is running."},
    500: {"model": ErrorResponse, "description": "The rebuild failed; the previous index is still served."},
}


def _document(svc: Service, source: str) -> Document:
    doc = svc.engine.index.data.documents.get(source)
    if doc is None:
        raise HTTPException(404, "no such document in the corpus")
    return doc


def _check_token(settings: Settings, authorization: str | None) -> None:
    """Constant-time comparison of the bearer token; the token itself never goes into a message or log."""
    token = settings.admin_token.get_secret_value() if settings.admin_token is not None else ""
    if not token:
        raise HTTPException(403, "index rebuilds over HTTP are disabled: set QA_ADMIN_TOKEN to enable them")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})
