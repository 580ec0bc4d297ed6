"""Finding and reading corpus files: Markdown, text, HTML, CSV, PDF and Office files, refusing what cannot be
read safely."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.corpus.html import html_to_text
from qa.corpus.limits import Limits, sniff
from qa.corpus.limits import LoadError as LoadError  # where callers have always found it
from qa.corpus.markers import strip_markers
from qa.corpus.readers import BINARY_FORMATS, read_binary
from qa.corpus.unwrap import unwrap
from qa.records import Document
from qa.tables.csv_records import CsvError, read_table
from qa.text.sentences import heading_text

log = logging.getLogger(__name__)

FORMATS = {".md": "md", ".markdown": "md", ".txt": "txt", ".html": "html", ".htm": "html", ".csv": "csv",
           **BINARY_FORMATS}
SIDECAR_SUFFIX = ".meta.json"
BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04")  # how a PDF and a zip (every Office file) begin
MAX_SIDECAR_BYTES = 1_000_000


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
    """All readable corpus files, sorted; links that leave the corpus, loops and unreadable names are refused."""
    root = corpus_dir.resolve()
    if not root.is_dir():
        raise LoadError(f"corpus folder not found: {corpus_dir}")
    entries: list[FileEntry] = []
    skipped: list[Skipped] = []
    # An explicit stack, not recursion: a deeply nested corpus must not hit Python's recursion limit.
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                items = sorted(listing, key=lambda item: item.name)
        except OSError as exc:
            skipped.append(Skipped(_source(root, folder), f"folder cannot be read: {exc.strerror or exc}"))
            continue
        for item in items:
            found = _visit(root, item, stack)
            if isinstance(found, FileEntry):
                entries.append(found)
            elif found is not None:
                skipped.append(found)
    return sorted(entries, key=lambda e: e.source), sorted(skipped, key=lambda s: s.source)


def _source(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() or "."


def _visit(root: Path, item: os.DirEntry[str], stack: list[Path]) -> FileEntry | Skipped | None:
    """One folder entry: a file to index, a refusal to report, or nothing (ignored or queued as a folder)."""
    path = Path(item.path)
    source = _source(root, path)
    if item.name.startswith("."):
        return None
    if not _valid_name(source):
        return Skipped(source.encode("utf-8", "replace").decode(), "file name is not valid UTF-8; rename it")
    if item.is_symlink():
        return _link(root, path, source, stack)
    if item.is_dir(follow_symlinks=False):
        stack.append(path)
        return None
    if item.name.endswith(SIDECAR_SUFFIX) or path.suffix.lower() not in FORMATS:
        return None
    return _entry(root, path, source)


def _valid_name(source: str) -> bool:
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in a name arrive as lone surrogates
        return False
    return True


def _link(root: Path, path: Path, source: str, stack: list[Path]) -> FileEntry | Skipped | None:
    """Symbolic links: files inside the corpus are read; anything leading out, or looping, is refused."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python 3.11
        return Skipped(source, "symlink loop or dangling symlink; refused")
    if real.is_dir():
        if not real.is_relative_to(root):
            return Skipped(source, "symlinked folder pointing outside the corpus folder; refused")
        # Following it could visit files twice or loop forever; they are indexed where they really are.
        return Skipped(source, "symlinked folder inside the corpus; not followed")
    if path.name.endswith(SIDECAR_SUFFIX) or path.suffix.lower() not in FORMATS:
        return None
    return _entry(root, path, source)


def _entry(root: Path, path: Path, source: str) -> FileEntry | Skipped:
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(root):
            return Skipped(source, "symlink pointing outside the corpus folder; refused")
        st = real.stat()
        if not stat.S_ISREG(st.st_mode):
            return Skipped(source, "not a regular file (a pipe, socket or device); refused")
        sidecar = _sidecar_path(real)
        mtime = st.st_mtime_ns + (sidecar.stat().st_mtime_ns if sidecar.is_file() else 0)
        return FileEntry(source, real, st.st_size, mtime)
    except (OSError, RuntimeError) as exc:
        return Skipped(source, f"cannot be read: {getattr(exc, 'strerror', None) or exc}")


