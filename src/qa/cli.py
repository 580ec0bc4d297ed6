"""The `qa` command line: index, ask and serve. Thin: the work is done by library functions."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from qa.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask a corpus questions; get short exact answers with cited passages and table cells.")

CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: ./corpus or QA_CORPUS_DIR).")]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (default: ./index or QA_INDEX_DIR).")]


def _settings(corpus: Path | None, index: Path | None, **extra: Any) -> Settings:
    overrides: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if corpus is not None:
        overrides["corpus_dir"] = corpus
    if index is not None:
        overrides["index_dir"] = index
    return Settings(**overrides)


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@app.command()
def index(corpus: CorpusOpt = None, index: IndexOpt = None,
          full: Annotated[bool, typer.Option("--full", help="Rebuild everything, not only what changed.")] = False,
          ray: Annotated[str | None, typer.Option("--ray", help="Parse and embed on Ray: a cluster address "
                                                  "(ray://host:10001, auto) or `local` (QA_RAY_ADDRESS).")] = None
          ) -> None:
    """Build or update the index of the corpus (incremental unless --full)."""
    from qa.corpus.files import LoadError
    from qa.embed.embedder import Embedder, ModelError
    from qa.index.builder import build_index
    from qa.index.integrity import IndexUnavailable

    settings = _settings(corpus, index, ray_address=ray)
    try:
        report = build_index(settings, lambda: Embedder(settings.model, documents=settings.build_backend), full=full,
                             progress=sys.stderr.isatty())
    except (LoadError, ModelError, IndexUnavailable, OSError) as exc:
        _fail(str(exc))
    for skip in report.skipped:
        typer.secho(f"skipped {skip['source']}: {skip['reason']}", fg=typer.colors.YELLOW, err=True)
    for note in report.warnings:
        typer.secho(f"warning {note['source']}: {note['reason']}", fg=typer.colors.YELLOW, err=True)
    typer.echo(report.summary())


@app.command()
def ask(question: Annotated[str, typer.Argument(help="The question to answer.")],
        corpus: CorpusOpt = None, index: IndexOpt = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the same JSON as POST /api/answer.")] = False,
        top_k: Annotated[int, typer.Option("--top-k", min=1, max=20, help="How many citations.")] = 5) -> None:
    """Answer one question from the index (built first when missing or stale)."""
    from qa.embed.embedder import ModelError
    from qa.index.integrity import IndexUnavailable
    from qa.serve.service import Service

    if not question.strip() or len(question.strip()) > 2000:
        _fail("the question must be 1-2000 characters")
    try:
        service = Service(_settings(corpus, index))
        service.start(build=True)
        result = service.answer(question.strip(), top_k=top_k)
    except (ModelError, IndexUnavailable, OSError) as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps({**result.to_json(), "question": question}, ensure_ascii=False, indent=2))
        return
    typer.secho(result.answer, bold=True)
    if result.table_answer is not None:
        typer.echo(f"  {result.table_answer.explanation}")
    for c in result.citations:
        typer.echo(f"[{c.n}] {c.source}:{c.start}-{c.end}  {c.text[:160].replace(chr(10), ' ')}")


@app.command(name="eval")
def eval_command(file: Annotated[Path, typer.Argument(help="Questions, one JSON object a line (docs/BENCHMARKS.md).")],
                 corpus: CorpusOpt = None, index: IndexOpt = None,
                 as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False) -> None:
    """Score retrieval (BM25, dense, hybrid) and answers on a labelled question set."""
    from qa.embed.embedder import ModelError
    from qa.evaluation import EvalFileError, format_report, load_items
    from qa.evaluation import evaluate as run_eval
    from qa.index.integrity import IndexUnavailable
    from qa.serve.service import Service

    try:
        items = load_items(file)
        service = Service(_settings(corpus, index))
        service.start(build=True)
        report = run_eval(service.engine, items, dense_weights=sorted({0.3, 0.5, 0.7, service.settings.dense_weight}))
    except (EvalFileError, ModelError, IndexUnavailable, OSError) as exc:
        _fail(str(exc))
        return
    typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2) if as_json else format_report(report))


def _prepare_index(settings: Settings) -> tuple[Any, Callable[[], Any]]:
    """Build the index before serving; return the service and what a corpus change should run.

    One worker serves the service built here and the watcher swaps it; several workers each load the index
    this process built, and pick up the generations its watcher writes.
    """
    from qa.corpus.files import LoadError
    from qa.embed.embedder import ModelError
    from qa.index.integrity import IndexUnavailable
    from qa.serve.service import Service
    from qa.serve.watch import build_only

    service = Service(settings)
    rebuild = service.rebuild if settings.workers == 1 else build_only(settings)
    try:
        report = service.start(build=True) if settings.workers == 1 else _build_for_workers(settings, rebuild)
    except (LoadError, ModelError, IndexUnavailable, OSError, RuntimeError) as exc:
        _fail(str(exc))
    if report is not None:
        typer.echo(report.summary(), err=True)
    return service, rebuild


def _build_for_workers(settings: Settings, rebuild: Callable[[], Any]) -> Any:
    """The build before several workers start; when it fails, they serve the last good index (as one worker
    does), and only with no index at all does `qa serve` give up, with the build's reason."""
    from qa.index.integrity import IndexUnavailable
    from qa.index.stores import open_store

    try:
        return rebuild()
    except RuntimeError as exc:
        try:
            open_store(settings).load()
        except IndexUnavailable:
            raise exc from None
        typer.echo(f"qa: {exc}; serving the last good index", err=True)
        return None


