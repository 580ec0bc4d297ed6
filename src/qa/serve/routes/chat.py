"""`POST /v1/chat/completions` and `GET /v1/models`: the OpenAI chat API, answered by the same service call as
`POST /api/answer`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from qa.answer.followup import Turn
from qa.search.retrieval import UnknownSource
from qa.serve.auth import ClientCallerDep
from qa.serve.deps import ServiceDep
from qa.serve.openai_chat import OpenAIError, OpenAIRoute, Reply, prompt_text, to_answer_request
from qa.serve.openai_schemas import MODEL_ID, ChatCompletion, ChatRequest, ModelCard, ModelList, OpenAIErrorResponse
from qa.serve.service import OutOfScope, Service

router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIRoute)
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OpenAIErrorResponse, "description": "Bad messages or parameters."},
    401: {"model": OpenAIErrorResponse, "description": "A wrong or revoked key, or none where one is required."},
    403: {"model": OpenAIErrorResponse, "description": "`sources` outside the key's folders."},
    404: {"model": OpenAIErrorResponse, "description": "Unknown model."},
}
STREAM = {"description": "With `stream: true`: server-sent events, one `chat.completion.chunk` each, then "
                         "`data: [DONE]`.", "content": {"text/event-stream": {}}}


@router.post("/chat/completions", response_model=ChatCompletion, responses={**ERRORS, 200: STREAM})
def chat_completions(body: ChatRequest, svc: ServiceDep, caller: ClientCallerDep) -> Any:
    asked = to_answer_request(body)
    try:
        result = svc.answer(asked.question.strip(), [Turn(m.role, m.content) for m in asked.messages], asked.top_k,
                            asked.sources, svc.allowed_for(caller))
    except UnknownSource as exc:
        raise OpenAIError(400, str(exc), param="sources", code="unknown_source") from exc
    except OutOfScope as exc:
        raise OpenAIError(403, str(exc), param="sources", code="permission_denied", kind="permission_error") from exc
    reply = Reply(result, asked.question, svc.engine.generation, prompt_text(body))
    if body.stream:
        include_usage = body.stream_options is not None and body.stream_options.include_usage
        return StreamingResponse(_sent(reply.events(include_usage)), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})
    return reply.completion()


@router.get("/models", response_model=ModelList)
def list_models(svc: ServiceDep, caller: ClientCallerDep) -> ModelList:
    return ModelList(data=[_card(svc)])


@router.get("/models/{model}", response_model=ModelCard, responses=ERRORS)
def retrieve_model(model: str, svc: ServiceDep, caller: ClientCallerDep) -> ModelCard:
    if model != MODEL_ID:
        raise OpenAIError(404, f"the model {model!r} does not exist", param="model", code="model_not_found")
    return _card(svc)


def _card(svc: Service) -> ModelCard:
    try:
        built = int(datetime.fromisoformat(svc.engine.index.manifest["built_at"]).timestamp())
    except (KeyError, TypeError, ValueError):
        built = 0
    return ModelCard(created=built)


async def _sent(events: Iterable[str]) -> AsyncIterator[str]:
    # An async iterator: Starlette would move every chunk of a plain one through the thread pool.
    for event in events:
        yield event
