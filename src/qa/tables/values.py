"""Parse table cell strings into numbers with units, and format numbers back for display."""

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

__all__ = [
    "CURRENCIES",
    "CURRENCY_PATTERNS",
    "SCALE_NAMES",
    "SCALE_WORDS",
    "Value",
    "currency_in",
    "detect_scale",
    "fixed",
    "format_value",
    "parse_value",
    "scale_name",
    "unit_symbol",
]


@dataclass(frozen=True)
class Value:
    """A number read from a cell, with the unit and precision it was written in."""

    raw: str
    number: float
    unit: str | None
    approximate: bool
    scale: float
    decimals: int


# Keys are lower-cased; cells reach the lookup with their spaces already removed.
_CURRENCY_CODES: dict[str, str] = {
    "us$": "USD", "usd": "USD", "$": "USD",
    "€": "EUR", "eur": "EUR",
    "£": "GBP", "gbp": "GBP",
    "¥": "JPY", "jpy": "JPY",
    "cn¥": "CNY", "cny": "CNY", "rmb": "CNY",
}  # fmt: skip
_SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "%": "%", "×": "×"}
SCALE_WORDS: dict[str, float] = {
    "k": 1e3, "thousand": 1e3, "thousands": 1e3, "000": 1e3, "000s": 1e3, "'000": 1e3,
    "m": 1e6, "mm": 1e6, "mn": 1e6, "mln": 1e6, "million": 1e6, "millions": 1e6,
    "b": 1e9, "bn": 1e9, "bln": 1e9, "billion": 1e9, "billions": 1e9,
    "t": 1e12, "tn": 1e12, "trillion": 1e12, "trillions": 1e12,
}  # fmt: skip
# The one naming of scales: 1e6 -> "million" ("in millions" where a table declares it).
SCALE_NAMES: dict[float, str] = {1e3: "thousand", 1e6: "million", 1e9: "billion", 1e12: "trillion"}
CURRENCIES = frozenset(_CURRENCY_CODES.values())
# A currency declared in words or symbols in a caption, label or note ("$ in millions", "in euros").
CURRENCY_PATTERNS = (
    (re.compile(r"\$|\bdollars?\b|\bUSD\b", re.IGNORECASE), "USD"),
    (re.compile(r"€|\beuros?\b|\bEUR\b", re.IGNORECASE), "EUR"),
    (re.compile(r"£|\bpounds?\b|\bGBP\b", re.IGNORECASE), "GBP"),
)
_UNIT_WORDS: dict[str, str] = {"%": "%", "percent": "%", "pct": "%", "x": "×", "×": "×", "times": "×"}
_CURRENCY_TIERS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1.0, ""))
_COUNT_TIERS = ((1e12, " trillion"), (1e9, " billion"), (1e6, " million"), (1.0, ""))

# Longer alternatives first so "US$" is not read as a stray "US" before "$".
_CUR = r"US\$|CN¥|USD|EUR|GBP|JPY|CNY|RMB|\$|€|£|¥"
# A lone lower-case "t" is more often tonnes than trillions, so only "T" counts.
_SUFFIX = (
    r"%|percent|pct|times|×|x|thousands?|millions?|billions?|trillions?"
    r"|bln|bn|mln|mn|mm|tn|k|m|b|(?-i:T)"
)
# Thousands groups must be exact so a European decimal comma ("12,5") is rejected, not misread.
_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+"
# Spaces are removed before matching (see _clean), so the grammar has no optional whitespace to backtrack over.
_CELL_RE = re.compile(
    rf"""^
    (?P<sign1>[-+])?(?P<cur1>{_CUR})?(?P<sign2>[-+])?
    (?P<open>\()?
    (?P<sign3>[-+])?(?P<cur2>{_CUR})?(?P<sign4>[-+])?
    (?P<num>{_NUMBER})
    (?P<sfx1>{_SUFFIX})?\.?
    (?P<close>\))?
    (?P<sfx2>{_SUFFIX})?\.?
    (?P<cur3>{_CUR})?
    $""",
    re.X | re.I,
)
_APPROX_RE = re.compile(r"^(?:~|≈|∼|about\b|approx(?:imately\b|\.|\b)|circa\b|ca\.|c\.|around\b|roughly\b)\s*", re.I)
_MARKER_CHARS = "*†‡§¹²³⁰⁴⁵⁶⁷⁸⁹"
# A footnote marker must follow the value; a bare "(12)" is an accounting negative, not a footnote.
_FOOTNOTE_RE = re.compile(r"(?P<body>.*[0-9A-Za-z%×).]) ?(?:\((?:[a-z]|[ivx]{1,4}|[0-9]{1,2})\)|\[\w{1,3}\])", re.I)
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "‒": "-", "‐": "-", "‑": "-", "\u00a0": " "})

