"""The operations on table cells (lookup, difference, ratio, ...), each with the arithmetic written out."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from qa.tables.cells import CellValue, as_written, cell_value, exact, scale_note, show
from qa.tables.model import Table
from qa.text.tokens import years_in

NIL = frozenset({"—", "–", "-", "n/a", "N/A", "nil", "Nil", "— %", "—%"})


@dataclass(frozen=True)
class Ref:
    """One cell: indices into table.rows and table.columns."""

    row: int
    col: int


@dataclass
class Computed:
    """An operation's result as shown, as a number, and with its working."""

    operation: str
    value: str
    number: float | None
    unit: str | None
    refs: list[Ref]
    explanation: str


class OperandError(ValueError):
    """The cells an operation needs are missing, empty or in different units."""


def values(table: Table, refs: list[Ref]) -> list[CellValue]:
    """The numbers of the cells, or OperandError when one holds no number."""
    out = []
    for ref in refs:
        value = cell_value(table, ref.row, ref.col)
        if value is None:
            raise OperandError(f"cell {ref} has no number")
        out.append(value)
    return out


@dataclass(frozen=True)
class Style:
    """How operands are written, so a result is written the same way."""

    unit: str | None
    decimals: int
    scale: float  # the table's declared scale the operands lean on, 1.0 when none
    approximate: bool
    plain: bool  # plain digits throughout ("285,000"), not "1.58 million"

    def exact(self, number: float, scale: float | None = None) -> str:
        return exact(number, self.unit, self.decimals, self.scale if scale is None else scale, self.approximate,
                     self.plain)


def _common(cells: list[CellValue]) -> Style:
    """Unit, decimals, shown scale and approximation shared by operands; OperandError on mixed units."""
    units = {c.unit for c in cells}
    if len(units) == 2 and None in units and not units & {"%", "×"}:
        units.discard(None)  # "$ 58.12" over "61.75": the dollar sign is written on the first row only
    if len(units) > 1:
        raise OperandError(f"cells are in different units: {sorted(str(u) for u in units)}")
    scales = {c.declared_scale for c in cells}
    return Style(units.pop(), max(c.decimals for c in cells), scales.pop() if len(scales) == 1 else 1.0,
                 any(c.approximate for c in cells), all(c.plain for c in cells))


def _note(scale: float) -> str:
    return scale_note(scale) if scale != 1.0 else ""


def _shown(cell: CellValue) -> str:
    """A looked-up cell as the table writes it ("$1,262m", "~4.7 million"); with the caption's scale spelled
    out when the cell leans on it ("$1,452.4 million" in a table "in millions")."""
    if cell.declared_scale != 1.0:
        return show(cell.number, cell.unit, cell.decimals, cell.declared_scale, cell.approximate)
    return as_written(cell)


def label(table: Table, ref: Ref, by: str) -> str:
    return table.columns[ref.col] if by == "col" else table.rows[ref.row].label


def lookup(table: Table, refs: list[Ref], by: str = "col") -> Computed:
    if len(refs) == 1 and _is_nil(table, refs[0]):
        nil = table.rows[refs[0].row].cells[refs[0].col].strip()
        where = f"{table.rows[refs[0].row].label}, {table.columns[refs[0].col]}"
        return Computed("lookup", nil, None, None, refs, f"{where}: {nil} (no amount reported)")
    if len(refs) == 1:
        cell = values(table, refs)[0]
        shown = _shown(cell)
        where = f"{table.rows[refs[0].row].label}, {table.columns[refs[0].col]}"
        return Computed("lookup", shown, cell.number, cell.unit, refs, f"{where}: {as_written(cell)}"
                        f"{_note(cell.declared_scale)}")
    cells = values(table, refs)
    parts = [f"{label(table, r, by)}: {_shown(c)}" for r, c in zip(refs, cells, strict=True)]
    return Computed("lookup", "; ".join(parts), None, cells[0].unit, refs, "; ".join(parts))


def _is_nil(table: Table, ref: Ref) -> bool:
    """A dash or "n/a" where a number would be: the report shows no amount."""
    return table.rows[ref.row].cells[ref.col].strip() in NIL


def difference(table: Table, a: Ref, b: Ref) -> Computed:
    """a - b."""
    ca, cb = values(table, [a, b])
    style = _common([ca, cb])
    result = ca.number - cb.number
    return Computed("difference", style.exact(result), result, style.unit, [a, b],
                    f"{as_written(ca)} - {as_written(cb)} = {_in_scale(result, style)}{_note(style.scale)}")


def _in_scale(number: float, style: Style) -> str:
    """A result for an equation: in a table "in millions", without the scale word (-5421e6 -> "-$5,421")."""
    text = style.exact(number)
    return text.rsplit(" ", 1)[0] if style.scale != 1.0 and " " in text else text


def ratio(table: Table, a: Ref, b: Ref) -> Computed:
    """a / b, shown to one decimal ("5.5×"), two below 1."""
    ca, cb = values(table, [a, b])
    if cb.number == 0:
        raise OperandError("division by zero")
    # Amounts over counts make sense ("revenue per employee"); an amount over a percentage does not.
    if (ca.unit in ("%", "×")) != (cb.unit in ("%", "×")):
        raise OperandError(f"a ratio of a rate and an amount: {as_written(ca)} / {as_written(cb)}")
    result = ca.number / cb.number
    shown = show(result, "×", 1 if abs(result) >= 1 else 2)
    return Computed("ratio", shown, result, "×", [a, b], f"{as_written(ca)} / {as_written(cb)} = {shown}")


