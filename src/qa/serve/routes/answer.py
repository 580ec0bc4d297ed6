"""`POST /api/answer` and `GET /api/suggestions`, over the sources the caller may see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from qa.answer.followup import Turn
from qa.search.retrieval import UnknownSource
from qa.serve.auth import CallerDep, require_scope
from qa.serve.deps import ServiceDep
from qa.serve.errors import BAD_INPUT, FORBIDDEN
from qa.serve.schemas import AnswerRequest, AnswerResponse, Suggestions
from qa.serve.service import OutOfScope

router = APIRouter(prefix="/api", tags=["answers"])


@router.post("/answer", response_model=AnswerResponse, responses={**BAD_INPUT, **FORBIDDEN})
def answer(body: AnswerRequest, svc: ServiceDep, caller: CallerDep) -> dict[str, Any]:
    turns = [Turn(m.role, m.content) for m in body.messages]
    require_scope(caller, body.sources or ())
    try:
        result = svc.answer(body.question.strip(), turns, body.top_k, body.sources, svc.allowed_for(caller))
    except UnknownSource as exc:
        raise HTTPException(422, str(exc)) from exc
    except OutOfScope as exc:
        raise HTTPException(403, str(exc)) from exc
    return {**result.to_json(), "question": body.question}


@router.get("/suggestions", response_model=Suggestions)
def suggestions(svc: ServiceDep, caller: CallerDep) -> Suggestions:
    return Suggestions(questions=svc.suggestions(allowed=svc.allowed_for(caller)))
