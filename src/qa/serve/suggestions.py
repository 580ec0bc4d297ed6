"""Starter questions taken from the corpus: question headings, then table rows."""

from __future__ import annotations

from qa.index.store import LoadedIndex

SUGGESTIONS = 20  # starter questions kept per index; a request takes the first few


def starters(index: LoadedIndex, limit: int, allowed: frozenset[str] | None = None) -> list[str]:
    """Starter questions from `allowed` sources (None: all): question headings, then table rows, at most `limit`;
    the walk stops there, so a corpus of a million chunks costs what a small one does."""
    data = index.data
    found: dict[str, None] = {}
    for chunk in data.chunks:
        if chunk.heading.endswith("?") and (allowed is None or chunk.source in allowed):
            found.setdefault(chunk.heading)
            if len(found) >= limit:
                return list(found)
    for table in data.tables:
        if allowed is not None and table.source not in allowed:
            continue
        for row in table.rows:
            if not row.is_section and table.columns:
                found.setdefault(f"What is the {row.label} of {table.columns[0]}?")
            if len(found) >= limit:
                return list(found)
    return list(found)
