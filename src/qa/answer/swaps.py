"""A name or year of the question that the answer's sentence and what it stands in do not say: the swapped entity
or year of a near miss ("the University of Halden" asked of an article on the University of Marren, 1921 of "the
2019 census"). SQuAD 2.0's crowd wrote a fifth of its unanswerable questions so; the chunk-wide `miss_name` and
`year_clash` miss the swap whose name or year the chunk has elsewhere."""

from __future__ import annotations

import re

from qa.answer.evidence import YEAR, Question, name_runs
from qa.answer.features import covered, stems_of
from qa.records import Span
from qa.text.tokens import terms, tokens

_PERIODS = frozenset({"fiscal", "financial", "year", "quarter", "half", "month", "week"})


def named_elsewhere(question: Question, text: str, span: Span, title: str, document: str) -> bool:
    """A name of the question that neither the span nor its passage before it (where "It", "He" are named:
    "Europe, meanwhile, ... On the other hand, it fears ...") nor the document's `title` says. A name asked in full
    counts as said by one of its parts when the `document` writes it in full ("Ned Fallow" asked, "Fallow left the
    band" written, "Ned Fallow" earlier); "Marl Bridge" is no "Tamsin Bridge"."""
    said = f"{title}\n{text[: span.end]}"
    stems = stems_of(tokens(said))
    # A period is no entity: "FY19", "Q4", "Fiscal" are written capitalised and said otherwise ("August 31, 2019").
    absent = {n for n in question.named if not covered(n, stems) and not any(c.isdigit() for c in n)
              and n not in _PERIODS}
    for run in name_runs(question.text):
        parts = frozenset(terms(run))
        if absent & parts and any(covered(t, stems) for t in parts) and run in document:
            absent -= parts
    return bool(absent)


# A year the sentence compares with, not one it speaks of: "a margin of 8.4% compared with 7.6% in 2023", "up 5% on
# 2023", "(2023: 7.9%)", "from 2018".
_COMPARED_YEAR = re.compile(r"(?:\b(?:compared|than|versus|vs|against|from|on|over|since|prior)\b"
                            r"(?:[^.;]|(?<=\d)\.(?=\d)){0,24}?|\()"
                            r"\b(?:1[0-9]|20)\d\d\b")


def year_swapped(question: Question, text: str) -> bool:
    """The question asks about a year the sentence does not name, while the sentence speaks of another ("How many
    breeding pairs were counted in 1921?" of "the 2019 census counted roughly 48,000 breeding pairs"); a year it
    only compares with is none it speaks of."""
    asked = set(YEAR.findall(question.text))
    if not asked or asked & set(YEAR.findall(text)):
        return False
    return bool(set(YEAR.findall(_COMPARED_YEAR.sub(" ", text))))
