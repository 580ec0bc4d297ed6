"""Train the table-match model (src/qa/tableqa/weights/table_match.json): is the question about this table at all?

    python -m bench.tableqa.train_match            # TRAIN questions and pairs of both sets; prints DEV figures
    python -m bench.tableqa.train_match --smoke    # a few hundred questions, weights to /tmp (for tests)

Positives: a TAT-QA question whose gold says `answer_from` table or table-text, asked of its report's table; a
WikiTableQuestions question asked of its own table. Negatives, one per positive: the question asked of a table it
is not about: a WTQ question of another WTQ table (any, and one sharing a header
word), of a report's table; a TAT-QA table question of a WTQ table, and of another report's table that lacks one of
the words its own table explains ("revenue" asked of a table of leases). Every table is read as the product reads
it from the benchmark's corpus files; pairs are made within one split (TRAIN for training, DEV for the figures).
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.splits import Split, wtq_questions
from bench.tableqa.data import load_tatqa_views, read_tables
from bench.tableqa.train_fit import best_l2
from bench.tableqa_corpus import write_wtq, wtq_source
from bench.tableqa_mismatch import SEED, other_source
from qa.tableqa.named_softmax import NamedSoftmax
from qa.tableqa.table_match import CLASSES, MATCH_FILE, match_features, vocabulary
from qa.tables.model import Table
from qa.text.tokens import content, tokens

WTQ_LIMIT = 3000  # WikiTableQuestions questions per split asked of their own table (and as many of another)
L2_GRID = (1e-4, 3e-4, 1e-3, 3e-3)
Item = tuple[list[str], str]


@dataclass(frozen=True)
class Asked:
    """One question asked of one table, the right class and the group it is counted in."""

    question: str
    table: Table
    label: str
    group: str


def wtq_tables(split: Split, limit: int) -> tuple[list[tuple[str, Table]], dict[str, Table]]:
    """The split's first `limit` questions with their tables, and every table of the split by its file."""
    questions = wtq_questions(split)
    folder = Path(tempfile.gettempdir()) / f"qa-tableqa-fit-wtq-{split}"
    write_wtq(folder, [q.context for q in questions])
    tables = {s: found[0] for s in sorted({wtq_source(q.context) for q in questions})
              if (found := read_tables(folder / s))}
    asked = [(q.utterance, tables[s]) for q in questions[:limit] if (s := wtq_source(q.context)) in tables]
    return asked, tables


def _lacks_own_word(question: str, own: Table, other: Table) -> bool:
    """The other table lacks a word of the question that its own table explains (a row or column it names)."""
    words = [t for t in content(tokens(question)) if t.keys & vocabulary(own).keys]
    return any(not t.keys & vocabulary(other).keys for t in words)


def pairs(split: Split, limit: int) -> list[Asked]:
    """Every positive and negative of a split (see the module's docstring)."""
    rng = random.Random(SEED)
    wtq, by_file = wtq_tables(split, limit)
    files = sorted(by_file)
    headers = {s: vocabulary(t).header for s, t in by_file.items()}
    near: Callable[[str], list[str]] = lambda own: [s for s in files if headers[s] & headers[own]]  # noqa: E731
    tat = [e for e in load_tatqa_views() if e.dev == (split == "dev")][: limit or None]
    reports = list({e.table_id: e.table for e in tat}.values())
    out = []
    for n, (question, table) in enumerate(wtq):  # one negative per positive, so the classes weigh the same
        own = table.source
        negative = [Asked(question, by_file[other_source(own, files, rng, near)], "other", "wtq, table sharing a "
                          "header"), Asked(question, by_file[other_source(own, files, rng)], "other",
                                       "wtq, any other table"),
                    Asked(question, rng.choice(reports), "other", "wtq, a report's table")][n % 5 // 2]
        out += [Asked(question, table, "table", "wtq own table"), negative]
    for n, e in enumerate(tat):
        if e.answer_from == "text":
            continue  # about its report, but its prose: the table fit's job (`tableqa/fit.py`)
        out.append(Asked(e.question, e.table, "table", "tat own table"))
        others = [t for t in reports if t is not e.table and _lacks_own_word(e.question, e.table, t)]
        if others and n % 3:
            out.append(Asked(e.question, rng.choice(others), "other", "tat, another report lacking its words"))
        else:
            out.append(Asked(e.question, by_file[rng.choice(files)], "other", "tat, a wtq table"))
    return out


def featurised(asked: list[Asked]) -> list[tuple[Item, str]]:
    """Each pair's features and class, with its group; computed table by table (the per-table caches hold)."""
    order = sorted(range(len(asked)), key=lambda i: id(asked[i].table))
    done = {i: (match_features(asked[i].question, asked[i].table), asked[i].label) for i in order}
    return [(done[i], asked[i].group) for i in range(len(asked))]


def group_accuracy(model: NamedSoftmax, items: list[tuple[Item, str]]) -> dict[str, float]:
    """Per group, the share of pairs whose likelier class is the right one."""
    groups: dict[str, list[bool]] = {}
    for (feats, label), group in items:
        groups.setdefault(group, []).append(model.predict(feats) == label)
    return {g: round(float(np.mean(v)), 4) for g, v in sorted(groups.items())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", type=Path, default=MATCH_FILE)
    a = ap.parse_args()
    limit = 200 if a.smoke else WTQ_LIMIT
    train = [item for item, _ in featurised(pairs("train", limit))]
    dev = featurised(pairs("dev", limit))

    def score(model: NamedSoftmax) -> tuple[float, str]:  # the mean of the groups' accuracy, each weighing the same
        accuracy = group_accuracy(model, dev)
        mean = float(np.mean(list(accuracy.values())))
        return mean, f"dev mean {mean:.4f}; " + "; ".join(f"{g} {v:.3f}" for g, v in accuracy.items())

    l2, model = best_l2(train, L2_GRID, CLASSES, score)
    print(f"{len(train)} training pairs; chosen l2 {l2}; {len(model.weights)} weights -> {a.out}")
    model.save(a.out)


if __name__ == "__main__":
    main()
