"""Questions closed to a table they are not about: each question paired with another table of its own split.

`random`: any other table of the split; `hard`: another table that shares a header word with the question's own
(WikiTableQuestions; for TAT-QA every report's table shares "2019"-like headers, so hard is random there). Pairs
are fixed by a seeded shuffle, so a rerun asks the same questions of the same tables.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from typing import Literal, TypeVar

from bench.splits import wtq_table_path
from qa.text.tokens import STOPWORDS, stem

Pairing = Literal["random", "hard"]
T = TypeVar("T")
SEED = 12


def header_stems(context: str) -> frozenset[str]:
    """The stems of a WikiTableQuestions table's header words (its first CSV record)."""
    with wtq_table_path(context).open(encoding="utf-8", newline="") as fh:
        first = next(csv.reader(fh, escapechar="\\"), [])
    return frozenset(stem(w) for cell in first for w in cell.lower().split() if w.isalpha() and w not in STOPWORDS)


def other_source(own: str, sources: Sequence[str], rng: random.Random,
                 near: Callable[[str], Sequence[str]] | None = None) -> str:
    """Another source than `own`: one of `near(own)` when it offers any, else any other."""
    pool = [s for s in (near(own) if near else ()) if s != own] or [s for s in sources if s != own]
    return rng.choice(pool)


def mismatched(items: Sequence[T], source_of: Callable[[T], str], moved: Callable[[T, str], T],
               pairing: Pairing, headers: Callable[[str], frozenset[str]] | None = None) -> list[T]:
    """Each item moved to another source of the same items (`hard`: one sharing a header word, by `headers`)."""
    rng = random.Random(SEED)
    sources = sorted({source_of(i) for i in items})
    near = None
    if pairing == "hard" and headers is not None:
        words = {s: headers(s) for s in sources}
        near = lambda own: [s for s in sources if words[s] & words[own]]  # noqa: E731
    return [moved(i, other_source(source_of(i), sources, rng, near)) for i in items]
