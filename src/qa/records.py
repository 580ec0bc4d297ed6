"""The named results that travel between modules: documents, chunks and search hits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

ChunkKind = Literal["passage", "table_row"]
Vectors = npt.NDArray[np.float32]  # embeddings, one row per text, L2-normalised


@dataclass(frozen=True)
class Span:
    """A character range [start, end) in some text."""

    start: int
    end: int


@dataclass(frozen=True)
class Box:
    """A rectangle on a page, in PDF points from the page's top-left corner (1-based page)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Placed:
    """A stretch [start, end) of a document's text and where it stands: its page and, when known, its box."""

    start: int
    end: int
    page: int
    box: Box | None = None


@dataclass
class Document:
    """One corpus file as text: the text that every citation offset indexes into."""

    source: str  # corpus-relative path with forward slashes
    title: str
    text: str
    sha256: str
    fmt: str  # "md", "txt", "html", "csv", "pdf", "docx", "xlsx" or "pptx"
    meta: dict[str, Any] = field(default_factory=dict)  # sidecar metadata (CSV captions, source notes)
    layout: list[Placed] = field(default_factory=list)  # paged documents: each line's page and box
    pages: list[tuple[float, float]] = field(default_factory=list)  # (width, height) of each page, in points
    warnings: list[str] = field(default_factory=list)  # what was left out or read within limits, and why

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        # Compact rows: a long PDF has one per line, and documents.jsonl is read at every start.
        data["layout"] = [[p.start, p.end, p.page, *((b.x0, b.y0, b.x1, b.y1) if (b := p.box) else ())]
                          for p in self.layout]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        layout = [Placed(r[0], r[1], r[2], Box(r[2], *r[3:7]) if len(r) == 7 else None)
                  for r in data.get("layout", [])]
        pages = [(float(w), float(h)) for w, h in data.get("pages", [])]
        return cls(**{**data, "layout": layout, "pages": pages})


@dataclass(frozen=True)
class Chunk:
    """A searchable unit. `text == document.text[start:end]`; `search_text` is what the retrievers see."""

    id: str
    source: str
    title: str
    kind: ChunkKind
    text: str
    start: int
    end: int
    heading: str
    search_text: str
    highlight: Span | None = None  # for table rows: the row's line within the table block
    table_id: str | None = None
    row: int | None = None
    page: int | None = None  # paged documents: the page the chunk (a table row: its row) starts on
    boxes: tuple[Box, ...] = ()  # where its text (a table row: the row) stands on its pages

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chunk:
        hl = data.get("highlight")
        boxes = tuple(Box(**b) for b in data.get("boxes", ()))
        return cls(**{**data, "highlight": Span(**hl) if hl else None, "boxes": boxes})


@dataclass(frozen=True)
class Hit:
    """A chunk found for a query, with the evidence from each retriever."""

    chunk: Chunk
    score: float  # fused score, higher is better
    dense: float | None = None  # cosine similarity, when the dense side saw it
    sparse: float | None = None  # BM25 score, when the sparse side saw it


@dataclass(frozen=True)
class Cell:
    """A table cell used by an answer, as written."""

    row: str
    column: str
    value: str


@dataclass
class TableAnswer:
    """A value read or computed from table cells, with the arithmetic shown."""

    operation: str
    value: str
    number: float | None
    unit: str | None
    cells: list[Cell]
    explanation: str
    table_id: str
    caption: str | None
    source_note: str | None
    program: str = ""  # the computation in readable form: count(rows where Nation = "Italy")
    values: list[str] = field(default_factory=list)  # every value of a multi-value answer; `value` joins them
    rows: list[int] = field(default_factory=list)  # 0-based indices of the table rows used


@dataclass(frozen=True)
class AnswerSpan:
    """Where a passage answer's text stands: `document.text[start:end] == answer`."""

    source: str
    start: int
    end: int


@dataclass(frozen=True)
class Alternative:
    """A runner-up answer, with its own confidence and the citation it comes from."""

    answer: str
    confidence: float
    citation: int


@dataclass
class Citation:
    """A numbered piece of evidence: `document.text[start:end] == text`."""

    n: int
    source: str
    title: str
    chunk_id: str
    text: str
    start: int
    end: int
    highlight: Span | None
    score: float
    page: int | None = None
    boxes: list[Box] = field(default_factory=list)


@dataclass
class Answer:
    """The whole reply to a question, in the shape of the API's JSON."""

    question: str
    resolved_question: str
    answer: str
    kind: Literal["table", "passage", "none"]
    confidence: float
    table_answer: TableAnswer | None
    citations: list[Citation]
    timing_ms: float = 0.0
    answer_span: AnswerSpan | None = None
    context: str | None = None  # the sentence around a passage answer
    alternatives: list[Alternative] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
