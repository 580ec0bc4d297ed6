"""Rewriting elliptical follow-up questions into whole ones from the earlier turns, without a language model.

"And the United States?" after "How many patents did China file?" keeps the metric and swaps the entity;
"What about supercomputers?" keeps the entity and swaps the metric; "And in 2018?" / "And the year before?"
swap the year; "Who is he?", "Why?", "What about it?" take the previous question's subject. The tables in
reach decide what a fragment is (a column such as a country, or a row such as a metric); without them
countries, capitalised names and years still do. A question that stands alone comes back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.tableqa.intent import detect, trigger_words
from qa.tableqa.matching import Matcher, column_labels, row_labels
from qa.tables.model import Table
from qa.text.tokens import STOPWORDS, Token, content, tokens, years_in

_FRAGMENT = re.compile(
    r"^\s*(?:(?:and|but|also|so|now|ok(?:ay)?|then)\b[,\s]*)?"
    r"(?:(?:what|how)\s+about|what\s+of|same\s+(?:question\s+)?for|likewise\s+for)\s+(?P<a>.+?)\s*[?.!]*\s*$"
    r"|^\s*and\b[,\s]+(?:(?:what|how)\s+about\s+)?(?P<b>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_BARE = re.compile(r"^\s*(?P<c>(?:in|for|the)?\s*[\w&.'’ -]{1,40}?)\s*\?\s*$", re.IGNORECASE)
_QUESTION_START = re.compile(
    r"^\s*(?:what|which|who|whom|whose|how|when|where|why|is|are|was|were|do|does|did|can|could|will|would"
    r"|should|has|have|had|tell|list|give|show|name|explain|describe|compare)\b",
    re.IGNORECASE,
)
_PREVIOUS_YEAR = re.compile(r"\b(?:the\s+)?(?:year|period)\s+before\b|\b(?:the\s+)?(?:previous|prior|preceding)"
                            r"\s+(?:year|period)\b|\ba\s+year\s+(?:earlier|before)\b|\blast\s+year\b", re.I)
_NEXT_YEAR = re.compile(r"\b(?:the\s+)?(?:year|period)\s+after\b|\b(?:the\s+)?(?:next|following)\s+(?:year|period)"
                        r"\b|\ba\s+year\s+later\b", re.I)
_PERSON = re.compile(r"\b(?:he|she|him|her|his|hers|they|them|their|theirs)\b", re.IGNORECASE)
_THING = re.compile(r"\b(?:it|its|this|that|these|those)\b", re.IGNORECASE)
_BARE_WHY = re.compile(r"^\s*(?:and\s+)?(?P<w>why|how|how so|when|where)\s*(?:is\s+that|was\s+that)?\s*\?*\s*$", re.I)
_AUX_START = re.compile(r"^\s*(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have|had)\b", re.I)
_WH_AUX = re.compile(r"^\s*(?:what|which|who|how\s+\w+|how)\s+(?P<aux>is|are|was|were|do|does|did|has|have|had"
                     r"|can|will)\b\s*(?P<rest>.*)$", re.IGNORECASE)
_CAPITAL_RUN = re.compile(r"(?:[A-Z][\w&’'.-]*)(?:\s+(?:of\s+|and\s+|&\s+)?[A-Z][\w&’'.-]*)*")
_THE_PHRASE = re.compile(r"\b(?:the|a|an)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}")
# Verbs that carry a metric ("file" patents, "spend" on R&D): a swapped metric needs a neutral verb instead.
_METRIC_VERBS = frozenset({"fil", "spend", "invest", "produc", "employ", "sell", "earn", "generat", "pay", "mak",
                           "graduat", "report", "record", "build", "ship", "deliver", "hire", "install", "own"})


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation."""

    role: str  # "user" or "assistant"
    content: str


def resolve(question: str, messages: Sequence[Turn], tables: Sequence[Table] = ()) -> str:
    """The question as a whole question, rebuilt from the previous user question when it is elliptical."""
    previous: str | None = None
    for turn in messages:
        if turn.role == "user" and turn.content.strip():
            # Earlier follow-ups are resolved in turn, so a chain of "And ...?" keeps its thread.
            previous = turn.content.strip() if previous is None else _one(turn.content.strip(), previous, tables)
    return question if previous is None else _one(question, previous, tables)


def _one(question: str, previous: str, tables: Sequence[Table]) -> str:
    fragment = _fragment(question)
    if fragment is not None:
        return _swap(fragment, previous, tables) or question
    why = _BARE_WHY.match(question)
    if why:
        return _why(why.group("w").lower(), previous)
    return _pronouns(question, previous)


def _fragment(question: str) -> str | None:
    """The part of "And the United States?" / "What about supercomputers?" / "2018?" that changes."""
    match = _FRAGMENT.match(question)
    if match and match.group("a"):
        return match.group("a").strip()
    if match and not _QUESTION_START.match(match.group("b")) and len(match.group("b").split()) <= 6:
        return match.group("b").strip()  # "And the United States?", not "And how does China compare?"
    bare = _BARE.match(question)
    if bare and not _QUESTION_START.match(question) and len(bare.group("c").split()) <= 4:
        return bare.group("c").strip()
    return None


