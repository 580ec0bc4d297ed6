"""Evaluating retrieval and answers on a labelled question set (`qa eval FILE.jsonl`)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.answerer import Answerer
from qa.answer.followup import Turn, resolve
from qa.records import Answer, Chunk, Vectors
from qa.search.retrieval import Retriever
from qa.serve.service import Engine

KINDS = ("table", "passage", "none")
BANDS = ((0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.0))
CUTOFFS = (1, 3, 5)


class EvalFileError(ValueError):
    """The evaluation file cannot be read; the message names the line."""


@dataclass(frozen=True)
class EvalItem:
    """One labelled question: what a right answer contains and which document it comes from."""

    question: str
    expected_answer: str
    expected_source: str | None
    kind: str  # "table", "passage" or "none" (the corpus does not answer it)
    messages: tuple[Turn, ...] = ()


def _item(row: Any) -> EvalItem:
    if not isinstance(row, dict) or not str(row.get("question", "")).strip():
        raise ValueError("each line needs a non-empty 'question'")
    kind = row.get("kind") or ("none" if not row.get("expected_source") else "passage")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind != "none" and not (row.get("expected_answer") and row.get("expected_source")):
        raise ValueError("an answerable question needs 'expected_answer' and 'expected_source'")
    turns = tuple(Turn(str(m["role"]), str(m["content"])) for m in row.get("messages") or [])
    return EvalItem(str(row["question"]), str(row.get("expected_answer") or ""), row.get("expected_source") or None,
                    kind, turns)


def load_items(path: Path) -> list[EvalItem]:
    """The questions of a JSONL file, one object a line; raises EvalFileError naming the bad line."""
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"cannot read {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(_item(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise EvalFileError(f"{path}:{number}: {exc}") from exc
    if not items:
        raise EvalFileError(f"{path} holds no questions")
    return items


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def normalise(text: str) -> str:
    """Case-, quote- and spacing-insensitive form used to compare answers with expected answers."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).casefold().strip()


def is_right(item: EvalItem, answer: Answer) -> bool:
    """An abstention is right for an unanswerable question; otherwise the answer must contain the expected
    text and cite the expected document."""
    if item.kind == "none":
        return answer.kind == "none"
    shown = answer.answer + (" " + answer.table_answer.value if answer.table_answer else "")
    return (answer.kind != "none"
            and (normalise(item.expected_answer) in normalise(shown) or _part_of(answer.answer, item))
            and any(c.source == item.expected_source for c in answer.citations))


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'%$€£.,-]*\w%?", normalise(text))


def _part_of(answer: str, item: EvalItem) -> bool:
    """A short answer inside the expected text also counts when it is the larger part of it and says more than
    the question: "second" for "second deepest" does; "deepest" for "Asia's deepest borehole" does not."""
    got, want = _words(answer), _words(item.expected_answer)
    inside = any(want[i : i + len(got)] == got for i in range(len(want) - len(got) + 1))
    return bool(got) and inside and 2 * len(got) >= len(want) and not set(got) <= set(_words(item.question))


@dataclass
class RetrievalScores:
    """How well one retrieval mode ranks the expected document (and the chunk holding the answer)."""

    mode: str
    questions: int
    recall: dict[int, float]
    mrr: float
    evidence_questions: int  # those whose expected answer is written in some chunk of the expected source
    evidence_recall: dict[int, float]
    evidence_mrr: float
    p50_ms: float


@dataclass
class Band:
    """Answers given with a confidence in [low, high) and how many of them were right."""

    low: float
    high: float
    answers: int
    right: int
    accuracy: float | None


@dataclass
class AnswerScores:
    """Answer accuracy by kind, abstention quality and calibration, for one retrieval set-up."""

    setup: str
    questions: int
    accuracy: float
    by_kind: dict[str, dict[str, float]]
    abstention_precision: float | None
    abstention_recall: float | None
    calibration: list[Band]
    p50_ms: float
    errors: int = 0  # questions whose answering raised (counted wrong)
    misses: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EvalReport:
    """Everything `qa eval` prints."""

    questions: int
    answers: list[AnswerScores]
    retrieval: list[RetrievalScores]
    best_fusion: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


Ranker = Callable[[str, Vectors, int], list[int]]


