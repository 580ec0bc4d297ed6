"""A generation's files checked: their sizes and checksums written in the manifest, verified before loading."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
DATA_FILES = ("documents.jsonl", "chunks.jsonl", "tables.jsonl", "vectors.npy", "dense.faiss", "bm25/size.txt")


class IndexUnavailable(Exception):
    """The index is missing, locked or unreadable; the message says which and what to do."""


class BuildLocked(IndexUnavailable):
    """Another build of the same index folder holds its lock (in this process or another)."""


class IndexDamaged(IndexUnavailable):
    """A generation whose files are certainly wrong (missing, truncated, altered), not merely unreadable now."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(folder: Path) -> dict[str, dict[str, Any]]:
    """Size and sha256 of every file of a generation but the manifest, which carries them."""
    return {p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": _sha256(p)}
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def verify(gen: Path) -> dict[str, Any]:
    """The manifest of a generation whose files are all present and match their checksums."""
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexDamaged(f"index {gen.name} is incomplete (no {MANIFEST}); rebuild it with `qa index`") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise IndexDamaged(f"index {gen.name} is damaged ({MANIFEST} is not valid JSON); rebuild it") from exc
    except OSError as exc:
        raise IndexUnavailable(f"index {gen.name} cannot be read ({exc.strerror or exc})") from exc
    if not isinstance(manifest, dict):
        raise IndexDamaged(f"index {gen.name} is damaged ({MANIFEST} is not an object); rebuild it")
    sums = manifest.get("checksums")
    if sums is None:
        return manifest  # written before checksums existed: read_data checks its contents only
    if not isinstance(sums, dict) or not all(isinstance(sums.get(name), dict) for name in DATA_FILES):
        raise IndexDamaged(f"index {gen.name} is damaged ({MANIFEST} lacks checksums of its files); rebuild it")
    for name, expected in sums.items():
        _check_file(gen, name, expected if isinstance(expected, dict) else {})
    return manifest


def _check_file(gen: Path, name: str, expected: dict[str, Any]) -> None:
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise IndexDamaged(f"index {gen.name} is damaged ({MANIFEST} names a file outside it)")
    path = gen / name
    try:
        size = path.stat().st_size
        if size == expected.get("size") and _sha256(path) == expected.get("sha256"):
            return
    except FileNotFoundError as exc:
        raise IndexDamaged(f"index {gen.name} is damaged ({name} is missing); rebuild it") from exc
    except OSError as exc:
        raise IndexUnavailable(f"index {gen.name} cannot be read ({name}: {exc.strerror or exc})") from exc
    what = "truncated or extended" if size != expected.get("size") else "altered"
    raise IndexDamaged(f"index {gen.name} is damaged ({name} was {what} after it was written); rebuild it")
