"""Evidence that a span answers a question: question analysis, idf-weighted coverage, candidate spans."""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from qa.answer.asked import answer_types, coarse, form_words, reading_of
from qa.embed.embedder import Embedder
from qa.index.spans import SpanTable
from qa.lru import Lru
from qa.records import Span, Vectors
from qa.text.numbers import is_spelled_number
from qa.text.tokens import STOPWORDS, is_content, terms, tokens
from qa.text.units import sentence_units

Expect = Literal["number", "date", "name", "any"]

_LEAD = re.compile(r"^\W*(and|but|so|then|also|now)?\W*", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][\w&'’.-]*[\w]|[A-Za-z]|\d[\d,.]*")
_NAME_RUN = re.compile(r"\b[A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)+")
YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")  # a year a question asks about (swaps.py too)
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*)*")
_NUMBER = re.compile(r"\d")
_MONTHS = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
                     r"(1[0-9]|20)\d\d)\b")  # a year of any age: "Founded in 1467 by ..."


def _set(text: str) -> frozenset[str]:
    """The terms of a text as a set; the same chunk and span texts come back for every question."""
    return _sets(text)


@functools.lru_cache(maxsize=100_000)
def _sets(text: str) -> frozenset[str]:
    return frozenset(terms(text))


@dataclass(frozen=True)
class Evidence:
    """What speaks for one span of one retrieved chunk answering the question."""

    span_cosine: float  # dense similarity of the span and the question
    span_cover: float  # idf-weighted share of the question's words the span contains
    focus_cover: float  # the same for the words outside names and years: what is asked about them
    chunk_cover: float  # the same for the whole chunk with its heading
    chunk_cosine: float  # dense similarity of the chunk and the question
    typed: bool  # the span holds the kind of thing asked for (a number for "how many", a name for "who")
    year_clash: bool  # the question asks about a year, the span gives other years only
    novel: float  # the span says something beyond the question
    rank: int  # the chunk's place in the fused retrieval ranking
    # A table row whose label the question does not name: "Marine: combined ratio 91.0%" for a question about
    # the whole company's combined ratio answers about another thing than asked.
    other_row: bool = False
    # The same as span_cover for the span's sentence with its neighbours: the answer often sits next to the words
    # of the question ("On February 20, ..." / "... they completed Asia's deepest borehole").
    window_cover: float = 0.0
    # Share of the question's content-word bigrams the span has in order: the question's phrase, not only its words
    # ("What led to increase in cable revenue?" / "Cable revenue increased by 1% as ..." over "... in both Cable and
    # Media").
    phrase_cover: float = 0.0
    # span_cover and focus_cover of the span's own words, without its document's title: what the confidence weighs
    # (the title speaks for every span of an article alike, so it tells which span, not whether any answers).
    own_cover: float = 0.0
    own_focus: float = 0.0


@dataclass(frozen=True)
class Question:
    """A question as the answer scorer sees it."""

    text: str
    tokens: frozenset[str]
    expects: Expect
    missing: tuple[str, ...]  # names and numbers that appear nowhere in the corpus
    names: tuple[frozenset[str], ...] = ()  # multi-word proper names, as token sets
    focus: frozenset[str] = frozenset()  # what is asked about the names: the words outside names and years
    # What the reader (reader.py) reads: the answer types asked for, most likely first (asked.py), the content
    # stems in order (words naming the answer's type, "what year", left out) and their bigrams, the numbers
    # written, the stems of capitalised words after the first, and whether the question is negated.
    expected: tuple[str, ...] = ("sentence", "phrase")
    terms: tuple[str, ...] = ()
    bigrams: tuple[tuple[str, str], ...] = ()
    numbers: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    negated: bool = False
    # The noun the question asks about (the last word of the first run of content words after its wh-word: "What
    # adjusted operating margin did ..." -> margin), and the years it names: the reader's span features.
    head: str = ""
    years: frozenset[int] = frozenset()


