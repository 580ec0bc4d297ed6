"""The FastAPI app: wiring only. The index is loaded once at start-up; the routes live in `routes/`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from qa import __version__
from qa.serve.auth import Gate
from qa.serve.docs_ui import add_docs
from qa.serve.errors import add_error_handlers
from qa.serve.mcp_tools import McpEndpoint, build_server
from qa.serve.metrics import Metrics
from qa.serve.middleware import AccessLog, BodyLimit, SecurityHeaders, configure_logging
from qa.serve.routes import answer, chat, corpus, documents, index, keys, metrics, page_images, pages
from qa.serve.service import Service
from qa.settings import Settings, get_settings


def create_app(settings: Settings | None = None, service: Service | None = None, build: bool = True) -> FastAPI:
    """The app over one service; tests pass their own settings or service."""
    settings = settings or get_settings()
    svc = service or Service(settings)
    gate = Gate(settings)
    mcp = McpEndpoint(build_server(lambda: svc), settings.cors_origins, gate)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not svc.started:
            svc.start(build=build)
        async with mcp.running():
            yield

    app = FastAPI(title="qa", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Short exact answers from the corpus, with cited passages and table cells.")
    app.state.service = svc
    app.state.gate = gate
    _middleware(app, settings)
    app.mount("/static", StaticFiles(directory=pages.WEB / "static"), name="static")
    add_docs(app)
    add_error_handlers(app)
    # page_images before documents: its paths would otherwise match documents' {source:path}.
    for module in (pages, index, answer, corpus, page_images, documents, keys, chat, metrics):
        app.include_router(module.router)
    app.router.routes.append(mcp.route())
    return app


def served_app() -> FastAPI:
    """The app of one `qa serve` worker process (several workers): the parent built the index already."""
    configure_logging(get_settings().log_level)
    return create_app(build=False)


def _middleware(app: FastAPI, settings: Settings) -> None:
    # Added innermost first: the access log sees every response, security headers go on all of them.
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Content-Type", "Authorization"])
    # An upload may be a whole file (QA_MAX_FILE_MB) plus its multipart framing; the route counts exactly.
    app.add_middleware(BodyLimit, upload_limit=int(settings.max_file_mb * 1e6) + 64 * 1024)
    app.add_middleware(SecurityHeaders)
    if settings.access_log:
        app.add_middleware(AccessLog)
    app.add_middleware(Metrics)
