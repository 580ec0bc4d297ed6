"""Choosing and shaping the answer: a table value, the best span of a passage, or 'not in the corpus'."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.answer.asked import TYPED, asks_explanation, life_event
from qa.answer.choice import confidence_features, shipped_chooser
from qa.answer.contrary import opposites
from qa.answer.defines import defined, defines
from qa.answer.evidence import Evidence, Lexicon, Question, SpanVectors, weigh, window_of
from qa.answer.followup import Turn, resolve
from qa.answer.life import states_life
from qa.answer.passage import Reads, alternatives, read_hits, reason_reach, sentence_of
from qa.answer.pick import served_pick, typed_pick
from qa.answer.spans import typed_spans
from qa.answer.swaps import named_elsewhere, year_swapped
from qa.answer.table_side import TABLE_HITS, TABLE_MIN, TableSide
from qa.lru import Lru
from qa.records import Answer, AnswerSpan, Chunk, Citation, Hit, Span, Vectors
from qa.search.retrieval import Retriever, question_words
from qa.tableqa.engine import TableResult
from qa.tables.model import Table
from qa.text.units import row_text, units

NONE_TEXT = "The corpus doesn't say."
CANDIDATES = 6  # chunks whose spans compete for the answer, whatever top_k is
ABSTAIN_BELOW = 0.5  # the confidence is a probability of being right: below one half, say "none"
UNTYPED_NUMBER = 0.45  # the most a number or year question answered without one may be trusted: < ABSTAIN_BELOW


@dataclass(frozen=True)
class Candidate:
    """A span of a retrieved chunk (offsets within chunk.text) and its evidence."""

    hit: Hit
    span: Span
    evidence: Evidence


@dataclass(frozen=True)
class Decision:
    """Everything `answer` weighed; bench/confidence_bands.py reads it to fit and check the confidence."""

    question: Question
    hits: list[Hit]
    best: Candidate | None
    passage_confidence: float
    unknown: float  # idf-weighted share of the question's words that the corpus never uses
    table: TableResult | None
    table_confidence: float
    kind: str  # "table", "passage" or "none"
    spans: dict[str, Span] = field(default_factory=dict)  # the best span of each chunk weighed, by chunk id
    reads: Reads | None = None  # the reader's spans (passage.py)
    lexicon: Lexicon | None = None  # the statistics weighed with: the caller's sources only, when scoped


def _kind(resolved: str, has_table: bool, t_conf: float, p_conf: float, row_span: bool, closed: bool) -> str:
    """"table", "passage" or "none" from the two paths' confidences (`row_span`: the best passage span is a table
    row's value; `closed`: the asker named the files)."""
    kind = "none"
    # A value read off one row loses to a sure table answer, which weighed every row of the table.
    if has_table and t_conf >= TABLE_MIN and (t_conf >= p_conf or row_span):
        kind = "table"
    elif p_conf >= ABSTAIN_BELOW:
        kind = "passage"
    unanswered = kind == "none" or (kind == "passage" and row_span)
    if closed and has_table and unanswered and not asks_explanation(resolved):
        # The asker named the files, so the question is about their tables: the table engine's answer, with
        # its own (maybe low) confidence, serves better than none or a value read off one row (WTQ dev:
        # 0.31 -> 0.41 on 600 questions; TAT-QA dev unchanged; docs/TABLES.md). A question the table match
        # puts on another table has no table answer here (`tableqa/engine.OTHER_TABLE`). Nor has "Why did
        # cable revenue rise?" or "How does the company price ...?": a sentence says that, and the engines'
        # unsure guess would be an amount or a row's name.
        kind = "table"
    return kind


def _pick(cand: Candidate) -> float:
    """How strongly the evidence speaks for this span (learned, answer/choice.py)."""
    return shipped_chooser().pick_score(cand.evidence)


def _best_per_chunk(candidates: Sequence[Candidate]) -> dict[str, Span]:
    found: dict[str, Candidate] = {}
    for cand in candidates:
        held = found.get(cand.hit.chunk.id)
        if held is None or _pick(cand) > _pick(held):
            found[cand.hit.chunk.id] = cand
    return {cid: c.span for cid, c in found.items()}


