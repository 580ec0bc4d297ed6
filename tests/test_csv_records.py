"""CSV reading: round trips with exact offsets, line breaks in cells, backslash quotes, shapes, headers, totals."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.records import Document
from qa.tables.csv_records import CsvError, CsvRecord, _parse, header_rows, read_records, read_table
from qa.tables.model import find_tables

# The WikiTableQuestions tables in ../shared/data (beside the checkout, as in CI): real CSVs with \" quotes.
WTQ = Path(__file__).resolve().parents[2] / "shared" / "data" / "wikitables-train" / "tables"

_chars = st.one_of(
    st.sampled_from([*list(',"\n\r\\ \t\''), "\r\n", '\\"', '""', "é", "漢", "\u2028", "\x0b", "\x85", "\ufeff"]),
    st.characters(codec="utf-8", exclude_characters="\x00")  # utf-8: no lone surrogates,
)
_cell = st.lists(_chars, max_size=8).map("".join)


@st.composite
def _tables(draw: st.DrawFn) -> list[list[str]]:
    cols = draw(st.integers(1, 5))
    return draw(st.lists(st.lists(_cell, min_size=cols, max_size=cols), max_size=8))


def _write(rows: list[list[str]], **fmt: object) -> str:
    buf = io.StringIO(newline="")
    csv.writer(buf, **fmt).writerows(rows)  # type: ignore[arg-type]
    return buf.getvalue()


def _nonblank(rows: list[list[str]]) -> list[tuple[str, ...]]:
    return [tuple(r) for r in rows if any(c.strip() for c in r)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Not "\n" with minimal quoting: Python 3.11's writer then leaves a lone "\r" in a cell unquoted.
@given(_tables(), st.sampled_from([("\r\n", csv.QUOTE_MINIMAL), ("\r\n", csv.QUOTE_ALL), ("\n", csv.QUOTE_ALL)]),
       st.booleans())
def test_csv_writer_output_round_trips_with_exact_offsets(
        rows: list[list[str]], fmt: tuple[str, int], final_eol: bool) -> None:
    eol, quoting = fmt
    text = _write(rows, lineterminator=eol, quoting=quoting)
    if not final_eol and text.endswith(eol):
        text = text[: -len(eol)]
    records = read_records(text)
    assert [r.cells for r in records] == _nonblank(rows)
    last = -1
    for rec in records:
        assert last < rec.start <= rec.end <= len(text)
        assert rec.end == len(text) or text[rec.end] in "\r\n"  # end excludes the line break
        assert [r.cells for r in read_records(text[rec.start:rec.end])] == [rec.cells]
        last = rec.end


@settings(max_examples=300, deadline=None)
@given(_tables())
def test_backslash_dialect_round_trips(rows: list[list[str]]) -> None:
    # The way WTQ writes: every cell quoted, quotes and backslashes escaped with a backslash.
    text = _write(rows, escapechar="\\", doublequote=False, quoting=csv.QUOTE_ALL)
    records = _parse(text, backslash=True)
    assert [r.cells for r in records] == _nonblank(rows)
    for rec in records:
        assert [r.cells for r in _parse(text[rec.start:rec.end], backslash=True)] == [rec.cells]


@settings(max_examples=300, deadline=None)
@given(_tables(), st.text(alphabet="abcXYZ ", min_size=1, max_size=4))
def test_backslash_dialect_is_detected_when_a_quote_sits_inside_a_cell(rows: list[list[str]], word: str) -> None:
    rows = [[f'E. E. "{word}" Smith'] * (len(rows[0]) if rows else 2), *rows]
    text = _write(rows, escapechar="\\", doublequote=False, quoting=csv.QUOTE_ALL)
    table = read_table(text)
    assert table.backslash
    assert [r.cells for r in table.records] == _nonblank(rows)


def test_line_break_inside_a_quoted_cell_is_one_cell() -> None:
    text = 'Rank,"Final\nPoints",Team\n1,"98",Lions\n2,90,Tigers\n'
    records = read_records(text)
    assert [r.cells for r in records] == [("Rank", "Final\nPoints", "Team"), ("1", "98", "Lions"),
                                          ("2", "90", "Tigers")]
    assert text[records[0].start:records[0].end] == 'Rank,"Final\nPoints",Team'
    assert text[records[1].start:records[1].end] == '1,"98",Lions'


def test_doubled_quotes_crlf_lone_cr_and_no_final_newline() -> None:
    text = 'a,b\r\n"say ""hi""",x\r"last",\n\n,\n  ,\t\nq,r'
    records = read_records(text)
    assert [r.cells for r in records] == [("a", "b"), ('say "hi"', "x"), ("last", ""), ("q", "r")]
    assert records[0].start == 0 and text[records[-1].start:records[-1].end] == "q,r"
    assert read_records("") == [] and read_records("\n\n") == []
    assert read_records("\ufeffa,b\n1,2")[0].cells == ("\ufeffa", "b")  # decoding a BOM is the caller's job


@pytest.mark.skipif(not WTQ.is_dir(), reason="WTQ tables not present")
def test_wtq_backslash_quotes() -> None:
    table = read_table((WTQ / "204-csv/122.csv").read_text(encoding="utf-8"))
    assert table.backslash and table.records[2].cells[5] == 'E. E. "Doc" Smith'
    table = read_table((WTQ / "203-csv/133.csv").read_text(encoding="utf-8"))
    assert table.backslash
    assert any(c == 'Yonimo \\"Kim\\" yo na Monogatari' for r in table.records for c in r.cells)