def _swap(fragment: str, previous: str, tables: Sequence[Table]) -> str | None:
    """The previous question with its year, entity or metric replaced by the fragment."""
    year = _year_swap(fragment, previous)
    if year is not None:
        return year
    frag = re.sub(r"^(?:in|for|of|on)\s+", "", fragment, flags=re.IGNORECASE).strip()
    prev = tokens(previous)
    target = _table_target(frag, prev, tables) or _plain_target(frag, previous, prev)
    if target is None:
        return None
    indices, is_metric, label_years = target
    if not is_metric:
        return _replace(previous, prev, indices, frag)
    return _swap_metric(previous, prev, indices, frag, label_years)


def _year_swap(fragment: str, previous: str) -> str | None:
    """ "And in 2018?" or "And the year before?": the previous question for another year."""
    relative = _NEXT_YEAR.sub(" ", _PREVIOUS_YEAR.sub(" ", fragment))
    words = [t for t in content(tokens(relative)) if t.year is None and t.stem not in {"fiscal", "fy", "year"}]
    new = years_in(fragment)
    old = years_in(previous)
    if not new and len(old) == 1 and not words:
        step = -1 if _PREVIOUS_YEAR.search(fragment) else 1 if _NEXT_YEAR.search(fragment) else 0
        new = [old[0] + step] if step else []
    if not new or words:
        return None
    if len(old) == 1:
        return re.sub(rf"(?<!\d){old[0]}(?!\d)", str(new[0]), previous)
    if not old:
        return re.sub(r"\s*([?.!]*)\s*$", rf" in {new[0]}\1", previous, count=1)
    return None


Target = tuple[list[int], bool, set[int]]  # words to replace, whether they name a metric, years the metric carries


def _table_target(frag: str, prev: list[Token], tables: Sequence[Table]) -> Target | None:
    """Which words of the previous question the fragment replaces, as the tables' labels tell.

    A year the replaced label carries ("Patents Filed (2023)") goes with it: "What about supercomputers?"
    after "How many patents did China file in 2023?" does not ask about supercomputers in 2023.
    """
    ftoks = tokens(frag)
    for table in tables:
        for labels, is_metric in ((column_labels(table), False), (row_labels(table), True)):
            matcher = Matcher(labels)
            named = [m for m in matcher.ranked(ftoks) if m.coverage >= 0.5]
            if not named:
                continue
            kept = [m for m in matcher.ranked(prev) if m.coverage >= 0.5 and m.index != named[0].index]
            if kept and kept[0].used:
                carried = {t.year for t in prev if t.year} & set(labels[kept[0].index].years)
                return sorted(kept[0].used), is_metric and not _is_name(frag), carried
    return None


def _is_name(frag: str) -> bool:
    words = [w for w in re.findall(r"[\w&’'.-]+", frag) if w.lower() not in ("the", "of", "and")]
    return bool(words) and all(w[0].isupper() for w in words)


def _plain_target(frag: str, previous: str, prev: list[Token]) -> Target | None:
    """Without a table: a country or name swaps the previous one; a common noun swaps the metric."""
    ftoks = content(tokens(frag))
    if not ftoks:
        return None
    if any(t.country for t in ftoks) or _is_name(frag):
        countries = [i for i, t in enumerate(prev) if t.country]
        if countries:
            return [countries[0]], False, set()
        names = [i for i, t in enumerate(prev) if t.capital and i > 0 and t.stem not in STOPWORDS]
        return ([names[0]], False, set()) if names else None
    spans = trigger_words(detect(previous))  # "How much more ...": operation words stay
    metric = [i for i, t in enumerate(prev) if i > 0 and not t.country and t.year is None and not t.capital
              and t.stem not in STOPWORDS and t.text.lower() not in STOPWORDS
              and not any(s <= t.start < e for s, e in spans)]
    return (metric, True, set()) if metric else None


def _replace(previous: str, prev: list[Token], indices: list[int], frag: str) -> str:
    """Put the fragment where the words at `indices` were, keeping a possessive ("China's" -> "the US's")."""
    first, last = prev[indices[0]], prev[indices[-1]]
    if re.search(r"['’]s?$", last.text):
        frag = frag + ("'" if frag.endswith("s") else "'s")
    start = first.start
    if re.match(r"the\s", frag, re.IGNORECASE) and re.search(r"\bthe\s+$", previous[:start], re.IGNORECASE):
        frag = frag[4:]  # "did the US" + "the United States": one article
    return previous[:start] + frag + previous[last.end :]


def _contiguous(prev: list[Token], indices: list[int]) -> bool:
    """Indices that form one run of words, stop words allowed in between."""
    between = [t for t in prev[indices[0] : indices[-1] + 1] if prev.index(t) not in indices]
    return all(t.stem in STOPWORDS or t.text.lower() in STOPWORDS for t in between)


