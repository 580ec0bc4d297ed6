"""API keys: created, listed and revoked in a SQLite file, stored as salted scrypt hashes, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

ROLES = ("reader", "editor", "admin")  # each role may do everything the ones before it may
PREFIX = "qa_"
# scrypt at n=2**14, r=8 (16 MiB, about 50 ms here): slow enough that a stolen keys file cannot be searched for
# keys cheaply. A key is 192 random bits anyway; the slowness guards against weak keys added later.
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
MAX_VERIFIED = 4096  # keys whose scrypt check is remembered (by their sha256), so a request pays it once
SCHEMA = """CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, scopes TEXT NOT NULL,
    salt BLOB NOT NULL, hash BLOB NOT NULL, created TEXT NOT NULL, revoked TEXT)"""


class KeysUnavailable(RuntimeError):
    """The keys file cannot be read (damaged, locked, not a file): keys cannot be checked, so none pass."""


class KeyProblem(ValueError):
    """A key cannot be created or revoked as asked (bad name, role or scope, name taken or unknown)."""


@dataclass(frozen=True)
class KeyInfo:
    """A key as listed: never its secret or its hash."""

    id: str
    name: str
    role: str
    scopes: tuple[str, ...]  # corpus folders; () is the whole corpus
    created: str

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "scopes": list(self.scopes), "created": self.created}


@dataclass(frozen=True)
class _Row:
    info: KeyInfo
    salt: bytes
    hash: bytes


def scope_folder(folder: str) -> str:
    """A scope or upload folder as a clean corpus-relative POSIX path; anything leading out is a KeyProblem."""
    text = folder.strip().replace("\\", "/").strip("/")
    parts = PurePosixPath(text).parts
    if folder.strip().startswith("/") or not parts or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise KeyProblem(f"not a corpus folder: {folder!r} (a relative path such as 'team-a' or 'team-a/reports')")
    return "/".join(parts)


def _digest(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **SCRYPT)  # type: ignore[arg-type]


class KeyStore:
    """The keys of one SQLite file. A running server reads the table at most every `ttl` seconds, so a key
    revoked by `qa keys revoke` (another process) stops working within that time."""

    def __init__(self, path: Path, ttl: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.ttl = ttl
        self._clock = clock
        self._rows: dict[str, _Row] = {}
        self._read_at: float | None = None
        self._verified: dict[str, bytes] = {}  # sha256 of a presented key -> the stored hash it matched
        self._lock = threading.Lock()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.execute(SCHEMA)
            with conn:
                yield conn
        finally:
            conn.close()

    def create(self, name: str, role: str = "reader", scopes: Sequence[str] = ()) -> tuple[str, KeyInfo]:
        """A new key and its record; the key itself is returned once and never stored."""
        name = name.strip()
        if not name or len(name) > 100 or not name.isprintable() or "/" in name:
            raise KeyProblem("a key name is 1 to 100 printable characters, without '/'")
        if role not in ROLES:
            raise KeyProblem(f"unknown role {role!r}: one of {', '.join(ROLES)}")
        folders = tuple(sorted({scope_folder(s) for s in scopes}))
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
        salt = secrets.token_bytes(16)
        info = KeyInfo(key_id, name, role, folders, datetime.now(UTC).isoformat(timespec="seconds"))
        with self._db() as conn:
            if conn.execute("SELECT 1 FROM keys WHERE name = ? AND revoked IS NULL", (name,)).fetchone():
                raise KeyProblem(f"a key named {name!r} exists already; revoke it first")
            conn.execute("INSERT INTO keys VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                         (key_id, name, role, json.dumps(folders), salt, _digest(secret, salt), info.created))
        self._read_at = None
        return f"{PREFIX}{key_id}_{secret}", info

    def revoke(self, name: str) -> KeyInfo:
        """Revoke the live key of that name; its row stays (without its hash) for the record."""
        with self._db() as conn:
            found = [r for r in self._read(conn).values() if r.info.name == name.strip()]
            if not found:
                raise KeyProblem(f"no live key named {name!r}")
            conn.execute("UPDATE keys SET revoked = ?, hash = x'' WHERE id = ?",
                         (datetime.now(UTC).isoformat(timespec="seconds"), found[0].info.id))
        self._read_at = None
        return found[0].info

    def list(self) -> list[KeyInfo]:
        """The live keys, by name."""
        if not self.path.exists():
            return []
        try:
            return sorted((r.info for r in self._load().values()), key=lambda i: i.name)
        except (sqlite3.Error, OSError, ValueError) as exc:
            raise KeysUnavailable(f"the keys file {self.path} cannot be read: {exc}") from exc

    @staticmethod
    def _read(conn: sqlite3.Connection) -> dict[str, _Row]:
        rows = conn.execute("SELECT id, name, role, scopes, salt, hash, created FROM keys WHERE revoked IS NULL")
        return {r[0]: _Row(KeyInfo(r[0], r[1], r[2], tuple(json.loads(r[3])), r[6]), bytes(r[4]), bytes(r[5]))
                for r in rows}

    def _live(self) -> dict[str, _Row]:
        """The live rows, read again once they are `ttl` seconds old; a missing file is no keys at all."""
        now = self._clock()
        with self._lock:
            if self._read_at is None or now - self._read_at >= self.ttl:
                try:
                    self._rows = self._load() if self.path.exists() else {}
                except (sqlite3.Error, OSError, ValueError) as exc:
                    raise KeysUnavailable(f"the keys file {self.path} cannot be read: {exc}") from exc
                self._read_at = now
            return self._rows

    def _load(self) -> dict[str, _Row]:
        with self._db() as conn:
            return self._read(conn)

    def verify(self, presented: str) -> KeyInfo | None:
        """The live key `presented` is, or None. scrypt runs once per key (then its sha256 is remembered).
        Raises KeysUnavailable when the keys file cannot be read."""
        if not presented.startswith(PREFIX):
            return None
        key_id, _, secret = presented[len(PREFIX):].partition("_")
        row = self._live().get(key_id)
        if row is None or not secret:
            return None
        seen = hashlib.sha256(presented.encode()).hexdigest()
        if hmac.compare_digest(self._verified.get(seen, b""), row.hash):
            return row.info
        if not hmac.compare_digest(_digest(secret, row.salt), row.hash):
            return None
        with self._lock:
            if len(self._verified) >= MAX_VERIFIED:
                self._verified.clear()
            self._verified[seen] = row.hash
        return row.info
