"""Rewriting elliptical follow-up questions into whole ones from the earlier turns, without a language model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa.tables import Table


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation."""

    role: str  # "user" or "assistant"
    content: str


def resolve(question: str, messages: Sequence[Turn], tables: Sequence[Table] = ()) -> str:
    """The question as a whole question (placeholder: returned as is)."""
    return question