def _percent(result: float) -> str:
    """One decimal, always shown ("-2.0%"); two when one would round to zero ("0.04%")."""
    decimals = 1 if abs(result) >= 0.05 or result == 0 else 2
    return f"{result:,.{decimals}f}%".replace("-0.00%", "0.00%")


def percent_change(table: Table, old: Ref, new: Ref) -> Computed:
    """(new - old) / old, in percent."""
    co, cn = values(table, [old, new])
    _common([co, cn])
    if co.number == 0:
        raise OperandError("percent change from zero")
    result = (cn.number - co.number) / abs(co.number) * 100
    shown = _percent(result)
    return Computed("percent_change", shown, result, "%", [old, new],
                    f"({as_written(cn)} - {as_written(co)}) / {as_written(co)} = {shown}")


def share(table: Table, part: Ref, whole: list[Ref]) -> Computed:
    """part / whole (the whole is one total cell or the sum of several), in percent."""
    cells = values(table, [part, *whole])
    _common(cells)
    total = sum(c.number for c in cells[1:])
    if total == 0:
        raise OperandError("share of zero")
    result = cells[0].number / total * 100
    shown = _percent(result)
    denominator = as_written(cells[1]) if len(whole) == 1 else "(" + " + ".join(map(as_written, cells[1:])) + ")"
    refs = [part, *[w for w in whole if w != part]]
    return Computed("share", shown, result, "%", refs, f"{as_written(cells[0])} / {denominator} = {shown}")


def aggregate(table: Table, refs: list[Ref], op: str) -> Computed:
    """Sum or average of several cells."""
    cells = values(table, refs)
    style = _common(cells)
    total = math.fsum(c.number for c in cells)
    result = total if op == "sum" else total / len(cells)
    body = _in_scale(result, style)
    terms = " + ".join(as_written(c) for c in cells)
    working = f"{terms} = {body}" if op == "sum" else f"({terms}) / {len(cells)} = {body}"
    return Computed(op, style.exact(result), result, style.unit, refs, working + _note(style.scale))


def extreme(table: Table, refs: list[Ref], op: str, by: str, asks_label: bool, asks_year: bool = False) -> Computed:
    """The largest or smallest cell; its row or column name when the question asks "which"."""
    cells = values(table, refs)
    unit = _common(cells).unit
    pick: Callable[..., int] = max if op == "max" else min
    # Outflows written in parentheses ("(1,874.2)" used in investing): the highest is the largest amount.
    size = abs if all(c.number < 0 for c in cells) else (lambda x: x)
    best = pick(range(len(cells)), key=lambda i: size(cells[i].number))
    name = label(table, refs[best], by)
    listed = ", ".join(f"{label(table, r, by)} {as_written(c)}" for r, c in zip(refs, cells, strict=True))
    word = "largest" if op == "max" else "smallest"
    cell = cells[best]
    shown_value = _shown(cell)
    explanation = f"{word} of {listed}: {name} ({as_written(cell)}){_note(cell.declared_scale)}"
    if asks_label:
        name = _year_only(name, asks_year)
        return Computed(op, name, _year_number(name), None, [refs[best], *[r for r in refs if r != refs[best]]],
                        explanation)
    return Computed(op, shown_value, cell.number, unit, [refs[best], *[r for r in refs if r != refs[best]]],
                    explanation)


def _year_only(name: str, asks_year: bool) -> str:
    """ "In which year ...?" answers "2018", not the column's "September 29, 2018"."""
    years = years_in(name)
    return str(years[0]) if asks_year and len(set(years)) == 1 else name


def _year_number(name: str) -> float | None:
    text = name.strip()
    return float(text) if text.isdigit() and len(text) == 4 else None


def compare(table: Table, a: Ref, b: Ref, by: str, less: bool, yes_no: bool, asks_year: bool = False) -> Computed:
    """Which of two cells is larger (or smaller); "Yes"/"No" when the question asks whether a beats b."""
    ca, cb = values(table, [a, b])
    _common([ca, cb])
    la, lb = label(table, a, by), label(table, b, by)
    first_wins = ca.number < cb.number if less else ca.number > cb.number
    sign = ">" if ca.number > cb.number else "<" if ca.number < cb.number else "="
    explanation = f"{la} {as_written(ca)} {sign} {lb} {as_written(cb)}"
    if yes_no:
        return Computed("compare", "Yes" if first_wins else "No", None, None, [a, b], explanation)
    winner, refs = (la, [a, b]) if first_wins else (lb, [b, a])
    winner = _year_only(winner, asks_year)
    return Computed("compare", winner, _year_number(winner), None, refs, explanation)


def count(table: Table, refs: list[Ref], by: str, threshold: float | None, above: bool,
          shown_threshold: str = "") -> Computed:
    """How many of the cells hold a number (above or below a threshold when one is given)."""
    kept: list[Ref] = []
    for ref in refs:
        cell = cell_value(table, ref.row, ref.col)
        if cell is None:
            continue
        if threshold is None or (cell.number > threshold if above else cell.number < threshold):
            kept.append(ref)
    names = ", ".join(label(table, r, by) for r in kept) or "none"
    condition = "" if threshold is None else f" {'above' if above else 'below'} {shown_threshold}"
    return Computed("count", str(len(kept)), float(len(kept)), None, kept or refs,
                    f"{len(kept)} of {len(refs)}{condition}: {names}")
