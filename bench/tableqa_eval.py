"""Table QA accuracy of the current engine on the dev splits of WikiTableQuestions and TAT-QA.

    python -m bench.tableqa_eval --set wtq                # every WTQ dev question, closed to its table
    python -m bench.tableqa_eval --set tatqa              # every TAT-QA dev question, closed to its report
    python -m bench.tableqa_eval --set tatqa --unscoped   # no `sources`, over all the set's tables: crashes, latency
    python -m bench.tableqa_eval --set wtq --smoke        # 20 questions, for CI
    python -m bench.tableqa_eval --set wtq --mismatched hard  # each closed to another table: share declined

The corpus and its index are kept in --workdir (default /tmp/qa-tableqa/SET-...) and reused on a rerun.
Splits and scorers: bench/splits.py; what an answer predicts: bench/tableqa_predict.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.common import Stats, parser, save
from bench.splits import DATA, Split, tatqa_contexts, wtq_correct, wtq_questions
from bench.tableqa_corpus import tatqa_source, write_tatqa, write_wtq, wtq_source
from bench.tableqa_mismatch import header_stems, mismatched
from bench.tableqa_predict import tatqa_prediction, wtq_prediction
from bench.tatqa_metric import tatqa_scores

SMOKE_QUESTIONS = 20


@dataclass(frozen=True)
class Item:
    """One question to ask, the file it is about and its gold answer (`gold`, `scale`, `type`, `answer_from`)."""

    question: str
    source: str
    gold: dict[str, Any]


@dataclass
class Tally:
    """Scores and counts of one run, summed as the answers come back."""

    scores: dict[str, list[float]] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    millis: list[float] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)  # each question's kind, confidence and score

    def add(self, name: str, value: float) -> None:
        self.scores.setdefault(name, []).append(value)

    def mean(self, name: str) -> float:
        values = self.scores.get(name, [])
        return round(sum(values) / len(values), 4) if values else 0.0


def arguments() -> argparse.Namespace:
    p = parser(__doc__ or "")
    p.add_argument("--set", dest="dataset", choices=("wtq", "tatqa"), required=True)
    p.add_argument("--split", choices=("dev", "train", "all"), default="dev")
    p.add_argument("--limit", type=int, default=None, help="ask only the first N questions of the split")
    p.add_argument("--unscoped", action="store_true", help="no sources filter, corpus of ALL the set's tables")
    p.add_argument("--workdir", type=Path, default=None, help="corpus and index folder, reused when present")
    p.add_argument("--answers", type=Path, default=None, help="also write each question's answer kind, "
                   "confidence and score to this JSON Lines file (to choose a threshold on DEV)")
    p.add_argument("--mismatched", choices=("random", "hard"), default=None,
                   help="ask each table question of another table of the split (hard: one sharing a header "
                        "word); scores the share declined (none or passage), not accuracy")
    return p.parse_args()


def wtq_items(split: Split) -> list[Item]:
    return [Item(q.utterance, wtq_source(q.context), {"target": q.target, "context": q.context})
            for q in wtq_questions(split)]


def tatqa_items(split: Split) -> list[Item]:
    return [Item(q["question"], tatqa_source(ctx), {"answer": q["answer"], "scale": q["scale"] or "",
                                                     "type": q["answer_type"], "from": q["answer_from"]})
            for ctx in tatqa_contexts(split) for q in ctx["questions"]]


def write_corpus(dataset: str, folder: Path, items: list[Item], unscoped: bool, split: Split) -> int:
    """The files the questions are about (scoped), or every table of the set (unscoped), in `folder`."""
    if dataset == "wtq":
        contexts = [q.context for q in wtq_questions("all")] if unscoped else [i.gold["context"] for i in items]
        return write_wtq(folder, contexts)
    wanted = {i.source for i in items}
    return write_tatqa(folder, [c for c in tatqa_contexts("all" if unscoped else split)
                                if unscoped or tatqa_source(c) in wanted])


def start_service(corpus: Path, index: Path) -> tuple[Any, float]:
    """The product's own Service over `corpus`; the build is incremental, so a kept index is reused as is."""
    from qa.serve.service import Service
    from qa.settings import Settings

    started = time.perf_counter()
    service = Service(Settings(corpus_dir=corpus, index_dir=index, _env_file=None))
    service.start(build=True)
    return service, time.perf_counter() - started