class Lexicon:
    """Corpus statistics over the chunks' search texts: idf per token and the whole vocabulary."""

    def __init__(self, texts: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        total = 0
        for text in texts:
            counts.update(_set(text))
            total += 1
        total = max(total, 1)
        self._idf = {tok: math.log(1 + total / n) for tok, n in counts.items()}
        self._unseen = math.log(1 + total)

    def weight(self, token: str) -> float:
        return self._idf.get(token, self._unseen)

    def rarity(self, token: str) -> float:
        """The idf scaled to [0.1, 1] (1: a word no chunk uses), as the reader's features weigh words."""
        return 0.05 if token in STOPWORDS else max(0.1, min(1.0, self.weight(token) / self._unseen))

    def knows(self, token: str) -> bool:
        return token in self._idf

    def coverage(self, question: Question, text: str) -> float:
        """Share of the question's information (idf-weighted tokens) that `text` contains."""
        if not question.tokens:
            return 0.0
        have = question.tokens & _set(text)
        # A person named in full in the question is often named by one part later ("Gao Yi" ... "Gao told").
        for name in question.names:
            if have & name:
                have |= name & question.tokens
        return sum(self.weight(t) for t in have) / sum(self.weight(t) for t in question.tokens)

    def focus_cover(self, question: Question, text: str) -> float:
        """Share of what the question asks (its words outside names and years) that `text` contains: a span
        about the right company but another measure ("return on equity" / "CET1 ratio") scores low."""
        if not question.focus:
            return 1.0
        have = question.focus & _set(text)
        return sum(self.weight(t) for t in have) / sum(self.weight(t) for t in question.focus)

    def unknown_share(self, question: Question) -> float:
        """Idf-weighted share of the question's words that no chunk uses: high for off-topic questions."""
        if not question.tokens:
            return 1.0
        unseen = sum(self.weight(t) for t in question.tokens if not self.knows(t))
        return unseen / sum(self.weight(t) for t in question.tokens)

    def analyse(self, question: str) -> Question:
        types = answer_types(_LEAD.sub("", question.strip()))
        expects: Expect = coarse(types)  # type: ignore[assignment]
        # "How much money": the text shows money by a currency sign ("$470B"), never by the word.
        toks = frozenset(_set(question)) - ({"money"} if _MUCH_MONEY.search(question) else set())
        form = form_words(question)
        toks -= form
        named = {t for m in _CAPITALISED_RUN.finditer(question, 1) for t in _set(m.group(0))}
        focus = frozenset(t for t in toks - named if not YEAR.fullmatch(t))
        return Question(question, toks, expects, tuple(self._missing(question)), tuple(multiword_names(question)),
                        focus, types, *reading_of(question, form))

    def _missing(self, question: str) -> list[str]:
        """Proper names and years of the question that the corpus never mentions.

        A name is a run of capitalised words, read whole so "United States" is one name; the question's first
        word is capitalised because it starts the sentence, so it does not make a name by itself.
        """
        found = []
        for match in _CAPITALISED_RUN.finditer(question):
            run = match.group(0)
            if match.start() == len(question) - len(question.lstrip()):
                run = run.partition(" ")[2]
            if (toks := _set(run)) and not all(self.knows(t) for t in toks):
                found.append(run)
        return found + [y for y in YEAR.findall(question) if not self.knows(y)]


_MUCH_MONEY = re.compile(r"\bmuch money\b", re.IGNORECASE)


def names(text: str) -> set[str]:
    """Tokens of capitalised words that do not start the text: a cheap stand-in for named entities."""
    words = _WORD.findall(text)[1:]
    return {t for w in words if w[0].isupper() for t in _set(w)}


def multiword_names(text: str) -> list[frozenset[str]]:
    """Runs of two or more capitalised words after the first word ("Gao Yi", "Xi Jinping"), as token sets."""
    return [tokens for run in name_runs(text) if len(tokens := frozenset(_set(run))) > 1]


def name_runs(text: str) -> list[str]:
    """The runs of capitalised words after the first word, as written."""
    return [match.group(0) for match in _NAME_RUN.finditer(text, 1)]


def has_expected(question: Question, text: str) -> bool:
    """Whether `text` holds something of the kind the question asks for, beyond what the question says."""
    if question.expects == "number":
        return any(_NUMBER.match(t) and t not in question.tokens for t in terms(text)) or any(
            is_spelled_number(t.word) and t.stem not in question.tokens for t in tokens(text))
    if question.expects == "date":
        return any(m.group(0).lower() not in question.tokens for m in _MONTHS.finditer(text))
    if question.expects == "name":
        return bool(names(text) - question.tokens)
    return True


def year_clash(question: Question, text: str, context: str = "") -> bool:
    """The question asks about a year; the span speaks of other years only (2019 asked, 2024 given) and its
    context (chunk and heading) does not name the year asked either ("margin of 8.4% (2023: 7.9%)" in a
    passage about 2024 does not clash)."""
    asked = set(YEAR.findall(question.text))
    given = set(YEAR.findall(text))
    return bool(asked and given and not asked & given and not asked & set(YEAR.findall(context)))


def phrase_cover(question: Question, text: str, title: str = "") -> float:
    """Share of the question's bigrams of content stems (`Question.bigrams`) that `text` (or its document's
    `title`) has, read the same way. A name's own bigram ("Gao Yi") is left out: coverage counts names already,
    and a span repeating the name ("According to Gao Yi, ...") is not therefore about what is asked of it ("Gao
    told Beijing Review.")."""
    named = set(question.named)
    asked = [g for g in question.bigrams if not (g[0] in named and g[1] in named)]
    if not asked:
        return 0.0
    grams = _grams(text) | _grams(title) if title else _grams(text)
    return sum(g in grams for g in asked) / len(asked)


@functools.lru_cache(maxsize=100_000)
def _grams(text: str) -> frozenset[tuple[str, str]]:
    return frozenset(itertools.pairwise(t.stem for t in tokens(text) if is_content(t)))


def novelty(question: Question, text: str) -> float:
    """How much a span says beyond the question: its new content words, saturating at two ("Beijing Review")."""
    return min(len(_set(text) - question.tokens), 2) / 2


def weigh(question: Question, lexicon: Lexicon, text: str, context: str, scores: tuple[float, float, float],
          rank: int, other_row: bool = False, window: str = "", title: str = "") -> Evidence:
    """The evidence for one span (`text`) of a chunk (`context`: its search text; `window`: the span's sentence
    and its neighbours; `title`: its document's title); `scores`: the span's and the chunk's cosine with the
    question, the chunk's coverage."""
    span_cosine, chunk_cosine, chunk_cover = scores
    # Every sentence of an article is about its subject ("It was first described by ..." in "Grey-backed tern"):
    # the title's words count as said by each of its spans, so the words that choose among them are the rest.
    said, near = (f"{title}\n{text}", f"{title}\n{window or text}") if title else (text, window or text)
    own = lexicon.coverage(question, text), lexicon.focus_cover(question, text)
    cover, focus = (lexicon.coverage(question, said), lexicon.focus_cover(question, said)) if title else own
    return Evidence(span_cosine, cover, focus, chunk_cover, chunk_cosine, has_expected(question, text),
                    year_clash(question, text, context), novelty(question, text), rank, other_row,
                    lexicon.coverage(question, near), phrase_cover(question, text, title), *own)


def around(text: str, span: Span) -> list[Span]:
    """The sentence (or line) holding `span`, with the ones before and after it, in order."""
    lines = sentence_units(text)
    at = next((i for i, s in enumerate(lines) if s.start <= span.start < max(s.end, s.start + 1)), None)
    return [] if at is None else list(lines[max(0, at - 1) : at + 2])


def neighbours(text: str, span: Span) -> list[Span]:
    """The sentences (or lines) before and after the one holding `span`."""
    return [s for s in around(text, span) if not s.start <= span.start < max(s.end, s.start + 1)]


def window_of(text: str, span: Span) -> str:
    """The sentence holding `span` with the sentences before and after it."""
    near = around(text, span)
    return text[near[0].start : near[-1].end] if near else text[span.start : span.end]


class SpanVectors:
    """Embeddings of candidate spans: those the build stored with the index (`stored`), else computed on first
    use and kept (LRU) for the life of one index."""

    def __init__(self, embedder: Embedder, size: int = 50_000, stored: SpanTable | None = None) -> None:
        self.embedder = embedder
        self.stored = stored
        self._cache: Lru[str, Vectors] = Lru(size)

    def cosines(self, query: Vectors, texts: list[str]) -> list[float]:
        """Cosine of each text with the (normalised) query vector."""
        known = {t: v for t in dict.fromkeys(texts) if (v := self._cache.get(t)) is not None}
        if self.stored is not None and len(known) < len(texts):
            known |= self.stored.find([t for t in dict.fromkeys(texts) if t not in known])
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            for text, vector in zip(missing, self.embedder.encode_queries(missing), strict=True):
                known[text] = vector
                self._cache.put(text, vector)
        return [float(known[t] @ query[0]) for t in texts]

    def clear(self) -> None:
        """Forget the span vectors computed here (benchmarks measure the cold path with it); stored ones stay."""
        self._cache.clear()
