"""Choose `tableqa.engine.OTHER_TABLE` on DEV: how sure the table match must be that a closed question is about
another table before that table gives it no answer.

    python -m bench.tableqa.other_table --run WORKDIR ANSWERS.jsonl [--run ...] [--mismatched ANSWERS.jsonl ...]

Each run is a `bench.tableqa_eval --answers ANSWERS.jsonl --workdir WORKDIR` made with OTHER_TABLE above 1 (no
table declined): a real set's questions on their own tables, or a `--mismatched` run. For each threshold it prints
what the run would score had the table answers the match puts on another table that surely been none: accuracy (or
EM) for a real set, the share declined for a mismatched one. P(other table) is recomputed here from the question
and the table the product read (the first of the file: every benchmark file holds one).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.tableqa.data import read_tables
from qa.tableqa.table_match import another_table

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.95, 1.01)


def others(workdir: Path, answers: list[dict[str, Any]]) -> list[float]:
    """P(another table) of each table answer's question (0 for an answer of another kind: it is not changed)."""
    tables: dict[str, Any] = {}
    out = []
    for a in answers:
        if a["kind"] != "table":
            out.append(0.0)
            continue
        if a["source"] not in tables:
            found = read_tables(workdir / "corpus" / a["source"])
            tables[a["source"]] = found[0] if found else None
        table = tables[a["source"]]
        out.append(another_table(a["q"], table) if table is not None else 0.0)
    return out


def scored(answers: list[dict[str, Any]], other: list[float], threshold: float, mismatched: bool) -> float:
    """The run's score had every table answer put on another table at `threshold` or surer been none."""
    total = 0.0
    for a, p in zip(answers, other, strict=True):
        dropped = a["kind"] == "table" and p >= threshold
        total += (1.0 if dropped else a["score"]) if mismatched else (0.0 if dropped else a["score"])
    return total / max(1, len(answers))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", nargs=2, action="append", metavar=("WORKDIR", "ANSWERS"), required=True)
    ap.add_argument("--mismatched", nargs="*", default=[], help="the ANSWERS files that are mismatched runs")
    a = ap.parse_args()
    print("| run | " + " | ".join(f"{t:g}" for t in THRESHOLDS) + " |")
    print("|---|" + "---:|" * len(THRESHOLDS))
    for workdir, path in a.run:
        answers = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
        other = others(Path(workdir), answers)
        mismatched = path in a.mismatched
        row = [scored(answers, other, t, mismatched) for t in THRESHOLDS]
        print(f"| {Path(path).stem} | " + " | ".join(f"{x:.4f}" for x in row) + " |")


if __name__ == "__main__":
    main()
