"""Which reading a passage answer serves: the reader's typed span for who / when / where / how many, the shape model's
pick (answer/shape.py) for other "what / which" questions, the evidence scorer's unit when neither answers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.answer.asked import TYPED, expanded, head_run, opens_with
from qa.answer.defines import definition
from qa.answer.evidence import Question
from qa.answer.kinds import short_pick
from qa.answer.life import life_date
from qa.answer.names import agent, alias, named_head
from qa.answer.reader import Reading
from qa.answer.shape import shape_pick
from qa.records import Span
from qa.text.tokens import STOPWORDS, stem, tokens


def within(readings: Sequence[Reading], unit: Span | None) -> list[Reading]:
    """The readings inside the unit (offsets in the same text; None: all). The shape model shortens the evidence
    scorer's sentence or clause: a span beside its clause answers something else ("From which side of the moon ...?"
    picked the clause "... from the moon’s far side"; the span after its dash, "a region scientists worldwide have
    barely scratched", is no side)."""
    return [r for r in readings if unit is None or (unit.start <= r.start and r.end <= unit.end)]


def typed_pick(question: Question, short: Sequence[Reading]) -> int | None:
    """Which of the reader's best spans answers a question the rules type (`kinds.short_pick`), or None for the unit
    when that span is of no type asked: "Where was the selected financial data derived from?" got "presented", "When
    is it allowed to offset deferred tax assets?" "relate"; a capitalised phrase counts as a name ("Nokia was our
    largest customer": a sentence's first word is never read as a name)."""
    other = [r for r in short if counts_other(question, r)]
    # "How many people ...?" of "had 32 workshops employing about 3,000 people": the bare "32" of "32 workshops"
    # counts workshops as well.
    keep = [i for i, r in enumerate(short)
            if r not in other and not any(o.start == r.start and o.passage == r.passage for o in other)]
    at = short_pick(question.text, question.expected, [short[i].kind for i in keep])
    if at is None:
        return None
    r = short[keep[at]]
    named = r.kind == "phrase" and r.text[:1].isupper() and bool({"name", "place"} & set(question.expected))
    return keep[at] if r.kind in question.expected or named else None


def counts_other(question: Question, r: Reading) -> bool:
    """A count of other things than the question counts: "four countries" for "How many stores ...?" (of "operates
    1,284 stores in four countries"); the bare number beside it still answers. The thing counted is any word of the
    question's first run of words ("How many people visit the observatory?" runs on into its verb)."""
    words = r.text.split()
    if r.kind != "quantity" or question.expected[0] != "number" or not question.head:
        return False
    return stem(words[-1] if words else "") not in head_run(tokens(question.text))


def served_pick(question: Question, short: Sequence[Reading], pool: Sequence[Reading], unit: str, sentence: str,
                unit_at: Span | None = None) -> Reading | None:
    """The reading a passage answer serves, or None for the evidence scorer's unit. A question the rules type (a
    number, date, name or place: who / when / where / how many ...) keeps the reader's best span that the learned
    answer kind does not contradict, when it is of an asked type (`typed_pick` over the best few, `short`); a question
    asking for a sentence gets its unit; any other ("what / which ...") the shape model's pick over the spans of its
    sentence (`pool`) inside the unit (`unit_at`, its offsets; None: all of them). Before either, the article's
    conventions: an acronym's words, a definition, the name the sentence gives the thing asked for, a life's dates,
    the agent of a passive (names.py, defines.py, life.py)."""
    inside = within(pool, unit_at)
    spelled = (spelled_out(question.text, inside) or definition(question.text, pool, sentence)
               or named_head(question, inside, sentence))
    if spelled is not None:
        return spelled
    if question.expected[0] in TYPED:
        dated = life_date(question, pool, sentence)
        if dated is not None:
            return dated
        by = agent(question, inside, sentence)
        if by is not None:
            return by
        short = [r for r in short if not alias(question, r, sentence)]
        at = typed_pick(question, short)
        return _place_around(question, _period_around(question, short[at], pool), pool) if at is not None else None
    if not gets_shape(question.expected):
        return None
    at = shape_pick(question, inside, unit, sentence)
    return inside[at] if at is not None else None


def spelled_out(question: str, pool: Sequence[Reading]) -> Reading | None:
    """The span of the sentence whose words' initials spell the acronym a question asks about ("What does TWDV
    mean?" -> "Tax written down value", "What does NEO stand for?" -> "named executive officers"), the shortest; None
    when the question asks no such thing or no span spells it."""
    acronym = expanded(question)
    if acronym is None:
        return None
    letters = acronym.replace("&", "").lower()
    found = [r for r in pool if _initials(r.text) == letters]
    return min(found, key=lambda r: r.end - r.start) if found else None


def _initials(text: str) -> str:
    """The first letters of a span's words, the stop list's ("of", "and", "the") left out."""
    return "".join(w[0] for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", text) if w.lower() not in STOPWORDS).lower()


_PERIOD = re.compile(r"(?:between|from) \d{4} (?:and|to|until) \d{4}|\d{4}[–-]\d{2,4}")


def _period_around(question: Question, r: Reading, pool: Sequence[Reading]) -> Reading:
    """The period a "when" question's year stands in ("When was the observatory built?" of "built between 1891 and
    1897": not "1891"); "In what year ...?" keeps its one year."""
    if r.kind != "year" or not opens_with(question.text, "when"):
        return r
    return next((p for p in pool if p.kind == "year" and p.passage == r.passage and p.start <= r.start
                 and r.end <= p.end and (p.start, p.end) != (r.start, r.end) and _PERIOD.fullmatch(p.text)), r)



def _place_around(question: Question, r: Reading, pool: Sequence[Reading]) -> Reading:
    """The place phrase a "where" question's name stands in ("Where did Aalto study?" of "studied at the technical
    college in Holl": not "Holl"), the longest; other questions keep their name."""
    if r.kind not in ("name", "place") or not opens_with(question.text, "where"):
        return r
    asked = set(question.terms)
    # The phrase says more than the question: "Where did Vesk go into exile?" keeps "Lorsk", not "exile in Lorsk".
    around = [p for p in pool if p.kind == "place" and p.passage == r.passage and p.start <= r.start
              and r.end <= p.end and p.end - p.start > r.end - r.start
              and not asked & {t.stem for t in tokens(p.text.replace(r.text, " "))}]
    return max(around, key=lambda p: p.end - p.start, default=r)


def gets_shape(expected: tuple[str, ...]) -> bool:
    """Whether the shape model answers a question of these answer types: not one the rules type (a number, date,
    name or place: the reader's typed span), nor one that asks for a sentence ("why", "how does": issue #13 serves
    those their sentence; TAT-QA answers them with clauses, "Why does Xi want tech independence?" got "it
    domestically made")."""
    return expected[0] not in TYPED and expected[0] not in ("sentence", "clause")
