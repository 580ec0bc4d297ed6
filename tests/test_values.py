"""Tests for qa.tables.values: parsing table cells, detecting caption scales and formatting numbers."""

import math
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.tables.values import Value, detect_scale, format_value, parse_value, unit_symbol

# text, number, unit, approximate, scale, decimals
PARSE_CASES = [
    ("$470B", 470e9, "USD", False, 1e9, 0),
    ("$ 1,452.4", 1452.4, "USD", False, 1.0, 1),
    ("1.58 million", 1.58e6, None, False, 1e6, 2),
    ("~4.7 million", 4.7e6, None, True, 1e6, 1),
    ("285,000", 285000, None, False, 1.0, 0),
    ("(1,234)", -1234, None, False, 1.0, 0),
    ("($1,234)", -1234, "USD", False, 1.0, 0),
    ("$(1,234)", -1234, "USD", False, 1.0, 0),
    ("-3.2", -3.2, None, False, 1.0, 1),
    ("−3.2", -3.2, None, False, 1.0, 1),
    ("12.5%", 12.5, "%", False, 1.0, 1),
    ("56.4%", 56.4, "%", False, 1.0, 1),
    ("(12.5)%", -12.5, "%", False, 1.0, 1),
    ("5.5x", 5.5, "×", False, 1.0, 1),
    ("5.5×", 5.5, "×", False, 1.0, 1),
    ("1.2 bn", 1.2e9, None, False, 1e9, 1),
    ("3 billion", 3e9, None, False, 1e9, 0),
    ("4.5k", 4500, None, False, 1e3, 1),
    ("2 trillion", 2e12, None, False, 1e12, 0),
    ("US$5M", 5e6, "USD", False, 1e6, 0),
    ("€3.1 billion", 3.1e9, "EUR", False, 1e9, 1),
    ("£20m", 20e6, "GBP", False, 1e6, 0),
    ("¥500", 500, "JPY", False, 1.0, 0),
    ("20 percent", 20, "%", False, 1.0, 0),
    ("45 pct", 45, "%", False, 1.0, 0),
    ("470(a)", 470, None, False, 1.0, 0),
    ("1,234*", 1234, None, False, 1.0, 0),
    ("1,234 (1)", 1234, None, False, 1.0, 0),
    ("2024", 2024, None, False, 1.0, 0),
    ("about 3", 3, None, True, 1.0, 0),
    ("≈2", 2, None, True, 1.0, 0),
    ("c. 5", 5, None, True, 1.0, 0),
    ("approx. 7", 7, None, True, 1.0, 0),
    ("-$240B", -240e9, "USD", False, 1e9, 0),
    ("EUR (12)", -12, "EUR", False, 1.0, 0),
    ("12 per cent", 12, "%", False, 1.0, 0),
    ("1\u202f234\u202f567", 1234567, None, False, 1.0, 0),
]

NO_VALUE_CELLS = [
    "", "—", "–", "-", "n/a", "N/A", "na", "NM", "n.m.", "*", "…", "three", "none", "Q3 2024",
    "2023-2024", "12,5", "(5", "$5%", "5t", "1 2",
]  # fmt: skip

NUMERIC_UNITS = [None, "USD", "EUR", "GBP", "JPY", "%", "×"]


@pytest.mark.parametrize(("text", "number", "unit", "approximate", "scale", "decimals"), PARSE_CASES)
def test_parse_value_reads_number_unit_and_precision(
    text: str, number: float, unit: str | None, approximate: bool, scale: float, decimals: int
) -> None:
    assert parse_value(text) == Value(text, float(number), unit, approximate, scale, decimals)


@pytest.mark.parametrize("text", NO_VALUE_CELLS)
def test_parse_value_returns_none_for_cells_without_a_number(text: str) -> None:
    assert parse_value(text) is None


def test_parse_parenthesised_negative_is_negative() -> None:
    value = parse_value("(1,234)")
    assert value is not None and value.number == -1234


def test_parse_keeps_raw_text_as_written() -> None:
    value = parse_value("  $470B ")
    assert value is not None and value.raw == "  $470B "


@pytest.mark.parametrize(
    "hostile",
    ["$" + " " * 2000 + "$" + " " * 2000 + "x", " " * 2000 + "-" + " " * 2000 + "x", "1(1)" * 2000, "1" * 5000 + "x"],
)
def test_parse_value_stays_fast_on_long_hostile_cells(hostile: str) -> None:
    # Optional whitespace between optional tokens once made the cell grammar backtrack exponentially.
    started = time.perf_counter()
    assert parse_value(hostile) is None
    assert detect_scale(hostile) == 1.0
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("text", "table_scale", "number", "scale"),
    [
        ("$ 1,452.4", 1e6, 1452.4e6, 1e6),
        ("285,000", 1e3, 285e6, 1e3),
        ("$5M", 1e3, 5e6, 1e6),
        ("12.5%", 1e6, 12.5, 1.0),
        ("5.5x", 1e6, 5.5, 1.0),
        ("(1,234)", 1e6, -1234e6, 1e6),
    ],
)
def test_table_scale_applies_only_to_cells_without_their_own_scale_or_percent(
    text: str, table_scale: float, number: float, scale: float
) -> None:
    value = parse_value(text, scale=table_scale)
    assert value is not None
    assert value.number == number
    assert value.scale == scale