def rankers(engine: Engine, dense_weights: Sequence[float]) -> dict[str, Ranker]:
    """Chunk rankings by BM25 alone, dense alone and both fused; called with the same query vector."""
    index, n = engine.index, engine.retriever.settings.candidates

    def bm25(q: str, v: Vectors, k: int) -> list[int]:
        return index.search.sparse(q, k)[0]

    def dense(q: str, v: Vectors, k: int) -> list[int]:
        return index.search.dense(v, k)[0]

    def fused(fusion: str, weight: float) -> Ranker:
        def rank(q: str, v: Vectors, k: int) -> list[int]:
            # The served retriever's fusion, with its handling of table rows.
            scores = engine.retriever.fuse(q, index.search.dense(v, n), index.search.sparse(q, n), fusion, weight)
            return [i for i, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]

        return rank

    found: dict[str, Ranker] = {"bm25": bm25, "dense": dense, "hybrid-rrf": fused("rrf", 0.5)}
    for w in dense_weights:
        found[f"hybrid-weighted-{w:g}"] = fused("weighted", w)
    return found


def _evidence(chunk: Chunk) -> str:
    """What a chunk itself says: a table row's own line, not the whole table block it cites."""
    hl = chunk.highlight
    return normalise(chunk.text[hl.start : hl.end] if chunk.kind == "table_row" and hl else chunk.text)


def _rank(chunks: Sequence[Chunk], ids: list[int], source: str | None, wanted: str | None = None) -> int | None:
    """1-based rank of the first chunk from `source` (that holds `wanted`, when given)."""
    for rank, i in enumerate(ids, start=1):
        if chunks[i].source == source and (wanted is None or wanted in _evidence(chunks[i])):
            return rank
    return None


def _summary(ranks: list[int | None]) -> tuple[dict[int, float], float]:
    if not ranks:
        return {k: 0.0 for k in CUTOFFS}, 0.0
    recall = {k: round(sum(1 for r in ranks if r is not None and r <= k) / len(ranks), 4) for k in CUTOFFS}
    return recall, round(sum(1 / r for r in ranks if r is not None) / len(ranks), 4)


def score_retrieval(name: str, ranker: Ranker, chunks: Sequence[Chunk],
                    queries: list[tuple[EvalItem, str, Vectors]]) -> RetrievalScores:
    """Recall@k and MRR of the expected source, and of a chunk of it that holds the expected answer."""
    ranks: list[int | None] = []
    evidence: list[int | None] = []
    millis = []
    for item, text, vector in queries:
        started = time.perf_counter()
        ids = ranker(text, vector, max(CUTOFFS))
        millis.append((time.perf_counter() - started) * 1000)
        ranks.append(_rank(chunks, ids, item.expected_source))
        wanted = normalise(item.expected_answer)
        if any(c.source == item.expected_source and wanted in _evidence(c) for c in chunks):
            evidence.append(_rank(chunks, ids, item.expected_source, wanted))
    recall, mrr = _summary(ranks)
    ev_recall, ev_mrr = _summary(evidence)
    return RetrievalScores(name, len(ranks), recall, mrr, len(evidence), ev_recall, ev_mrr,
                           round(float(np.median(millis)) if millis else 0.0, 3))


@dataclass(frozen=True)
class Graded:
    """One question's answer and its grade; an answer that raised is wrong and kept out of calibration."""

    item: EvalItem
    answer: Answer
    right: bool
    error: str | None = None


def _ask(item: EvalItem, answerer: Answerer) -> Graded:
    try:
        answer = answerer.answer(item.question, item.messages)
    except Exception as exc:  # one failing question is a wrong answer to report, not the end of the run
        error = f"{type(exc).__name__}: {exc}"
        return Graded(item, Answer(item.question, item.question, f"error: {error}", "passage", 0.0, None, []),
                      False, error)
    return Graded(item, answer, is_right(item, answer))


