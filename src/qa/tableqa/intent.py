"""What a question asks of a table: the operation, the direction of a comparison and the years named."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.text.questions import asks_for_label
from qa.text.tokens import years_in

_COMPARATIVE_UP = r"more|higher|larger|bigger|greater"
_COMPARATIVE_DOWN = r"less|fewer|lower|smaller"
_SUPER_UP = r"highest|largest|most(?!\s+recent)|biggest|greatest|maximum|max|peak|best"
_SUPER_DOWN = r"lowest|smallest|least|fewest|minimum|min|worst"
_COUNT_NOUNS = (
    r"years|countries|metrics|rows|items|segments|categories|entries|quarters|periods|regions|types|columns"
    r"|line\s+items|products|companies|markets|divisions|measures|indicators|businesses|units"
)
_CHANGE_WORDS = (
    r"change[sd]?|increase[sd]?|decrease[sd]?|growth|grow|grew|decline[sd]?|drop(?:ped)?|rise|rose|fall|fell"
    r"|gain|reduction|reduced?|variance|variation|difference|movement"
)
# Checked in order: the first operation whose trigger words are not part of the matched row label wins.
_OPS: list[tuple[str, re.Pattern[str]]] = [
    ("count", re.compile(rf"\bhow\s+many\s+(?:\w+\s+)?(?:{_COUNT_NOUNS})\b|\bnumber\s+of\s+(?:{_COUNT_NOUNS})\b")),
    ("percent_change", re.compile(
        rf"\b(?:percent(?:age)?|%)\s*(?:{_CHANGE_WORDS})\b|\bgrowth\s+rate\b|\brate\s+of\s+(?:{_CHANGE_WORDS})\b"
        r"|\bby\s+(?:what|how\s+much|which)\s+(?:percent(?:age)?|%)"
        rf"|\b(?:what|how\s+much)\s+(?:percent(?:age)?|%)\s+(?:\w+\s+){{0,10}}?(?:{_CHANGE_WORDS}"
        rf"|{_COMPARATIVE_UP}|{_COMPARATIVE_DOWN})\b|\bin\s+percent(?:age)?\s+terms\b|\bpercent(?:age)?\s+"
        rf"(?:{_COMPARATIVE_UP}|{_COMPARATIVE_DOWN})\b|\b(?:cagr|yoy|year[-\s]over[-\s]year)\b")),
    ("ratio", re.compile(
        r"\bhow\s+many\s+times\b|\bratios?\b|\btimes\s+(?:as|more|larger|bigger|higher|greater|that\s+of)\b"
        r"|\bmultiples?\s+of\b|\bx\s+as\s+(?:many|much)\b|\bdivided\s+by\b")),
    ("share", re.compile(
        r"\b(?:share|proportion|percent(?:age)?|fraction|portion|part)\s+of\b|%\s+of\b"
        r"|\bas\s+an?\s+(?:percent(?:age)?|share|proportion|fraction|portion)\b"
        r"|\baccount(?:s|ed)?\s+for\b|\bmake\s+up\b|\bmade\s+up\b")),
    ("average", re.compile(r"\baverage\b|\bmean\b|\bavg\b")),
    ("compare", re.compile(rf"\b(?:{_COMPARATIVE_UP}|{_COMPARATIVE_DOWN})\b")),
    ("difference", re.compile(
        rf"\bhow\s+(?:much|many)\s+(?:{_COMPARATIVE_UP}|{_COMPARATIVE_DOWN}|extra)\b|\bby\s+how\s+much\b"
        rf"|\b(?:{_CHANGE_WORDS})\b|\bgap\b|\bexceed\w*\b|\b(?:{_COMPARATIVE_UP}|{_COMPARATIVE_DOWN})\s+than\b")),
    ("max", re.compile(rf"\b(?:{_SUPER_UP})\b")),
    ("min", re.compile(rf"\b(?:{_SUPER_DOWN})\b")),
    ("sum", re.compile(r"\b(?:the\s+)?(?:sum|total)\s+of\b|\bcombined\b|\btogether\b|\bin\s+total\b"
                       r"|\baltogether\b|\badd(?:ed)?\s+up\b"
                       r"|\btotal\b")),
]
_ASKS_YEAR = re.compile(r"\b(?:which|what)\s+(?:fiscal\s+)?(?:year|period)\b|\bwhen\b")
_RANGE = re.compile(r"\b(?:19|20)\d{2}\s*(?:to|through|until|till|-|–)\s*(?:fiscal\s+|fy\s*)?(?:19|20)\d{2}\b")
# Questions about reasons, definitions or make-up want a passage, not a number from the table.
_EXPLAINS = re.compile(
    r"\b(?:why|reasons?|caus(?:e|ed|es|ing)|due\s+to|driven\s+by|led\s+to|explain\w*|consist\w*|compris\w*"
    r"|components?|definition|defined?|calculated|determined|measured|policy|policies|method\w*|describe)\b"
    r"|\bwhat\s+(?:does|do|did)\b.*\b(?:mean|represent|include)\b|\bhow\s+(?:is|are|was|were|did|does)\b.*"
    r"\b(?:calculated|determined|measured|defined|affect\w*|impact\w*)\b",
    re.IGNORECASE,
)
_FROM_WORDS = re.compile(r"\bfrom\b.+\bto\b")
_YES_NO = re.compile(r"^(?:is|was|are|were|did|does|do|has|have|had|can|could)\b")
_LESS = re.compile(rf"\b(?:{_COMPARATIVE_DOWN}|{_SUPER_DOWN})\b")
_FROM_TO = re.compile(
    r"\bfrom\s+(?:the\s+)?(?:fiscal\s+(?:year\s+)?|fy\s*)?((?:19|20)\d{2})\s*(?:to|through|until|till|and|-|–)\s*"
    r"(?:fiscal\s+(?:year\s+)?|fy\s*)?((?:19|20)\d{2})\b"
)
_VERSUS = re.compile(r"\b((?:19|20)\d{2})\s+(?:compared\s+(?:to|with)|vs\.?|versus|over|from|relative\s+to)\s+"
                     r"(?:fiscal\s+|fy\s*)?((?:19|20)\d{2})\b")


@dataclass(frozen=True)
class Trigger:
    """An operation the question may ask for, and the characters that say so."""

    op: str
    start: int
    end: int


@dataclass
class Intent:
    """The operations a question may ask for (best first) and how to order the operands."""

    triggers: list[Trigger]
    asks_label: bool  # "which country", "in which year": the answer is a row or column name
    yes_no: bool  # "Did China file more patents than the US?"
    less: bool  # the comparison points down: "how much less", "fewer", "lowest"
    years: list[int] = field(default_factory=list)
    from_to: tuple[int, int] | None = None  # (earlier, later) when the question says "from A to B"
    year_range: bool = False  # "2017 to 2019", "2017-2019": every year between counts, for sums and averages
    asks_year: bool = False  # "in which year": the answer is a year
    explains: bool = False  # "why", "what caused", "what does X consist of": a passage answers that
    from_first: bool = False  # "from the first quarter to the fourth": the first named is the starting point


def detect(question: str) -> Intent:
    """The operations a question may ask for, in order of preference, always ending with lookup."""
    q = question.lower()
    triggers: list[Trigger] = []
    for op, pattern in _OPS:
        triggers.extend(Trigger(op, m.start(), m.end()) for m in pattern.finditer(q))
    asks_label = asks_for_label(q)
    yes_no = bool(_YES_NO.match(q.strip()))
    if not (asks_label or yes_no):
        triggers = [t for t in triggers if t.op != "compare"]
    triggers.append(Trigger("lookup", 0, 0))
    return Intent(triggers, asks_label, yes_no, bool(_LESS.search(q)), years_in(question), _from_to(q),
                  bool(_RANGE.search(q)), bool(_ASKS_YEAR.search(q)), bool(_EXPLAINS.search(q)),
                  bool(_FROM_WORDS.search(q)))


def _from_to(q: str) -> tuple[int, int] | None:
    match = _FROM_TO.search(q)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = _VERSUS.search(q)
    if match:
        return int(match.group(2)), int(match.group(1))
    return None


def trigger_words(intent: Intent) -> list[tuple[int, int]]:
    """Character spans of every operation word, so they are not mistaken for row or column words."""
    return [(t.start, t.end) for t in intent.triggers if t.end > t.start]
