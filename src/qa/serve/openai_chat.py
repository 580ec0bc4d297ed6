"""The OpenAI chat API over qa's answers: a conversation to a question and its earlier turns, an answer to a
completion or a stream of chunks, and every error in that API's shape."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError

from qa.records import Answer, Citation
from qa.serve.openai_schemas import (
    MODEL_ID,
    ChatMessage,
    ChatRequest,
    ErrorBody,
    OpenAIErrorResponse,
    Usage,
)
from qa.serve.schemas import MAX_MESSAGES, AnswerRequest

MAX_TURN = 20_000  # AnswerRequest's limit on one earlier turn
_PIECE = re.compile(r"\s*\S+\s*|\s+")  # words with their spacing: the pieces join back to the whole text


class OpenAIError(Exception):
    """A request the chat API refuses, with the status and the fields of that API's error body."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None,
                 kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.kind = status, message, param, code, kind

    def response(self) -> JSONResponse:
        body = OpenAIErrorResponse(error=ErrorBody(message=self.message, type=self.kind, param=self.param,
                                                   code=self.code))
        return JSONResponse(body.model_dump(), status_code=self.status)


def from_http(exc: HTTPException) -> OpenAIError:
    """An HTTPException of a shared dependency (keys, scopes, body size) as the chat API says it."""
    codes = {401: ("invalid_api_key", "authentication_error"), 403: ("permission_denied", "permission_error"),
             404: ("not_found", "invalid_request_error")}
    code, kind = codes.get(exc.status_code, (None, "invalid_request_error"))
    return OpenAIError(exc.status_code, str(exc.detail), code=code, kind=kind)


def from_validation(errors: Sequence[Any]) -> OpenAIError:
    """Validation errors as one readable 400 naming the first field at fault (the body's own keys)."""
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    message = "; ".join(_error_text(e) for e in errors) or "invalid request"
    return OpenAIError(400, message, param=".".join(loc) or None)


def _error_text(error: Any) -> str:
    if error.get("type") == "json_invalid":
        return "the body is not valid JSON"
    where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    text = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"{where}: {text}" if where else text


class OpenAIRoute(APIRoute):
    """A route whose every error (bad body, refused key, bad parameter) comes back in the OpenAI error shape;
    the rest of the app keeps its own error bodies."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def openai_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except OpenAIError as exc:
                return exc.response()
            except RequestValidationError as exc:
                return from_validation(exc.errors()).response()
            except HTTPException as exc:
                return from_http(exc).response()

        return openai_errors


def text_of(message: ChatMessage, where: str) -> str:
    """A message's text: a string, or its text parts joined; images, audio and files are refused."""
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    other = [p.type for p in message.content if p.type != "text"]
    if other:
        raise OpenAIError(400, f"only text content is supported, not {other[0]!r}", param=f"{where}.content")
    return "".join(p.text or "" for p in message.content)


def to_answer_request(body: ChatRequest) -> AnswerRequest:
    """The conversation as /api/answer takes it: the last user message is the question, the user and assistant
    turns before it are the earlier messages (the most recent ones, as many as /api/answer keeps)."""
    check_parameters(body)
    users = [i for i, m in enumerate(body.messages) if m.role == "user"]
    if not users:
        raise OpenAIError(400, "the conversation has no user message to answer", param="messages")
    last = users[-1]
    question = text_of(body.messages[last], f"messages.{last}")
    turns = [{"role": m.role, "content": text_of(m, f"messages.{i}")[:MAX_TURN]}
             for i, m in enumerate(body.messages[:last]) if m.role in ("user", "assistant")]
    try:
        return AnswerRequest(question=question, messages=turns[-MAX_MESSAGES:], top_k=body.top_k,
                             sources=body.sources)
    except ValidationError as exc:
        raise _renamed(from_validation(exc.errors()), last) from exc


def _renamed(error: OpenAIError, last: int) -> OpenAIError:
    """AnswerRequest's field names as the chat request spells them (the question is the last user message)."""
    if error.param == "question":
        error.param = f"messages.{last}.content"
        error.message = error.message.replace("question: ", "", 1)
    return error


def check_parameters(body: ChatRequest) -> None:
    """Parameters qa cannot honour are refused rather than silently dropped; sampling ones change nothing."""
    if body.model != MODEL_ID:
        raise OpenAIError(404, f"the model {body.model!r} does not exist; this server has {MODEL_ID!r}",
                          param="model", code="model_not_found")
    if body.n not in (None, 1):
        raise OpenAIError(400, "n must be 1: a question has one answer", param="n")
    if body.response_format is not None and body.response_format.type != "text":
        raise OpenAIError(400, "only the text response format is supported", param="response_format")
    if body.tool_choice not in (None, "none", "auto"):
        raise OpenAIError(400, "qa calls no tools: tool_choice must be none or auto", param="tool_choice")


def reply_text(answer: Answer) -> str:
    """What a chat shows: the answer (with the arithmetic of a table answer) and its numbered sources."""
    lines = [answer.answer]
    table = answer.table_answer
    if table is not None and table.explanation and table.explanation != answer.answer:
        lines.append(table.explanation)
    if answer.kind != "none" and answer.citations:
        lines += ["", "Sources:"]
        lines += [f"[{c.n}] {c.title} ({c.source}): {_quote(c)}" for c in answer.citations]
    return "\n".join(lines)


def _quote(citation: Citation, most: int = 160) -> str:
    """The cited sentence (or the passage's start) on one line, clipped."""
    hl = citation.highlight
    text = citation.text[hl.start:hl.end] if hl is not None and hl.end > hl.start else citation.text
    line = " ".join(text.split())
    return line if len(line) <= most else f"{line[:most].rstrip()}…"


class Reply:
    """One answered request in both chat shapes; the streamed pieces join to the same content."""

    def __init__(self, answer: Answer, question: str, generation: str, prompt: str) -> None:
        self.answer, self.generation = answer, generation
        self.qa = {**answer.to_json(), "question": question}
        self.content = reply_text(answer)
        self.id, self.created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        prompt_words, words = len(prompt.split()), len(self.content.split())
        self.usage = Usage(prompt_tokens=prompt_words, completion_tokens=words, total_tokens=prompt_words + words)

    def completion(self) -> dict[str, Any]:
        return {"id": self.id, "object": "chat.completion", "created": self.created, "model": MODEL_ID,
                "system_fingerprint": self.generation, "usage": self.usage.model_dump(), "qa": self.qa,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": self.content, "refusal": None},
                             "finish_reason": "stop", "logprobs": None}]}

    def _event(self, choices: list[dict[str, Any]], **extra: Any) -> str:
        chunk = {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": MODEL_ID,
                 "system_fingerprint": self.generation, "choices": choices, **extra}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    def _delta(self, delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
        return self._event([{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra)

    def events(self, include_usage: bool = False) -> Iterator[str]:
        """The chat API's `chat.completion.chunk` events: the role, the content word by word, the finish with the
        whole qa answer, the usage when asked, then [DONE]."""
        yield self._delta({"role": "assistant", "content": ""})
        for piece in _PIECE.findall(self.content):
            yield self._delta({"content": piece})
        yield self._delta({}, "stop", qa=self.qa)
        if include_usage:
            yield self._event([], usage=self.usage.model_dump())
        yield "data: [DONE]\n\n"


def prompt_text(body: ChatRequest) -> str:
    """Everything the client sent as text, for the usage counts."""
    return " ".join(m.content if isinstance(m.content, str) else " ".join(p.text or "" for p in m.content or [])
                    for m in body.messages)

