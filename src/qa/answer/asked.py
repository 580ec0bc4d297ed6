"""What a question asks for: the one set of answer-type rules, shared by evidence and the reader, and how the question
is read (its form words, head noun, terms in order)."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from qa.text.tokens import NEGATIONS, WH_WORDS, Token, is_content, looks_past, tokens

# Answer types, shared with the span finder (spans.py); the reader's features one-hot them in this order.
TYPES = ("money", "percent", "date", "year", "quantity", "number", "ordinal", "name", "place", "list", "phrase",
         "clause", "sentence")
NUMERIC = frozenset(("money", "percent", "quantity", "number", "year", "date", "ordinal"))
TYPED = NUMERIC | {"name", "place"}  # types a short span answers: a number, a date, a name
# "How long / deep / old ...": the adjective asks for a measure; the text states the measure, seldom the adjective
# ("flows 312 kilometres" answers "How long is the Lenna?").
MEASURE_WORDS = frozenset(str.split("deep long tall high far big large wide old heavy fast often low small short thick "
                                    "hot cold"))
_MEASURE = "|".join(sorted(MEASURE_WORDS))
_SENTENCE_Q = (r"\bwhy\b|\bhow (do|does|did|is|are|was|were|can|could|will|would|should)\b|\bwhat does it take\b|"
               r"\bexplain\b|\bdescribe\b|\bin what way")
_LISTS = (r"\b(what|which) (are|were) (the )?(\w+ )?(problems|challenges|obstacles|risks|factors|components|"
          r"types|examples|reasons|items|elements)\b|\b(problems|challenges|obstacles|risks|factors)\b")
_REASON_Q = r"\b(what|which) (led to|caused|drove|drives|contributed|explains)\b|\breasons?\b|\bwhat (is|was) behind\b"
# First match wins; a pattern with [A-Z] is matched case-sensitively, the others on the lower-cased question.
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\brespectively\b", ("list",)),
    (_REASON_Q, ("sentence", "clause")),
    (r"\bhow much\b.*\b(money|cost|spend|spent|pay|paid|price|worth|invest|fund|budget|revenue|earn|cash|income|"
     r"profit|sales|expense|dividend|debt|capital|loan|sell|sold|raise|raised)", ("money",)),
    (r"\b(what|which) (percentage|percent|share|proportion|rate|ratio)\b", ("percent",)),
    (r"\b(what|which) (is|was|were|are) (the )?(\w+ ){0,3}(ratio|rate|margin|percentage|share|yield)\b", ("percent",)),
    (r"\bhow many\b", ("number", "quantity")),
    (r"\bhow much\b", ("quantity", "money", "percent", "number")),
    (r"\bhow (large|big)\b", ("quantity", "money", "number")),
    (r"\bhow old\b", ("quantity", "number", "year", "date")),  # an age, or when it began ("founded in 1342")
    (rf"\bhow ({_MEASURE})\b", ("quantity", "number")),
    (r"\bpercentage\b|\bpercent\b", ("percent",)),
    # A measure asked by its name: "What is the wingspan of ...?", "At what age ...?", "What was the population ...?".
    (r"\b(what|which) (is|was|are|were) (the )?(\w+ )?(wingspan|length|height|depth|width|weight|area|"
     r"population|distance|diameter|altitude|elevation|speed|duration|mass|circumference)\b"
     r"|\b(at|to) what (age|height|depth|speed|temperature|altitude)\b", ("quantity", "number", "money")),
    (r"\b(what|which) (year|decade|century)\b|\bin what year\b", ("year",)),
    (r"\b(what|which) (date|day|month|time|period)\b|\bwhen\b", ("date", "year")),
    (r"\brank|\bposition\b|\bplace\b.*\b(among|in the world)", ("ordinal",)),
    (r"\bwhere\b", ("place", "name")),
    (r"^(?i:who|what) (?i:is|was|are|were) [A-Z]", ("phrase", "clause")),  # "Who is Gao Yi?" asks for a description
    (r"\bwho(m|se)?\b", ("name",)),
    (_SENTENCE_Q, ("sentence", "clause")),
    (r"\b(is|are|was|were) included\b|\bincludes?\b|\bconsists? of\b", ("list", "clause")),
    (_LISTS, ("list", "phrase")),
    (r"\b(what|which) (was|is|were|are) (the )?(amount|value|cost|price|total|revenue|balance)\b", ("money", "number")),
    (r"\b(which|what) (company|companies|firm|country|countries|nation|person|people|city|region|province|"
     r"organi[sz]ation|agency|university|institution)\b", ("name", "place")),
    (r"\b(what|which)\b", ("phrase", "name", "list")),
)
_COMPILED = tuple((re.compile(p), "[A-Z]" in p, types) for p, types in _RULES)
_ASKS_REASON = re.compile(rf"\bwhy\b|{_REASON_Q}|\bdue to what\b")
_ASKS_EXPLANATION = re.compile(rf"{_ASKS_REASON.pattern}|{_SENTENCE_Q}")
_ASKS_METHOD = re.compile(r"\bhow (is|are|was|were)\b")
# "How was revenue in 2019 compared to 2018?" asks for a change, which a table's figures give.
_COMPARES = re.compile(r"\b(compar\w*|chang\w*|differ\w*|versus|vs|than|increas\w*|decreas\w*|grow\w*|fell|rose)\b")


@lru_cache(maxsize=4096)  # asked of one question by the evidence, the reader and the table side alike
def answer_types(question: str) -> tuple[str, ...]:
    """The answer types a question asks for, most likely first ("How deep ..." -> quantity, number)."""
    low = question.lower()
    for pattern, cased, types in _COMPILED:
        if pattern.search(question if cased else low):
            return types
    return ("sentence", "phrase")


# "What does TWDV mean?", "What does NASA stand for?": the acronym, then the verb asking for its words.
_EXPANDS = re.compile(r"\b(?i:what|which)\b.*?\b([A-Z][A-Z&]{1,9})(?:s|’s|'s)?\b.*?\b((?i:stands?|means?|meant|refers?|"
                      r"short|abbreviat\w*))\b")


def expanded(question: str) -> str | None:
    """The acronym a question asks the words of ("What does TWDV mean?" -> "TWDV"), or None."""
    m = _EXPANDS.search(question)
    return m.group(1) if m else None


def expansion_verb(question: str) -> str | None:
    """The word asking for an acronym's words ("mean", "stand"): the question's form, no word the text must hold."""
    m = _EXPANDS.search(question)
    return m.group(2).lower() if m else None


# "When was Ilsa Varnholt born?", "In what year did she die?": a date of a life, which an article's first sentence
# states in brackets after the name ("Ilsa Varnholt (14 March 1872 – 2 November 1944) was ...").
_WHEN_Q = r"^\s*(?:when|(?:in|on) (?:what|which) (?:year|date|day)|what (?:year|date|day))\b"
_BORN = re.compile(rf"(?i:{_WHEN_Q}.*\b(born|birth)\b)")
_DIED = re.compile(rf"(?i:{_WHEN_Q}.*\b(die|died|death|pass away|passed away)\b)")


def opens_with(question: str, *words: str) -> bool:
    """Whether a question's first word is one of `words` ("Who founded ...?"; not "the number of players who ...")."""
    first = _FIRST_WORD.match(question)
    return first is not None and first.group(1).lower() in words


