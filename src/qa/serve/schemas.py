"""The HTTP contract as pydantic models, so /docs shows exactly what the API takes and returns."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

MAX_QUESTION = 2000
MAX_MESSAGES = 20


def _encodable(value: str) -> str:
    """JSON may carry lone surrogate escapes ("\\ud800"); echoed back they cannot be encoded, so refuse them."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text holds an invalid Unicode escape (a lone surrogate)") from exc
    return value


Text = Annotated[str, AfterValidator(_encodable)]


class Message(BaseModel):
    """One earlier turn of the conversation."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: Text = Field(max_length=20_000, description="What was said, as shown in the chat.")


class AnswerRequest(BaseModel):
    """A question, optionally with the conversation so far and a choice of files to search."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "How many patents did China file in 2023?"},
        {"question": "And the United States?", "messages": [
            {"role": "user", "content": "How many patents did China file in 2023?"},
            {"role": "assistant", "content": "1.58 million"}], "top_k": 3},
    ]})
    question: Text = Field(description="1-2000 characters after trimming.")
    messages: list[Message] = Field(default_factory=list, max_length=MAX_MESSAGES,
                                    description=f"Earlier turns, oldest first; at most {MAX_MESSAGES}.")
    top_k: int = Field(5, ge=1, le=20, description="How many citations, 1-20.")
    sources: list[Text] | None = Field(None, max_length=1000,
                                       description="Corpus-relative paths: search only these files.")

    @field_validator("question")
    @classmethod
    def _question_length(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        if len(value.strip()) > MAX_QUESTION:
            raise ValueError(f"the question is {len(value.strip())} characters; at most {MAX_QUESTION} are allowed")
        return value


class SpanModel(BaseModel):
    """A character range [start, end)."""

    start: int
    end: int


class CellModel(BaseModel):
    """A table cell used by the answer, as written."""

    row: str
    column: str
    value: str


class TableAnswerModel(BaseModel):
    """A value read or computed from table cells, with the arithmetic shown."""

    operation: Literal["lookup", "difference", "ratio", "percent_change", "share", "max", "min", "sum",
                       "average", "count", "compare", "select", "argmax", "argmin", "first", "last", "next",
                       "previous", "list"]
    value: str = Field(description='As shown: "$240B", "5.5×", "-22.2%", "China".')
    number: float | None = Field(description="The value as a plain number in `unit`, scale applied.")
    unit: str | None
    cells: list[CellModel] = Field(description="The cells used, as written.")
    explanation: str = Field(description='The arithmetic: "$710B - $470B = $240B".')
    table_id: str
    caption: str | None
    source_note: str | None
    program: str = Field(description='The computation, readable: count(rows where Nation = "Italy").')
    values: list[str] = Field(description="Every value of a multi-value answer.")
    rows: list[int] = Field(description="0-based indices of the table rows used.")


class AnswerSpanModel(BaseModel):
    """Where a passage answer stands in its document: `document.text[start:end] == answer`."""

    source: str
    start: int
    end: int


class AlternativeModel(BaseModel):
    """A runner-up answer."""

    answer: str
    confidence: float = Field(ge=0.0, le=1.0)
    citation: int = Field(description="The `n` of the citation it comes from.")


class BoxModel(BaseModel):
    """Where cited text stands on a page: PDF points from the page's top-left corner."""

    page: int = Field(ge=1)
    x0: float
    y0: float
    x1: float
    y1: float


class CitationModel(BaseModel):
    """A numbered piece of evidence; `document.text[start:end] == text`."""

    n: int = Field(description="1-based, as referred to in the page.")
    source: str = Field(description="Corpus-relative path of the document.")
    title: str
    chunk_id: str
    text: str = Field(description="The passage; for a table, its lines as written in the document.")
    start: int = Field(description="Offset of `text` in the document's text.")
    end: int
    highlight: SpanModel | None = Field(description="The answer span or best sentence, offsets within `text`.")
    score: float = Field(description="Retrieval score (fused ranks); citation 1 holds the answer.")
    page: int | None = Field(description="1-based page (slide) the text starts on; null when the document has "
                             "no pages.")
    boxes: list[BoxModel] = Field(description="The cited text's boxes on its pages (a table row: the row's); "
                                  "empty when not known.")


class AnswerResponse(BaseModel):
    """The answer with its evidence."""

    question: str = Field(description="As received.")
    resolved_question: str = Field(description="After follow-up resolution: a whole question.")
    answer: str = Field(description="The short answer shown in chat, plain text.")
    kind: Literal["table", "passage", "none"] = Field(description="none: the corpus does not answer it.")
    confidence: float = Field(ge=0.0, le=1.0, description="How likely the answer is right (calibrated; see "
                              "docs/ANSWERING.md).")
    table_answer: TableAnswerModel | None
    citations: list[CitationModel] = Field(description="Best first.")
    timing_ms: float
    answer_span: AnswerSpanModel | None = Field(description="Where a passage answer stands in its document.")
    context: str | None = Field(description="The sentence around a passage answer.")
    alternatives: list[AlternativeModel] = Field(description="Runners-up, best first.")


class ErrorResponse(BaseModel):
    """An error a person can read; 422s also list each problem with its place in the request."""

    detail: str
    errors: list[dict[str, object]] | None = None


class Health(BaseModel):
    """What is served."""

    status: Literal["ok"]
    documents: int
    chunks: int
    tables: int
    model: str
    index_built_at: str
    index_generation: str = Field("", description="The index generation folder being served.")


class DocumentSummary(BaseModel):
    source: str
    title: str
    chunks: int
    tables: int


class PageSize(BaseModel):
    width: float = Field(description="In PDF points, as citation boxes are.")
    height: float


class DocumentText(BaseModel):
    source: str
    title: str
    text: str = Field(description="The text that citation offsets index into.")
    pages: list[PageSize] = Field(default_factory=list, description="Paged documents (PDF, PowerPoint): each "
                                  "page's size, the frame of its citation boxes.")


class Suggestions(BaseModel):
    questions: list[str]


class SkippedFile(BaseModel):
    source: str
    reason: str


class RebuildReport(BaseModel):
    """What a rebuild did; the new index is served when it returns."""

    added: int
    changed: int
    removed: int
    unchanged: int
    chunks: int
    tables: int
    seconds: float
    embedded: int = Field(0, description="Chunks embedded by this build (the rest came from the cache).")
    full: bool = False
    written: bool = Field(False, description="Whether a new index generation was written.")
    skipped: list[SkippedFile] = Field(default_factory=list, description="Files left out, with the reason.")
    warnings: list[SkippedFile] = Field(default_factory=list, description="Files read in part (pages, sheets "
                                        "or slides left out, pages read by OCR), with the reason.")
    message: str = ""
    index_generation: str = Field("", description="The index generation served after the rebuild.")


class Uploaded(BaseModel):
    """A document added or replaced, and the rebuild that took it in (counts of the key's folders)."""

    source: str
    replaced: bool = Field(description="Whether a file of that name was replaced.")
    rebuild: RebuildReport


class Removed(BaseModel):
    """A document removed, and the rebuild that took it out."""

    removed: str
    rebuild: RebuildReport


class IndexStatus(BaseModel):
    """Where the index build stands, and the files it skipped (within the key's folders)."""

    state: Literal["idle", "building"]
    done: int = Field(description="Corpus files looked at by the running build.")
    total: int
    last: RebuildReport | None = Field(description="The last rebuild this server ran.")
    skipped: list[SkippedFile] = Field(default_factory=list, description="Files the served index left out.")


class Me(BaseModel):
    """Who a key is."""

    name: str
    role: str
    scopes: list[str] | None = Field(description="Corpus folders the key sees; null: the whole corpus.")


class KeyModel(BaseModel):
    """A key as listed: never the key itself."""

    name: str
    role: Literal["reader", "editor", "admin"]
    scopes: list[str] = Field(description="Corpus folders; empty: the whole corpus.")
    created: str


class KeyRequest(BaseModel):
    """A key to create."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Literal["reader", "editor", "admin"] = "reader"
    scopes: list[str] = Field(default_factory=list, max_length=100, description="Corpus folders; empty: all.")


class KeyCreated(KeyModel):
    """The new key, shown once."""

    key: str = Field(description="Send as Authorization: Bearer <key>. Shown only now.")
