"""Every training table and question through the table answer path: no exception, raised or logged and skipped.

    python -m bench.table_isolation            # all 14,152 WTQ and 1,663 TAT-QA questions, closed to their tables
    python -m bench.table_isolation --smoke    # the first question of every 20th table, for CI's tiny run

Each file is written as the benchmark corpus writes it (`bench/tableqa_corpus.py`) and read back by the product;
each question goes to `answer_from_tables` closed to its file's tables, so every engine (label matching, the
entity and report rankers, the gate and the table fit) runs on it. A failure counts when the call raises or when
the engines log one (`engine._skipping_failures` keeps the request alive but logs the table and question).
`tests/test_table_isolation.py` runs it whole, in two processes.
"""

from __future__ import annotations

import logging
import multiprocessing
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.common import parser, save
from bench.splits import tatqa_contexts, wtq_questions
from bench.tableqa.data import read_tables
from bench.tableqa_corpus import tatqa_source, write_tatqa, write_wtq, wtq_source

Group = tuple[str, tuple[str, ...]]  # a corpus file and the questions asked of it


@dataclass(frozen=True)
class Tally:
    """What one shard of groups did: files and questions seen, and each failure as a line."""

    files: int
    questions: int
    failures: tuple[str, ...]


class _Failures(logging.Handler):
    """The error lines the engines log for a table they skipped."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def write_corpus(folder: Path, smoke: bool = False) -> list[Group]:
    """Every training table as a corpus file, with the questions asked of it (every 20th file when smoke)."""
    asked: dict[str, list[str]] = defaultdict(list)
    wtq = wtq_questions("all")
    write_wtq(folder, [q.context for q in wtq])
    for q in wtq:
        asked[wtq_source(q.context)].append(q.utterance)
    contexts = tatqa_contexts("all")
    write_tatqa(folder, contexts)
    for ctx in contexts:
        asked[tatqa_source(ctx)].extend(q["question"] for q in ctx["questions"])
    groups = sorted((name, tuple(qs)) for name, qs in asked.items())
    return [(name, qs[:1]) for name, qs in groups[::20]] if smoke else groups


def run_shard(folder: Path, groups: list[Group]) -> Tally:
    """Read each file's tables and ask each of its questions closed to them; every failure as a line."""
    from qa.tableqa.engine import answer_from_tables  # in the worker: nothing of the parent's state

    caught = _Failures()
    logging.getLogger("qa").addHandler(caught)
    failures, asked = [], 0
    for name, questions in groups:
        try:
            tables = read_tables(folder / name)
        except Exception as exc:  # reading a corpus file must never raise
            failures.append(f"{name}: reading: {exc!r}")
            continue
        for question in questions:
            asked += 1
            try:
                answer_from_tables(question, tables, None, closed=True)
            except Exception as exc:
                failures.append(f"{name}: {question!r}: {exc!r}")
    failures += [f"logged: {line}" for line in caught.lines]
    return Tally(len(groups), asked, tuple(failures))


def run_all(folder: Path, smoke: bool = False, workers: int = 2) -> Tally:
    """All groups over `workers` fresh processes (spawned: the caller may hold threads, as torch does)."""
    groups = write_corpus(folder, smoke)
    shards = [groups[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        tallies = list(pool.map(run_shard, [folder] * workers, shards))
    return Tally(sum(t.files for t in tallies), sum(t.questions for t in tallies),
                 tuple(f for t in tallies for f in t.failures))


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--workers", type=int, default=2, help="processes that share the files")
    a = p.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tally = run_all(Path(tmp), a.smoke, a.workers)
    seconds = time.perf_counter() - start
    print(f"{tally.files} files, {tally.questions} questions, {len(tally.failures)} failures, {seconds:.0f} s")
    for line in tally.failures[:20]:
        print("  " + line)
    save("table_isolation", {"files": tally.files, "questions": tally.questions, "failures": list(tally.failures),
                             "seconds": round(seconds, 1), "smoke": a.smoke}, a.out)


if __name__ == "__main__":
    main()
