"""Small program language over one table: frozen programs and the row filters they share (run by `executors`)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from qa.tableqa.grid import TypedTable
from qa.tables.types import score_part

CMP = {"==": lambda a, b: a == b,
       ">": lambda a, b: a > b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b}
AGG_OPS = ("sum", "avg")
SCORE_PARTS = ("own", "other", "total")
SUPER_OPS = ("argmax", "argmin")
VERDICT_OPS = ("compare_count_max", "compare_count_min", "word_gt", "word_lt", "yes_gt", "yes_lt", "yes_same")
YES_OPS = ("yes_any", "yes_count", "word_count_gt", "word_count_lt")  # yes/no (or the question's words) over rows
SPAN_OPS = ("span", "span2", "span_pair")  # lengths of time in years between year cells
# Ops whose text answer may be read without its cells' notes (args ("prim",): "Slovakia (SVK)" -> "Slovakia").
PRIM_OPS = frozenset({"select", "first", "last", "next", "prev", "argmax", "argmin", "mode", "antimode"})
# Cells that say a thing did not happen ("Did not qualify", "—"): `neg`, against `pos` ("how many years did they
# make the playoffs": Playoffs says a round, not "Did not qualify").
NEGATIVE = re.compile(r"^(?:|-+|—|–|n a|na|none|no|not held|not awarded|did not \w+.*|dnq|dnf|dns|dsq|withdrew"
                      r"|withdrawn|did not qualify|not qualified|cancelled|canceled|vacant|unknown|tbd|tba)$")


@dataclass(frozen=True)
class Cond:
    """A row filter: '=' exact normalised cell, 'has' whole-word containment, or a numeric comparison."""
    col: int
    op: str
    value: str  # the cell text; for a comparison on a score column, the side ("own", "other", "total") or ""
    num: float | None = None
    # the named row the value was read from ("longer than X": Length > Length[Name = "x"]); key column, value
    ref_col: int = -1
    ref_val: str = ""


@dataclass(frozen=True)
class Program:
    """op with a returned column, filters, a sort/value column, mentioned values (args) in column key, or explicit
    cells."""
    op: str
    col: int = -1
    conds: tuple[Cond, ...] = ()
    by: int = -1
    key: int = -1
    args: tuple[str, ...] = ()
    cells: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Exec:
    """What a program produced: values as written (or computed), the number, rows and cells it read."""
    values: tuple[str, ...]
    number: float | None
    rows: tuple[int, ...]
    cells: tuple[tuple[int, int], ...]


EMPTY = Exec((), None, (), ())


def fmt(x: float) -> str:
    """Render a computed number without float noise: 3.0 -> '3', 2.345 -> '2.35'."""
    if abs(x - round(x)) < 1e-9:
        return str(round(x))
    return f"{x:.4f}".rstrip("0").rstrip(".")


def cond_holds(t: TypedTable, r: int, c: Cond) -> bool:
    """Evaluate one filter on row r."""
    cell = t.norm[r][c.col]
    if c.op == "=":
        return cell == c.value or t.prim[r][c.col] == c.value
    if c.op == "has":
        return f" {c.value} " in f" {cell} "
    if c.op == "!=":
        return cell != c.value and t.prim[r][c.col] != c.value
    if c.op == "nothas":
        return f" {c.value} " not in f" {cell} "
    if c.op == "in":  # one of several named values ("by martin carthy or ewan maccoll")
        return any(cell == v or t.prim[r][c.col] == v for v in c.value.split("|"))
    if c.op in ("pos", "neg"):
        return (NEGATIVE.match(cell) is None) == (c.op == "pos")
    # A score column compares one side ("scored more than 4": own > 4) or, with no side named, the margin.
    v = score_part(t.rows[r][c.col], c.value) if c.value in SCORE_PARTS else t.num(r, c.col)
    return v is not None and c.num is not None and CMP[c.op](v, c.num)


_CACHE: dict[tuple[int, tuple[Cond, ...], bool], tuple[TypedTable, list[int]]] = {}


def match_rows(t: TypedTable, conds: tuple[Cond, ...], skip_total: bool = True) -> list[int]:
    """Rows meeting every filter; total rows are skipped because they double count.

    Memoised per table object because candidate sets share few filters across many programs."""
    key = (id(t), conds, skip_total)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is t:
        return hit[1]
    rows = [r for r in range(t.n_rows)
            if not (skip_total and t.total[r]) and all(cond_holds(t, r, c) for c in conds)]
    if len(_CACHE) > 20000:
        _CACHE.clear()
    _CACHE[key] = (t, rows)
    return rows
