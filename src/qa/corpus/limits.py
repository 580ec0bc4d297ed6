"""Limits on what one file may cost to read: pages, zip expansion and entries, spreadsheet cells, OCR pages."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Literal

from qa.settings import Settings

# What the first bytes say a file really is: a lying extension is read as what the file is, with a warning.
OOXML_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}


class LoadError(Exception):
    """A corpus file that is skipped; the message says why."""


@dataclass(frozen=True)
class Limits:
    """Bounds on the work and memory one file may take; a file past them is read in part or skipped."""

    max_pages: int = 500
    max_unzipped_bytes: int = 100_000_000
    max_zip_entries: int = 10_000
    max_cells: int = 200_000
    ocr: Literal["auto", "off"] = "auto"
    ocr_max_pages: int = 50
    max_seconds: float = 300.0  # reading a PDF or deck stops at the first page after this, with a warning

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(max_pages=settings.max_pages, max_unzipped_bytes=int(settings.max_unzipped_mb * 1e6),
                   max_zip_entries=settings.max_zip_entries, max_cells=settings.max_cells, ocr=settings.ocr,
                   ocr_max_pages=settings.ocr_max_pages, max_seconds=settings.max_file_seconds)


def sniff(raw: bytes) -> str | None:
    """The format the bytes hold ("pdf", "docx", "xlsx", "pptx", "zip", "damaged zip"), or None for anything
    else."""
    if b"%PDF-" in raw[:1024]:  # the header may follow a little junk; readers accept that too
        return "pdf"
    if not raw.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "damaged zip"
    return next((fmt for part, fmt in OOXML_PARTS.items() if part in names), "zip")


def check_zip(raw: bytes, limits: Limits) -> None:
    """Refuse an Office file whose zip would expand past the limits, before any library opens it.

    The sizes are the ones the zip declares: Python's zipfile never inflates an entry past its declared size
    (it fails on the CRC instead), so a lying header cannot make the readers use more than this.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LoadError(f"damaged or truncated file (not a readable zip: {exc})") from exc
    if len(infos) > limits.max_zip_entries:
        raise LoadError(f"zip holds {len(infos):,} entries, over the {limits.max_zip_entries:,} limit "
                        "(QA_MAX_ZIP_ENTRIES); refused as a possible zip bomb")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unzipped_bytes:
        raise LoadError(f"expands to {total / 1e6:,.0f} MB, over the {limits.max_unzipped_bytes / 1e6:,.0f} MB "
                        "limit (QA_MAX_UNZIPPED_MB); refused as a possible zip bomb")
