"""`POST /api/documents` and `DELETE /api/documents/{source}`: editors change the corpus in their folders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile

from qa.serve.audit import audit
from qa.serve.auth import Caller, CallerDep, require, require_scope
from qa.serve.deps import ServiceDep
from qa.serve.errors import BAD_INPUT, FORBIDDEN
from qa.serve.rebuild import RebuildFailed, RebuildInProgress
from qa.serve.schemas import ErrorResponse, Removed, Uploaded
from qa.serve.service import Service
from qa.serve.uploads import BadUpload, TooLarge, corpus_path, remove, save, upload_source

router = APIRouter(prefix="/api", tags=["corpus"])
WAIT_S = 300.0  # an upload waits this long for a running rebuild, then builds its own change
CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **BAD_INPUT, **FORBIDDEN,
    409: {"model": ErrorResponse, "description": "Saved, but another process holds the index: built later."},
    413: {"model": ErrorResponse, "description": "The file is over QA_MAX_FILE_MB."},
    500: {"model": ErrorResponse, "description": "The rebuild failed; the previous index is still served."},
}


@router.post("/documents", status_code=201, response_model=Uploaded, responses=CHANGE_ERRORS)
def upload(svc: ServiceDep, caller: CallerDep, file: Annotated[UploadFile, File(description="The document.")],
           folder: Annotated[str | None, Form(description="Corpus folder to put it in.")] = None) -> dict[str, Any]:
    name = file.filename or ""
    try:
        source = upload_source(folder, name)
        _allow(caller, "upload", source)
        replaced = save(corpus_path(svc.settings.corpus_dir, source), file.file, int(svc.settings.max_file_mb * 1e6))
    except (BadUpload, TooLarge) as exc:
        audit("upload", caller.name, name, "refused", reason=str(exc))
        raise HTTPException(413 if isinstance(exc, TooLarge) else 422, str(exc)) from exc
    audit("upload", caller.name, source, "ok", replaced=replaced)
    return {"source": source, "replaced": replaced, "rebuild": _rebuild(svc, caller, source)}


@router.delete("/documents/{source:path}", response_model=Removed, responses=CHANGE_ERRORS)
def delete(source: str, svc: ServiceDep, caller: CallerDep) -> dict[str, Any]:
    _allow(caller, "delete", source)
    try:
        remove(corpus_path(svc.settings.corpus_dir, source))
    except (BadUpload, FileNotFoundError) as exc:
        audit("delete", caller.name, source, "not found")
        raise HTTPException(404, "no such file in the corpus") from exc
    audit("delete", caller.name, source, "ok")
    return {"removed": source, "rebuild": _rebuild(svc, caller, source)}


def _allow(caller: Caller, event: str, source: str) -> None:
    """403 unless the caller is an editor whose folders hold `source`; a refusal is audited too."""
    try:
        require(caller, "editor")
        require_scope(caller, [source])
    except HTTPException:
        audit(event, caller.name, source, "forbidden")
        raise


def _rebuild(svc: Service, caller: Caller, source: str) -> dict[str, object]:
    try:
        return svc.update(caller, wait=WAIT_S)
    except RebuildInProgress as exc:
        raise HTTPException(409, f"{source} is saved; the index will take it in at the next rebuild ({exc})") from exc
    except RebuildFailed as exc:
        raise HTTPException(500, str(exc)) from exc
