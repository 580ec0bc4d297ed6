"""Loaders for the WTQ and TAT-QA training data with the fixed hash-based TRAIN/DEV splits."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qa.corpus.files import FileEntry, load
from qa.tableqa.financial import ReportView
from qa.tableqa.grid import flatten_header, read_wtq_csv
from qa.tables.model import Table, find_tables
from qa.tables.types import _YEAR, parse_number

DATA = str(Path(__file__).resolve().parents[3] / "shared" / "data")  # ../shared/data beside the checkout


@dataclass(frozen=True)
class Example:
    """One question over one table; gold is a list of answer strings; extra holds TAT-QA fields."""
    qid: str
    question: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    gold: tuple[str, ...]
    dev: bool
    table_id: str
    answer_from: str = ""
    answer_type: str = ""
    scale: str = ""
    context_text: str = ""


def is_dev(key: str) -> bool:
    """The shared split rule: sha1 of the table key mod 5 == 0 is DEV."""
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 5 == 0


def load_wtq(limit: int | None = None) -> list[Example]:
    """WTQ questions with their tables (each table read once)."""
    base = os.path.join(DATA, "wikitables-train")
    tables: dict[str, tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = {}
    out = []
    with open(os.path.join(base, "questions.tsv"), encoding="utf-8") as f:
        rd = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rd)
        for row in rd:
            qid, utt, ctx, target = row[0], row[1], row[2], row[3] if len(row) > 3 else ""
            if ctx not in tables:
                path = os.path.join(base, "tables", ctx[len("csv/"):])
                hdr, body = read_wtq_csv(path)
                tables[ctx] = (tuple(hdr), tuple(tuple(x) for x in body))
            h, r = tables[ctx]
            gold = tuple(_unescape(v) for v in target.split("|"))
            out.append(Example(qid, utt, h, r, gold, is_dev(ctx), ctx))
            if limit and len(out) >= limit:
                break
    return out


def _unescape(v: str) -> str:
    return v.replace("\\n", "\n").replace("\\p", "|").replace("\\\\", "\\").strip()


def split_header(table: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """Leading rows without a non-year number in columns 1.. are header rows (years are headers)."""
    k = 0
    for row in table:
        nums = [c for c in row[1:] if c.strip() and parse_number(c) is not None and not _YEAR.match(c.strip())]
        if nums or k >= 4:
            break
        k += 1
    k = max(1, min(k, len(table) - 1)) if len(table) > 1 else len(table)
    return table[:k], table[k:]


def load_tatqa() -> list[Example]:
    """TAT-QA questions; the multi-row header is flattened into column names."""
    with open(os.path.join(DATA, "report-qa-train", "questions.json"), encoding="utf-8") as f:
        data = json.load(f)
    out = []
    for ctx in data:
        hdr_rows, body = split_header([[str(c) for c in r] for r in ctx["table"]["table"]])
        header = tuple(flatten_header(hdr_rows))
        text = " ".join(p["text"] for p in ctx["paragraphs"]) + " " + " ".join(" ".join(r) for r in hdr_rows)
        dev = is_dev(ctx["table"]["uid"])
        for q in ctx["questions"]:
            gold = q["answer"] if isinstance(q["answer"], list) else [q["answer"]]
            out.append(Example(q["uid"], q["question"], header, tuple(tuple(r) for r in body),
                               tuple(str(g) for g in gold), dev, ctx["table"]["uid"], q["answer_from"],
                               q["answer_type"], q["scale"], text))
    return out


@dataclass(frozen=True)
class ReportExample:
    """One TAT-QA question over its table as the product reads it (the report view of `tableqa/learned.py`)."""
    qid: str
    question: str
    view: ReportView
    gold: tuple[str, ...]
    dev: bool
    table_id: str
    answer_from: str
    answer_type: str
    scale: str
    table: Table  # the corpus table the view was made from


def load_tatqa_views(folder: Path | None = None) -> list[ReportExample]:
    """TAT-QA questions, each table written as the benchmark's corpus file (`bench/tableqa_corpus.py`) and read
    back by the product, so that the report model is trained on the tables it will be asked about."""
    from bench.splits import tatqa_contexts
    from bench.tableqa_corpus import tatqa_source, write_tatqa
    from qa.tableqa.learned import viewed

    folder = folder or Path(tempfile.gettempdir()) / "qa-tableqa-tat-corpus"
    contexts = tatqa_contexts("all")
    write_tatqa(folder, contexts)
    out = []
    for ctx in contexts:
        tables = read_tables(folder / tatqa_source(ctx))
        if not tables:
            continue
        view = viewed(tables[0])
        dev = is_dev(ctx["table"]["uid"])
        for q in ctx["questions"]:
            gold = q["answer"] if isinstance(q["answer"], list) else [q["answer"]]
            out.append(ReportExample(q["uid"], q["question"], view, tuple(str(g) for g in gold), dev,
                                     ctx["table"]["uid"], q["answer_from"], q["answer_type"], q["scale"] or "",
                                     tables[0]))
    return out


def read_tables(path: Path) -> list[Table]:
    """The tables of one corpus file, as the product finds them."""
    st = path.stat()
    return find_tables(load(FileEntry(path.name, path, st.st_size, st.st_mtime_ns), 1 << 30))
