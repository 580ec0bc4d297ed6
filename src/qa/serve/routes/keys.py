"""`GET /api/me`, and for admins `GET/POST /api/keys` and `DELETE /api/keys/{name}`: keys within their folders."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from qa.serve.audit import audit
from qa.serve.auth import CallerDep, get_gate, require
from qa.serve.errors import BAD_INPUT, FORBIDDEN
from qa.serve.keys import KeyProblem, scope_folder
from qa.serve.schemas import KeyCreated, KeyModel, KeyRequest, Me

router = APIRouter(prefix="/api", tags=["keys"])


@router.get("/me", response_model=Me, responses=FORBIDDEN)
def me(caller: CallerDep) -> dict[str, object]:
    """Who the key is: its name, role and folders (null: the whole corpus)."""
    return caller.to_json()


@router.get("/keys", response_model=list[KeyModel], responses=FORBIDDEN)
def list_keys(request: Request, caller: CallerDep) -> list[dict[str, object]]:
    require(caller, "admin")
    return [k.to_json() for k in get_gate(request).store.list() if caller.may_grant(k.scopes)]


@router.post("/keys", status_code=201, response_model=KeyCreated, responses={**BAD_INPUT, **FORBIDDEN})
def create_key(body: KeyRequest, request: Request, caller: CallerDep) -> dict[str, Any]:
    """A new key, shown in this response only: it is stored hashed."""
    require(caller, "admin")
    try:
        scopes = [scope_folder(s) for s in body.scopes]
        if not caller.may_grant(scopes):
            audit("key.create", caller.name, body.name, "forbidden")
            raise HTTPException(403, "a key can only be given folders within your own")
        key, info = get_gate(request).store.create(body.name, body.role, scopes)
    except KeyProblem as exc:
        audit("key.create", caller.name, body.name, "refused", reason=str(exc))
        raise HTTPException(422, str(exc)) from exc
    audit("key.create", caller.name, info.name, "ok", role=info.role, scopes=list(info.scopes))
    return {**info.to_json(), "key": key}


@router.delete("/keys/{name}", response_model=KeyModel, responses=FORBIDDEN)
def revoke_key(name: str, request: Request, caller: CallerDep) -> dict[str, object]:
    require(caller, "admin")
    store = get_gate(request).store
    found = [k for k in store.list() if k.name == name and caller.may_grant(k.scopes)]
    if not found:
        audit("key.revoke", caller.name, name, "not found")
        raise HTTPException(404, "no live key of that name within your folders")
    info = store.revoke(name)
    audit("key.revoke", caller.name, name, "ok")
    return info.to_json()