def ask(service: Any, item: Item, scoped: bool, tally: Tally) -> dict[str, Any] | None:
    """One timed answer as JSON; an exception is counted by its last line and the run goes on."""
    started = time.perf_counter()
    try:
        answer: dict[str, Any] = service.answer(item.question, (), 5, [item.source] if scoped else None).to_json()
    except Exception as exc:  # any crash is a finding to count, never a reason to stop the run
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        tally.errors[f"{type(exc).__name__}: {str(exc)[:120]} @ {Path(frame.filename).name}:{frame.lineno}"] += 1
        return None
    finally:
        tally.millis.append((time.perf_counter() - started) * 1000)
    tally.kinds[answer["kind"]] += 1
    return answer


def moved_items(dataset: str, items: list[Item], pairing: str) -> list[Item]:
    """The set's table questions (TAT-QA: answered from the table or table and text), each closed to another
    file of the split (bench/tableqa_mismatch.py)."""
    asked = [i for i in items if dataset == "wtq" or i.gold["from"] != "text"]
    contexts = {i.source: i.gold.get("context", "") for i in items}
    headers = (lambda s: header_stems(contexts[s])) if dataset == "wtq" else None
    return mismatched(asked, lambda i: i.source, lambda i, s: replace(i, source=s),
                      "hard" if pairing == "hard" else "random", headers)


def score_mismatched(item: Item, answer: dict[str, Any] | None, tally: Tally) -> None:
    """A question closed to a table it is not about is declined (none, or a passage), not answered from it."""
    declined = answer is not None and answer["kind"] != "table"
    tally.add("declined", float(declined))
    if not declined and answer is not None and len(tally.samples) < 30:
        tally.samples.append({"q": item.question, "source": item.source, "answer": answer["answer"],
                              "confidence": answer["confidence"]})


BANDS = (0.3, 0.5, 0.7, 0.85)  # the confidence bands a table answer's share right is reported in


def band(answer: dict[str, Any] | None) -> str | None:
    """The confidence band of a table answer ("0.50-0.70"); None for other answers."""
    if answer is None or answer["kind"] != "table":
        return None
    edges = (0.0, *BANDS, 1.0)
    i = sum(answer["confidence"] >= b for b in BANDS)
    return f"{edges[i]:.2f}-{edges[i + 1]:.2f}"


def score_wtq(item: Item, answer: dict[str, Any] | None, tally: Tally) -> None:
    predicted = wtq_prediction(answer) if answer else []
    right = wtq_correct(predicted, item.gold["target"])
    tally.add("accuracy", float(right))
    tally.add(f"accuracy kind={answer['kind'] if answer else 'error'}", float(right))
    if (b := band(answer)) is not None:
        tally.add(f"accuracy table band={b}", float(right))
    if not right and len(tally.samples) < 30:
        tally.samples.append({"q": item.question, "gold": item.gold["target"], "predicted": predicted})


def score_tatqa(item: Item, answer: dict[str, Any] | None, tally: Tally) -> None:
    g = item.gold
    prediction, scale, strict = tatqa_prediction(answer, g["scale"]) if answer else ("", "", "")
    em, f1 = tatqa_scores(prediction, g["answer"], scale, g["scale"], g["type"])
    strict_em = tatqa_scores(prediction, g["answer"], strict, g["scale"], g["type"])[0]
    kind = answer["kind"] if answer else "error"
    for group in ("all", f"from={g['from']}", f"type={g['type']}", f"kind={kind}"):
        tally.add(f"em {group}", em)
        tally.add(f"f1 {group}", f1)
    tally.add("em_strict_scale all", strict_em)
    if (b := band(answer)) is not None:
        tally.add(f"em table band={b}", em)
    if not em and len(tally.samples) < 30:
        tally.samples.append({"q": item.question, "gold": g["answer"], "gold_scale": g["scale"],
                              "predicted": prediction, "scale": scale, "answer": answer and answer["answer"]})


