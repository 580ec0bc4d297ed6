"""PowerPoint .pptx files through python-pptx: each slide a page, its title a heading, its text and tables
placed where they stand on the slide."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pptx
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.shapes.base import BaseShape
from pptx.util import Emu

from qa.corpus.limits import Limits
from qa.corpus.paged import PagedText, header_depth
from qa.records import Box

EMU_PER_POINT = 12700


def _pt(value: int | Emu | None) -> float:
    return round(int(value or 0) / EMU_PER_POINT, 2)


def read_pptx(raw: bytes, limits: Limits) -> PagedText:
    deck = pptx.Presentation(io.BytesIO(raw))
    out = PagedText("pptx", title=(deck.core_properties.title or "").strip() or None)
    size = (_pt(deck.slide_width), _pt(deck.slide_height))
    slides = list(deck.slides)
    if len(slides) > limits.max_pages:
        out.warnings.append(f"read the first {limits.max_pages:,} of {len(slides):,} slides (QA_MAX_PAGES)")
    for number, slide in enumerate(slides[: limits.max_pages], start=1):
        out.pages.append(size)
        title = slide.shapes.title
        heading = title.text_frame.text if title is not None and title.has_text_frame else ""
        # A heading per slide keeps passages from running on from one slide into the next.
        out.heading(heading or f"Slide {number}", 2, number, _box(title, number) if heading else None)
        for shape in sorted(_shapes(slide.shapes), key=lambda s: (int(s.top or 0), int(s.left or 0))):
            if title is not None and shape.shape_id == title.shape_id:
                continue
            _shape(shape, out, number)
    return out


def _shapes(shapes: Any) -> Iterator[BaseShape]:
    """Every shape, those inside groups included."""
    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shapes(shape.shapes)
        else:
            yield shape


def _box(shape: BaseShape, page: int) -> Box:
    left, top = _pt(shape.left), _pt(shape.top)
    return Box(page, left, top, round(left + _pt(shape.width), 2), round(top + _pt(shape.height), 2))


def _shape(shape: Any, out: PagedText, page: int) -> None:
    if getattr(shape, "has_table", False):
        _table(shape, out, page)
    elif getattr(shape, "has_text_frame", False):
        box = _box(shape, page)
        for paragraph in shape.text_frame.paragraphs:
            out.paragraph([(paragraph.text, box)], page)


def _table(shape: Any, out: PagedText, page: int) -> None:
    """A slide table; each row's box from the frame's top and the rows' heights."""
    table = shape.table
    rows, merged, boxes = [], [], []
    top, left, right = _pt(shape.top), _pt(shape.left), _pt(shape.left) + _pt(shape.width)
    for row in table.rows:
        cells = list(row.cells)
        merged.append(any(c.is_merge_origin and c.span_width > 1 for c in cells))
        rows.append(["" if c.is_spanned else c.text for c in cells])
        height = _pt(row.height)
        boxes.append(Box(page, left, round(top, 2), round(right, 2), round(top + height, 2)))
        top += height
    out.table(_spread_header(rows, table, header_depth(merged)), header_depth(merged), page, boxes)


def _spread_header(rows: list[list[str]], table: Any, depth: int) -> list[list[str]]:
    """Header labels merged across columns repeated over each, as the other readers write them."""
    for i in range(depth):
        cells = list(table.rows[i].cells)
        for j, cell in enumerate(cells):
            if cell.is_merge_origin and cell.span_width > 1:
                for k in range(j + 1, min(j + cell.span_width, len(rows[i]))):
                    rows[i][k] = rows[i][j]
    return rows
