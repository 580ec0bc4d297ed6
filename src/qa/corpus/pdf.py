"""PDF files: text with positions and ruled tables through pdfplumber; page count, checks and OCR renders
through pypdfium2; pages without a text layer read by Tesseract."""

from __future__ import annotations

import io
import logging
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pdfplumber
import pypdfium2
from pdfplumber.page import Page
from tqdm import tqdm

from qa.corpus.limits import Limits, LoadError
from qa.corpus.ocr import OCR_DPI, Word, ocr_words, tesseract_available
from qa.corpus.paged import PagedText
from qa.corpus.pdf_tables import PdfTable, aligned_tables, ruled_tables
from qa.records import Box

log = logging.getLogger(__name__)

PLACEHOLDER_TITLES = {"", "(anonymous)", "anonymous", "untitled", "(untitled)"}
HEADING_RATIO = 1.2  # a line this much larger than the page's body text is a heading
PARAGRAPH_GAP = 0.6  # a vertical gap over this share of the line height starts a new paragraph
MIN_COLUMN_LINES = 8  # fewer lines side by side are a table or a letterhead, not a page set in columns
GUTTER = 4.0  # points of white, at least, each side of the line between two columns


@dataclass
class _Line:
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)

    def box(self, page: int) -> Box:
        return Box(page, round(min(w.x0 for w in self.words), 2), round(self.top, 2),
                   round(max(w.x1 for w in self.words), 2), round(self.bottom, 2))


@dataclass
class _Block:
    top: float
    lines: list[_Line] | None = None  # a paragraph, or a heading when `heading`
    rows: list[list[str]] | None = None  # a table
    row_boxes: list[Box] | None = None
    header: int = 1
    heading: bool = False
    column: int = 0  # on a page set in columns, which column (left first); 0 also for tables


def read_pdf(raw: bytes, limits: Limits) -> PagedText:
    """The text, tables, page sizes and line boxes of a PDF, within the page and OCR limits."""
    rendered = _open_checked(raw)
    try:
        count = len(rendered)
        out = PagedText("pdf")
        wanted = min(count, limits.max_pages)
        if count > wanted:
            out.warnings.append(f"read the first {wanted:,} of {count:,} pages (QA_MAX_PAGES)")
        with pdfplumber.open(io.BytesIO(raw), pages=list(range(1, wanted + 1))) as pdf:
            out.title = _title(pdf.metadata.get("Title"))
            ocr = _Ocr(limits, rendered, out)
            deadline = time.monotonic() + limits.max_seconds
            for page in _progress(pdf.pages, wanted):
                out.pages.append((float(page.width), float(page.height)))
                try:
                    _read_page(page, out, ocr)
                except Exception as exc:  # one damaged page (a broken content stream) must not lose the others
                    out.warnings.append(f"page {page.page_number} could not be read and was skipped "
                                        f"({type(exc).__name__}: {exc})")
                page.close()  # pdfplumber caches each page's objects: a long PDF would keep them all
                if time.monotonic() > deadline and len(out.pages) < wanted:
                    out.warnings.append(f"read the first {len(out.pages):,} of {count:,} pages: reading took over "
                                        f"{limits.max_seconds:g} s (QA_MAX_FILE_SECONDS)")
                    break
        return out
    finally:
        rendered.close()


def _title(value: object) -> str | None:
    """The title the PDF declares, unless it is a writer's placeholder ("(anonymous)", "untitled")."""
    title = str(value or "").strip()
    return None if title.lower() in PLACEHOLDER_TITLES else title


def _open_checked(raw: bytes) -> pypdfium2.PdfDocument:
    try:
        return pypdfium2.PdfDocument(raw)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise LoadError("encrypted PDF (it needs a password)") from exc
        raise LoadError(f"damaged or truncated PDF ({exc})") from exc


def _progress(pages: list[Page], total: int) -> Iterator[Page]:
    """Pages with a progress bar on a terminal (long files only) and a log line every 100 pages."""
    for n, page in enumerate(tqdm(pages, desc="pages", unit="page", delay=2.0, leave=False, disable=None), 1):
        if n % 100 == 0:
            log.info("read %d of %d pages", n, total)
        yield page


class _Ocr:
    """OCR of pages without a text layer, when allowed and Tesseract is installed; otherwise a warning."""

    def __init__(self, limits: Limits, rendered: pypdfium2.PdfDocument, out: PagedText) -> None:
        self.limits, self.rendered, self.out, self.done = limits, rendered, out, 0
        self.why_not = ("QA_OCR=off" if limits.ocr == "off"
                        else "" if tesseract_available() else "Tesseract is not installed")

    def words(self, number: int) -> list[Word]:
        if self.why_not or self.done >= self.limits.ocr_max_pages:
            why = self.why_not or f"over the {self.limits.ocr_max_pages} OCR pages limit (QA_OCR_MAX_PAGES)"
            self.out.warnings.append(f"page {number} has no text layer and was skipped ({why})")
            return []
        self.done += 1
        scale = OCR_DPI / 72
        image = self.rendered[number - 1].render(scale=scale).to_pil()
        words = ocr_words(image, scale)
        self.out.warnings.append(f"page {number} has no text layer; read by OCR ({len(words)} words)")
        return words


