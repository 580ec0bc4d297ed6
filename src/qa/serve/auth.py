"""Who is calling: the one dependency every route uses, turning `Authorization: Bearer <key>` into a `Caller`."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from qa.serve.keys import PREFIX, ROLES, KeyStore
from qa.settings import Settings

UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    """A key holder (or the anonymous caller): its name for the audit log, its role, and the corpus folders
    it may see; `scopes` None is the whole corpus, an empty set is nothing at all."""

    name: str
    role: str
    scopes: frozenset[str] | None

    def can(self, role: str) -> bool:
        """Whether this caller has `role` or one above it."""
        return self.role in ROLES and ROLES.index(self.role) >= ROLES.index(role)

    def covers(self, source: str) -> bool:
        """Whether a corpus-relative path lies under one of the caller's folders (whether it exists or not)."""
        if self.scopes is None:
            return True
        if ".." in source.split("/"):
            return False  # "team/../other/x.md" names no file of the team's folder
        return any(source.startswith(folder + "/") for folder in self.scopes)

    @property
    def scope_test(self) -> Callable[[str], bool] | None:
        """`covers` for a caller with folders; None for one who sees the whole corpus (nothing to filter)."""
        return self.covers if self.scopes is not None else None

    def may_grant(self, scopes: Iterable[str]) -> bool:
        """Whether this caller may hand out a key over `scopes` (empty: the whole corpus): only within its own."""
        wanted = list(scopes)
        if self.scopes is None:
            return True
        return bool(wanted) and all(any(w == f or w.startswith(f + "/") for f in self.scopes) for w in wanted)

    def allowed(self, sources: Iterable[str]) -> frozenset[str] | None:
        """Of the index's sources, those this caller may see; None when it may see them all."""
        if self.scopes is None:
            return None
        return frozenset(s for s in sources if self.covers(s))

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "scopes": None if self.scopes is None else sorted(self.scopes)}


ANONYMOUS = Caller("anonymous", "reader", None)
NOBODY = Caller("anonymous", "none", frozenset())  # QA_ANONYMOUS=none, on the one open endpoint (/api/health)


class Gate:
    """Turns a request's Authorization header into a Caller; one per app, holding the keys store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = KeyStore(settings.keys_db, settings.keys_cache_seconds)

    def admins_exist(self) -> bool:
        """Whether anyone at all may rebuild: QA_ADMIN_TOKEN is set or an admin key exists."""
        token = self.settings.admin_token
        return bool(token and token.get_secret_value()) or any(k.role == "admin" for k in self.store.list())

    def caller(self, authorization: str | None, required: bool = True, placeholder: bool = False) -> Caller:
        """The caller; 401 for a wrong, revoked or (with QA_ANONYMOUS=none, when `required`) missing key.
        `placeholder`: with QA_ANONYMOUS=read, a token that is no qa key at all (OpenAI clients must send some
        api_key) asks anonymously; a qa key still has to be a live one."""
        if not authorization:
            if self.settings.anonymous == "read":
                return ANONYMOUS  # the common case touches no database: asking stays as fast as before
            if not required:
                return NOBODY
            raise HTTPException(401, "a key is required: send Authorization: Bearer <key>", headers=UNAUTHORIZED)
        scheme, _, given = authorization.partition(" ")
        given = given.strip()
        if scheme.lower() != "bearer" or not given:
            raise HTTPException(401, "send the key as Authorization: Bearer <key>", headers=UNAUTHORIZED)
        admin = self.settings.admin_token.get_secret_value() if self.settings.admin_token is not None else ""
        if admin and hmac.compare_digest(given.encode(), admin.encode()):
            return Caller("admin-token", "admin", None)
        if placeholder and self.settings.anonymous == "read" and not given.startswith(PREFIX):
            return ANONYMOUS
        info = self.store.verify(given)  # KeysUnavailable: 503 (serve/errors.py)
        if info is None:
            raise HTTPException(401, "unknown or revoked key", headers=UNAUTHORIZED)
        return Caller(info.name, info.role, frozenset(info.scopes) if info.scopes else None)


def get_gate(request: Request) -> Gate:
    gate: Gate = request.app.state.gate
    return gate


async def get_caller(request: Request) -> Caller:
    """The caller of a request; 401 when it sends a wrong key, or none where one is required."""
    return await _caller(request, required=True)


async def get_open_caller(request: Request) -> Caller:
    """The caller of an endpoint open to everyone (/api/health): anonymous is NOBODY, never a 401."""
    return await _caller(request, required=False)


async def get_client_caller(request: Request) -> Caller:
    """The caller of an interface whose clients always send a key (the OpenAI API, MCP): see `Gate.caller`."""
    return await _caller(request, required=True, placeholder=True)


async def _caller(request: Request, required: bool, placeholder: bool = False) -> Caller:
    return await caller_of(get_gate(request), request.headers.get("authorization"), required, placeholder)


async def caller_of(gate: Gate, header: str | None, required: bool = True, placeholder: bool = False) -> Caller:
    """The caller sending `header`, checked off the event loop when it carries a key."""
    if not header:
        return gate.caller(None, required)  # no thread hop and no database: asking anonymously stays fast
    # A key's first check runs scrypt (~50 ms) and may read the keys file: off the event loop.
    return await run_in_threadpool(gate.caller, header, required, placeholder)


CallerDep = Annotated[Caller, Depends(get_caller)]
OpenCallerDep = Annotated[Caller, Depends(get_open_caller)]
ClientCallerDep = Annotated[Caller, Depends(get_client_caller)]


def require(caller: Caller, role: str) -> None:
    """403 unless the caller has `role` (or one above it)."""
    if not caller.can(role):
        raise HTTPException(403, f"this needs an {role} key" if role[0] in "aeiou" else f"this needs a {role} key")


def require_scope(caller: Caller, sources: Iterable[str]) -> None:
    """403 when a path lies outside the caller's folders; decided by the path alone, so it says nothing of
    whether such a document exists."""
    outside = [s for s in sources if not caller.covers(s)]
    if outside:
        raise HTTPException(403, "outside this key's folders: " + ", ".join(outside))
