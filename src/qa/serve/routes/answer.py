"""`POST /api/answer` and `GET /api/suggestions`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from qa.answer.followup import Turn
from qa.search.retrieval import UnknownSource
from qa.serve.deps import ServiceDep
from qa.serve.errors import BAD_INPUT
from qa.serve.schemas import AnswerRequest, AnswerResponse, Suggestions

router = APIRouter(prefix="/api", tags=["answers"])


@router.post("/answer", response_model=AnswerResponse, responses=BAD_INPUT)
def answer(body: AnswerRequest, svc: ServiceDep) -> dict[str, Any]:
    turns = [Turn(m.role, m.content) for m in body.messages]
    try:
        result = svc.answer(body.question.strip(), turns, body.top_k, body.sources)
    except UnknownSource as exc:
        raise HTTPException(422, str(exc)) from exc
    return {**result.to_json(), "question": body.question}


@router.get("/suggestions", response_model=Suggestions)
def suggestions(svc: ServiceDep) -> Suggestions:
    return Suggestions(questions=svc.suggestions())
