"""Tables as data: finding pipe and CSV tables, multi-row headers, sections, scale, captions, serialisation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.corpus.files import load, scan
from qa.records import Document
from qa.tableqa.engine import transposed, years_down
from qa.tables.model import Table, find_tables, render_row

DATA = Path(__file__).parent / "data" / "tables"
BUNDLED = Path(__file__).resolve().parents[1] / "corpus"


def _tables(folder: Path, source: str) -> list[Table]:
    entry = next(e for e in scan(folder)[0] if e.source == source)
    return find_tables(load(entry, 10**7))


def _doc(text: str, fmt: str = "md") -> Document:
    return Document(source="d.md", title="D", text=text, sha256="x", fmt=fmt)


def _row(table: Table, label: str, section: str | None = None) -> int:
    return next(i for i, r in enumerate(table.rows) if r.label == label and (section is None or r.section == section))


def test_bundled_article_table_is_named_by_its_heading_not_the_lead_in() -> None:
    (table,) = _tables(BUNDLED, "china-sci-tech-push.md")
    assert table.caption == "By the Numbers: China’s Growing Tech Muscle"
    assert table.source_note == "Source: WIPO, OECD, Top500.org"
    assert table.context == "A closer look at the data tells the story:"
    assert table.columns == ["China", "United States"]
    assert [r.label for r in table.rows][:2] == ["R&D Spending (2024 est.)", "Patents Filed (2023)"]


def test_each_row_knows_its_line_in_the_document() -> None:
    entry = next(e for e in scan(BUNDLED)[0] if e.source == "china-sci-tech-push.md")
    doc = load(entry, 10**7)
    (table,) = find_tables(doc)
    assert doc.text[table.start : table.end].startswith("Metric | China | United States |")
    for row in table.rows:
        line = doc.text[row.start : row.end]
        assert line.startswith(row.label) and row.cells[0] in line


def test_spanning_header_over_dates_becomes_context_and_dated_columns() -> None:
    (table,) = _tables(DATA, "apple-10k-operations.md")
    assert table.columns == ["September 28, 2019", "September 29, 2018", "September 30, 2017"]
    assert table.column_context == "Years ended"
    assert len(table.header_rows) == 2


def test_section_rows_hold_no_values_and_label_the_rows_under_them() -> None:
    (table,) = _tables(DATA, "apple-10k-operations.md")
    products = [table.rows[i] for i, r in enumerate(table.rows) if r.label == "Products"]
    assert [r.section for r in products] == ["Net sales", "Cost of sales"]
    assert table.rows[0].is_section and table.rows[0].label == "Net sales:"
    assert table.rows[_row(table, "Gross margin")].section is None  # "Total cost of sales" closed the section


def test_nested_sections_close_on_their_total_row() -> None:
    (table,) = _tables(DATA, "northwind-balance-sheet.txt")
    assert table.rows[_row(table, "Inventories")].section == "Assets — Current assets"
    assert table.rows[_row(table, "Goodwill")].section == "Assets"
    payable = table.rows[_row(table, "Accounts payable")]
    assert payable.section == "Liabilities and stockholders' equity — Current liabilities"
    assert table.rows[_row(table, "Total liabilities and stockholders' equity")].section is None


def test_blank_first_header_row_gives_way_to_the_years_below_it() -> None:
    (table,) = _tables(DATA, "northwind-balance-sheet.txt")
    assert table.columns == ["2019", "2018"]
    assert table.column_context == "December 31,"
    assert table.rows[_row(table, "Other assets")].cells == ["2,031", "—"]


def test_dollar_sign_columns_fold_into_their_amounts_under_two_level_headers() -> None:
    (table,) = _tables(DATA, "contoso-segments.md")
    assert table.columns == ["2019 Amount", "2019 % of total", "2018 Amount", "2018 % of total", "% Change"]
    assert table.row_header == "Segment"
    assert table.rows[0].cells[:3] == ["$41,160", "32%", "$35,865"]


def test_table_written_without_separator_line_is_found_with_its_caption() -> None:
    (table,) = _tables(DATA, "fabrikam-cash-flows.txt")
    assert table.caption == "Summary of cash flows (in millions)"
    assert table.row_header == "Fiscal Year Ended June 30,"
    assert table.columns == ["2019", "2018", "2017"]
    assert table.scale == 1e6
    assert table.rows[_row(table, "Net cash used in investing activities")].cells[0] == "(1,874.2)"


def test_caption_joins_the_title_line_and_the_scale_note_under_it() -> None:
    (table,) = _tables(DATA, "northwind-balance-sheet.txt")
    assert table.caption == "CONSOLIDATED BALANCE SHEETS (in thousands, except share and per share data)"
    assert table.scale == 1e3 and "per share" in table.scale_except
    assert table.source_note is not None and table.source_note.startswith("(1) Net of allowance")


def test_bold_caption_declares_scale_and_cells_declare_the_currency() -> None:
    (table,) = _tables(DATA, "apple-10k-operations.md")
    assert table.caption is not None and table.caption.startswith("CONSOLIDATED STATEMENTS OF OPERATIONS")
    assert (table.scale, table.unit) == (1e6, "USD")


def test_per_share_rows_are_not_in_millions_and_share_counts_are_in_thousands() -> None:
    (table,) = _tables(DATA, "apple-10k-operations.md")
    eps = table.rows[_row(table, "Diluted", "Earnings per share")]
    shares = table.rows[_row(table, "Diluted", "Shares used in computing earnings per share")]
    assert table.row_scale(eps) == 1.0
    assert table.row_scale(shares) == 1e3
    assert table.row_scale(table.rows[_row(table, "Net income")]) == 1e6


def test_csv_takes_caption_and_source_note_from_its_sidecar() -> None:
    (table,) = _tables(DATA, "wingtip-workforce.csv")
    assert table.caption == "Wingtip Toys: employees, stores and revenue, fiscal 2015-2019"
    assert table.source_note == "Source: Wingtip Toys annual reports, 2015-2019"
    assert table.scale == 1.0  # "($ millions)" heads one column; it is not the whole table's scale


def test_table_with_years_down_the_side_turns_into_years_across() -> None:
    (table,) = _tables(DATA, "wingtip-workforce.csv")
    assert years_down(table)
    view, origin = transposed(table)
    assert view.columns == ["2015", "2016", "2017", "2018", "2019"]
    assert view.rows[0].label == "Employees" and view.rows[0].cells[-1] == "24,115"
    assert origin == [0, 1, 2, 3, 4]
    assert not years_down(_tables(DATA, "apple-10k-operations.md")[0])


def test_first_row_of_a_table_of_words_is_not_taken_for_a_header() -> None:
    text = "Team:\n\n| Name | Role |\n|---|---|\n| Ada | Engineer |\n| Grace | Admiral |\n"
    (table,) = find_tables(_doc(text))
    assert table.columns == ["Role"] and [r.label for r in table.rows] == ["Ada", "Grace"]


def test_first_data_rows_of_a_csv_of_things_stay_rows_under_a_named_header() -> None:
    # A blank rank (a medal shown as an image) does not make the first runners header rows.
    text = "Rank,Name,Nationality,Time\n,Brahim Boulami,Morocco,8:17.73\n,Reuben Kosgei,Kenya,8:18.63\n" \
           "4,Bouabdellah Tahri,France,8:20.25\n5,Tim Broe,United States,8:20.75\n"
    (table,) = find_tables(Document(source="r.csv", title="R", text=text, sha256="x", fmt="csv"))
    assert table.columns == ["Name", "Nationality", "Time"] and len(table.rows) == 4


def test_a_second_header_row_over_amounts_is_still_a_header() -> None:
    text = "| | FY18 | Change in | FY19 |\n|---|---|---|---|\n" \
           "| NEO | Annual Salary ($) | Salary (%) | Annual Salary |\n" \
           "| Ann | 1,000,000 | — | 1,000,000 |\n| Bob | 390,000 | 60,000 | 450,000 |\n"
    (table,) = find_tables(_doc(text))
    assert [r.label for r in table.rows] == ["Ann", "Bob"] and table.columns[0] == "FY18 Annual Salary ($)"


def test_short_prose_around_pipes_is_not_a_table() -> None:
    assert find_tables(_doc("Use a | b for alternatives.\nAnd c | d too.\n")) == []


def test_ragged_rows_are_padded_to_the_header_width() -> None:
    (table,) = find_tables(_doc("| A | 2019 | 2018 |\n|---|---|---|\n| x | 1 |\n| y | 2 | 3 | |\n"))
    assert [r.cells for r in table.rows] == [["1", ""], ["2", "3"]]


def test_table_round_trips_through_json() -> None:
    (table,) = _tables(DATA, "northwind-balance-sheet.txt")
    data = json.loads(json.dumps(table.to_json()))
    assert Table.from_json(data) == table


def test_older_index_records_without_new_fields_still_load() -> None:
    (table,) = _tables(BUNDLED, "china-sci-tech-push.md")
    data = table.to_json()
    for newer in ("column_context", "context", "scale", "unit", "scale_except"):
        data.pop(newer)
    data["some_future_field"] = 1
    loaded = Table.from_json(data)
    assert loaded.rows == table.rows and loaded.scale == 1.0


def test_render_row_keeps_the_plain_metric_form() -> None:
    (table,) = _tables(BUNDLED, "china-sci-tech-push.md")
    assert render_row(table, table.rows[0]) == "R&D Spending (2024 est.): China $470B; United States $710B"


def test_render_row_carries_section_header_and_scale_for_statements() -> None:
    (table,) = _tables(DATA, "northwind-balance-sheet.txt")
    text = render_row(table, table.rows[_row(table, "Inventories")])
    assert text == "Assets — Current assets — Inventories (December 31, in thousands): 2019 19,870; 2018 22,341"


@pytest.mark.parametrize("fixture", sorted(p.name for p in DATA.iterdir() if not p.name.endswith(".json")))
def test_every_fixture_has_a_table_with_numbers(fixture: str) -> None:
    tables = _tables(DATA, fixture)
    assert tables and all(any(r.cells and not r.is_section for r in t.rows) for t in tables)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab1$(), |-—%\n:#", max_size=30), max_size=12))
def test_find_tables_never_fails_and_rows_lie_inside_their_table(lines: list[str]) -> None:
    text = "\n".join(lines)
    for table in find_tables(_doc(text)):
        assert 0 <= table.start <= table.end <= len(text)
        for row in table.rows:
            assert table.start <= row.start <= row.end <= table.end
            assert len(row.cells) == len(table.columns)


@pytest.mark.parametrize("scale", ["millions", "in millions", 1_000_000])
def test_csv_sidecar_may_declare_scale_and_currency(scale: object) -> None:
    text = "Segment,2024,2023\nRetail,1200.5,1100\nWholesale,800,760\n"
    doc = Document(source="s.csv", title="S", text=text, sha256="x", fmt="csv",
                   meta={"caption": "Revenue by segment", "scale": scale, "unit": "usd"})
    (table,) = find_tables(doc)
    assert (table.scale, table.unit) == (1e6, "USD")
    assert render_row(table, table.rows[0]) == "Retail (in millions): 2024 1200.5; 2023 1100"


def test_a_year_row_with_footnote_marks_is_a_header_row_and_a_lone_scale_note_is_the_tables() -> None:
    text = ("|  |  | Year Ended December 31, |  |\n|---|---|---|---|\n|  | 2019 (1) | 2018 (2) | 2017 |\n"
            "|  |  | (in thousands, except per share amounts) |  |\n| Revenues | $2,222 | $1,958 | $1,717 |\n"
            "| Dividend per share | $1.08 | $1.00 | $0.84 |\n")
    (table,) = find_tables(_doc(text))
    assert table.columns == ["2019 (1)", "2018 (2)", "2017"]
    assert table.scale == 1e3 and table.scale_except == "per share amounts"
    assert [r.label for r in table.rows] == ["Revenues", "Dividend per share"]


def test_a_lower_header_label_stays_under_the_upper_label_it_sits_in() -> None:
    text = ("|  | 2019 |  | 2018 |  |\n|  |  | % of total |  | % of total |\n|---|---|---|---|---|\n"
            "|  | Amount | revenues | Amount | revenues |\n| VAS | 199,991 | 53% | 176,646 | 56% |\n"
            "| Others | 7,566 | 2% | 4,831 | 2% |\n")
    (table,) = find_tables(_doc(text))
    assert table.columns == ["2019 Amount", "2019 % of total revenues", "2018 Amount", "2018 % of total revenues"]


def test_a_labelled_header_row_over_periods_written_as_sections_names_the_columns() -> None:
    text = ("|  |  | Estimated Fair Value Measurements |  |  |\n|---|---|---|---|---|\n"
            "| Recurring Fair Value Measurements | Level 1 | Level 2 | Level 3 | Total Fair Value |\n"
            "| June 30, 2019 |  |  |  |  |\n| Financial Assets: |  |  |  |  |\n"
            "| Money market funds | $81,945 | $— | $— | $81,945 |\n"
            "| June 30, 2018 |  |  |  |  |\n| Financial Assets: |  |  |  |  |\n"
            "| Money market funds | $14,918 | $— | $— | $14,918 |\n")
    (table,) = find_tables(_doc(text))
    assert table.columns == ["Level 1", "Level 2", "Level 3", "Total Fair Value"]
    funds = [r.section for r in table.rows if r.label == "Money market funds"]
    # "June 30, 2018" is the next period, not a section inside "June 30, 2019"
    assert funds == ["June 30, 2019 — Financial Assets", "June 30, 2018 — Financial Assets"]