def _sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def load(entry: FileEntry, max_bytes: int, limits: Limits | None = None) -> Document:
    """Read one file into a Document, or raise LoadError saying why it is skipped."""
    if entry.size > max_bytes:
        raise LoadError(f"file is {entry.size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    raw = _read_bounded(entry.path, max_bytes)
    fmt = FORMATS[entry.path.suffix.lower()]
    # A PDF or Office file named .md or .txt is read as what it is (with a warning), not refused as binary.
    if fmt in BINARY_FORMATS.values() or (raw.startswith(BINARY_MAGIC) and sniff(raw) in BINARY_FORMATS.values()):
        return _load_binary(entry, raw, fmt, limits or Limits())
    meta = _read_sidecar(entry.path) if fmt == "csv" else {}
    digest = hashlib.sha256(raw + json.dumps(meta, sort_keys=True).encode()).hexdigest()
    text = _decode(raw)
    title = None
    if fmt == "html":
        text, title = html_to_text(text)
    if fmt != "csv":  # a table's cells are data as written; prose loses its wiki note markers ("[3]")
        text = strip_markers(text, markdown=fmt == "md")
    if fmt in ("md", "txt"):  # a paragraph written at a fixed width is one run of prose, as a reader shows it
        text = unwrap(text)
    if not text.strip():
        raise LoadError("file is empty" if not raw.strip() else "file has no readable text")
    if fmt == "csv":
        _check_csv(text)
    title = title or _title(text, fmt, meta, entry.source)
    return Document(source=entry.source, title=title, text=text, sha256=digest, fmt=fmt, meta=meta)


def _load_binary(entry: FileEntry, raw: bytes, fmt: str, limits: Limits) -> Document:
    paged = read_binary(raw, fmt, limits)
    text = paged.text
    if not text.strip():
        why = "; ".join(paged.warnings)
        raise LoadError("file has no readable text" + (f" ({why})" if why else ""))
    for warning in paged.warnings:
        log.warning("%s: %s", entry.source, warning)
    return Document(source=entry.source, title=paged.title or _title(text, "md", {}, entry.source), text=text,
                    sha256=hashlib.sha256(raw).hexdigest(), fmt=paged.fmt, layout=paged.layout, pages=paged.pages,
                    warnings=paged.warnings)


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, never more than max_bytes in memory, even when it grew or changed since the scan."""
    try:
        # O_NONBLOCK: a file replaced by a named pipe since the scan must not hang the build on open().
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise LoadError("file was deleted during the build") from exc
    except OSError as exc:
        raise LoadError(f"cannot be read: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LoadError("not a regular file (a pipe, socket or device); refused")
        try:
            raw = fh.read(max_bytes + 1)
        except OSError as exc:
            raise LoadError(f"cannot be read: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise LoadError(f"file grew past the {max_bytes / 1e6:.0f} MB limit while it was read; skipped")
    return raw


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
        table = read_table(text)
    except CsvError as exc:
        raise LoadError(f"malformed CSV: {exc}") from exc
    rows = table.records
    if len(rows) < 2:
        raise LoadError("CSV has no data rows")
    if table.widths[0] < 2:
        raise LoadError("CSV has a single column; a table needs a label column and at least one value column")
    bad = next((i for i, width in enumerate(table.widths) if width != table.widths[0]), None)
    if bad is not None:
        # A ragged row is refused rather than padded: a lost cell would shift every value after it.
        raise LoadError(f"malformed CSV: row {bad + 1} has {table.widths[bad]} cells, the header has "
                        f"{table.widths[0]}")


def _read_sidecar(path: Path) -> dict[str, Any]:
    sidecar = _sidecar_path(path)
    if not sidecar.is_file():
        return {}
    try:
        if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
            raise LoadError(f"sidecar {sidecar.name} is over {MAX_SIDECAR_BYTES // 1_000_000} MB; refused")
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
                heading = heading_text(line)
                if heading is not None or (fmt == "txt" and len(line) <= 120):
                    return (heading if heading is not None else line).strip()
                break
    return Path(source).stem.replace("-", " ").replace("_", " ").strip().capitalize() or source
