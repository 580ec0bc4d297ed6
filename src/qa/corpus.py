"""Finding and reading corpus files: Markdown, text, HTML and CSV, refusing what cannot be read safely."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.html_text import html_to_text
from qa.records import Document

log = logging.getLogger(__name__)

FORMATS = {".md": "md", ".markdown": "md", ".txt": "txt", ".html": "html", ".htm": "html", ".csv": "csv"}
SIDECAR_SUFFIX = ".meta.json"


class LoadError(Exception):
    """A corpus file that is skipped; the message says why."""


@dataclass(frozen=True)
class FileEntry:
    """A corpus file found on disk, before it is read: enough to tell whether it changed."""

    source: str
    path: Path
    size: int
    mtime_ns: int

    @property
    def fingerprint(self) -> str:
        return f"{self.size}:{self.mtime_ns}"


@dataclass(frozen=True)
class Skipped:
    """A file left out of the index, and the reason a person can act on."""

    source: str
    reason: str


def scan(corpus_dir: Path) -> tuple[list[FileEntry], list[Skipped]]:
    """All readable corpus files, sorted; symlinks that leave the corpus are refused."""
    root = corpus_dir.resolve()
    if not root.is_dir():
        raise LoadError(f"corpus folder not found: {corpus_dir}")
    entries: list[FileEntry] = []
    skipped: list[Skipped] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            source = path.relative_to(root).as_posix()
            if name.startswith(".") or name.endswith(SIDECAR_SUFFIX) or path.suffix.lower() not in FORMATS:
                continue
            entry_or_skip = _entry(root, path, source)
            (entries if isinstance(entry_or_skip, FileEntry) else skipped).append(entry_or_skip)  # type: ignore[arg-type]
    return entries, skipped


def _entry(root: Path, path: Path, source: str) -> FileEntry | Skipped:
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(root):
            return Skipped(source, "symlink pointing outside the corpus folder; refused")
        st = real.stat()
        sidecar = _sidecar_path(real)
        mtime = st.st_mtime_ns + (sidecar.stat().st_mtime_ns if sidecar.is_file() else 0)
        return FileEntry(source, real, st.st_size, mtime)
    except OSError as exc:
        return Skipped(source, f"cannot be read: {exc.strerror or exc}")


def _sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def load(entry: FileEntry, max_bytes: int) -> Document:
    """Read one file into a Document, or raise LoadError saying why it is skipped."""
    if entry.size > max_bytes:
        raise LoadError(f"file is {entry.size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    try:
        raw = entry.path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot be read: {exc.strerror or exc}") from exc
    fmt = FORMATS[entry.path.suffix.lower()]
    meta = _read_sidecar(entry.path) if fmt == "csv" else {}
    digest = hashlib.sha256(raw + json.dumps(meta, sort_keys=True).encode()).hexdigest()
    text = _decode(raw)
    title = None
    if fmt == "html":
        text, title = html_to_text(text)
    if not text.strip():
        raise LoadError("file is empty" if not raw.strip() else "file has no readable text")
    if fmt == "csv":
        _check_csv(text)
    title = title or _title(text, fmt, meta, entry.source)
    return Document(source=entry.source, title=title, text=text, sha256=digest, fmt=fmt, meta=meta)


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:8192]:
        raise LoadError("binary file (contains NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not UTF-8 (invalid byte at position {exc.start}); re-save it as UTF-8") from exc
    # Offsets must index the same text that the API serves, so line endings are normalised once, here.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_csv(text: str) -> None:
    try:
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise LoadError(f"malformed CSV: {exc}") from exc
    if len(rows) < 2:
        raise LoadError("CSV has no data rows")
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        bad = next(i for i, r in enumerate(rows) if len(r) != len(rows[0]))
        raise LoadError(f"malformed CSV: row {bad + 1} has {len(rows[bad])} cells, the header has {len(rows[0])}")


def _read_sidecar(path: Path) -> dict[str, Any]:
    sidecar = _sidecar_path(path)
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LoadError(f"sidecar {sidecar.name} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise LoadError(f"sidecar {sidecar.name} must hold a JSON object")
    return data


def _title(text: str, fmt: str, meta: dict[str, Any], source: str) -> str:
    if meta.get("caption"):
        return str(meta["caption"])
    if fmt in ("md", "html", "txt"):
        for line in text.splitlines():
            if line.strip():
                heading = re.match(r"^#{1,6}\s+(.*)", line.strip())
                if heading or (fmt == "txt" and len(line) <= 120):
                    return (heading.group(1) if heading else line).strip()
                break
    return Path(source).stem.replace("-", " ").replace("_", " ").strip().capitalize() or source
