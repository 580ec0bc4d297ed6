"""A name of the question that the answer's sentence and what it stands in do not say: the swapped entity of a near
miss ("the University of Halden" asked of an article on the University of Marren). SQuAD 2.0's crowd wrote a fifth
of its unanswerable questions so; the chunk-wide `miss_name` misses the swap whose name the chunk has elsewhere."""

from __future__ import annotations

from qa.answer.evidence import Question, name_runs
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
