"""Years and times as cells write them: the years a cell names ("1950–1977", "1996–99") and seconds as a time."""
from __future__ import annotations

import re

from qa.tableqa.grid import TypedTable

YEAR_IN = re.compile(r"\b(1[5-9]\d\d|20\d\d)(?:\s*[-–—/]\s*(\d{2,4})\b)?")


def cell_years(t: TypedTable, r: int, c: int) -> tuple[int, ...]:
    """The years a cell names: a year or date cell's year, both ends of a range ("1950–1977", "1996–99",
    an open range "2004–present" only its start) or the years written in a text cell."""
    kind, x = t.cells[r][c].kind, t.cells[r][c].num
    if kind == "year" and x is not None:
        return (int(x),)
    if kind == "date" and x is not None and x > 1e7:
        return (int(x // 10000),)
    out: list[int] = []
    for m in YEAR_IN.finditer(t.rows[r][c]):
        a = int(m.group(1))
        out.append(a)
        b = m.group(2)
        if b:
            y = int(b) if len(b) == 4 else a - a % 100 + int(b) if len(b) == 2 else 0
            if a <= y <= a + 100:
                out.append(y)
    return tuple(out)


def clock(seconds: float, decimals: int) -> str:
    """Seconds as a time is written: 116.42 -> "1:56.42", 4268.2 -> "1:11:08.2"."""
    sign, x = ("-" if seconds < 0 else ""), round(abs(seconds), decimals)
    h, rest = divmod(x, 3600)
    m, sec = divmod(rest, 60)
    width = 3 + decimals if decimals else 2
    s = f"{sec:0{width}.{decimals}f}"
    return f"{sign}{int(h)}:{int(m):02d}:{s}" if h else f"{sign}{int(m)}:{s}"
