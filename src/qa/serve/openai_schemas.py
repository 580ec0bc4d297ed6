"""The OpenAI chat-completions contract as pydantic models: what `/v1/chat/completions` and `/v1/models` take
and return, in the shapes the official clients parse."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qa.serve.schemas import AnswerResponse

MODEL_ID = "qa"


class ContentPart(BaseModel):
    """One part of a message's content; only `text` parts carry anything qa can read."""

    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    """One message of the conversation, as the client sends it."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = "text"


class ChatRequest(BaseModel):
    """A chat completion request. Sampling parameters (temperature, max_tokens, ...) are accepted and have no
    effect: no language model writes the answer. `top_k` and `sources` are qa's own (the openai client sends
    them with `extra_body`)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": MODEL_ID, "messages": [{"role": "user", "content": "How many patents did China file in 2023?"}]},
    ]})
    model: str = Field(description=f"Always `{MODEL_ID}`.")
    messages: list[ChatMessage] = Field(min_length=1, max_length=1000,
                                        description="The conversation, oldest first; the last user message is "
                                                    "the question.")
    stream: bool | None = Field(False, description="Send server-sent events in the chunk format.")
    stream_options: StreamOptions | None = None
    n: int | None = Field(1, description="Must be 1: one question has one answer.")
    response_format: ResponseFormat | None = Field(None, description="Only `text`.")
    tool_choice: Any = Field(None, description="qa calls no tools: `none` or `auto` only.")
    top_k: int = Field(5, description="qa: how many citations, 1-20.")
    sources: list[str] | None = Field(None, description="qa: corpus-relative paths; search only these files.")


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: None = None


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    """Counts of words (qa has no model tokenizer): what was read and what was written."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """The reply: the answer and its numbered sources as the message, the whole qa answer in `qa`."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    system_fingerprint: str = Field(description="The index generation that answered.")
    choices: list[Choice]
    usage: Usage
    qa: AnswerResponse = Field(description="The same JSON as POST /api/answer.")


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int = Field(description="When the served index was built (Unix time).")
    owned_by: str = "qa"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIErrorResponse(BaseModel):
    """An error in the OpenAI API's shape, so its clients raise their own typed errors."""

    error: ErrorBody
