"""CSV text read whole (RFC 4180 or backslash-escaped quotes), each record with its exact offsets"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CsvError", "CsvRecord", "CsvTable", "header_rows", "read_records", "read_table"]


class CsvError(ValueError):
    """Malformed CSV; the message names the 1-based line where the problem starts."""


@dataclass(frozen=True)
class CsvRecord:
    cells: tuple[str, ...]
    start: int  # offset of the record's first character in the text
    end: int  # offset just past its last character; the line break that ends it is excluded


@dataclass(frozen=True)
class CsvTable:
    records: tuple[CsvRecord, ...]
    backslash: bool  # True when the text escapes quotes as \" (WikiTableQuestions) rather than ""
    padded_lines: tuple[int, ...]  # lines of records that were shorter than the widest and got empty cells
    widths: tuple[int, ...] = ()  # each record's own number of cells, before padding


# Possessive quantifiers: an unterminated quote must fail in linear time, not backtrack exponentially.
_QUOTED_RFC = re.compile(r'"((?:[^"]++|"")*+)"')
_QUOTED_BACKSLASH = re.compile(r'"((?:[^"\\]++|\\.)*+)"', re.DOTALL)
_UNQUOTED = re.compile(r"[^,\r\n]*")
_AFTER_QUOTE = re.compile(r"[ \t]*")  # "a" ,b is common enough in hand-written files to forgive
_UNESCAPE = re.compile(r'\\(["\\])')
# A majority width held by at least this share of records is trusted over a wider stray record.
_STRONG_MAJORITY = 0.75


def _line_at(text: str, pos: int) -> int:
    # \r\n, \n and a lone \r each end one line, as they each end a record.
    return text.count("\n", 0, pos) + text.count("\r", 0, pos) - text.count("\r\n", 0, pos) + 1


def _unescape(body: str) -> str:
    # A callable, not the template r"\1", and only where a backslash is: this is the hot loop on WTQ files.
    return _UNESCAPE.sub(lambda m: m.group(1), body) if "\\" in body else body


def _parse(text: str, backslash: bool) -> list[CsvRecord]:
    """Every non-blank record of the text in one dialect; CsvError where that dialect cannot read it."""
    quoted = _QUOTED_BACKSLASH if backslash else _QUOTED_RFC
    records: list[CsvRecord] = []
    n = len(text)
    pos = 0  # no BOM skipping: a leading U+FEFF is the caller's to decode (utf-8-sig), and slices re-parse
    while pos < n:
        start, cells = pos, []
        while True:
            if text.startswith('"', pos):
                m = quoted.match(text, pos)
                if m is None:
                    raise CsvError(f"line {_line_at(text, pos)}: quote opened here is never closed")
                body = m.group(1)
                # Only \" and \\ are escapes in WTQ files; any other backslash is a literal character.
                cells.append(_unescape(body) if backslash else body.replace('""', '"'))
                pos = _AFTER_QUOTE.match(text, m.end()).end()  # type: ignore[union-attr]
            else:
                # A quote inside an unquoted cell (5'10") is kept literally, as Python's csv module does.
                m = _UNQUOTED.match(text, pos)
                assert m is not None  # [^...]* always matches
                cells.append(m.group())
                pos = m.end()
            if pos >= n or text[pos] in "\r\n":
                end = pos
                pos += 2 if text.startswith("\r\n", pos) else 1
                break
            if text[pos] != ",":
                raise CsvError(f"line {_line_at(text, pos)}: {text[pos]!r} after a closing quote")
            pos += 1
        if any(c.strip() for c in cells):  # blank lines and rows of empty cells carry nothing to cite
            records.append(CsvRecord(tuple(cells), start, end))
    return records


def _trimmed(records: list[CsvRecord]) -> list[CsvRecord]:
    """Records with trailing empty cells past the majority width dropped: a trailing comma is no column."""
    if not records:
        return records
    widths = Counter(len(r.cells) for r in records)
    major = max(widths, key=lambda w: (widths[w], w))
    out = []
    for r in records:
        cells = r.cells
        while len(cells) > major and not cells[-1].strip():
            cells = cells[:-1]
        out.append(r if cells is r.cells else CsvRecord(cells, r.start, r.end))
    return out


def _ragged(records: list[CsvRecord]) -> bool:
    return len({len(r.cells) for r in records}) > 1


def read_table(text: str) -> CsvTable:
    """The text's records, the dialect chosen and which records were padded; CsvError if unreadable."""
    if "\x00" in text:
        raise CsvError(f"line {_line_at(text, text.index(chr(0)))}: NUL byte; binary data, not CSV")
    # RFC 4180 first: a file that reads consistently that way is taken at its word, so a cell that
    # merely ends in a backslash ("C:\dir\") stays RFC. Backslash mode wins only where RFC fails or
    # is ragged and backslash reading is consistent (WTQ's "E. E. \"Doc\" Smith" fails RFC outright).
    results: dict[bool, list[CsvRecord] | CsvError] = {}
    for backslash in (False, True):
        try:
            results[backslash] = _trimmed(_parse(text, backslash))
        except CsvError as exc:
            results[backslash] = exc
        got = results[backslash]
        if not isinstance(got, CsvError) and not _ragged(got):
            return CsvTable(tuple(got), backslash, (), tuple(len(r.cells) for r in got))
    rfc, bs = results[False], results[True]
    if not isinstance(rfc, CsvError):
        chosen, backslash = rfc, False
    elif not isinstance(bs, CsvError):
        chosen, backslash = bs, True
    else:
        raise rfc
    return _padded(text, chosen, backslash)


