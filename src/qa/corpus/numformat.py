"""Spreadsheet cells as people see them: Excel number formats read for currency, percent, thousands and scale."""

from __future__ import annotations

import re
from datetime import date, datetime, time

_QUOTED = re.compile(r'"([^"]*)"')
_BRACKET = re.compile(r"\[([^\]]*)\]")
_CURRENCY_TAG = re.compile(r"^\$([^-\]]*)")  # [$€-407]: the currency symbol, then a locale
_SYMBOLS = ("US$", "$", "€", "£", "¥")
_SCALE_COMMAS = re.compile(r"[0#?](,+)(?![0#?,])")
_SCALE_LETTERS = {1: "K", 2: "M", 3: "B"}


def display(value: object, number_format: str = "General") -> str:
    """A cell's value written the way its format shows it, in a form qa.tables.values parses back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int | float):
        return format_number(float(value), number_format or "General")
    return str(value)


def _sections(number_format: str) -> list[str]:
    """The format's sections (positive; negative; zero; text), split on semicolons outside quotes."""
    parts, current, quoted = [], "", False
    for ch in number_format:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def _general(number: float) -> str:
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.10g}"


def _currency(section: str) -> str:
    for tag in _BRACKET.findall(section):
        found = _CURRENCY_TAG.match(tag)
        if found and found.group(1):
            return found.group(1)
    bare = _BRACKET.sub("", section)
    for literal in [*_QUOTED.findall(bare), _QUOTED.sub("", bare)]:
        symbol = next((s for s in _SYMBOLS if s in literal), None)
        if symbol:
            return symbol
    return ""


def format_number(number: float, number_format: str) -> str:
    """The number as the format shows it: "$1,234", "12.5%", "$1.2M" (a format scaling by thousands)."""
    sections = _sections(number_format)
    negative_section = number < 0 and len(sections) > 1
    section = sections[1] if negative_section else sections[0]
    code = _BRACKET.sub("", _QUOTED.sub("", section)).replace("\\", "")
    if section.strip().lower() == "general" or not re.search(r"[0#?]", code):
        return _general(number)
    value = abs(number) * (100 if "%" in code else 1)
    scale = _SCALE_COMMAS.search(code)
    suffix = "".join(t for t in _QUOTED.findall(section) if t.strip() and t.strip() not in _SYMBOLS).strip()
    if scale:
        value /= 1000 ** len(scale.group(1))
        suffix = suffix or _SCALE_LETTERS.get(len(scale.group(1)), "")
    decimals = re.search(r"\.([0#?]+)", code)
    places = len(decimals.group(1)) if decimals else 0
    grouped = re.search(r"[0#?],[0#?]", code) is not None
    digits = f"{value:,.{places}f}" if grouped else f"{value:.{places}f}"
    text = f"{_currency(section)}{digits}{'%' if '%' in code else ''}{suffix}"
    if number < 0:
        # A negative section such as "(#,##0)" writes its own parentheses and no minus sign.
        return f"({text})" if negative_section and "(" in section else ("" if negative_section else "-") + text
    return text
