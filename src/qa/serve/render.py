"""Page images of PDF documents, rendered by pypdfium2 from the indexed version of the file, kept in an LRU."""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

import pypdfium2

from qa.lru import Lru
from qa.records import Document

_PDFIUM = threading.Lock()  # PDFium is not thread-safe: one render at a time in a process
_cache: Lru[tuple[str, str, int, int], bytes] = Lru(64)


class PageUnavailable(Exception):
    """A page image that cannot be served; `status` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def page_png(corpus_dir: Path, doc: Document, number: int, max_px: int, cache_size: int, max_bytes: int) -> bytes:
    """PNG bytes of page `number` (1-based) of `doc`, its longest side `max_px` pixels."""
    if doc.fmt != "pdf":
        raise PageUnavailable(404, "page images exist for PDF documents only")
    if not 1 <= number <= len(doc.pages):
        raise PageUnavailable(404, f"no page {number}: the indexed document has {len(doc.pages)} pages")
    key = (doc.source, doc.sha256, number, max_px)
    _cache.size = cache_size
    cached = _cache.get(key)
    if cached is not None:
        return cached
    raw = _indexed_bytes(corpus_dir, doc, max_bytes)
    with _PDFIUM:
        pdf = pypdfium2.PdfDocument(raw)
        try:
            page = pdf[number - 1]
            scale = max_px / max(page.get_size())
            image = page.render(scale=scale).to_pil()
        finally:
            pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    png = buffer.getvalue()
    _cache.put(key, png)
    return png


def _indexed_bytes(corpus_dir: Path, doc: Document, max_bytes: int) -> bytes:
    """The file as it was indexed: boxes drawn on a newer version would point at the wrong text."""
    root = corpus_dir.resolve()
    path = (root / doc.source).resolve()
    try:
        if not path.is_relative_to(root) or path.stat().st_size > max_bytes:
            raise PageUnavailable(404, "the document's file cannot be served")
        raw = path.read_bytes()
    except OSError as exc:
        raise PageUnavailable(404, "the document's file is gone from the corpus; rebuild the index") from exc
    if hashlib.sha256(raw).hexdigest() != doc.sha256:
        raise PageUnavailable(409, "the file changed since it was indexed; rebuild the index to see its pages")
    return raw
