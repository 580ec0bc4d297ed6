"""Hard-wrapped prose is read as one run of text; lists, tables, code, headings and short lines keep their lines."""

from __future__ import annotations

import pytest

from qa.corpus.unwrap import unwrap

WRAPPED = ("The grey-backed tern is a seabird that breeds on rocky islands of the\n"
           "southern Arvel Sea. It was first described in 1834.\n")


def test_a_paragraph_wrapped_at_a_fixed_width_is_one_line() -> None:
    assert unwrap(WRAPPED) == ("The grey-backed tern is a seabird that breeds on rocky islands of the southern Arvel "
                               "Sea. It was first described in 1834.\n")


def test_paragraphs_stay_apart_and_the_text_keeps_its_length_of_lines() -> None:
    text = WRAPPED + "\n" + WRAPPED
    out = unwrap(text)
    assert out.count("\n\n") == 1 and out.count("\n") == 3


@pytest.mark.parametrize("text", [
    # a list, its items long and broken off mid-sentence
    "Its threats are these, each of them now studied by the survey team\n"
    "- rats brought to the nesting islands by boats\n- warmer water that drives the sand eels to the north",
    # a Markdown table
    "| Year | Breeding pairs counted on the islands of the sea |\n|---|---|\n| 2019 | 48,000 |",
    # a text table aligned with spaces
    "Cash and cash equivalents held at the end of the year    48,302    31,118\n"
    "Accounts receivable, net of the allowance for doubtful    27,415    25,906",
    # a heading, a quotation and indented code
    "# The grey-backed tern and the other seabirds of the Arvel Sea\nSome text.",
    "> The terns came back to the islands every spring, as they had\n> done for as long as anyone remembered.",
    "    for bird in colony: count the pairs and the eggs of each one\n    print(total)",
    # short lines: a title block, an address, a list without bullets
    "NORTHWIND TRADERS, INC.\nCONSOLIDATED BALANCE SHEETS",
    "Revenue grew in every region\nCosts fell",
    # one paragraph a line: each line ends its sentence
    "The first paragraph is a whole line of text and it ends here.\nThe second paragraph starts on the next line.",
    # a hard break written as two spaces or a backslash
    "This line of the poem ends with a hard break that the writer asked for  \nand this is the next line of it",
])
def test_lines_that_are_not_wrapped_prose_keep_their_breaks(text: str) -> None:
    assert unwrap(text) == text


def test_code_fences_are_kept_as_written() -> None:
    text = ("```\nwhile the colony is counted we keep a running total of the pairs\nand of the eggs\n```\n"
            "Outside the fence the text of a long paragraph wraps at a fixed width\nand is joined.")
    out = unwrap(text)
    assert "pairs\nand of the eggs" in out
    assert "fixed width and is joined." in out