def score_answers(setup: str, items: Sequence[EvalItem], answerer: Answerer) -> AnswerScores:
    """Ask every question (with its earlier turns) and grade the answers."""
    graded, millis = [], []
    for item in items:
        started = time.perf_counter()
        graded.append(_ask(item, answerer))
        millis.append((time.perf_counter() - started) * 1000)
    by_kind = {}
    for kind in KINDS:
        group = [g.right for g in graded if g.item.kind == kind]
        if group:
            by_kind[kind] = {"questions": len(group), "right": sum(group),
                             "accuracy": round(sum(group) / len(group), 4)}
    abstained = [g.item.kind == "none" for g in graded if g.answer.kind == "none"]
    unanswerable = [g.answer.kind == "none" for g in graded if g.item.kind == "none"]
    misses = [{"question": g.item.question, "expected": g.item.expected_answer, "kind": g.item.kind,
               "got": g.answer.answer, "got_kind": g.answer.kind, "confidence": g.answer.confidence}
              for g in graded if not g.right]
    return AnswerScores(setup, len(graded), round(sum(g.right for g in graded) / max(len(graded), 1), 4), by_kind,
                        _share(abstained), _share(unanswerable), _bands([g for g in graded if g.error is None]),
                        round(float(np.median(millis)) if millis else 0.0, 3),
                        sum(g.error is not None for g in graded), misses)


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _bands(graded: list[Graded]) -> list[Band]:
    bands = []
    for low, high in BANDS:
        inside = [g.right for g in graded if g.answer.kind != "none" and
                  (low <= g.answer.confidence < high or (high == 1.0 and g.answer.confidence == 1.0))]
        bands.append(Band(low, high, len(inside), sum(inside), _share(inside)))
    return bands


def evaluate(engine: Engine, items: Sequence[EvalItem], dense_weights: Sequence[float] = (0.5,)) -> EvalReport:
    """Retrieval by every mode and answers by every hybrid fusion, on the same questions in one run."""
    settings = engine.retriever.settings
    tables = engine.index.data.tables
    queries = []
    for item in items:
        if item.kind != "none" and item.expected_source:
            text = resolve(item.question, item.messages, tables)
            queries.append((item, text, engine.retriever.embedder.encode_query(text)))
    chunks = engine.index.data.chunks
    retrieval = [score_retrieval(name, ranker, chunks, queries)
                 for name, ranker in rankers(engine, dense_weights).items()]
    setups = {"rrf": settings.model_copy(update={"fusion": "rrf"})}
    setups |= {f"weighted-{w:g}": settings.model_copy(update={"fusion": "weighted", "dense_weight": w})
               for w in dense_weights}
    answers = [score_answers(f"hybrid-{name}" + (" (configured)" if _same(s, settings) else ""), items,
                             Answerer(Retriever(engine.index, engine.retriever.embedder, s)))
               for name, s in setups.items()]
    best = max(answers, key=lambda a: (a.accuracy, a.setup.endswith("(configured)")))
    return EvalReport(len(items), answers, retrieval, best.setup.removesuffix(" (configured)"))


def _same(a: Any, b: Any) -> bool:
    return bool(a.fusion == b.fusion and (a.fusion == "rrf" or a.dense_weight == b.dense_weight))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def format_report(report: EvalReport) -> str:
    """The report as Markdown tables, for a terminal or a document."""
    lines = [f"{report.questions} questions", "", "| retrieval | Recall@1 | Recall@3 | Recall@5 | MRR | "
             "evidence R@1 | evidence R@3 | evidence MRR | p50 ms |", "|---|---|---|---|---|---|---|---|---|"]
    for r in report.retrieval:
        lines.append(f"| {r.mode} | {_pct(r.recall[1])} | {_pct(r.recall[3])} | {_pct(r.recall[5])} | {_pct(r.mrr)} "
                     f"| {_pct(r.evidence_recall[1])} | {_pct(r.evidence_recall[3])} | {_pct(r.evidence_mrr)} "
                     f"| {r.p50_ms:.2f} |")
    lines += ["", "| answers | accuracy | " + " | ".join(KINDS) + " | abstention P | abstention R | p50 ms | errors |",
              "|---|---|" + "---|" * len(KINDS) + "---|---|---|---|"]
    for a in report.answers:
        kinds = " | ".join(f"{k['right']}/{k['questions']}" if (k := a.by_kind.get(kind)) else "-" for kind in KINDS)
        lines.append(f"| {a.setup} | {_pct(a.accuracy)} | {kinds} | {_pct(a.abstention_precision)} "
                     f"| {_pct(a.abstention_recall)} | {a.p50_ms:.1f} | {a.errors} |")
    configured = next((a for a in report.answers if a.setup.endswith("(configured)")), report.answers[0])
    lines += ["", f"calibration ({configured.setup}): accuracy of the answers given, by confidence",
              "| confidence | answers | right | accuracy |", "|---|---|---|---|"]
    lines += [f"| {b.low:.1f}-{b.high:.1f} | {b.answers} | {b.right} | {_pct(b.accuracy)} |"
              for b in configured.calibration]
    lines += ["", f"best answer accuracy: {report.best_fusion}"]
    return "\n".join(lines)
