"""A passage answer as the shortest span that answers: the reader run over the retrieved chunks, its spans
placed in their documents (`answer_span`), their sentences (`context`) and the runners-up (`alternatives`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.answer.asked import NUMERIC, asks_reason
from qa.answer.evidence import Lexicon, Question, SpanVectors, neighbours
from qa.answer.features import Passage, layout
from qa.answer.reader import Reading, read
from qa.records import Alternative, AnswerSpan, Citation, Hit, Span, Vectors
from qa.text.tokens import terms

READ_HITS = 6  # chunks read for runners-up: the ones whose spans compete for the answer today
MAX_ALTERNATIVES = 3
SHORT_READS = 4  # the reader's best spans of the answer's sentence that a typed question's short answer comes from
# Words that state a cause: a sentence holding none of them only restates what a reason question asks about.
CAUSES = ("because", "due to", "driven by", "attributable to", "attributed to", "as a result of", "owing to",
          "reflecting", "reflected", "reflects", "resulted from", "led by", "caused by", "contributed")
_CAUSE = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in CAUSES) + r")\b", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n\s*\n")  # a paragraph's end: what follows it is about something else
MAX_REASONS = 2  # sentences after a restating one that may state its reason ("The increase was driven by ...")


@dataclass(frozen=True)
class Found:
    """One span the reader found, with the hit whose chunk holds it."""

    reading: Reading
    hit: Hit

    @property
    def span(self) -> Span:
        """The span within its chunk's text."""
        return Span(self.reading.start, self.reading.end)

    @property
    def sentence(self) -> Span:
        return Span(self.reading.sentence_start, self.reading.sentence_end)

    def answer_span(self) -> AnswerSpan:
        """Where the answer stands in its document: chunk.start + the offset within chunk.text."""
        chunk = self.hit.chunk
        return AnswerSpan(chunk.source, chunk.start + self.reading.start, chunk.start + self.reading.end)

    def context(self) -> str:
        return self.hit.chunk.text[self.reading.sentence_start : self.reading.sentence_end]


@dataclass(frozen=True)
class Reads:
    """The reader's best spans in the sentence the evidence picked (`answer`), and over the retrieved chunks
    (`elsewhere`, for the runners-up), both best first; `pool`: every span of that sentence (the shape model's
    options, answer/shape.py)."""

    answer: list[Found]
    elsewhere: list[Found]
    pool: list[Found] = field(default_factory=list)


def sentence_of(text: str, span: Span) -> Span:
    """The sentence (or line) of a chunk's text that holds a span."""
    return next((s for s in layout(text).spans if s.start <= span.start < max(s.end, s.start + 1)), span)


def reason_reach(question: Question, text: str, unit: Span) -> Span:
    """The unit a reason question is served: when the unit ends its sentence and that sentence states no cause
    ("Subscription revenue increased by $76.3 million ... in 2018"), through the sentences after it in the same
    paragraph that do ("The increase was attributable to new business ..."), at most `MAX_REASONS`; else the unit.
    The restating sentence stays, so a gold in either is inside the answer (TAT-QA, docs/ANSWERING.md)."""
    sentence = sentence_of(text, unit)
    if (question.expected[0] not in ("sentence", "clause") or not asks_reason(question.text)
            or unit.end != sentence.end or _CAUSE.search(text, sentence.start, sentence.end)):
        return unit
    end = unit.end
    for after in [s for s in layout(text).spans if s.start >= sentence.end][:MAX_REASONS]:
        if _BLANK_LINE.search(text, end, after.start) or not _CAUSE.search(text, after.start, after.end):
            break
        end = after.end
    return Span(unit.start, end)


def _passage(hit: Hit, allowed: Span | None = None) -> Passage:
    # A table row is read inside its table block, with the header row for context, answering from its line.
    return Passage(hit.chunk.text, hit.score, hit.chunk.highlight if hit.chunk.kind == "table_row" else allowed)