def _swap_metric(previous: str, prev: list[Token], indices: list[int], frag: str, label_years: set[int]) -> str:
    """The previous question about another metric: the metric words replaced when they form one noun
    phrase ("What is China's R&D spending?"), else the question rebuilt around the same names and years."""
    verbs = [i for i in indices if prev[i].stem in _METRIC_VERBS and not prev[i].text.lower().endswith("ing")]
    if not verbs and not label_years and _contiguous(prev, indices):
        return _replace(previous, prev, indices, frag)
    return _rebuild(previous, prev, frag, set(indices), label_years)


def _rebuild(previous: str, prev: list[Token], frag: str, metric: set[int], label_years: set[int]) -> str:
    """A whole question from the previous one's operation, names and years, about `frag`."""
    names = _names(previous, [t for i, t in enumerate(prev) if i not in metric])
    years = [y for y in years_in(previous) if y not in label_years]
    intent = detect(previous)
    op = next((t.op for t in intent.triggers if t.op != "lookup"), "lookup")
    when = f" in {years[0]}" if len(years) == 1 else ""
    if len(names) >= 2 and op in ("difference", "ratio", "compare", "percent_change"):
        more = "fewer" if intent.less else "more"
        forms = {"difference": f"How much {more} {frag} does {names[0]} have than {names[1]}{when}?",
                 "ratio": f"How many times more {frag} does {names[0]} have than {names[1]}{when}?",
                 "compare": f"Which has {more} {frag}, {names[0]} or {names[1]}{when}?",
                 "percent_change": f"By what percent is {_possessive(names[0])} {frag} higher than "
                                   f"{_possessive(names[1])}{when}?"}
        return forms[op]
    if len(years) >= 2 and op in ("difference", "percent_change", "average", "sum"):
        forms = {"difference": f"What was the change in {frag} from {years[0]} to {years[1]}?",
                 "percent_change": f"What is the percentage change in {frag} from {years[0]} to {years[1]}?",
                 "average": f"What is the average {frag} for {years[0]} and {years[1]}?",
                 "sum": f"What is the total {frag} for {years[0]} and {years[1]}?"}
        return forms[op]
    who = " and ".join(names)
    frame = previous.lower().lstrip()
    if who and frame.startswith(("how many", "how much")):
        return f"{previous.lstrip()[:8]} {frag} does {who} have{when}?"
    if who:
        return f"What is {_possessive(who)} {frag}{when}?"
    return f"What about {frag}{when}?"


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def _names(previous: str, prev: list[Token]) -> list[str]:
    """Countries (with an article where written) and other names in the previous question, in order."""
    out: list[str] = []
    for tok in prev:
        if tok.country or (tok.capital and tok.start > 0 and tok.stem not in STOPWORDS and tok.year is None):
            word = re.sub(r"['’]s?$", "", tok.text)
            the = "the " if re.search(r"\bthe\s+$", previous[: tok.start], re.IGNORECASE) else ""
            out.append(the + word)
    return list(dict.fromkeys(out))


def _subject(previous: str, person: bool) -> str | None:
    """What the previous question is about: its first name, or for "it" its first "the ..." phrase."""
    body = previous.strip()
    first_word = re.match(r"\s*\S+", body)
    skip = first_word.end() if first_word else 0
    runs = [m for m in _CAPITAL_RUN.finditer(body) if m.start() >= skip]
    found = _THE_PHRASE.search(body)
    phrase = _noun_phrase(found.group(0)) if found else None
    if not person and found and phrase and (not runs or found.start() < runs[0].start()):
        return phrase
    if runs:
        return re.sub(r"['’]s$", "", runs[0].group(0)).rstrip(".")
    return phrase


def _noun_phrase(text: str) -> str:
    """ "the borehole in the" -> "the borehole": the article and the words up to the first stop word."""
    article, *rest = text.split()
    kept = []
    for word in rest:
        if word.lower() in STOPWORDS:
            break
        kept.append(word)
    return " ".join([article, *kept])


def _pronouns(question: str, previous: str) -> str:
    """ "Who is he?" -> "Who is Gao Yi?"; "When was it founded?" -> "When was DeepSeek founded?"."""
    if _PERSON.search(question):
        subject = _subject(previous, person=True)
        return _PERSON.sub(lambda m: _pronoun_form(m.group(0), subject), question) if subject else question
    if _THING.search(question) and len(question.split()) <= 6:
        subject = _subject(previous, person=False)
        return _THING.sub(lambda m: _pronoun_form(m.group(0), subject), question, count=1) if subject else question
    return question


def _pronoun_form(pronoun: str, subject: str | None) -> str:
    if subject is None:
        return pronoun
    return _possessive(subject) if pronoun.lower() in ("his", "her", "hers", "its", "their", "theirs") else subject


def _why(word: str, previous: str) -> str:
    """ "Why?" after "Is China ahead in patents?" -> "Why is China ahead in patents?"."""
    body = previous.strip().rstrip("?.! ")
    word = "How" if word == "how so" else word.capitalize()
    if _AUX_START.match(body):
        return f"{word} {body[0].lower()}{body[1:]}?"
    match = _WH_AUX.match(body)
    if match and match.group("rest"):
        return f"{word} {match.group('aux').lower()} {match.group('rest')}?"
    return f"{word}: {body}?"
