"""How often answers in each confidence band are right, on a labelled evaluation set (bench/data/*.jsonl).

    .venv/bin/python bench/confidence_bands.py [--eval bench/data/bundled_eval.jsonl] [--corpus corpus] [--misses]
    .venv/bin/python bench/confidence_bands.py --spans   # the picked passage span's confidence, answered or not

Builds (or updates) an index of the corpus in a temporary folder, asks every question through the same
Service the HTTP API uses, and prints a Markdown table: per confidence band, how many answers were given
and how many were right; then how well the service abstained. An answer is right when its kind is not
"none", it contains `expected_answer` (case- and quote-insensitive) and `expected_source` is among its
citations; an abstention is right when the question is labelled "none".
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.answer.answerer import Answerer
from qa.answer.followup import Turn
from qa.records import Answer
from qa.serve.service import Service
from qa.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BANDS = [(0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.0001)]


@dataclass
class Case:
    question: str
    expected_answer: str
    expected_source: str | None
    kind: str
    messages: list[Turn]


@dataclass
class Outcome:
    case: Case
    answer: Answer
    right: bool


def load_cases(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            turns = [Turn(m["role"], m["content"]) for m in row.get("messages", [])]
            cases.append(Case(row["question"], row["expected_answer"], row.get("expected_source"), row["kind"],
                              turns))
    return cases


def _norm(text: str) -> str:
    return text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def is_right(case: Case, answer: Answer) -> bool:
    if case.kind == "none":
        return answer.kind == "none"
    if answer.kind == "none" or _norm(case.expected_answer) not in _norm(answer.answer):
        return False
    return case.expected_source is None or case.expected_source in {c.source for c in answer.citations}


def run(service: Service, cases: list[Case]) -> list[Outcome]:
    outcomes = []
    for case in cases:
        answer = service.answer(case.question, case.messages, top_k=5)
        outcomes.append(Outcome(case, answer, is_right(case, answer)))
    return outcomes


def report(outcomes: list[Outcome]) -> str:
    answered = [o for o in outcomes if o.answer.kind != "none"]
    lines = ["| confidence | answers | right | share right | table answers (right) | passage answers (right) |",
             "|---|---:|---:|---:|---:|---:|"]
    for low, high in BANDS:
        band = [o for o in answered if low <= o.answer.confidence < high]
        share = f"{sum(o.right for o in band) / len(band):.0%}" if band else "-"
        by_kind = [(sum(o.answer.kind == k for o in band), sum(o.right for o in band if o.answer.kind == k))
                   for k in ("table", "passage")]
        lines.append(f"| {low:.1f}-{min(high, 1.0):.1f} | {len(band)} | {sum(o.right for o in band)} | {share} | "
                     + " | ".join(f"{n} ({r})" for n, r in by_kind) + " |")
    abstained = [o for o in outcomes if o.answer.kind == "none"]
    unanswerable = [o for o in outcomes if o.case.kind == "none"]
    kinds_ok = sum(o.answer.kind == o.case.kind for o in outcomes)
    lines += [
        "",
        f"- questions: {len(outcomes)}; right overall: {sum(o.right for o in outcomes)} "
        f"({sum(o.right for o in outcomes) / len(outcomes):.0%})",
        f"- answered: {len(answered)}, right: {sum(o.right for o in answered)}",
        f"- abstained: {len(abstained)}, of which labelled unanswerable: "
        f"{sum(o.case.kind == 'none' for o in abstained)}",
        f"- unanswerable questions: {len(unanswerable)}, abstained on: "
        f"{sum(o.answer.kind == 'none' for o in unanswerable)}",
        f"- kind as labelled (table/passage/none): {kinds_ok} of {len(outcomes)}",
    ]
    return "\n".join(lines)


def misses(outcomes: list[Outcome]) -> str:
    rows = [f"- [{o.case.kind}->{o.answer.kind} {o.answer.confidence:.2f}] {o.case.question} "
            f"(want {o.case.expected_answer!r}) got {o.answer.answer[:90]!r}" for o in outcomes if not o.right]
    return "\n".join(rows) or "(none)"


def passage_rows(answerer: Answerer, outcomes: list[Outcome]) -> tuple[np.ndarray, np.ndarray]:
    """The passage confidence of the span the answerer picks (answered or not), and whether that span is right."""
    probs, labels = [], []
    for o in outcomes:
        decision = answerer.decide(o.answer.resolved_question)
        if decision.best is None:
            continue
        probs.append(decision.passage_confidence)
        text = answerer.span_text(decision.best.hit.chunk, decision.best.span)
        labels.append(float(o.case.kind != "none" and _norm(o.case.expected_answer) in _norm(text)))
    return np.asarray(probs), np.asarray(labels)


def spans(answerer: Answerer, outcomes: list[Outcome]) -> str:
    """How often the picked passage span is right, per band of its confidence (learned on TAT-QA, not here)."""
    p, y = passage_rows(answerer, outcomes)
    lines = ["Passage span picked for every question, by its confidence (answered or not):",
             "| confidence | spans | right | share right |", "|---|---:|---:|---:|"]
    for low, high in BANDS:
        band = (p >= low) & (p < high)
        share = f"{y[band].mean():.0%}" if band.any() else "-"
        lines.append(f"| {low:.1f}-{min(high, 1.0):.1f} | {int(band.sum())} | {int(y[band].sum())} | {share} |")
    loss = -float(np.mean(np.log(np.where(y == 1, p, 1 - p).clip(1e-9))))
    return "\n".join([*lines, "", f"log loss {loss:.3f} (always saying {y.mean():.2f}: "
                      f"{-float(np.mean(np.log(np.where(y == 1, y.mean(), 1 - y.mean())))):.3f})"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT / "bench" / "data" / "bundled_eval.jsonl")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--misses", action="store_true", help="also list the questions answered wrongly")
    parser.add_argument("--spans", action="store_true", help="also score the picked passage span's confidence")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(args.corpus, corpus)
        service = Service(Settings(corpus_dir=corpus, index_dir=Path(tmp) / "index", _env_file=None))  # type: ignore[call-arg]
        service.start(build=True)
        outcomes = run(service, load_cases(args.eval))
        fitted = spans(service.engine.answerer, outcomes) if args.spans else ""
    print(report(outcomes))
    if args.misses:
        print("\nWrong:\n" + misses(outcomes))
    if fitted:
        print("\n" + fitted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