def test_cell_ending_in_backslash_stays_rfc() -> None:
    # Ambiguous: RFC reads it consistently, so RFC wins over the backslash reading.
    table = read_table('path,n\n"C:\\dir\\",1\n"D:\\",2\n')
    assert not table.backslash
    assert [r.cells for r in table.records] == [("path", "n"), ("C:\\dir\\", "1"), ("D:\\", "2")]


def test_backslash_other_than_quote_or_backslash_is_literal() -> None:
    table = read_table('a,b\n"say \\"x\\"","tab\\t \\\\ end"\n')
    assert table.backslash and table.records[1].cells == ('say "x"', "tab\\t \\ end")


@pytest.mark.slow
@pytest.mark.skipif(not WTQ.is_dir(), reason="WTQ tables not present")
def test_every_wtq_table_reads_consistently(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(WTQ.glob("*/*.csv"))
    assert len(files) > 1000
    backslash = padded = multiline = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        table = read_table(text)
        widths = {len(r.cells) for r in table.records}
        assert len(widths) == 1, path
        backslash += table.backslash
        padded += bool(table.padded_lines)
        multiline += any("\n" in text[r.start:r.end] for r in table.records)
        if table.backslash:
            assert '\\"' in text, path
        # Cross-check against Python's csv module reading the whole text in the chosen dialect.
        src = io.StringIO(text, newline="")
        reader = csv.reader(src, escapechar="\\", doublequote=False) if table.backslash else csv.reader(src)
        expected = [tuple(r) for r in reader if any(c.strip() for c in r)]
        assert [r.cells for r in table.records] == expected, path
        for rec in table.records[:: max(1, len(table.records) // 5)]:
            assert [r.cells for r in _parse(text[rec.start:rec.end], table.backslash)] == [rec.cells], path
    with capsys.disabled():
        print(f"\nWTQ: {len(files)} files, {backslash} backslash mode, {padded} padded, "
              f"{multiline} with a record spanning lines")


def test_short_rows_are_padded_and_reported() -> None:
    table = read_table("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    assert [r.cells for r in table.records][2] == ("4", "5", "")
    assert table.padded_lines == (3,)


def test_trailing_separators_and_a_wide_header_are_not_errors() -> None:
    assert [r.cells for r in read_records("a,b\n1,2,\n3,4\n5,6\n7,8\n")][1] == ("1", "2")
    table = read_table("a,b,Notes\n1,2\n3,4\n5,6\n7,8\n")
    assert table.records[1].cells == ("1", "2", "") and table.padded_lines == (2, 3, 4, 5)


def test_stray_wide_row_against_a_strong_majority_raises_with_its_line() -> None:
    with pytest.raises(CsvError, match=r"line 4: 3 cells where 4 of 5 records have 2"):
        read_records("name,amount\nA,1\nB,2\nC,1,000\nD,4\n")


@pytest.mark.parametrize(("text", "line"), [
    ('a,b\n1,"open\n2,3\n', 2),
    ('a,b\n1,2\n3,"x"y\n', 3),
    ("a,b\n1,2\x00\n", 2),
    ('a,b\n1,"E. \\"x\\"\n', 2),
])
def test_malformed_input_raises_with_a_line_number(text: str, line: int) -> None:
    with pytest.raises(CsvError, match=rf"^line {line}: "):
        read_records(text)


def _recs(*rows: str) -> list[CsvRecord]:
    return read_records("\n".join(rows))


def test_header_rows() -> None:
    assert header_rows([]) == 0
    assert header_rows(_recs("Year,Winner,Goals", "2005,Galaxy,5", "2006,Chivas,2")) == 1
    assert header_rows(_recs(",Year,Name", "1st,1939,Nycon", "2nd,1940,Chicon")) == 1  # blank corner
    assert header_rows(_recs("Name,Team", "Ann,Lions", "Bob,Tigers")) == 1  # all text
    assert header_rows(_recs("Country,Population,GDP", ",(millions),(USD bn)", "China,1400,17000",
                             "India,1390,3500")) == 2
    assert header_rows(_recs(",2023,,2024,", "Region,Q1,Q2,Q1,Q2", "North,1,2,3,4", "South,5,6,7,8")) == 2
    assert header_rows(_recs(",Revenue,,Profit,", "Region,2023,2024,2023,2024", "North,1,2,3,4")) == 2
    assert header_rows(_recs("Group,Sales,,,", ",EU,,US,", "Item,Q1,Q2,Q1,Q2", "A,1,2,3,4", "B,5,6,7,8")) == 3
    assert header_rows(_recs("Only,Header", ",(units)")) == 1  # one data row is always left


def test_a_csv_document_keeps_a_cell_with_a_line_break_and_the_rows_after_it() -> None:
    text = 'Team,"Final\nPoints",Wins\nReds,"12\n(after appeal)",3\nBlues,9,2\n'
    doc = Document(source="league.csv", title="League", text=text, sha256="", fmt="csv")
    [table] = find_tables(doc)
    assert table.columns == ["Final\nPoints", "Wins"]
    assert [(r.label, r.cells) for r in table.rows] == [("Reds", ["12\n(after appeal)", "3"]), ("Blues", ["9", "2"])]
    assert [text[r.start:r.end] for r in table.rows] == ['Reds,"12\n(after appeal)",3', "Blues,9,2"]
