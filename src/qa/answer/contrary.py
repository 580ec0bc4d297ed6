"""Opposites: a question word whose antonym the sentence states in its place (a near miss, not a paraphrase)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path

from qa.text.tokens import stem

LEXICON = Path(__file__).with_name("antonyms.json")  # WordNet 3.0 direct antonyms, by bench/build_antonyms.py


@functools.lru_cache(maxsize=1)
def antonym_pairs() -> tuple[tuple[str, str], ...]:
    """The lexicon's word pairs ("complex", "simple"), each once."""
    return tuple((a, b) for a, b in json.loads(LEXICON.read_text(encoding="utf-8"))["pairs"])


@functools.lru_cache(maxsize=1)
def opposites() -> dict[str, frozenset[str]]:
    """Each stem's antonym stems, both ways, stemmed by the one tokenizer as read (so the lexicon never goes stale)."""
    out: dict[str, set[str]] = {}
    for a, b in antonym_pairs():
        out.setdefault(stem(a), set()).add(stem(b))
        out.setdefault(stem(b), set()).add(stem(a))
    return {k: frozenset(v) for k, v in out.items()}


def contradicted(terms: Iterable[str], stated: frozenset[str]) -> tuple[str, ...]:
    """The question's terms that `stated` (a sentence's stems) lacks while it holds one of their opposites:
    "complex" asked where the sentence writes "simple"."""
    table = opposites()
    return tuple(t for t in terms if t not in stated and not table.get(t, frozenset()).isdisjoint(stated))
