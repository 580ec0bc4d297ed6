"""The shape of a question that retrieval and table answering both need: does it ask for a name?"""

from __future__ import annotations

import re

_ASKS_LABEL = re.compile(
    r"\b(?:which|who|whose)\b|\bwhat\s+(?:year|country|nation|segment|region|period|quarter|category|company"
    r"|item|metric|month|division|business|product)\b|^when\b"
)


def asks_for_label(question: str) -> bool:
    """ "Which region ...", "in which year", "who": the answer is a row or column name, not a cell."""
    return bool(_ASKS_LABEL.search(question.lower()))