def _read_page(page: Page, out: PagedText, ocr: _Ocr) -> None:
    number = int(page.page_number)
    if page.chars:
        tables, words = page_tables(page)
        blocks = [*(_table_block(t, number) for t in tables), *_column_blocks(words, float(page.width), number)]
    elif page.images:
        blocks = list(_paragraphs(_lines(ocr.words(number)), number))
    else:
        return  # a blank page
    # Stable: a column's blocks stay after the blocks of the columns to its left (see _column_blocks).
    for i, block in enumerate(sorted(blocks, key=lambda b: (b.column, b.top))):
        if block.rows is not None:
            out.table(block.rows, block.header, number, block.row_boxes or [], continues=i == 0)
        elif block.heading and block.lines:
            out.heading(" ".join(ln.text for ln in block.lines), 2, number, block.lines[0].box(number))
        elif block.lines:
            out.paragraph([(ln.text, ln.box(number)) for ln in block.lines], number)


def page_tables(page: Page) -> tuple[list[PdfTable], list[Word]]:
    """The tables of a page with a text layer, and the words outside them.

    docs/FORMATS.md: ruled tables by the line finder, then unruled ones among the lines left.
    """
    tables = ruled_tables(page)
    words = [w for w in _words(page) if not any(_inside(w, t.bbox) for t in tables)]
    tables += aligned_tables([ln.words for ln in _lines(words)])
    return tables, [w for w in words if not any(_inside(w, t.bbox) for t in tables)]


def _words(page: Page) -> list[Word]:
    return [Word(w["text"], float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]), float(w["size"]))
            for w in page.extract_words(extra_attrs=["size"])]


def _inside(word: Word, bbox: tuple[float, float, float, float]) -> bool:
    x, y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _lines(words: Sequence[Word]) -> list[_Line]:
    """Words grouped into lines: a word whose middle lies within the current line's height joins it."""
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (round(w.top), w.x0)):
        middle = (word.top + word.bottom) / 2
        line = lines[-1] if lines else None
        if line is not None and line.top <= middle <= line.bottom:
            line.words.append(word)
        else:
            lines.append(_Line([word]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


def _column_blocks(words: list[Word], width: float, page: int) -> list[_Block]:
    """Paragraphs of a page, column by column when it is set in two (read down the left, then the right)."""
    gutter = _gutter(_lines(words), width)
    if gutter is None:
        return list(_paragraphs(_lines(words), page))
    left = [w for w in words if w.x1 <= gutter]
    right = [w for w in words if w.x1 > gutter]
    blocks = list(_paragraphs(_lines(left), page))
    for block in _paragraphs(_lines(right), page):
        block.column = 1
        blocks.append(block)
    return blocks


def _gutter(lines: list[_Line], width: float) -> float | None:
    """The x of the white strip between two columns of text, or None: most lines have words on both sides
    of it and (almost) none has a word across it."""
    if len(lines) < MIN_COLUMN_LINES:
        return None
    best, best_both = None, 0
    for x in range(int(width * 0.3), int(width * 0.7), 2):
        crossing = sum(any(w.x0 - GUTTER < x < w.x1 + GUTTER for w in ln.words) for ln in lines)
        both = sum(ln.words[0].x1 < x < ln.words[-1].x0 for ln in lines)
        if crossing <= 0.1 * len(lines) and both >= 0.5 * len(lines) and both > best_both:
            best, best_both = float(x), both
    return best


def _paragraphs(lines: list[_Line], page: int) -> Iterator[_Block]:
    """Lines into paragraphs (broken at wide gaps and changes of size) and headings (larger, short lines)."""
    if not lines:
        return
    body = statistics.median(ln.size for ln in lines)
    current: _Block | None = None
    prev: _Line | None = None
    for line in lines:
        heading = line.size >= HEADING_RATIO * body and len(line.words) <= 12
        joins = (current is not None and prev is not None and current.heading == heading
                 and line.top - prev.bottom <= PARAGRAPH_GAP * prev.size
                 and abs(line.size - prev.size) <= 0.15 * prev.size)
        if joins and current is not None and current.lines is not None:
            current.lines.append(line)
        else:
            if current is not None:
                yield current
            current = _Block(line.top, [line], heading=heading)
        prev = line
    if current is not None:
        yield current


def _table_block(table: PdfTable, page: int) -> _Block:
    boxes = [Box(page, *(round(v, 2) for v in box)) for box in table.row_boxes]
    return _Block(table.bbox[1], rows=table.rows, row_boxes=boxes, header=table.header)