class Answerer:
    """Answers questions over one loaded index; shared by all requests, immutable after construction."""

    def __init__(self, retriever: Retriever, span_cache: int = 50_000) -> None:
        self.retriever = retriever
        data = retriever.index.data
        self.table_side = TableSide(data, retriever)
        self.lexicon = Lexicon(c.search_text for c in data.chunks)
        self._lexicons: Lru[frozenset[str], Lexicon] = Lru(16)
        self.spans = SpanVectors(retriever.embedder, span_cache, data.spans)
        opposites()  # the antonym lexicon (50 ms to read), here rather than in the first question's time

    def answer(self, question: str, messages: Sequence[Turn] = (), top_k: int = 5,
               sources: Sequence[str] | None = None, allowed: frozenset[str] | None = None) -> Answer:
        """The answer from the corpus, or from `allowed` sources only when given: nothing else is retrieved,
        matched, resolved against or counted (`sources` must lie within `allowed`)."""
        started = time.perf_counter()
        resolved = resolve(question, messages, self._followup_tables(messages, sources, allowed))
        decision = self.decide(resolved, top_k, sources, allowed)
        if decision.kind == "table" and decision.table is not None:
            result = self._table_answer(question, resolved, decision, top_k)
        elif decision.kind == "passage" and decision.best is not None:
            result = self._passage_answer(question, resolved, decision, top_k)
        else:
            result = Answer(question, resolved, NONE_TEXT, "none", round(decision.passage_confidence, 3), None,
                            self._citations(decision, decision.hits[:top_k]))
        result.timing_ms = (time.perf_counter() - started) * 1000
        return result

    def _followup_tables(self, messages: Sequence[Turn], sources: Sequence[str] | None,
                         allowed: frozenset[str] | None = None) -> list[Table]:
        """Tables for resolving a follow-up: those the last earlier question retrieves."""
        earlier = [m.content for m in messages if m.role == "user" and m.content.strip()]
        if not earlier:
            return []
        return self.table_side.candidates(self.retriever.search(earlier[-1], TABLE_HITS, sources, allowed=allowed),
                                          sources, allowed)

    def lexicon_of(self, allowed: frozenset[str] | None) -> Lexicon:
        """The corpus statistics of the sources a caller may see: which words exist, and how rare they are,
        must not depend on documents outside them (a name "missing" lowers the confidence)."""
        if allowed is None:
            return self.lexicon
        found = self._lexicons.get(allowed)
        if found is None:
            # The scope's own chunks only (by id): the cost grows with the scope, not with the corpus.
            ids = self.retriever.allowed(None, allowed)
            chunks = self.retriever.index.data.chunks
            found = Lexicon(chunks[int(i)].search_text for i in (ids if ids is not None else range(len(chunks))))
            self._lexicons.put(allowed, found)
        return found

    def decide(self, resolved: str, top_k: int = 5, sources: Sequence[str] | None = None,
               allowed: frozenset[str] | None = None) -> Decision:
        """Weigh the passage evidence against the table answer and pick one, or none."""
        lexicon = self.lexicon_of(allowed)
        question = lexicon.analyse(resolved)
        qvec = self.retriever.embedder.encode_query(resolved)
        hits = self.retriever.search(resolved, max(top_k, CANDIDATES, TABLE_HITS), sources, query_vector=qvec,
                                     allowed=allowed)
        unknown = lexicon.unknown_share(question)
        candidates = self._candidates(question, qvec, hits[:CANDIDATES], lexicon)
        best = max(self._preferred(question, candidates) or candidates, key=_pick, default=None)
        p_conf = self.confidence(question, best, unknown, lexicon) if best else 0.0
        tables = self.table_side
        table = tables.result(resolved, tables.candidates(hits, sources, allowed), qvec, closed=bool(sources))
        t_conf = tables.confidence(question, table, best.hit.chunk if best else None, p_conf)
        row_span = best is not None and best.hit.chunk.kind == "table_row"
        kind = _kind(resolved, table is not None, t_conf, p_conf, row_span, closed=bool(sources))
        reads = None
        if kind == "passage" and best is not None:
            reads = read_hits(question, qvec, hits, (best.hit, best.span), lexicon, self.spans)
            short = typed_pick(question, [f.reading for f in reads.answer])
            if best.hit.chunk.kind == "table_row" and not (question.expected[0] in TYPED and short is not None):
                # An answer is never a table row read out as a sentence: a short value of the row ("$470B")
                # may answer, the whole row may not; its value then comes from the table engine or nowhere.
                kind, reads = ("table" if table is not None and t_conf >= TABLE_MIN else "none"), None
        return Decision(question, hits, best, p_conf, unknown, table, t_conf, kind, _best_per_chunk(candidates),
                        reads, lexicon)

    def _preferred(self, question: Question, candidates: Sequence[Candidate]) -> list[Candidate]:
        """The candidates an article's conventions make the answer, however the learned choice weighs them: for
        "When was X born?" the sentence giving X's dates in brackets after the name (no "born" is written there);
        for "Who was X?" the sentence defining X ("... was a Dornish chemist"), not one naming X; else none."""
        if life_event(question.text) is not None:
            return [c for c in candidates if states_life(question, self.span_text(c.hit.chunk, c.span))]
        name = defined(question.text)
        return [c for c in candidates if defines(name, self.span_text(c.hit.chunk, c.span))] if name else []

    def confidence(self, question: Question, best: Candidate, unknown: float, lexicon: Lexicon | None = None
                   ) -> float:
        """How likely the picked span answers the question (answer/choice.py: the evidence model with near-miss
        terms learned on TAT-QA); docs/ANSWERING.md reports how often each band is right."""
        chunk = best.hit.chunk
        text = self.span_text(chunk, best.span)
        x = confidence_features(question, best.evidence, unknown, text, chunk.search_text, lexicon or self.lexicon)
        p = shipped_chooser().probability(x)
        if question.expects == "number" and not best.evidence.typed:
            # "How many universities": a span without a number does not answer it, however well it matches.
            return min(p, UNTYPED_NUMBER)
        if question.expected[0] == "year" and not any(s.kind == "year" for s in typed_spans(text)):
            # "In what year did the lunar probe launch?" of "Just a few weeks later, the probe ...": nor a year.
            return min(p, UNTYPED_NUMBER)
        if chunk.kind != "table_row" and (year_swapped(question, text) or named_elsewhere(
                question, chunk.text, best.span, chunk.title, self._document_text(chunk.source))):
            # A swapped year or name: "How many breeding pairs were counted in 1921?" of "the 2019 census counted
            # roughly 48,000", "How many students does the University of Halden have?" of "It has about 31,000
            # students" in the article "University of Marren" (bench/train_choice.py measures both on TAT-QA).
            return min(p, UNTYPED_NUMBER)
        return p

    def _document_text(self, source: str) -> str:
        doc = self.retriever.index.data.documents.get(source)
        return doc.text if doc else ""

    def _candidates(self, question: Question, qvec: Vectors, hits: Sequence[Hit],
                    lexicon: Lexicon | None = None) -> list[Candidate]:
        """Every span of the given hits, with its evidence."""
        lexicon = lexicon or self.lexicon
        spans = [(hit, span, self.span_text(hit.chunk, span)) for hit in hits for span in self._units(hit.chunk)]
        cosines = self.spans.cosines(qvec, [text for _, _, text in spans]) if spans else []
        covers = {id(h): lexicon.coverage(question, h.chunk.search_text) for h in hits}
        ranks = {id(h): i for i, h in enumerate(hits)}
        asked = question_words(question.text)
        return [Candidate(hit, span, weigh(question, lexicon, text, hit.chunk.search_text,
                                           (cos, hit.dense or 0.0, covers[id(hit)]), ranks[id(hit)],
                                           self.retriever.unnamed_row(hit.chunk, asked),
                                           text if hit.chunk.kind == "table_row" else window_of(hit.chunk.text, span),
                                           hit.chunk.title))
                for (hit, span, text), cos in zip(spans, cosines, strict=True)]

    @staticmethod
    def _units(chunk: Chunk) -> list[Span]:
        return [chunk.highlight] if chunk.highlight is not None else units(chunk.text)

    @staticmethod
    def span_text(chunk: Chunk, span: Span) -> str:
        """The words a span stands for: a table row as rendered with its column names, else the span."""
        if chunk.kind == "table_row":
            return row_text(chunk)
        return chunk.text[span.start : span.end]

    def _best_spans(self, decision: Decision, hits: Sequence[Hit]) -> dict[str, Span]:
        """The best span of each cited chunk, for its highlight: the one weighed in `decide` when it was.

        Within one chunk the spans differ only in their own evidence (rank and chunk scores are shared), so
        the best span does not depend on which list of hits the chunk came in."""
        rest = [h for h in hits if h.chunk.id not in decision.spans]
        if not rest:
            return decision.spans
        qvec = self.retriever.embedder.encode_query(decision.question.text)
        return {**decision.spans, **_best_per_chunk(self._candidates(decision.question, qvec, rest, decision.lexicon))}

    def _citations(self, decision: Decision, hits: Sequence[Hit], pinned: dict[str, Span] | None = None
                   ) -> list[Citation]:
        spans = {**self._best_spans(decision, [h for h in hits if not pinned or h.chunk.id not in pinned]),
                 **(pinned or {})}
        return [Citation(n, h.chunk.source, h.chunk.title, h.chunk.id, h.chunk.text, h.chunk.start, h.chunk.end,
                         spans.get(h.chunk.id), round(h.score, 6), h.chunk.page, list(h.chunk.boxes))
                for n, h in enumerate(hits, start=1)]

    def _passage_answer(self, question: str, resolved: str, decision: Decision, top_k: int) -> Answer:
        """The reader's span of the picked sentence that `pick.served_pick` serves (a number, date or name asked:
        of no other kind than a sure learned answer kind; any other question: the learned shape model's pick); else
        (and when the reader finds nothing there) the evidence scorer's sentence or clause."""
        best, reads = decision.best, decision.reads
        assert best is not None and reads is not None
        unit = self.span_text(best.hit.chunk, best.span)
        around = sentence_of(best.hit.chunk.text, best.span)
        chosen = served_pick(decision.question, [f.reading for f in reads.answer], [f.reading for f in reads.pool],
                             unit, best.hit.chunk.text[around.start : around.end], best.span)
        top = next((f for f in [*reads.answer, *reads.pool] if f.reading is chosen), None)
        hit, span = (top.hit, top.span) if top else (best.hit, best.span)
        chunk = hit.chunk
        if top is None and chunk.kind != "table_row":  # a reason question's restating sentence, with its reason
            span = reason_reach(decision.question, chunk.text, span)
        cited = [hit, *[h for h in decision.hits if h.chunk.id != chunk.id][: top_k - 1]]
        sentence = sentence_of(chunk.text, span)
        sentence = Span(sentence.start, max(sentence.end, span.end))  # the context holds every sentence served
        citations = self._citations(decision, cited, {chunk.id: sentence if top else span})
        text = top.reading.text if top else self.span_text(chunk, span)
        # A table row's sentence answer is the row rendered with its column names: no span of the document.
        placed = chunk.text[span.start : span.end] == text
        return Answer(question, resolved, text, "passage", round(decision.passage_confidence, 3), None, citations,
                      answer_span=AnswerSpan(chunk.source, chunk.start + span.start, chunk.start + span.end)
                      if placed else None,
                      context=chunk.text[sentence.start : sentence.end] if placed else None,
                      alternatives=alternatives(decision.question, top, text, reads, citations))

    def _table_answer(self, question: str, resolved: str, decision: Decision, top_k: int) -> Answer:
        table = decision.table
        assert table is not None
        lead = self.table_side.lead_rows(table)
        lead_hits = [Hit(c, 1.0, None, None) for c in lead][:top_k]
        lead_ids = {c.id for c in lead}
        others = [h for h in decision.hits if h.chunk.id not in lead_ids][: top_k - len(lead_hits)]
        pinned = {c.id: c.highlight for c in lead if c.highlight is not None}
        citations = self._citations(decision, lead_hits + others, pinned)
        return Answer(question, resolved, table.answer, "table", round(decision.table_confidence, 3),
                      table.table_answer, citations)
