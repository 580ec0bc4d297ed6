"""A typed table: header, rows, parsed cells, column types, total-row flags; built once per table."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from qa.tables.types import TypedCell, column_type, is_total_row, normalize, parse_cell


@dataclass(frozen=True)
class TypedTable:
    """Rows are padded to the header width so every program can index any (row, column)."""
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    cells: tuple[tuple[TypedCell, ...], ...]
    norm: tuple[tuple[str, ...], ...]
    prim: tuple[tuple[str, ...], ...]
    types: tuple[str, ...]
    total: tuple[bool, ...]

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_cols(self) -> int:
        return len(self.header)

    def num(self, r: int, c: int) -> float | None:
        """Numeric value of a cell used for ordering/arithmetic (None when the cell is text)."""
        return self.cells[r][c].num


def make_table(header: list[str], rows: list[list[str]]) -> TypedTable:
    """Build a TypedTable from raw strings; tolerant of ragged rows and empty headers."""
    width = max([len(header)] + [len(r) for r in rows]) if (header or rows) else 0
    hdr = tuple((list(header) + [""] * width)[:width])
    hdr = tuple(h if h.strip() else f"column {i + 1}" for i, h in enumerate(hdr))
    rws = tuple(tuple((list(map(str, r)) + [""] * width)[:width]) for r in rows)
    cells = tuple(tuple(parse_cell(x) for x in r) for r in rws)
    norm = tuple(tuple(normalize(x) for x in r) for r in rws)
    # the primary form drops a parenthesised note: "Italy (ITA)" is mentioned as "italy"
    prim = tuple(tuple(normalize(x.split("(")[0]) if "(" in x else n for x, n in zip(r, nr, strict=False))
                 for r, nr in zip(rws, norm, strict=False))
    types = tuple(column_type([row[c] for row in cells]) for c in range(width))
    total = tuple(is_total_row(list(r)) for r in rws)
    return TypedTable(hdr, rws, cells, norm, prim, types, total)


def block_period(header: tuple[str, ...]) -> int:
    """The width of a block of columns the header repeats side by side ("Year, Name, Year, Name": 2), else 0."""
    n = len(header)
    for p in range(2, n // 2 + 1):
        if n % p == 0 and all(header[i] == header[i % p] for i in range(n)) and len(set(header[:p])) == p:
            return p
    return 0


def stack_blocks(t: TypedTable) -> tuple[TypedTable, tuple[tuple[int, int], ...]] | None:
    """A table written as side-by-side copies of one set of columns, read as one column set (block after block),
    with each new row's (row, first column) in the table as written; None when the header does not repeat."""
    p = block_period(t.header)
    if not p:
        return None
    rows, origin = [], []
    for b in range(0, t.n_cols, p):
        for r in range(t.n_rows):
            part = list(t.rows[r][b:b + p])
            if any(x.strip() for x in part):
                rows.append(part)
                origin.append((r, b))
    return make_table(list(t.header[:p]), rows), tuple(origin)


def read_wtq_csv(path: str) -> tuple[list[str], list[list[str]]]:
    """Read a WikiTableQuestions CSV (quotes escaped as \\\" and newlines inside cells)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rows = list(csv.reader(io.StringIO(text), escapechar="\\"))
    rows = [[" ".join(c.split()) for c in r] for r in rows if r]  # as the product reads a cell (tableqa/learned._flat)
    return (rows[0], rows[1:]) if rows else ([], [])


def flatten_header(header_rows: list[list[str]]) -> list[str]:
    """Merge multi-row headers into one name per column by joining the non-empty parts ('2019 Amount')."""
    width = max((len(r) for r in header_rows), default=0)
    names = []
    for c in range(width):
        parts = [r[c].strip() for r in header_rows if c < len(r) and r[c].strip()]
        names.append(" ".join(dict.fromkeys(parts)))
    return names
