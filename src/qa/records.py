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


@dataclass
class Document:
    """One corpus file as text: the text that every citation offset indexes into."""

    source: str  # corpus-relative path with forward slashes
    title: str
    text: str
    sha256: str
    fmt: str  # "md", "txt", "html" or "csv"
    meta: dict[str, Any] = field(default_factory=dict)  # sidecar metadata (CSV captions, source notes)


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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chunk:
        hl = data.get("highlight")
        return cls(**{**data, "highlight": Span(**hl) if hl else None})


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
