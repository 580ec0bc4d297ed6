"""Writing and removing corpus files for uploads: names checked, no links followed, every write atomic."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from qa.corpus.files import FORMATS, SIDECAR_SUFFIX
from qa.serve.keys import KeyProblem, scope_folder

CHUNK = 1 << 20
MAX_NAME_BYTES = 255  # what most file systems allow for one name


class BadUpload(ValueError):
    """An upload or removal refused for its name or place (422); nothing was written."""


class TooLarge(ValueError):
    """An upload over the size limit (413); nothing was written."""


def upload_source(folder: str | None, filename: str) -> str:
    """The corpus-relative path an upload goes to: a plain file name of a readable format in a clean folder."""
    name = filename.strip()
    if not name or "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
        raise BadUpload(f"not a plain file name: {filename!r}")
    if not name.isprintable() or len(name.encode("utf-8", "replace")) > MAX_NAME_BYTES:
        raise BadUpload("file names are printable and at most 255 bytes")
    if name.endswith(SIDECAR_SUFFIX) or Path(name).suffix.lower() not in FORMATS:
        raise BadUpload(f"{Path(name).suffix or 'no extension'} files are not read; allowed: "
                        + ", ".join(sorted(FORMATS)))
    try:
        return f"{scope_folder(folder)}/{name}" if folder and folder.strip() else name
    except KeyProblem as exc:
        raise BadUpload(str(exc)) from exc


def corpus_path(corpus_dir: Path, source: str) -> Path:
    """Where `source` lies in the corpus, refusing a path with `..`, one through a link, or one outside."""
    root = corpus_dir.resolve()
    parts = Path(source).parts
    if not parts or Path(source).is_absolute() or any(p in ("..", ".") for p in parts):
        raise BadUpload(f"not a path inside the corpus: {source!r}")
    here = root
    for part in parts:
        here = here / part
        if here.is_symlink():
            raise BadUpload(f"{source!r} goes through a link; links are not written through")
    if not here.resolve().is_relative_to(root):
        raise BadUpload(f"not a path inside the corpus: {source!r}")
    return here


def save(path: Path, stream: BinaryIO, limit: int) -> bool:
    """Copy `stream` to `path` through a hidden temporary file in the same folder, renamed over it at the end:
    a crash leaves the old file or the new one, never half of one. True when a file was replaced."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            raise BadUpload(f"{parent.name!r} is a file, not a folder")
    if path.exists() and not stat.S_ISREG(path.lstat().st_mode):
        raise BadUpload("only regular files are replaced")
    path.parent.mkdir(parents=True, exist_ok=True)
    # A dot name: the corpus scanner ignores it, so a build running meanwhile never reads it half written.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            size = 0
            while block := stream.read(CHUNK):
                size += len(block)
                if size > limit:
                    raise TooLarge(f"the file is over the {limit / 1e6:g} MB limit (QA_MAX_FILE_MB)")
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        replaced = path.exists()
        os.replace(tmp, path)
        return replaced
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove(path: Path) -> None:
    """Remove a corpus file (and its `.meta.json` sidecar); only a regular file, never a folder or link."""
    if not path.is_file() or path.is_symlink():
        raise FileNotFoundError(path.name)
    path.unlink()
    path.with_name(path.stem + SIDECAR_SUFFIX).unlink(missing_ok=True)
