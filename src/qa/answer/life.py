"""A life's dates as an article writes them, in brackets after the name ("Ilsa Varnholt (14 March 1872 – 2 November
1944) was a Dornish chemist ..."): the sentence and the date a "When was X born / did X die?" question asks."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.answer.asked import life_event
from qa.answer.evidence import Question
from qa.answer.reader import Reading
from qa.text.tokens import terms

# A capitalised name, then brackets holding a year, or two with a dash between ("(born 1950)", "(c. 1340 – 1400)").
_LIFE = re.compile(r"([A-Z][\w'’.-]*(?:\s[A-Z][\w'’.-]*)*)\s\(((?:born |b\. |c\. )?[^()]*?\d{3,4}[^()]*?"
                   r"(?:\s?[–-]\s?[^()]*?\d{3,4}[^()]*?)?)\)")


def states_life(question: Question, text: str) -> bool:
    """Whether a text gives, in brackets after a name the question names, the dates of the life it asks about."""
    if life_event(question.text) is None or not question.named:
        return False
    return any(set(question.named) & set(terms(m.group(1))) for m in _LIFE.finditer(text))


def life_date(question: Question, pool: Sequence[Reading], sentence: str) -> Reading | None:
    """The birth or death date asked, from those brackets: the first date for a birth, the last for a death when they
    hold two (a living person's "(born 1950)" gives no death); None when the sentence has no such brackets."""
    life = life_event(question.text)
    if life is None or not pool:
        return None
    offset = pool[0].sentence_start
    for m in _LIFE.finditer(sentence):
        lo, hi = m.start(2) + offset, m.end(2) + offset
        dates = [r for r in pool if r.kind in ("date", "year") and lo <= r.start and r.end <= hi]
        widest = sorted((r for r in dates if not any(o is not r and o.start <= r.start and r.end <= o.end
                                                     and o.end - o.start > r.end - r.start for o in dates)),
                        key=lambda r: r.start)
        if widest and (life[0] == "born" or len(widest) > 1):
            date = widest[0] if life[0] == "born" else widest[-1]
            # "In what year did she die?" asks the year of "2 November 1944".
            year = [r for r in dates if r.kind == "year" and date.start <= r.start and r.end <= date.end]
            return year[0] if question.expected[0] == "year" and year else date
    return None
