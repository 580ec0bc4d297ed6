"""The FastAPI app: wiring only. The index is loaded once at start-up; the routes live in `routes/`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from qa import __version__
from qa.serve.docs_ui import add_docs
from qa.serve.errors import add_error_handlers
from qa.serve.middleware import AccessLog, BodyLimit, SecurityHeaders, configure_logging
from qa.serve.routes import answer, documents, index, page_images, pages
from qa.serve.service import Service
from qa.settings import Settings, get_settings


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
    app.mount("/static", StaticFiles(directory=pages.WEB / "static"), name="static")
    add_docs(app)
    add_error_handlers(app)
    # page_images before documents: its paths would otherwise match documents' {source:path}.
    for module in (pages, index, answer, page_images, documents):
        app.include_router(module.router)
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