@app.command()
def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          corpus: CorpusOpt = None, index: IndexOpt = None,
          watch: Annotated[bool, typer.Option("--watch", help="Re-index when corpus files change.")] = False,
          workers: Annotated[int | None, typer.Option(help="uvicorn worker processes (QA_WORKERS).")] = None) -> None:
    """Serve the chat page at / and the API under /api/ (indexing first when needed)."""
    import uvicorn

    from qa.serve.app import create_app
    from qa.serve.middleware import configure_logging
    from qa.serve.watch import CorpusWatcher

    settings = _settings(corpus, index, workers=workers)
    configure_logging(settings.log_level)
    # Worker processes read their settings from the environment: pass the folders chosen here on.
    os.environ["QA_CORPUS_DIR"] = str(settings.corpus_dir)
    os.environ["QA_INDEX_DIR"] = str(settings.index_dir)
    service, rebuild = _prepare_index(settings)
    watcher = CorpusWatcher(settings.corpus_dir, rebuild, settings.watch_debounce_ms) if watch else None
    typer.echo(f"qa: serving http://{host}:{port}/ (corpus {settings.corpus_dir}, index {settings.index_dir}, "
               f"{settings.workers} worker(s){', watching the corpus' if watch else ''})")
    if watcher is not None:
        watcher.start()
    try:
        target: Any = create_app(settings, service, build=False) if settings.workers == 1 else "qa.serve.app:served_app"
        uvicorn.run(target, factory=settings.workers > 1, host=host, port=port, workers=settings.workers,
                    log_level=settings.log_level.lower(), access_log=False)
    finally:
        if watcher is not None:
            watcher.stop()


@app.command()
def mcp(corpus: CorpusOpt = None, index: IndexOpt = None) -> None:
    """Serve the MCP tools answer, search and get_document over stdio (for an MCP client to start)."""
    from contextlib import redirect_stdout

    from qa.corpus.files import LoadError
    from qa.embed.embedder import ModelError
    from qa.index.integrity import IndexUnavailable
    from qa.serve.auth import ANONYMOUS
    from qa.serve.mcp_tools import CALLER, build_server
    from qa.serve.middleware import configure_logging
    from qa.serve.service import Service

    settings = _settings(corpus, index)
    configure_logging(settings.log_level)
    service = Service(settings)
    try:
        with redirect_stdout(sys.stderr):  # stdout carries the protocol: nothing else may be written there
            service.start(build=True)
    except (LoadError, ModelError, IndexUnavailable, OSError, RuntimeError) as exc:
        _fail(str(exc))
    CALLER.set(ANONYMOUS)  # stdio: the local user, who may read the corpus folder itself
    build_server(lambda: service).run("stdio")
keys_app = typer.Typer(no_args_is_help=True, help="API keys: create (printed once), list, revoke.")
app.add_typer(keys_app, name="keys")
DbOpt = Annotated[Path | None, typer.Option("--db", help="Keys database (default: ./keys.db or QA_KEYS_DB).")]


def _store(db: Path | None) -> Any:
    from qa.serve.keys import KeyStore
    from qa.serve.middleware import configure_logging

    settings = Settings() if db is None else Settings(keys_db=db)
    configure_logging(settings.log_level)  # the audit lines go to stderr, the key alone to stdout
    return KeyStore(settings.keys_db, ttl=0)


@keys_app.command("create")
def keys_create(name: Annotated[str, typer.Argument(help="A name for the key (who holds it; shown in the audit log).")],
                role: Annotated[str, typer.Option(help="reader (asks), editor (also uploads and deletes) or admin "
                                                  "(also manages keys and rebuilds).")] = "reader",
                scope: Annotated[list[str] | None, typer.Option("--scope", help="A corpus folder the key sees; "
                                                                "repeat for more; none: the whole corpus.")] = None,
                db: DbOpt = None) -> None:
    """Create a key and print it, once: only its salted hash is kept."""
    from qa.serve.audit import audit
    from qa.serve.keys import KeyProblem

    try:
        key, info = _store(db).create(name, role, scope or [])
    except (KeyProblem, OSError) as exc:
        audit("key.create", "cli", name, "refused", reason=str(exc))
        _fail(str(exc))
    audit("key.create", "cli", info.name, "ok", role=info.role, scopes=list(info.scopes))
    typer.echo(key)


@keys_app.command("list")
def keys_list(db: DbOpt = None) -> None:
    """The live keys: name, role, folders, created (never the keys)."""
    for info in _store(db).list():
        typer.echo(f"{info.name}\t{info.role}\t{','.join(info.scopes) or '(whole corpus)'}\t{info.created}")


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The name of the key to revoke.")], db: DbOpt = None) -> None:
    """Revoke a key; a running server refuses it within QA_KEYS_CACHE_SECONDS."""
    from qa.serve.audit import audit
    from qa.serve.keys import KeyProblem

    try:
        _store(db).revoke(name)
    except (KeyProblem, OSError) as exc:
        audit("key.revoke", "cli", name, "refused", reason=str(exc))
        _fail(str(exc))
    audit("key.revoke", "cli", name, "ok")
    typer.echo(f"revoked {name}")


def main() -> None:
    app()