_FIRST_WORD = re.compile(r"\W*([A-Za-z]+)")


def life_event(question: str) -> tuple[str, str] | None:
    """("born" or "died", the words saying so) when a question asks when someone was born or died, else None."""
    for event, rx in (("born", _BORN), ("died", _DIED)):
        m = rx.search(question)
        if m:
            return event, m.group(1).lower()
    return None


def asks_reason(question: str) -> bool:
    """Whether a question asks for a reason ("why ...", "what led to / drove / caused ...", "what was the reason
    for ...")."""
    return _ASKS_REASON.search(question.lower()) is not None


def asks_explanation(question: str) -> bool:
    """Whether a question asks for a reason or a way ("why ...", "how does ..."): what a sentence says, for which
    a table's unsure cell is no stand-in ("How does Brazil rank ..." asks for a rank)."""
    return answer_types(question)[0] == "sentence" and _ASKS_EXPLANATION.search(question.lower()) is not None


def asks_method(question: str) -> bool:
    """Whether a question asks how something is done ("How is the market value calculated?", "How are the
    expenses recognized?"): a way, not a figure ("How is Brazil ranked" asks for a rank)."""
    low = question.lower()
    way = _ASKS_METHOD.search(low) is not None and _COMPARES.search(low) is None
    return way and answer_types(question)[0] == "sentence"


