"""Corpus folders for the table QA benchmark: WikiTableQuestions tables as CSV, TAT-QA contexts as Markdown."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.splits import wtq_table_path
from qa.tables.values import parse_value

_MAX_HEADER_ROWS = 3  # the product reads at most a few header lines above a pipe table's separator


def wtq_source(context: str) -> str:
    """The corpus file of a WTQ table: `csv/204-csv/590.csv` -> `csv_204-csv_590.csv` (one flat folder)."""
    return context.replace("/", "_")


def tatqa_source(ctx: dict[str, Any]) -> str:
    return f"{ctx['table']['uid']}.md"


def _write_if_changed(path: Path, text: str) -> None:
    # Unchanged files keep their mtime, so the incremental build finds nothing to do on a rerun.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_wtq(folder: Path, contexts: Iterable[str]) -> int:
    """Each table exactly as the dataset ships it (the product reads `\\"` escapes and multi-line cells)."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for context in sorted(set(contexts)):
        _write_if_changed(folder / wtq_source(context), wtq_table_path(context).read_text(encoding="utf-8"))
        n += 1
    return n


def _cell(text: str) -> str:
    # A pipe table holds one line per row: line breaks become spaces, a literal pipe is escaped.
    return " ".join(str(text).split()).replace("|", "\\|")


def _is_header_row(cells: list[str]) -> bool:
    """A header row below the first names columns and holds no amount: "| | 2019 | 2018 |", "| | (in
    thousands) | |". A labelled row of words is left in the body, where the product decides (in a table of
    words it is just a row)."""
    rest = [c for c in cells[1:] if c.strip()]
    years = all(c.isdigit() and len(c) == 4 for c in rest)
    words = all(parse_value(c) is None for c in rest)
    return bool(rest) and (years or (words and not cells[0].strip()))


def _header_count(rows: list[list[str]]) -> int:
    """Leading rows written above the separator: the first row always, then header-like rows after it."""
    n = 1
    while n < min(len(rows) - 1, _MAX_HEADER_ROWS) and _is_header_row(rows[n]):
        n += 1
    return n


def pipe_table(rows: list[list[str]]) -> str:
    """A TAT-QA table grid as a Markdown pipe table, its header rows above the separator."""
    width = max(len(r) for r in rows)
    grid = [[_cell(c) for c in r] + [""] * (width - len(r)) for r in rows]
    heads = _header_count(grid)
    lines = ["| " + " | ".join(r) + " |" for r in grid]
    return "\n".join([*lines[:heads], "|" + "---|" * width, *lines[heads:]])


def tatqa_markdown(ctx: dict[str, Any]) -> str:
    """One report page: a title, the paragraphs in their order, then the table (after its lead-in text)."""
    paragraphs = [p["text"].strip() for p in sorted(ctx["paragraphs"], key=lambda p: int(p["order"]))]
    body = "\n\n".join(p for p in paragraphs if p)
    return f"# Report {ctx['table']['uid'][:8]}\n\n{body}\n\n{pipe_table(ctx['table']['table'])}\n"


def write_tatqa(folder: Path, contexts: Iterable[dict[str, Any]]) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for ctx in contexts:
        _write_if_changed(folder / tatqa_source(ctx), tatqa_markdown(ctx))
        n += 1
    return n