def _sims(question: Vectors, passages: Sequence[Passage], vectors: SpanVectors) -> list[list[float]]:
    """Question-sentence cosines for the sentences the reader may answer from (0 for the others). The texts are
    the evidence scorer's sentence units, so their vectors come from its cache."""
    wanted = [[p.allowed is None or p.allowed.start <= s.start < p.allowed.end for s in layout(p.text).spans]
              for p in passages]
    texts = [p.text[s.start : s.end] for p, keep in zip(passages, wanted, strict=True)
             for s, k in zip(layout(p.text).spans, keep, strict=True) if k]
    cosines = iter(vectors.cosines(question, texts) if texts else [])
    return [[next(cosines) if k else 0.0 for k in keep] for keep in wanted]


def _read(question: Question, qvec: Vectors, hits: Sequence[Hit], passages: list[Passage], lexicon: Lexicon,
          vectors: SpanVectors, top: int | None = 4) -> list[Found]:
    readings = read(question, passages, lexicon.rarity, sims=_sims(qvec, passages, vectors), top=top)
    return [Found(r, hits[r.passage]) for r in readings]


def read_hits(question: Question, qvec: Vectors, hits: Sequence[Hit], focus: tuple[Hit, Span], lexicon: Lexicon,
              vectors: SpanVectors) -> Reads:
    """The answer is read in the sentence the evidence scorer picked (`focus`: its hit and span), which picks
    sentences better than the reader's own pre-ranking on the bundled set. When the question asks for a number or
    date and that sentence holds none, the sentences before and after it are read ("On February 20, engineers ...
    struck something historic." / "... they completed Asia's deepest borehole"); not for names, which abound
    ("Where does the U.S. still dominate?" found "Top500.org" next door). Runners-up come from every chunk."""
    hit, span = focus
    pool = _read(question, qvec, [hit], [_passage(hit, sentence_of(hit.chunk.text, span))], lexicon, vectors, None)
    if hit.chunk.kind != "table_row" and question.expected[0] in NUMERIC and not _typed(question, pool):
        # Only a neighbour that speaks of something asked: "How old is the abbey?" got "almost half" from the
        # sentence on basalt before the abbey's.
        asked = set(question.terms)
        near = [s for s in neighbours(hit.chunk.text, span) if asked & set(terms(hit.chunk.text[s.start : s.end]))]
        beside = _read(question, qvec, [hit] * len(near), [_passage(hit, s) for s in near], lexicon, vectors, None)
        pool = beside if _typed(question, beside) else pool
    seen: dict[str, Hit] = {}
    for h in hits[:READ_HITS]:
        seen.setdefault(h.chunk.id if h.chunk.kind == "table_row" else h.chunk.text, h)
    chosen = list(seen.values())
    return Reads(pool[:SHORT_READS], _read(question, qvec, chosen, [_passage(h) for h in chosen], lexicon, vectors),
                 pool)


def _typed(question: Question, found: Sequence[Found]) -> bool:
    return bool(found) and found[0].reading.kind in question.expected


def alternatives(question: Question, answer: Found | None, answer_text: str, reads: Reads,
                 citations: Sequence[Citation]) -> list[Alternative]:
    """Runners-up of an asked-for type that a citation holds, each with that citation's `n`: none overlapping
    the answer ("10,910" is no alternative to "10,910 meters") or repeating another."""
    numbers = {c.chunk_id: c.n for c in citations}
    out: list[Alternative] = []
    texts = {answer_text}
    for f in [*reads.answer, *reads.elsewhere]:
        if f.reading.kind not in question.expected or f.reading.text in texts or f.hit.chunk.id not in numbers:
            continue
        if answer is not None and f.hit.chunk.id == answer.hit.chunk.id and _overlaps(f.span, answer.span):
            continue
        texts.add(f.reading.text)
        out.append(Alternative(f.reading.text, round(f.reading.probability, 3), numbers[f.hit.chunk.id]))
    return sorted(out, key=lambda a: -a.confidence)[:MAX_ALTERNATIVES]


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end