def coarse(types: tuple[str, ...]) -> str:
    """The evidence scorer's coarse kind of the first type: number, date, name or any."""
    first = types[0]
    if first in ("date", "year"):
        return "date"
    if first in NUMERIC - {"ordinal"}:
        return "number"
    return "name" if first in ("name", "place") else "any"


# Words naming the answer's type ("how much money", "what year") describe the answer, not the text around it.
_TYPE_NOUNS = frozenset(str.split(
    "money year years date day month time percentage percent amount number share rate kind type sort cost price value"
))
def form_words(question: str) -> frozenset[str]:
    """The words that only give the question its form: the adjective a "how long / deep / old" question asks the
    measure of (a sentence giving the measure seldom repeats it: "flows 312 kilometres"), the verb asking for an
    acronym's words ("What does NSS stand for?" of "The NSS, or Northern Sky Survey, ..."), and "born" / "died" of a
    question asking a life's date (an article writes it in brackets after the name: "Ilsa Varnholt (14 March 1872 –
    2 November 1944) was ...")."""
    toks = tokens(question)
    out = {b.stem for a, b in itertools.pairwise(toks) if (a.word == "how" and b.word in MEASURE_WORDS)
           or (a.word in ("what", "which", "much", "many") and b.word in _TYPE_NOUNS)}
    verb = expansion_verb(question)
    life = life_event(question)
    said = [w for w in (verb, life[1] if life else None) if w]
    return frozenset(out | {t.stem for w in said for t in tokens(w)})


def head_noun(toks: list[Token]) -> str:
    """What a "what / which / how much / how many" question asks the measure of: the stem of the last word of the
    first run of content words after its wh-word ("What adjusted operating margin did Northwind report?" -> margin,
    "How many universities ...?" -> university); "" for other questions ("When did engineers complete the
    borehole?" asks a date, not about the borehole) and when there is none."""
    run = head_run(toks)
    return run[-1] if run else ""


def head_run(toks: list[Token]) -> tuple[str, ...]:
    """The stems of that first run of content words; a verb the run cannot tell may end it ("How many people visit
    the observatory?" runs "people visit observatory"), so what is counted is one of them."""
    at = next((i for i, t in enumerate(toks) if t.word in WH_WORDS), -1)
    if at < 0 or toks[at].word not in ("what", "which", "how"):
        return ()
    if toks[at].word == "how" and (at + 1 >= len(toks) or toks[at + 1].word not in ("much", "many")):
        return ()
    after = toks[at + 1 + (toks[at].word == "how") :]
    run: list[str] = []
    for k, t in enumerate(after):
        if run and looks_past(t.word) and (k + 1 == len(after) or not is_content(after[k + 1])):
            break  # "How many people worked in ...?" counts people; "deferred taxes", "weighted average" name things
        if is_content(t) and t.year is None and not t.text[:1].isdigit():
            run.append(t.stem)
        elif run:
            break
    return tuple(run)


QuestionReading = tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...], bool, str,
                frozenset[int]]


def reading_of(question: str, form: frozenset[str]) -> QuestionReading:
    """Terms in order (less the form words, `form_words`), bigrams, numbers, capitalised stems, negation, head noun and
    years, for `Question`."""
    toks = tokens(question)
    skip = {i + 1 for i, t in enumerate(toks[:-1])
            if t.word in ("what", "which", "much", "many") and toks[i + 1].word in _TYPE_NOUNS}
    kept = [t for i, t in enumerate(toks) if i not in skip]
    words = [t.stem for t in kept if is_content(t) and t.stem not in form]
    numbers = tuple(t.text.replace(",", "") for t in kept if t.text[:1].isdigit() and not t.text.endswith("%"))
    named = tuple(t.stem for i, t in enumerate(kept) if i > 0 and t.capital and is_content(t))
    negated = any(t.word in NEGATIONS or t.word.endswith("n't") for t in toks) or "n't" in question.lower()
    years = frozenset(t.year for t in toks if t.year is not None)
    return (tuple(dict.fromkeys(words)), tuple(itertools.pairwise(words)), numbers, named, negated, head_noun(toks),
            years)
