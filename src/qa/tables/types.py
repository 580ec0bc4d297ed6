"""Typed table cells: numbers, scores, durations, ordinals, years, dates; column types and total rows."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from qa.tables.values import SCALE_WORDS

MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"])}
MONTHS.update({k[:3]: v for k, v in list(MONTHS.items())})
MONTHS["sept"] = 9
# The scale words typed cells take, read from the one table of scale words (values.SCALE_WORDS).
SCALES = {w: SCALE_WORDS[w] for w in ("thousand", "million", "billion", "k", "m", "bn")}
TOTAL_WORDS = {"total", "totals", "all", "overall", "sum", "grand total", "total:"}

_NUM = re.compile(r"^[\(\-]?[$€£¥]?\s*[\(\-]?\d[\d,]*(\.\d+)?|^[\(\-]?[$€£¥]?\s*\.\d+")
_SCORE = re.compile(r"^(\d+)\s*[–\-:]\s*(\d+)(\s|$|\()")
_DURATION = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$")
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)\b")
_YEAR = re.compile(r"^(1[0-9]{3}|20[0-9]{2})$")
_DATE_MDY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")
_DATE_DMY = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class TypedCell:
    """A parsed cell: kind is number|score|duration|ordinal|year|date|text; num orders it."""
    text: str
    kind: str
    num: float | None


@lru_cache(maxsize=200000)
def normalize(s: str) -> str:
    """Lower case, strip accents and punctuation, collapse spaces (the WTQ string normaliser)."""
    if not s.isascii():
        s = "".join(c for c in unicodedata.normalize("NFKD", s) if unicodedata.category(c) != "Mn")
    s = s.lower().replace("–", "-").replace("—", "-")
    s = re.sub(r"[^\w\s]", " ", s)
    return " ".join(s.split())


def parse_number(text: str) -> float | None:
    """Parse '$1,234', '(3.1)', '12.5%', '−4', '3 million' to a float (percent kept as 12.5)."""
    t = text.strip().replace("−", "-").replace("–", "-").replace("\u2212", "-").lower()
    if not t:
        return None
    m = _NUM.match(t)
    if not m:
        return None
    core = m.group(0)
    rest = t[m.end():].strip()
    neg = core.startswith("(") or core.startswith("-") or "(" in core[:3] or "-" in core[:3]
    digits = re.sub(r"[^\d.]", "", core)
    if digits.count(".") > 1 or not digits or digits == ".":
        return None
    val = float(digits)
    if rest.startswith(")"):
        rest = rest[1:].strip()
    word = rest.split(" ")[0] if rest else ""
    if word in ("thousand", "million", "billion", "bn"):
        val *= SCALES[word]
    elif rest and not (rest.startswith("%") or len(rest) < 25 or word in ("percent", "per")):
        return None  # a long text that merely starts with a number is not a number
    return -val if neg else val


def score_part(text: str, part: str) -> float | None:
    """One side of a score cell "2–1": "own" (the first number), "other" (the second) or "total" (both)."""
    m = _SCORE.match(text.strip() + " ")
    if not m or _YEAR.match(m.group(1)):
        return None
    own, other = float(m.group(1)), float(m.group(2))
    return own if part == "own" else other if part == "other" else own + other


def parse_date(text: str) -> float | None:
    """Parse 'March 3, 2001', '3 March 2001', '2001-03-03' to a sortable yyyymmdd float."""
    if not any(ch.isdigit() for ch in text):
        return None
    t = normalize(text) if not _DATE_ISO.match(text.strip()) else text.strip()
    for rx, order in ((_DATE_MDY, "mdy"), (_DATE_DMY, "dmy")):
        m = rx.match(t)
        if m:
            mo = MONTHS.get(m.group(1 if order == "mdy" else 2))
            day = int(m.group(2 if order == "mdy" else 1))
            if mo and 1 <= day <= 31:
                return int(m.group(3)) * 10000 + mo * 100 + day
    m = _DATE_ISO.match(t)
    if m:
        return int(m.group(1)) * 10000 + int(m.group(2)) * 100 + int(m.group(3))
    return None


def parse_cell(text: str) -> TypedCell:
    """Type one cell; the checks run from most to least specific so '2–1' is a score, not -1."""
    t = text.strip()
    low = t.lower()
    m = _SCORE.match(t)
    if m and not _YEAR.match(m.group(1)):
        return TypedCell(t, "score", float(m.group(1)) - float(m.group(2)))
    m = _DURATION.match(t)
    if m:
        secs = float(m.group(1) or 0) * 3600 + float(m.group(2)) * 60 + float(m.group(3))
        return TypedCell(t, "duration", secs)
    if _YEAR.match(t):
        return TypedCell(t, "year", float(t))
    d = parse_date(t)
    if d is not None:
        return TypedCell(t, "date", d)
    m = _ORDINAL.match(low)
    if m:
        return TypedCell(t, "ordinal", float(m.group(1)))
    n = parse_number(t)
    if n is not None:
        return TypedCell(t, "number", n)
    m = re.match(r"^([a-z]+)\s+(\d{4})$", normalize(t))
    if m and m.group(1) in MONTHS:
        return TypedCell(t, "date", int(m.group(2)) * 10000 + MONTHS[m.group(1)] * 100)
    return TypedCell(t, "text", None)


def column_type(cells: list[TypedCell]) -> str:
    """The majority non-text kind if >=60% of the non-empty cells share it, else text."""
    kinds = [c.kind for c in cells if c.text.strip() not in ("", "-", "—", "–", "n/a", "N/A")]
    if not kinds:
        return "text"
    best = max(set(kinds), key=kinds.count)
    numeric = sum(k != "text" for k in kinds)
    if best != "text" and kinds.count(best) >= 0.6 * len(kinds):
        return best
    return "number" if numeric >= 0.8 * len(kinds) else "text"


def is_total_row(row: list[str]) -> bool:
    """A row whose first non-empty cells say 'Total'/'All'; sums and counts exclude it."""
    for cell in row[:2]:
        n = normalize(cell)
        if n in TOTAL_WORDS or n.startswith("total "):
            return True
    return False