def run(args: argparse.Namespace) -> dict[str, Any]:
    split: Split = args.split
    items = wtq_items(split) if args.dataset == "wtq" else tatqa_items(split)
    items = items[: SMOKE_QUESTIONS if args.smoke else args.limit]
    name = f"{args.dataset}-{split}" + ("-unscoped" if args.unscoped else "") + ("-smoke" if args.smoke else "")
    workdir: Path = args.workdir or Path("/tmp/qa-tableqa") / name
    files = write_corpus(args.dataset, workdir / "corpus", items, args.unscoped, split)
    if args.mismatched:  # paired among the files of the questions asked (all the split's without --limit)
        items = moved_items(args.dataset, items, args.mismatched)
        scorer, main_score = score_mismatched, "declined"
    else:
        scorer, main_score = (score_wtq, "accuracy") if args.dataset == "wtq" else (score_tatqa, "em all")
    service, build_s = start_service(workdir / "corpus", workdir / "index")
    tally = Tally()
    for item in items:
        answer = ask(service, item, not args.unscoped, tally)
        if not args.unscoped:
            scorer(item, answer, tally)
            tally.answers.append({"q": item.question, "source": item.source, "kind": answer and answer["kind"],
                                  "confidence": answer and answer["confidence"],
                                  "score": tally.scores[main_score][-1]})
    if args.answers:
        args.answers.write_text("".join(json.dumps(a) + "\n" for a in tally.answers), encoding="utf-8")
    return {"set": args.dataset, "split": split, "scoped": not args.unscoped, "mismatched": args.mismatched,
            "questions": len(items),
            "files": files, "workdir": str(workdir), "start_s": round(build_s, 2),
            "scores": {k: tally.mean(k) for k in tally.scores}, "counts": {k: len(v) for k, v in tally.scores.items()},
            "kinds": dict(tally.kinds), "errors": sum(tally.errors.values()), "error_kinds": dict(tally.errors),
            "latency_ms": Stats.of(tally.millis), "wrong_samples": tally.samples}


def source_state() -> dict[str, Any]:
    """The commit and the uncommitted files the figures were measured on (src/ changes while benches run)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=Path(__file__).resolve().parents[1], capture_output=True,
                              text=True, check=False)
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "uncommitted": git("status", "--short", "--", "src").splitlines()}


def report(results: dict[str, Any]) -> str:
    lat = results["latency_ms"]
    lines = [f"## {results['set']} {results['split']} ({'closed to its file' if results['scoped'] else 'unscoped'})",
             "", "| measure | value |", "|---|---|", f"| questions | {results['questions']} |",
             f"| corpus files | {results['files']} |"]
    lines += [f"| {k} (n={results['counts'][k]}) | {v:.3f} |" for k, v in sorted(results["scores"].items())]
    lines += [f"| kinds | {', '.join(f'{k} {v}' for k, v in sorted(results['kinds'].items()))} |",
              f"| errors | {results['errors']} |", f"| answer p50 / p95 ms | {lat.p50:.1f} / {lat.p95:.1f} |",
              f"| start (build or load) s | {results['start_s']} |"]
    lines += [f"- {n} x {kind}" for kind, n in results["error_kinds"].items()]
    return "\n".join(lines)


def main() -> None:
    args = arguments()
    if not DATA.is_dir():
        raise SystemExit(f"no training data at {DATA}")
    source = source_state()  # before the run: the code imported is the code as it was when it started
    results = {**run(args), "source": source}
    print(report(results))
    save("tableqa_eval", results, args.out)


if __name__ == "__main__":
    main()
