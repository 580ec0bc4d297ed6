"""Train the table-fit model (src/qa/tableqa/weights/table_fit.json): does the table answer the question at all?

    python -m bench.tableqa.train_fit            # TRAIN questions of both sets; prints DEV figures
    python -m bench.tableqa.train_fit --smoke    # a few hundred questions, weights to /tmp (for tests)

A TAT-QA question is answered from the table when its gold says `answer_from` table or table-text, from the
prose when it says text; every WikiTableQuestions question is answered from its table (a CSV has no prose).
Each question is asked of its table as the product reads it from the benchmark's corpus files.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.splits import Split, wtq_questions
from bench.tableqa.data import load_tatqa_views, read_tables
from bench.tableqa_corpus import write_wtq, wtq_source
from qa.tableqa.fit import CLASSES, FIT_FILE, fit_features
from qa.tableqa.named_softmax import NamedSoftmax

WTQ_LIMIT = 3000  # WikiTableQuestions training questions: enough to say that a table of things answers
L2_GRID = (1e-3, 3e-3, 1e-2, 3e-2)


def tat_items(dev: bool, limit: int = 0) -> list[tuple[list[str], str]]:
    examples = [e for e in load_tatqa_views() if e.dev == dev][: limit or None]
    return [(fit_features(e.question, e.table), "text" if e.answer_from == "text" else "table") for e in examples]


def wtq_items(split: Split, limit: int) -> list[tuple[list[str], str]]:
    questions = wtq_questions(split)[:limit]
    folder = Path(tempfile.gettempdir()) / f"qa-tableqa-fit-wtq-{split}"
    write_wtq(folder, [q.context for q in questions])
    items = []
    for q in questions:
        tables = read_tables(folder / wtq_source(q.context))
        if tables:
            items.append((fit_features(q.utterance, tables[0]), "table"))
    return items


def accuracy(model: NamedSoftmax, items: list[tuple[list[str], str]], label: str | None = None) -> float:
    """Share of the items (of one gold class when `label`) whose likelier class is the gold one."""
    kept = [(f, y) for f, y in items if label is None or y == label]
    return float(np.mean([model.predict(f) == y for f, y in kept])) if kept else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", type=Path, default=FIT_FILE)
    a = ap.parse_args()
    limit = 200 if a.smoke else 0
    train = tat_items(False, limit) + wtq_items("train", limit or WTQ_LIMIT)
    dev_tat, dev_wtq = tat_items(True, limit), wtq_items("dev", limit or WTQ_LIMIT)

    def score(model: NamedSoftmax) -> tuple[float, str]:  # TAT-QA accuracy, text and table questions weighing the same
        text, table = accuracy(model, dev_tat, "text"), accuracy(model, dev_tat, "table")
        wtq = accuracy(model, dev_wtq)
        return (text + table) / 2, f"TAT-QA dev text {text:.3f} table {table:.3f}, WTQ dev {wtq:.4f}"

    l2, model = best_l2(train, L2_GRID, CLASSES, score)
    print(f"chosen l2 {l2}; {len(model.weights)} weights -> {a.out}")
    model.save(a.out)


def best_l2(train: list[tuple[list[str], str]], grid: tuple[float, ...], classes: tuple[str, ...],
            score: Callable[[NamedSoftmax], tuple[float, str]]) -> tuple[float, NamedSoftmax]:
    """The model of the L2 strength that `score` (on dev: a number and a line to print) rates best."""
    best: tuple[float, float, NamedSoftmax] | None = None
    for l2 in grid:
        model = NamedSoftmax.fit(train, l2=l2, classes=classes)
        value, line = score(model)
        print(f"l2 {l2}: {line}")
        if best is None or value > best[0]:
            best = (value, l2, model)
    assert best is not None
    return best[1], best[2]


if __name__ == "__main__":
    main()
