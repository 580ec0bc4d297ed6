"""The reader's features: a passage's sentences (question-independent, cached), how well each covers the
question, and one vector per candidate span; every feature is type- or overlap-level, never lexical."""

from __future__ import annotations

import functools
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.answer.asked import NUMERIC, TYPED, TYPES
from qa.answer.evidence import Question
from qa.answer.spans import TypedSpan, typed_spans
from qa.records import Span
from qa.text.tokens import Token, is_content, tokens
from qa.text.units import sentence_units

Idf = Callable[[str], float]  # a stem's rarity in [0, 1] (`Lexicon.rarity`)
CAND_NAMES = ["type_first", "type_other", "type_none_numeric", "type_mismatch", "cand_overlap", "cand_has_q",
              "log_dist", "after_match", "log_len", "one_token", "initial", "cap_frac", "starts_function",
              "sent_has_type", "cov", "cov_win", "cov_pass", "bigram", "p_rank", "s_best", "sim", "sim_best",
              "clause_for_typed_q", "sentence_for_short_q", "sent_for_sentence_q", "clause_for_sentence_q",
              "head_before", "head_dist", "year_after", "year_before", "year_other", "respective",
              *(f"kind_{k}" for k in TYPES)]
_KIND_INDEX = {k: i for i, k in enumerate(TYPES)}
MAX_SENTENCES = 4  # candidates come from the best few sentences only: latency, and the rest rarely win


@dataclass(frozen=True)
class Passage:
    """A retrieved text the reader reads; `allowed` keeps its answers inside one part (a table's row)."""

    text: str
    score: float
    allowed: Span | None = None


@dataclass(frozen=True)
class Layout:
    """Question-independent facts about a passage: its sentences, their tokens and stems, and each
    sentence's window (itself and its neighbours; a table row reads with its header row)."""

    spans: tuple[Span, ...]
    tokens: tuple[tuple[Token, ...], ...]  # offsets inside the sentence
    own: tuple[frozenset[str], ...]
    window: tuple[frozenset[str], ...]
    grams: tuple[frozenset[tuple[str, str]], ...]
    whole: frozenset[str]


@dataclass(frozen=True)
class SentenceFacts:
    """One sentence of one passage, as it bears on the question."""

    passage: int
    start: int  # offsets in the passage text
    end: int
    tokens: tuple[Token, ...]
    cov: float
    cov_win: float
    cov_pass: float
    bigram: float
    p_rel: float
    p_rank: int
    window: frozenset[str]
    sim: float  # cosine of the question and the sentence (a coverage-based stand-in without vectors)


@dataclass(frozen=True)
class ScoredSpan:
    sentence: SentenceFacts
    span: TypedSpan  # offsets inside the sentence
    features: np.ndarray


def stems_of(toks: Sequence[Token]) -> frozenset[str]:
    """The stems of some tokens, with 7-letter prefixes and acronyms, as coverage and `covered` match them."""
    out = {t.stem for t in toks}
    out |= {s[:7] for s in out if len(s) >= 7}  # "development"/"develop" meet; "complex"/"complete" do not
    for t in toks:  # "AI" covers "artificial intelligence"
        letters = t.text.replace("&", "")
        if 2 <= len(letters) <= 5 and letters.isupper():
            out.add("#" + letters.lower())
    return frozenset(out)


def covered(term: str, stems: frozenset[str]) -> bool:
    return term in stems or (len(term) >= 7 and term[:7] in stems)