_SCALE_NAMES = r"thousands|millions|billions|trillions|thousand|million|billion|trillion"
_SCALE_ABBREVS = r"000s|'000|000|bln|bn|mln|mn|mm|tn|k|m|b"
_CURRENCY_WORDS = (
    r"(?:u\.?s\.?\s+)?(?:dollars|euros?|pounds(?:\s+sterling)?|yen|yuan|renminbi"
    r"|usd|eur|gbp|jpy|cny|rmb|shares|units)"
)
# A scale word only declares units when the phrase ends there: "in millions of users" is prose.
_DECLARATION_END = rf"(?=\s*(?:$|[,;:.)\]]|except\b|of\s+{_CURRENCY_WORDS}\b|(?:{_CUR})(?![A-Za-z])))"
_DECLARATION_RES = (
    re.compile(rf"\bin\s+(?:(?:{_CUR})\s*)?(?P<word>{_SCALE_NAMES}|000s|'000){_DECLARATION_END}", re.I),
    re.compile(rf"\(\s*(?P<word>{_SCALE_NAMES}|bln|bn|mln|mn|000s|'000){_DECLARATION_END}", re.I),
    re.compile(rf"(?<![A-Za-z])(?:{_CUR})\s*(?P<word>{_SCALE_NAMES}|{_SCALE_ABBREVS})(?![A-Za-z0-9])", re.I),
)


def _clean(text: str) -> tuple[str, bool]:
    """Normalise dashes and spaces, drop footnote markers and report an approximation prefix."""
    cleaned = text.translate(_DASHES)
    # Thin spaces group thousands in some typesetting; turn them into the commas the grammar expects.
    cleaned = re.sub(r"(?<=[0-9])[\u2009\u202f](?=[0-9]{3})", ",", cleaned)
    cleaned = " ".join(cleaned.split())
    approx = _APPROX_RE.match(cleaned)
    if approx:
        cleaned = cleaned[approx.end() :]
    cleaned = _strip_footnotes(cleaned)
    # A space between digits keeps "1 2" two numbers; anywhere else it is layout and is dropped.
    cleaned = re.sub(r"(?<![0-9]) | (?![0-9])", "", cleaned)
    return cleaned, approx is not None


def _strip_footnotes(text: str) -> str:
    """Remove trailing footnote markers such as "*", "(a)", "(1)" or "[2]" that follow a number."""
    for _ in range(3):  # real cells carry one or two markers; the cap bounds work on hostile input
        marker = _FOOTNOTE_RE.fullmatch(text)
        stripped = marker["body"] if marker else text.rstrip(_MARKER_CHARS).rstrip()
        # "EUR (12)" is a negative amount: a marker only counts if a number remains beside it.
        if stripped == text or not re.search(r"[0-9]", stripped):
            break
        text = stripped
    return text


def _unit_and_cell_scale(match: re.Match[str]) -> tuple[str | None, float | None] | None:
    """Unit and in-cell multiplier of a matched cell; None when the parts contradict each other."""
    if bool(match["open"]) != bool(match["close"]):
        return None
    currencies = {_CURRENCY_CODES[c.lower()] for c in (match["cur1"], match["cur2"], match["cur3"]) if c}
    suffixes = [s.lower() for s in (match["sfx1"], match["sfx2"]) if s]
    if len(currencies) > 1 or len(suffixes) > 1:
        return None
    currency = currencies.pop() if currencies else None
    suffix = suffixes[0].replace("percent", "%") if suffixes else None
    if suffix is None:
        return currency, None
    if suffix in _UNIT_WORDS:
        # A currency amount cannot also be a percentage or a ratio.
        return None if currency else (_UNIT_WORDS[suffix], None)
    return currency, SCALE_WORDS[suffix]


def _scaled(digits: str, scale: float) -> float | None:
    """digits times scale, computed in decimal so "1.58" * 1e6 is exactly 1580000; None if not finite."""
    try:
        magnitude = float(Decimal(digits) * Decimal(scale))
    except ArithmeticError:  # a digit string past the decimal context's exponent limit
        return None
    return magnitude if math.isfinite(magnitude) else None


