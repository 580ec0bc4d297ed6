"""The text of a PDF or Office file, built block by block, remembering each line's page and box."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.records import Box, Placed

_SPACE = re.compile(r"\s+")
MAX_BOXES = 64  # a citation spanning a whole long table needs its outline, not one box per line
MAX_HEADER_ROWS = 3  # what qa.tables.model reads above a pipe table's separator


def clean(text: str | None) -> str:
    """One line of text: whitespace runs, line breaks included, as single spaces."""
    return _SPACE.sub(" ", text or "").strip()


def cell_text(text: str | None) -> str:
    # A pipe inside a cell would split it in two when the table is read back from the text.
    return clean(text).replace("|", "/")


def header_depth(merged_across: Sequence[bool]) -> int:
    """Header rows of a table: the first, and each next one under a row with cells merged across columns
    ("2024" over "Q1 | Q2"): such a row labels the row below it, never data."""
    depth = 1
    while depth < min(len(merged_across), MAX_HEADER_ROWS) and merged_across[depth - 1]:
        depth += 1
    return depth


@dataclass
class PagedText:
    """What a reader of a PDF or Office file produces: text as Markdown-like blocks, and where lines stand."""

    fmt: str
    title: str | None = None
    parts: list[str] = field(default_factory=list)
    size: int = 0
    layout: list[Placed] = field(default_factory=list)
    pages: list[tuple[float, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _open_table: tuple[int, list[str]] | None = None  # width and header of a table a next page may continue

    @property
    def text(self) -> str:
        return "".join(self.parts) + ("\n" if self.parts else "")

    def _put(self, text: str, page: int | None = None, box: Box | None = None) -> None:
        if page is not None and text:
            self.layout.append(Placed(self.size, self.size + len(text), page, box))
        self.parts.append(text)
        self.size += len(text)

    def _start_block(self) -> None:
        if self.parts:
            self._put("\n\n")

    def paragraph(self, lines: Sequence[tuple[str, Box | None]], page: int | None = None) -> None:
        """A paragraph of visual lines, joined by spaces so that sentences wrapped across lines stay whole."""
        lines = [(clean(t), b) for t, b in lines if clean(t)]
        if not lines:
            return
        self._start_block()
        self._open_table = None
        for i, (text, box) in enumerate(lines):
            if i:
                self._put(" ")
            self._put(text, page, box)

    def heading(self, text: str, level: int = 2, page: int | None = None, box: Box | None = None) -> None:
        text = clean(text)
        if not text:
            return
        self._start_block()
        self._open_table = None
        self._put("#" * max(1, min(level, 6)) + " ")
        self._put(text, page, box)

    def table(self, rows: Sequence[Sequence[str]], header: int = 1, page: int | None = None,
              boxes: Sequence[Box | None] = (), continues: bool = False) -> None:
        """A table as pipe-table lines, as qa.tables.model reads them; `continues`: its first rows may go on
        the table that ended the previous page (same width), its repeated header row dropped."""
        grid = [[cell_text(c) for c in row] for row in rows]
        keep = [i for i, row in enumerate(grid) if any(row)]
        # Trailing empty columns are layout (a sheet formatted to its last column), not data.
        width = max((max(j for j, c in enumerate(grid[i]) if c) + 1 for i in keep), default=0)
        if width < 2:  # one column is a list, not a table: its cells are paragraphs
            for i in keep:
                self.paragraph([(grid[i][0], boxes[i] if i < len(boxes) else None)], page)
            return
        lines = [("| " + " | ".join((grid[i] + [""] * width)[:width]) + " |",
                  boxes[i] if i < len(boxes) else None) for i in keep]
        header = min(max(1, header), MAX_HEADER_ROWS, len(lines))
        if continues and self._open_table and self._open_table[0] == width:
            first = 1 if lines[0][0] in self._open_table[1] else 0
            for text, box in lines[first:]:
                self._put("\n")
                self._put(text, page, box)
            return
        self._start_block()
        for i, (text, box) in enumerate(lines):
            if i:
                self._put("\n")
            if i == header:
                self._put("|" + "---|" * width + "\n")
            self._put(text, page, box)
        if header == len(lines):  # a table of header rows only still needs its separator line
            self._put("\n|" + "---|" * width)
        self._open_table = (width, [t for t, _ in lines[:header]])


class Locator:
    """Finds where a stretch of a document's text stands on its pages (its layout, searched by offset)."""

    def __init__(self, layout: Sequence[Placed]) -> None:
        self.layout = layout
        self.ends = [p.end for p in layout]

    def find(self, start: int, end: int) -> tuple[int | None, tuple[Box, ...]]:
        """The page that text[start:end] starts on and the boxes of the lines it covers."""
        covered = []
        for i in range(bisect_right(self.ends, start), len(self.layout)):
            placed = self.layout[i]
            if placed.start >= end:
                break
            covered.append(placed)
        if not covered or end <= start:
            return None, ()
        boxes = tuple(p.box for p in covered if p.box is not None)
        if len(boxes) > MAX_BOXES:
            boxes = _outlines(boxes)
        return covered[0].page, boxes


def _outlines(boxes: Sequence[Box]) -> tuple[Box, ...]:
    """One box around each page's boxes."""
    pages: dict[int, list[Box]] = {}
    for box in boxes:
        pages.setdefault(box.page, []).append(box)
    return tuple(Box(p, min(b.x0 for b in bs), min(b.y0 for b in bs), max(b.x1 for b in bs), max(b.y1 for b in bs))
                 for p, bs in pages.items())
