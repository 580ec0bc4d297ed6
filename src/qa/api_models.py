"""The HTTP contract as pydantic models, so /docs shows exactly what the API takes and returns."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

MAX_QUESTION = 2000


def _encodable(value: str) -> str:
    """JSON may carry lone surrogate escapes ("\\ud800"); echoed back they cannot be encoded, so refuse them."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text holds an invalid Unicode escape (a lone surrogate)") from exc
    return value


Text = Annotated[str, AfterValidator(_encodable)]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: Text = Field(max_length=20_000)


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: Text = Field(description="1-2000 characters after trimming.")
    messages: list[Message] = Field(default_factory=list, max_length=20, description="Earlier turns, oldest first.")
    top_k: int = Field(5, ge=1, le=20, description="How many citations.")
    sources: list[Text] | None = Field(None, max_length=1000, description="Corpus-relative paths to search only.")

    @field_validator("question")
    @classmethod
    def _question_length(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        if len(value.strip()) > MAX_QUESTION:
            raise ValueError(f"the question is {len(value.strip())} characters; at most {MAX_QUESTION} are allowed")
        return value


class SpanModel(BaseModel):
    start: int
    end: int


class CellModel(BaseModel):
    row: str
    column: str
    value: str


class TableAnswerModel(BaseModel):
    operation: Literal["lookup", "difference", "ratio", "percent_change", "share", "max", "min", "sum",
                       "average", "count", "compare"]
    value: str
    number: float | None
    unit: str | None
    cells: list[CellModel]
    explanation: str
    table_id: str
    caption: str | None
    source_note: str | None


class CitationModel(BaseModel):
    n: int
    source: str
    title: str
    chunk_id: str
    text: str
    start: int
    end: int
    highlight: SpanModel | None
    score: float


class AnswerResponse(BaseModel):
    question: str
    resolved_question: str
    answer: str
    kind: Literal["table", "passage", "none"]
    confidence: float = Field(ge=0.0, le=1.0)
    table_answer: TableAnswerModel | None
    citations: list[CitationModel]
    timing_ms: float


class Health(BaseModel):
    status: Literal["ok"]
    documents: int
    chunks: int
    tables: int
    model: str
    index_built_at: str


class DocumentSummary(BaseModel):
    source: str
    title: str
    chunks: int
    tables: int


class DocumentText(BaseModel):
    source: str
    title: str
    text: str


class Suggestions(BaseModel):
    questions: list[str]


class RebuildReport(BaseModel):
    added: int
    changed: int
    removed: int
    unchanged: int
    chunks: int
    tables: int
    seconds: float
    embedded: int = 0
    skipped: list[dict[str, str]] = Field(default_factory=list)
    message: str = ""