def _padded(text: str, records: list[CsvRecord], backslash: bool) -> CsvTable:
    widths = Counter(len(r.cells) for r in records)
    major = max(widths, key=lambda w: (widths[w], w))
    if widths[major] >= _STRONG_MAJORITY * len(records):
        # The first record is exempt: a header naming a column no data row fills is an ordinary export.
        for r in records[1:]:
            if len(r.cells) > major:
                raise CsvError(
                    f"line {_line_at(text, r.start)}: {len(r.cells)} cells where {widths[major]} of "
                    f"{len(records)} records have {major}; an unquoted comma or a broken quote?")
    widest = max(widths)
    padded = tuple(_line_at(text, r.start) for r in records if len(r.cells) < widest)
    out = tuple(CsvRecord(r.cells + ("",) * (widest - len(r.cells)), r.start, r.end) for r in records)
    return CsvTable(out, backslash, padded, tuple(len(r.cells) for r in records))


def read_records(text: str) -> list[CsvRecord]:
    """The non-blank records of a CSV text, every one as wide as the widest; see read_table."""
    return list(read_table(text).records)


_NUMBER = re.compile(r"[-+−(]?\s*[$€£¥]?\s*\d[\d,. ]*\s*(%|[kmb]n?|bn)?\)?", re.IGNORECASE)


def _numeric_share(cells: Sequence[str]) -> float:
    """Share of the non-empty cells past the label column that hold a number."""
    values = [c.strip() for c in cells[1:] if c.strip()]
    return sum(bool(_NUMBER.fullmatch(v)) for v in values) / len(values) if values else 0.0


def _spans(above: Sequence[str], row: Sequence[str]) -> bool:
    """True when row fills blanks that follow a label in the row above: a header spanning columns."""
    return any(not above[i].strip() and any(a.strip() for a in above[:i]) and row[i].strip()
               for i in range(1, min(len(above), len(row))))


def header_rows(records: Sequence[CsvRecord]) -> int:
    """How many leading records are headers: 1 unless rows 2-3 read as header rows (at most 3)."""
    if not records:
        return 0
    count = 1
    # Always leave one data row; a third header row is the most real tables stack.
    while count < min(3, len(records) - 1):
        row, data = records[count].cells, records[count + 1:]
        data_share = sum(_numeric_share(r.cells) for r in data) / len(data)
        share = _numeric_share(row)
        # Text over numbers: "(millions)" under "Population" above 1400, 1393, ...
        textual = share == 0 and data_share >= 0.5 and sum(bool(c.strip()) for c in row) >= 2
        labels = [c.strip() for c in row[1:] if c.strip()]
        repeated = len(labels) != len(set(labels))  # Q1 Q2 Q1 Q2 under 2023 and 2024
        spanning = _spans(records[count - 1].cells, row) and (share < data_share or repeated)
        if not (textual or spanning):
            break
        count += 1
    return count