@pytest.mark.parametrize("bad_scale", [0.0, -1e6, math.inf, math.nan])
def test_parse_value_rejects_a_meaningless_table_scale(bad_scale: float) -> None:
    with pytest.raises(ValueError):
        parse_value("5", scale=bad_scale)


@pytest.mark.parametrize(
    ("caption", "scale"),
    [
        ("(in millions)", 1e6),
        ("in millions of dollars", 1e6),
        ("(In thousands, except per share data)", 1e3),
        ("$ in billions", 1e9),
        ("(dollars in millions)", 1e6),
        ("€ thousands", 1e3),
        ("($ millions)", 1e6),
        ("(millions)", 1e6),
        ("Revenue ($m)", 1e6),
        ("Revenue (USD m)", 1e6),
        ("Amounts in millions of U.S. dollars", 1e6),
        ("Headcount (000s)", 1e3),
        ("(£000)", 1e3),
        ("(millions of dollars)", 1e6),
        ("in thousands; except per share amounts in millions", 1e3),
        ("Table 3: Net sales", 1.0),
        ("", 1.0),
    ],
)
def test_detect_scale_reads_caption_declarations(caption: str, scale: float) -> None:
    assert detect_scale(caption) == scale


@pytest.mark.parametrize(
    "prose",
    ["millions of users", "used in millions of homes", "Height (m)", "Length in m", "USD market share"],
)
def test_detect_scale_ignores_prose_and_other_units(prose: str) -> None:
    assert detect_scale(prose) == 1.0


@pytest.mark.parametrize(
    ("number", "unit", "decimals", "approximate", "text"),
    [
        (240e9, "USD", 1, False, "$240B"),
        (1.295e6, None, 1, False, "1.3 million"),
        (500_000, None, 1, False, "500,000"),
        (-22.22, "%", 1, False, "-22.2%"),
        (5.54, "×", 1, False, "5.5×"),
        (4.7e6, None, 1, True, "~4.7 million"),
        (1234.5, "USD", 1, False, "$1,234.5"),
        (-240e9, "USD", 1, False, "-$240B"),
        (285_000, None, 0, False, "285,000"),
        (960_000, None, 0, False, "960,000"),
        (999_999.97, None, 1, False, "1 million"),
        (1.5e6, None, 2, False, "1.50 million"),
        (3.1e9, "EUR", 1, False, "€3.1B"),
        (20e6, "GBP", 1, False, "£20M"),
        (500, "JPY", 0, False, "¥500"),
        (2e12, "CNY", 0, False, "¥2T"),
        (-0.01, "%", 1, False, "0%"),
        (5, "kg", 0, False, "5 kg"),
        (math.nan, None, 1, False, "n/a"),
    ],
)
def test_format_value_uses_largest_fitting_suffix(
    number: float, unit: str | None, decimals: int, approximate: bool, text: str
) -> None:
    assert format_value(number, unit, decimals=decimals, approximate=approximate) == text


@pytest.mark.parametrize(
    ("unit", "symbol"),
    [("USD", "$"), ("EUR", "€"), ("GBP", "£"), ("JPY", "¥"), ("CNY", "¥"), ("%", "%"), ("×", "×"), (None, "")],
)
def test_unit_symbol_maps_codes_to_display_symbols(unit: str | None, symbol: str) -> None:
    assert unit_symbol(unit) == symbol


@given(
    number=st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
    unit=st.sampled_from(NUMERIC_UNITS),
    decimals=st.integers(min_value=0, max_value=3),
    approximate=st.booleans(),
)
def test_formatted_value_parses_back_within_display_rounding(
    number: float, unit: str | None, decimals: int, approximate: bool
) -> None:
    text = format_value(number, unit, decimals=decimals, approximate=approximate)
    value = parse_value(text)
    assert value is not None, text
    assert value.unit == unit
    assert value.approximate == approximate
    assert value.decimals in (0, decimals)
    # Half a unit in the last printed place of the chosen suffix, plus float noise.
    tolerance = 0.5 * 10.0**-decimals * value.scale + 1e-9 * abs(number)
    assert abs(value.number - number) <= tolerance, text


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["", "$", "€", "£"]))
def test_thousands_separated_integers_round_trip_exactly(number: int, prefix: str) -> None:
    value = parse_value(f"{prefix}{number:,}")
    assert value is not None
    assert value.number == number
    assert value.decimals == 0


@given(
    number=st.floats(min_value=0, max_value=1e15, allow_nan=False),
    unit=st.sampled_from(NUMERIC_UNITS),
    decimals=st.integers(min_value=0, max_value=3),
)
def test_parenthesised_value_is_the_negated_positive(number: float, unit: str | None, decimals: int) -> None:
    text = format_value(number, unit, decimals=decimals)
    positive, negative = parse_value(text), parse_value(f"({text})")
    assert positive is not None and negative is not None
    assert negative.number == -positive.number
    assert negative.unit == positive.unit


@given(st.text())
def test_parse_value_never_raises_on_arbitrary_text(text: str) -> None:
    value = parse_value(text)
    assert value is None or math.isfinite(value.number)


@given(st.text())
def test_detect_scale_never_raises_and_returns_a_known_multiplier(text: str) -> None:
    assert detect_scale(text) in (1.0, 1e3, 1e6, 1e9, 1e12)
