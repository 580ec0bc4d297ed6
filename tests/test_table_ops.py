"""Operations on table cells and how their numbers are shown: units, scale, rounding, explanations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.records import Document
from qa.tableqa import operations as ops
from qa.tableqa.operations import OperandError, Ref
from qa.tables.cells import cell_value, exact, show
from qa.tables.model import Table, find_tables
from qa.tables.values import parse_value


def _table(text: str) -> Table:
    (table,) = find_tables(Document(source="t.md", title="T", text=text, sha256="x", fmt="md"))
    return table


METRICS = _table(
    "Metric | China | United States |\n---|---|---|\n"
    "R&D Spending (2024 est.) | $470B | $710B |\nPatents Filed (2023) | 1.58 million | 285,000 |\n"
    "STEM Graduates/Year | ~4.7 million | ~820,000 |\nShare of world output | 31% | 15% |\n"
)
STATEMENT = _table(
    "Results (in millions, except per share amounts)\n\n| | 2019 | 2018 | 2017 |\n|---|---|---|---|\n"
    "| Net sales | $ 1,452.4 | $ 1,300.0 | $ 1,250.5 |\n| Net loss | (12.5) | 40.0 | — |\n"
    "| Diluted earnings per share | $ 2.10 | $ 1.95 | $ 1.80 |\n| Gross margin % | 38.2 | 37.4 | 36.9 |\n"
)


def test_difference_shows_the_cells_as_written_and_the_result_in_their_style() -> None:
    result = ops.difference(METRICS, Ref(0, 1), Ref(0, 0))
    assert (result.value, result.number, result.unit) == ("$240B", 240e9, "USD")
    assert result.explanation == "$710B - $470B = $240B"


def test_difference_keeps_enough_decimals_to_be_exact() -> None:
    result = ops.difference(METRICS, Ref(1, 0), Ref(1, 1))
    assert result.value == "1.295 million" and result.number == 1_295_000


def test_ratio_is_shown_to_one_decimal_with_the_unrounded_number() -> None:
    result = ops.ratio(METRICS, Ref(1, 0), Ref(1, 1))
    assert (result.value, result.unit) == ("5.5×", "×")
    assert result.number == pytest.approx(5.5438596)
    assert ops.ratio(METRICS, Ref(0, 0), Ref(0, 1)).value == "0.66×"


def test_ratio_of_an_amount_to_a_percentage_is_refused() -> None:
    with pytest.raises(OperandError, match="rate and an amount"):
        ops.ratio(METRICS, Ref(0, 0), Ref(3, 0))  # $470B / 31%


def test_percent_change_and_share_round_to_one_decimal() -> None:
    change = ops.percent_change(STATEMENT, Ref(0, 1), Ref(0, 0))
    assert change.value == "11.7%" and change.number == pytest.approx((1452.4 - 1300) / 1300 * 100)
    share = ops.share(METRICS, Ref(0, 0), [Ref(0, 0), Ref(0, 1)])
    assert share.value == "39.8%" and share.explanation == "$470B / ($470B + $710B) = 39.8%"


def test_statement_results_carry_the_caption_scale() -> None:
    result = ops.difference(STATEMENT, Ref(0, 0), Ref(0, 1))
    assert result.value == "$152.4 million" and result.number == pytest.approx(152.4e6)
    assert result.explanation == "$1,452.4 - $1,300.0 = $152.4 (in millions)"


def test_parenthesised_cell_is_negative_and_dash_is_no_amount() -> None:
    loss = ops.lookup(STATEMENT, [Ref(1, 0)])
    assert (loss.value, loss.number) == ("-$12.5 million", -12.5e6)
    nil = ops.lookup(STATEMENT, [Ref(1, 2)])
    assert (nil.value, nil.number) == ("—", None)
    with pytest.raises(OperandError):
        ops.difference(STATEMENT, Ref(1, 2), Ref(1, 1))


def test_per_share_and_percent_rows_escape_the_millions() -> None:
    eps = cell_value(STATEMENT, 2, 0)
    margin = cell_value(STATEMENT, 3, 0)
    assert eps is not None and (eps.number, eps.unit) == (2.10, "USD")
    assert margin is not None and (margin.number, margin.unit) == (38.2, "%")


def test_mixed_units_are_refused() -> None:
    with pytest.raises(OperandError):
        ops.difference(STATEMENT, Ref(0, 0), Ref(3, 0))


def test_average_and_sum_show_their_working() -> None:
    average = ops.aggregate(STATEMENT, [Ref(0, 0), Ref(0, 1), Ref(0, 2)], "average")
    assert average.value == "$1,334.3 million"
    assert average.explanation == "($1,452.4 + $1,300.0 + $1,250.5) / 3 = $1,334.3 (in millions)"
    total = ops.aggregate(METRICS, [Ref(0, 0), Ref(0, 1)], "sum")
    assert total.value == "$1.18T" and total.explanation == "$470B + $710B = $1.18T"


def test_extreme_names_the_year_when_asked_which_year() -> None:
    largest = ops.extreme(STATEMENT, [Ref(0, 0), Ref(0, 1), Ref(0, 2)], "max", "col", True, True)
    assert (largest.value, largest.number) == ("2019", 2019)
    smallest = ops.extreme(STATEMENT, [Ref(0, 0), Ref(0, 1), Ref(0, 2)], "min", "col", False)
    assert smallest.value == "$1,250.5 million"


def test_compare_answers_with_the_winner_or_yes_no() -> None:
    assert ops.compare(METRICS, Ref(2, 0), Ref(2, 1), "col", False, False).value == "China"
    assert ops.compare(METRICS, Ref(2, 0), Ref(2, 1), "col", True, False).value == "United States"
    answer = ops.compare(METRICS, Ref(0, 0), Ref(0, 1), "col", False, True)
    assert answer.value == "No" and answer.explanation == "China $470B < United States $710B"


def test_count_applies_a_threshold() -> None:
    refs = [Ref(0, 0), Ref(0, 1), Ref(0, 2)]
    result = ops.count(STATEMENT, refs, "col", 1_280e6, True, "$1,280 million")
    assert result.value == "2" and result.explanation == "2 of 3 above $1,280 million: 2019, 2018"


@pytest.mark.parametrize(
    ("number", "unit", "decimals", "scale", "text"),
    [
        (-5_421e6, "USD", 0, 1e6, "-$5,421 million"),
        (48_302e3, "USD", 0, 1e3, "$48,302 thousand"),
        (1_295_000, None, 2, 1.0, "1.295 million"),
        (15_226.5e6, "USD", 0, 1e6, "$15,226.5 million"),
        (1_223_866_666.67, "USD", 1, 1e6, "$1,223.87 million"),
    ],
)
def test_exact_uses_the_fewest_decimals_that_say_the_number(number: float, unit: str | None, decimals: int,
                                                            scale: float, text: str) -> None:
    assert exact(number, unit, decimals, scale) == text


def test_show_formats_in_table_scale() -> None:
    assert show(3_951.2e6, "USD", 1, 1e6) == "$3,951.2 million"
    assert show(-22.22, "%", 1) == "-22.2%"
    assert show(1_000_001, "USD", 0, plain=True) == "$1,000,001"


def test_results_from_plain_digit_cells_stay_plain_digits() -> None:
    table = _table("| Item | 2019 | 2018 |\n|---|---|---|\n| Revenue | $ 2,500,000 | $ 1,499,999 |\n")
    assert ops.difference(table, Ref(0, 0), Ref(0, 1)).value == "$1,000,001"


@given(
    number=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    unit=st.sampled_from([None, "USD", "EUR"]),
    decimals=st.integers(min_value=0, max_value=2),
    scale=st.sampled_from([1e3, 1e6, 1e9]),
)
def test_numbers_shown_in_table_scale_parse_back(number: float, unit: str | None, decimals: int,
                                                 scale: float) -> None:
    text = show(number, unit, decimals, scale)
    value = parse_value(text)
    assert value is not None, text
    assert value.unit == unit and value.scale == scale
    assert abs(value.number - number) <= 0.5 * 10.0**-decimals * scale + 1e-9 * abs(number), text


@given(number=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), scale=st.sampled_from([1.0, 1e3, 1e6]))
def test_exact_display_says_the_number_to_two_decimals_of_its_scale(number: float, scale: float) -> None:
    # Plain-digit tables ("$ 1,452.4") keep plain digits; tables "in thousands/millions" keep their scale.
    value = parse_value(exact(number, "USD", 0, scale, plain=scale == 1.0))
    assert value is not None
    assert abs(value.number - number) <= 0.005 * scale + 1e-9 * abs(number)
