"""Reading a table cell as a number in its table's scale and unit, and showing numbers the way the table does."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.tables.model import Table
from qa.tables.values import (
    CURRENCIES,
    currency_in,
    detect_scale,
    fixed,
    format_value,
    parse_value,
    scale_name,
    unit_symbol,
)

# Rows counting things rather than money stay unitless even when the caption names a currency.
_NOT_MONEY = re.compile(
    r"\b(?:(?<!per )shares?|employees?|headcount|units?|customers?|stores?|members?|users?|subscribers?|days?|ratio"
    r"|per\s*cent|percent|number\s+of|people|persons?)\b|%",
    re.IGNORECASE,
)
_PERCENT_LABEL = re.compile(r"%|\bpercent(?:age)?\b|\(\s*pct\s*\)", re.IGNORECASE)


@dataclass(frozen=True)
class CellValue:
    """A cell's number with the unit and the scale it is shown in."""

    text: str  # as written
    number: float
    unit: str | None
    decimals: int
    approximate: bool
    declared_scale: float  # the table's scale when the cell leans on it ("in millions"); 1.0 otherwise
    plain: bool = False  # written as plain digits ("285,000", "$ 1,452.4"), no scale word of its own or the table's


def cell_value(table: Table, row: int, col: int) -> CellValue | None:
    """The number in one cell, the caption's scale and currency applied; None for empty or text cells."""
    tr = table.rows[row]
    if col >= len(tr.cells):
        return None
    text = tr.cells[col]
    # A row or column may declare its own scale ("Revenue ($ millions)"); it wins over the caption's.
    scale = detect_scale(tr.label) if detect_scale(tr.label) != 1.0 else detect_scale(table.columns[col])
    scale = scale if scale != 1.0 else table.row_scale(tr)
    value = parse_value(text, scale=scale)
    if value is None:
        return None
    unit = value.unit
    label = f"{tr.label} {table.columns[col]}"
    if unit is None and _PERCENT_LABEL.search(label):
        value = parse_value(text) or value  # percentages are never scaled by "in millions"
        unit = "%"
    elif unit is None and not _NOT_MONEY.search(f"{tr.label} {tr.section or ''}"):
        unit = currency_in(f"{tr.label} {table.columns[col]}") or _sidecar_unit(table, tr.label) or table.unit
    declared = scale if scale != 1.0 and value.scale == scale and unit not in ("%", "×") else 1.0
    plain = value.scale == 1.0 and declared == 1.0
    return CellValue(text.strip(), value.number, unit, value.decimals, value.approximate, declared, plain)


def _sidecar_unit(table: Table, label: str) -> str | None:
    """A CSV sidecar's currency for one row: {"rows": {"Revenue": {"unit": "USD"}}}."""
    rows = table.meta.get("rows")
    extra = rows.get(label) if isinstance(rows, dict) else None
    unit = extra.get("unit") if isinstance(extra, dict) else None
    return unit.upper() if isinstance(unit, str) and unit.upper() in CURRENCIES else None


def show(number: float, unit: str | None, decimals: int, scale: float = 1.0, approximate: bool = False,
         plain: bool = False) -> str:
    """A number as the table would write it: "$240B", "1.295 million", "-$5,421 million", "-22.2%";
    `plain` for tables of plain digits: "$1,000,001", not "$1M"."""
    if plain and unit not in ("%", "×"):
        body = fixed(abs(number), decimals)
        sign = "-" if number < 0 and any(ch in "123456789" for ch in body) else ""
        symbol = unit_symbol(unit) if unit else ""
        text = f"{sign}{symbol}{body}" if len(symbol) <= 1 else f"{sign}{body} {unit}"
        return f"~{text}" if approximate else text
    if scale == 1.0 or unit in ("%", "×"):
        return format_value(number, unit, decimals=decimals, approximate=approximate)
    body = fixed(abs(number) / scale, decimals)
    sign = "-" if number < 0 and any(ch in "123456789" for ch in body) else ""
    symbol = unit_symbol(unit) if unit else ""
    word = scale_name(scale)
    text = f"{sign}{symbol}{body} {word}".strip() if len(symbol) <= 1 else f"{sign}{body} {word} {unit}"
    return f"~{text}" if approximate else text


def exact(number: float, unit: str | None, decimals: int, scale: float = 1.0, approximate: bool = False,
          plain: bool = False) -> str:
    """`show` with the fewest decimals (at least `decimals`, at most 3 more) that still say the number exactly;
    a number no short decimal says exactly (an average of three) gets two decimals."""
    for d in range(max(decimals, 0), max(decimals, 0) + 4):
        text = show(number, unit, d, scale, approximate, plain)
        back = parse_value(text.lstrip("~"), scale=scale)
        if back is not None and abs(back.number - number) <= 1e-9 * max(abs(number), 1.0):
            return text
    return show(number, unit, max(decimals, 2), scale, approximate, plain)


_MARKER = re.compile(r"\s*(?:\((?:[a-z]|[ivx]{1,4}|\d{1,2})\)|\[\w{1,3}\]|[*†‡§¹²³]+)$")


def as_written(cell: CellValue) -> str:
    """A cell as written, footnote marker dropped and the space after a currency sign closed ("$ 1,452.4")."""
    text = re.sub(r"(?<=[$€£¥])\s+|\s+(?=%)", "", cell.text)
    # A trailing "(1)" is a footnote only after a number: "(1,234)" alone is a negative amount.
    stripped = _MARKER.sub("", text)
    return stripped if re.search(r"\d", stripped) else text


def scale_note(scale: float) -> str:
    return f" (in {scale_name(scale, plural=True)})" if scale_name(scale) else ""
