"""Answering from tables: find the table, row and columns a question means, then look up or compute."""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.embedding import Embedder
from qa.records import TableAnswer
from qa.tables import Table


@dataclass
class TableResult:
    """A table answer with the short text shown in chat and how sure the matching is."""

    table_answer: TableAnswer
    answer: str
    confidence: float
    table: Table
    rows: list[int] = field(default_factory=list)  # indices into table.rows of the rows used


def answer_from_tables(question: str, tables: list[Table], embedder: Embedder | None = None) -> TableResult | None:
    """The table answer to a question, or None when no table clearly answers it (placeholder: none yet)."""
    return None
