"""The readers of binary formats in one place: what the bytes really are, the limits, then the reader."""

from __future__ import annotations

import logging

from qa.corpus.limits import Limits, LoadError, check_zip, sniff
from qa.corpus.paged import PagedText
from qa.corpus.pdf import read_pdf
from qa.corpus.sheets import read_xlsx
from qa.corpus.slides import read_pptx
from qa.corpus.word import read_docx

log = logging.getLogger(__name__)

BINARY_FORMATS = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".pptx": "pptx"}
NAMES = {"pdf": "a PDF", "docx": "a Word document", "xlsx": "an Excel workbook", "pptx": "a PowerPoint deck",
         "zip": "a zip archive"}


def read_binary(raw: bytes, fmt: str, limits: Limits) -> PagedText:
    """Read a PDF or Office file within the limits; a file whose extension lies is read as what it is."""
    real = sniff(raw)
    if real == "damaged zip":
        raise LoadError(f"damaged or truncated file (.{fmt} files are zip archives, and this one cannot be read)")
    if real is None or real == "zip":
        what = NAMES["zip"] if real else "text or an unknown format"
        raise LoadError(f"not {NAMES[fmt]}: the file is {what} (its extension says .{fmt})")
    try:
        out = _read(raw, real, limits)
    except LoadError:
        raise
    except Exception as exc:  # each library fails on damaged files in its own ways; all mean "unreadable"
        raise LoadError(f"damaged or unreadable {real.upper()} file ({type(exc).__name__}: {exc})") from exc
    if real != fmt:
        out.warnings.insert(0, f"the file is {NAMES[real]}, though its extension says .{fmt}; read as .{real}")
    return out


def _read(raw: bytes, fmt: str, limits: Limits) -> PagedText:
    if fmt == "pdf":
        return read_pdf(raw, limits)
    check_zip(raw, limits)
    if fmt == "docx":
        return read_docx(raw)
    if fmt == "xlsx":
        return read_xlsx(raw, limits)
    return read_pptx(raw, limits)