@functools.lru_cache(maxsize=4096)
def _acronyms(terms: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Runs of two to four question terms with the acronym they would have ("#rd", ("research", "development"))."""
    return tuple(("#" + "".join(w[0] for w in group), group) for i in range(len(terms)) for n in (2, 3, 4)
                 if len(group := terms[i : i + n]) == n)


@functools.lru_cache(maxsize=4096)
def _weights(idf: Idf, terms: tuple[str, ...]) -> tuple[float, ...]:
    return tuple(idf(t) for t in terms)


def coverage(q: Question, stems: frozenset[str], idf: Idf) -> tuple[float, float, float]:
    """(idf-weighted covered share, uncovered idf mass, largest uncovered idf) of the question's terms; a term
    spelled out where the text has its acronym counts as covered."""
    if not q.terms:
        return 1.0, 0.0, 0.0
    extra = {t for acronym, group in _acronyms(q.terms) if acronym in stems for t in group}
    weights = _weights(idf, q.terms)
    miss = [w for t, w in zip(q.terms, weights, strict=True) if not covered(t, stems) and t not in extra]
    return 1.0 - sum(miss) / sum(weights), sum(miss), max(miss, default=0.0)


@functools.lru_cache(maxsize=8192)
def layout(text: str) -> Layout:
    """Cached: chunk texts come back for every question, and this is most of a cold answer's work."""
    spans = sentence_units(text)
    toks = tuple(tuple(tokens(text[s.start : s.end])) for s in spans)
    own = tuple(stems_of(t) for t in toks)
    window = tuple(frozenset().union(*own[max(0, i - 1) : i + 2]) for i in range(len(own)))
    rows = ["|" in text[s.start : s.end] for s in spans]
    if True in rows:  # a table row is read with its header row ("China" heads the "$470B" column)
        header = own[rows.index(True)]
        window = tuple(w | header if row else w for w, row in zip(window, rows, strict=True))
    grams = tuple(frozenset(zip([t.stem for t in ts], [t.stem for t in ts[1:]], strict=False)) for ts in toks)
    return Layout(spans, toks, own, window, grams, frozenset().union(*own) if own else frozenset())


def sentences(q: Question, passages: Sequence[Passage], idf: Idf, sims: Sequence[Sequence[float]] | None,
              fallback: tuple[float, float]) -> list[SentenceFacts]:
    """Every allowed sentence of the passages; sims[i][j] is the cosine of sentence j of passage i."""
    top = max((p.score for p in passages), default=1.0) or 1.0
    out: list[SentenceFacts] = []
    for rank, passage in enumerate(passages):
        lay = layout(passage.text)
        cov_pass = coverage(q, lay.whole, idf)[0]
        for i, span in enumerate(lay.spans):
            if passage.allowed and not passage.allowed.start <= span.start < passage.allowed.end:
                continue
            bigram = sum(g in lay.grams[i] for g in q.bigrams) / max(1, len(q.bigrams))
            cov_win = coverage(q, lay.window[i], idf)[0]
            sim = sims[rank][i] if sims is not None else fallback[0] * cov_win + fallback[1]
            out.append(SentenceFacts(rank, span.start, span.end, lay.tokens[i], coverage(q, lay.own[i], idf)[0],
                                     cov_win, cov_pass, bigram, passage.score / top if top > 0 else 0.0, rank,
                                     lay.window[i], sim))
    return out


def sentence_score(s: SentenceFacts) -> float:
    # Pre-ranking only bounds how many sentences get candidates; the learned ranker decides.
    return s.cov + 0.7 * s.cov_win + 0.3 * s.bigram + 0.2 * s.p_rel + 0.1 * s.cov_pass + 1.5 * s.sim


@dataclass(frozen=True)
class _View:
    """Per-sentence token facts computed once, so each candidate costs two bisects and some sums."""

    starts: list[int]
    ends: list[int]
    content: list[bool]
    in_q: list[bool]
    capital: list[bool]
    matched: list[int]
    words: list[str]
    heads: list[int]  # tokens that are the question's head noun
    years: list[tuple[int, int]]  # (token index, year) of the sentence's years


def _view(q: Question, toks: tuple[Token, ...]) -> _View:
    terms = frozenset(q.terms)
    content = [is_content(t) for t in toks]
    in_q = [c and covered(t.stem, terms) for t, c in zip(toks, content, strict=True)]
    heads = [i for i, t in enumerate(toks) if q.head and t.stem == q.head]
    return _View([t.start for t in toks], [t.end for t in toks], content, in_q, [t.capital for t in toks],
                 [i for i, m in enumerate(in_q) if m], [t.word for t in toks], heads,
                 [(i, y) for i, t in enumerate(toks) if (y := _year(t)) is not None])


_YEAR_TEXT = re.compile(r"(?:FY|CY)?((?:19|20)\d\d),?", re.IGNORECASE)


def _year(t: Token) -> int | None:
    """The year a token is; the tokenizer keeps a number's trailing comma ("2019, 2018 and 2017")."""
    if t.year is not None:
        return t.year
    m = _YEAR_TEXT.fullmatch(t.text)
    return int(m.group(1)) if m else None


def _follows_match(v: _View, first: int) -> float:
    """The span comes right after a question word, skipping up to two function words ("rolled out X")."""
    for back in range(1, 4):
        i = first - back
        if i < 0 or v.content[i]:
            return float(i >= 0 and v.in_q[i])
    return 0.0


def _span_facts(v: _View, c: TypedSpan) -> list[float]:
    first = bisect_left(v.starts, c.start)
    last = max(first, bisect_right(v.ends, c.end) - 1)
    n_tok = last - first + 1
    n_content = sum(v.content[first : last + 1])
    n_in_q = sum(v.in_q[first : last + 1])
    caps = sum(a and b for a, b in zip(v.capital[first : last + 1], v.content[first : last + 1], strict=True))
    dist = min((first - m if m < first else m - last for m in v.matched if m < first or m > last), default=30)
    function = first < len(v.words) and not v.content[first] and v.words[first] not in ("the", "a", "an")
    return [n_in_q / max(1, n_content), float(n_in_q > 0), math.log1p(dist), _follows_match(v, first),
            math.log1p(n_tok), float(n_tok == 1), float(c.start == 0), caps / max(1, n_content), float(function)]


def _bounds(v: _View, c: TypedSpan) -> tuple[int, int]:
    first = bisect_left(v.starts, c.start)
    return first, max(first, bisect_right(v.ends, c.end) - 1)


def _head_and_year(q: Question, v: _View, c: TypedSpan) -> list[float]:
    """Where the span stands to the question's head noun ("an operating margin of 8.4%": the head noun a few
    words before it) and to the years of its sentence: whether the first year after it, or the last one before it,
    is one the question asks about ("21.0% in fiscal 2019, 24.5% in fiscal 2018"), or neither is."""
    first, last = _bounds(v, c)
    before = any(first - 4 <= h < first for h in v.heads)
    dist = min((first - h if h < first else h - last for h in v.heads if h < first or h > last), default=30)
    after, ahead, other = 0.0, 0.0, 0.0
    if q.years:
        later = next((y for i, y in v.years if i > last), None)
        earlier = next((y for i, y in reversed(v.years) if i < first), None)
        after, ahead = float(later in q.years), float(earlier in q.years)
        other = float((later or earlier) is not None and not after and not ahead)
    return [float(before), math.log1p(dist), after, ahead, other]


def candidate_features(q: Question, s: SentenceFacts, v: _View, c: TypedSpan, flags: tuple[bool, bool, bool],
                       respective: bool = False) -> list[float]:
    """flags: the sentence ranks first, has the highest similarity, holds the asked-for type; `respective`: the
    span is the value of the year asked in a "... 2019 and 2018 ... X and Y, respectively" sentence."""
    best, sim_best, has_type = flags
    asked = q.expected[0]
    sentence_q = asked == "sentence"
    typing = [float(c.kind == asked), float(c.kind in q.expected[1:]),
              float(asked in NUMERIC and c.kind not in NUMERIC),
              float(c.kind in TYPED and c.kind not in q.expected and asked in TYPED)]
    context = [float(has_type), s.cov, s.cov_win, s.cov_pass, s.bigram, 1.0 / (1 + s.p_rank), float(best), s.sim,
               float(sim_best), float(asked in TYPED and c.kind == "clause"),
               float(not sentence_q and c.kind == "sentence"), float(sentence_q and c.kind == "sentence"),
               float(sentence_q and c.kind == "clause")]
    onehot = [0.0] * len(TYPES)
    onehot[_KIND_INDEX[c.kind]] = 1.0
    return typing + _span_facts(v, c) + context + _head_and_year(q, v, c) + [float(respective)] + onehot


_VALUES = frozenset(("money", "percent", "quantity", "number"))


def _respective(q: Question, v: _View, found: Sequence[TypedSpan]) -> set[tuple[int, int]]:
    """The spans that are the value of the one year asked in a sentence listing years and values in the same order
    and saying "respectively": the j-th value of a kind for the j-th year, when the kind has a value per year."""
    years = list(dict.fromkeys(y for _, y in v.years))
    asked = [j for j, y in enumerate(years) if y in q.years]
    if "respectively" not in v.words or len(asked) != 1 or len(years) < 2:
        return set()
    dates = [(c.start, c.end) for c in found if c.kind in ("date", "year")]
    out: set[tuple[int, int]] = set()
    for kind in _VALUES:  # values of a kind, none a year or inside a date ("31" of "December 31, 2019")
        values = sorted((c.start, c.end) for c in found if c.kind == kind
                        and not any(a < c.end and c.start < b for a, b in dates)
                        and not any(a <= i <= b for i, _ in v.years for a, b in [_bounds(v, c)]))
        if len(values) == len(years):
            out.add(values[asked[0]])
    return out


def _after_question(v: _View, found: tuple[TypedSpan, ...]) -> list[TypedSpan]:
    """Each phrase or clause holding question words, cut to what follows its last one: answers seldom repeat the
    question ("brought back soil samples" asked "what did the probe bring back" -> "soil samples")."""
    have = {(c.start, c.end) for c in found}
    out: list[TypedSpan] = []
    for c in found:
        if c.kind not in ("phrase", "clause", "sentence"):
            continue
        inside = [i for i in v.matched if v.starts[i] >= c.start and v.ends[i] <= c.end]
        rest = [i for i in range(inside[-1] + 1, len(v.starts)) if v.ends[i] <= c.end] if inside else []
        if rest and any(v.content[i] for i in rest) and (v.starts[rest[0]], c.end) not in have:
            have.add((v.starts[rest[0]], c.end))
            out.append(TypedSpan(v.starts[rest[0]], c.end, "phrase" if c.kind == "phrase" else "clause"))
    return out


def score_candidates(q: Question, passages: Sequence[Passage], sents: list[SentenceFacts]) -> list[ScoredSpan]:
    """Every typed span of the best few sentences, with its feature vector."""
    ranked = sorted(sents, key=sentence_score, reverse=True)[:MAX_SENTENCES]
    top_sim = max((s.sim for s in ranked), default=0.0)
    found_all: list[tuple[SentenceFacts, TypedSpan]] = []
    rows: list[list[float]] = []
    for j, s in enumerate(ranked):
        view = _view(q, s.tokens)
        found = typed_spans(passages[s.passage].text[s.start : s.end])
        found += tuple(_after_question(view, found))
        # Whether the sentence holds the asked-for type at all: if not, the answer may sit next door.
        has_type = any(c.kind == q.expected[0] for c in found)
        respective = _respective(q, view, found) if q.years else set()
        for c in found:
            found_all.append((s, c))
            rows.append(candidate_features(q, s, view, c, (j == 0, s.sim == top_sim, has_type),
                                           (c.start, c.end) in respective))
    matrix = np.array(rows, dtype=np.float64)  # one array for all: each candidate's features are a row of it
    return [ScoredSpan(s, c, matrix[i]) for i, (s, c) in enumerate(found_all)]
