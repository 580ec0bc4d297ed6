"""Typed cells of the trained table engine: numbers, scores, durations, years, dates; column types, total rows."""

from __future__ import annotations

from qa.tables.types import TypedCell, column_type, is_total_row, parse_cell, parse_number


def _cells(texts: list[str]) -> list[TypedCell]:
    return [parse_cell(x) for x in texts]


def test_a_parenthesised_number_is_negative() -> None:
    assert parse_number("(3.1)") == -3.1


def test_currency_signs_and_thousands_separators_are_read() -> None:
    assert parse_number("$1,234") == 1234
    assert parse_number("€ 5.5") == 5.5


def test_percent_is_kept_as_written_and_scale_words_multiply() -> None:
    assert parse_number("12.5%") == 12.5
    assert parse_number("3 million") == 3e6


def test_the_unicode_minus_sign_is_a_minus() -> None:
    assert parse_number("−4") == -4


def test_a_score_is_not_a_negative_number() -> None:
    cell = parse_cell("2–1")
    assert cell.kind == "score" and cell.num == 1


def test_ordinals_durations_years_and_dates_are_typed() -> None:
    assert parse_cell("1st").kind == "ordinal"
    assert parse_cell("1:23.4").num == 83.4
    assert parse_cell("1990").kind == "year"
    date = parse_cell("March 3, 2001")
    assert date.kind == "date" and date.num == 20010303


def test_a_long_text_that_starts_with_a_number_is_not_a_number() -> None:
    assert parse_number("3 people were injured in the accident near the river") is None


def test_a_mostly_numeric_column_is_numeric_and_a_mostly_worded_one_is_text() -> None:
    assert column_type(_cells(["1", "2", "3", ""])) == "number"
    assert column_type(_cells(["a", "b", "3"])) == "text"


def test_a_row_labelled_total_is_a_total_row() -> None:
    assert is_total_row(["Total", "10"])
    assert not is_total_row(["Italy", "3"])
