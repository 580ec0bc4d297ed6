"""The sentence that defines what a "Who / What is X?" question names: an article opens with it ("Ilsa Varnholt
(14 March 1872 – 2 November 1944) was a Dornish chemist ...") or puts it beside the name ("Gao Yi, an associate
research fellow at ...")."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from qa.answer.reader import Reading

_ASKS = re.compile(r"^\s*(?:who|what) (?:is|was|are|were) (?:the )?([A-Z][\w'’.&-]*(?:\s[A-Z][\w'’.&-]*)*)\s*\??\s*$",
                   re.IGNORECASE)


def defined(question: str) -> str | None:
    """The name a "Who / What is X?" question asks to be defined ("Who was Ilsa Varnholt?" -> "Ilsa Varnholt"), or
    None (a lower-case word after the verb: "What is the revenue?" asks a value, not a definition)."""
    m = _ASKS.match(question)
    if m is None or not all(w[:1].isupper() for w in m.group(1).split()):
        return None
    return m.group(1)


@functools.lru_cache(maxsize=256)  # one name, weighed against every candidate sentence of its question
def _definition(name: str) -> re.Pattern[str]:
    run = "(?:" + "|".join(re.escape(w) for w in name.split()) + r")(?:\s(?:" + "|".join(
        re.escape(w) for w in name.split()) + "))*"
    opening = rf"(?:^|[.!?]\s+)(?:The\s)?{run}(?:\s\([^()]*\))?\s(?:is|was|are|were)\s(?=(?:an?|the|one)\s)"
    return re.compile(rf"{opening}|\b{run},\s(?=(?:an?|the)\s)")


def defines(name: str, text: str) -> bool:
    """Whether a text defines the name: a sentence opening with the name (a part of it: "Varnholt"), its brackets,
    then "is / was a / the" ("was born" defines nothing), or the name anywhere with an appositive after it
    ("According to Gao Yi, an associate ...")."""
    return _definition(name).search(text) is not None


def definition(question: str, pool: Sequence[Reading], sentence: str) -> Reading | None:
    """The reading that defines the name asked, in a sentence that does: the longest starting where the definition
    does ("a Dornish chemist and inventor") and ending by the clause ("," or the sentence's end); None otherwise."""
    name = defined(question)
    m = _definition(name).search(sentence) if name and pool else None
    if m is None:
        return None
    offset = pool[0].sentence_start
    stop = next((i for i in range(m.end(), len(sentence)) if sentence[i] in ",;:("), len(sentence))
    fits = [r for r in pool if r.start - offset == m.end() and r.end - offset <= stop]
    return max(fits, key=lambda r: r.end - r.start) if fits else None