def parse_value(text: str, scale: float = 1.0) -> Value | None:
    """Read a cell such as "$470B", "(1,234)" or "~4.7 million"; None when it holds no single number.

    `scale` is the table's multiplier (see detect_scale); it applies only to cells that name no
    scale of their own and are not percentages or ratios.
    """
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    cleaned, approximate = _clean(text)
    match = _CELL_RE.match(cleaned)
    if match is None:
        return None
    parts = _unit_and_cell_scale(match)
    if parts is None:
        return None
    unit, cell_scale = parts
    applied = cell_scale or (1.0 if unit in ("%", "×") else scale)
    digits = match["num"].replace(",", "")
    magnitude = _scaled(digits, applied)
    if magnitude is None:
        return None
    signs = (match["sign1"], match["sign2"], match["sign3"], match["sign4"])
    negative = bool(match["open"]) or "-" in signs
    number = -magnitude if negative and magnitude else magnitude
    decimals = len(digits.partition(".")[2])
    return Value(raw=text, number=number, unit=unit, approximate=approximate, scale=applied, decimals=decimals)


def detect_scale(text: str) -> float:
    """Multiplier a caption declares, e.g. "(in millions)" -> 1e6, "$ in billions" -> 1e9; 1.0 if none.

    The earliest declaration wins. Prose such as "millions of users" declares nothing.
    """
    found: list[tuple[int, str]] = []
    for pattern in _DECLARATION_RES:
        match = pattern.search(text)
        if match:
            found.append((match.start(), match["word"]))
    if not found:
        return 1.0
    return SCALE_WORDS[min(found)[1].lower()]


def unit_symbol(unit: str | None) -> str:
    """Display symbol for a unit code: "USD" -> "$", "%" -> "%"; unknown units are returned as is."""
    if unit is None:
        return ""
    return _SYMBOLS.get(unit, unit)


def currency_in(text: str) -> str | None:
    """The currency a caption, label or note declares: "Revenue ($ millions)" -> "USD"."""
    return next((code for pattern, code in CURRENCY_PATTERNS if pattern.search(text)), None)


def scale_name(scale: float, plural: bool = False) -> str:
    """The word for a scale: 1e6 -> "million" ("millions" when plural); "" for 1 or an unnamed scale."""
    name = SCALE_NAMES.get(scale, "")
    return f"{name}s" if name and plural else name


def fixed(magnitude: float, decimals: int) -> str:
    """Grouped fixed-point text, dropping an all-zero fraction ("240.0" -> "240")."""
    text = f"{magnitude:,.{max(decimals, 0)}f}"
    whole, _, fraction = text.partition(".")
    return whole if not fraction.strip("0") else text


def _magnitude_text(magnitude: float, unit: str | None, decimals: int) -> str:
    """Unsigned number with the largest suffix it fills; counts under a million stay grouped digits."""
    if unit in ("%", "×"):
        return fixed(magnitude, decimals)
    tiers = _CURRENCY_TIERS if unit in _SYMBOLS else _COUNT_TIERS
    for (size, label), (lower, _) in pairwise(tiers):
        # Judge by what the tier below would print, so 999,999.97 becomes "1 million" rather than
        # "1,000,000" while 960,000 at 0 decimals stays "960,000" instead of rounding up to "1 million".
        if round(magnitude / lower, decimals) >= size / lower:
            return fixed(magnitude / size, decimals) + label
    return fixed(magnitude, decimals)


def format_value(number: float, unit: str | None, decimals: int = 1, approximate: bool = False) -> str:
    """Human display: 240e9 USD -> "$240B", 1.295e6 -> "1.3 million", -22.22 "%" -> "-22.2%".

    Non-finite numbers show as "n/a", which parse_value reads back as no value.
    """
    if not math.isfinite(number):
        return "n/a"
    body = _magnitude_text(abs(number), unit, max(decimals, 0))
    # A value that rounds to zero should not show as "-0".
    sign = "-" if number < 0 and any(ch in "123456789" for ch in body) else ""
    symbol = unit_symbol(unit)
    if unit in ("%", "×"):
        text = f"{sign}{body}{symbol}"
    elif unit in _SYMBOLS:
        text = f"{sign}{symbol}{body}"
    elif unit is None:
        text = f"{sign}{body}"
    else:
        text = f"{sign}{body} {unit}"
    return f"~{text}" if approximate else text
