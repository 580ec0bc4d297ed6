"""Word .docx files through python-docx: headings, paragraphs, list items and tables with merged cells."""

from __future__ import annotations

import io
import re

import docx
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from qa.corpus.paged import PagedText, header_depth

_HEADING_STYLE = re.compile(r"^Heading\s+([1-6])$", re.IGNORECASE)


def read_docx(raw: bytes) -> PagedText:
    """The document's blocks in order; Word files have no fixed pages, so nothing is placed."""
    document = docx.Document(io.BytesIO(raw))
    out = PagedText("docx", title=(document.core_properties.title or "").strip() or None)
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            _paragraph(block, out)
        else:
            _table(block, out)
    return out


def _paragraph(paragraph: Paragraph, out: PagedText) -> None:
    text = paragraph.text
    style = paragraph.style.name if paragraph.style is not None and paragraph.style.name else ""
    level = _HEADING_STYLE.match(style)
    if style == "Title":
        out.title = out.title or text.strip() or None
        out.heading(text, 1)
    elif level:
        out.heading(text, int(level.group(1)) + 1 if out.title else int(level.group(1)))
    elif style.startswith("List"):
        out.paragraph([("- " + text, None)] if text.strip() else [])
    else:
        out.paragraph([(text, None)])


def _table(table: DocxTable, out: PagedText) -> None:
    """A Word table; python-docx repeats a merged cell in every grid column and row it covers."""
    grid = [list(row.cells) for row in table.rows]
    depth = header_depth([any(r[j]._tc is r[j - 1]._tc for j in range(1, len(r))) for r in grid])
    rows = []
    for i, cells in enumerate(grid):
        if i < depth:
            # Header labels stay repeated across the columns they span ("2024" over "Q1 | Q2"); a label merged
            # down from the row above ("Region" over two header rows) is said once.
            up = grid[i - 1] if i else []
            rows.append(["" if j < len(up) and c._tc is up[j]._tc else c.text for j, c in enumerate(cells)])
        else:
            # In the body a cell merged across columns is a section label, written once, not repeated values.
            rows.append(["" if j and c._tc is cells[j - 1]._tc else c.text for j, c in enumerate(cells)])
    out.table(rows, depth)
