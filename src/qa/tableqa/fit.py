"""Whether a table answers a question at all: a learned probability, so that a report's prose questions
("What does the company sell?", "How is the market value calculated?") get no forced table answer."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from qa.lru import per_object
from qa.tableqa.intent import detect
from qa.tableqa.learned import is_financial, typed
from qa.tableqa.mentions import STOP, question_numbers
from qa.tableqa.named_softmax import NamedSoftmax
from qa.tableqa.ranker import WEIGHTS
from qa.tables.model import Table
from qa.tables.types import normalize
from qa.text.tokens import stem, years_in

FIT_FILE = WEIGHTS / "table_fit.json"  # made by `python -m bench.tableqa.train_fit`
CLASSES = ("text", "table")


@per_object()
def table_words(table: Table) -> frozenset[str]:
    """Every word of a table's labels, headers and cells (lower case), made once per loaded table."""
    grid, _ = typed(table)
    return frozenset({w for row in grid.norm for cell in row for w in cell.split()}
                     | {w for h in grid.header for w in h.lower().split()})


@per_object()
def _table_stems(table: Table) -> frozenset[str]:
    return frozenset(stem(w) for w in table_words(table))


@dataclass(frozen=True)
class Form:
    """The features of a question's form that the table fit and the table match share: how it opens (`opening`),
    what kind of answer it asks for and of which kind of table (`asking`), the operations its words ask for."""

    opening: list[str]
    asking: list[str]
    operations: list[str]


def question_form(words: list[str], question: str, table: Table) -> Form:
    """The `Form` of a question (`words`: its normalised words) asked of a table."""
    intent = detect(question)
    return Form(["bias", f"lead:{'_'.join(words[:2])}", f"lead1:{words[0] if words else ''}"],
                [f"explains:{intent.explains}", f"label:{intent.asks_label}", f"asksyear:{intent.asks_year}",
                 f"report:{is_financial(table)}", f"context:{bool(table.context.strip())}"],
                [f"asked:{t.op}" for t in intent.triggers])


def fit_features(question: str, table: Table) -> list[str]:
    """What tells a question a table answers from one its prose answers: how it opens, the operation and kind
    of answer it asks for, how many of its words the table uses, whether it names a year the table has."""
    words = normalize(question).split()
    content = [stem(w) for w in words if w not in STOP and len(w) > 2 and not w.isdigit()]
    stems = _table_stems(table)
    missing = sum(s not in stems for s in content)
    form = question_form(words, question, table)
    years = years_in(question)
    header = " ".join(table.columns)
    f = [*form.opening,
         f"missing:{min(missing, 4)}", f"covered:{int(4 * (1 - missing / len(content))) if content else 4}",
         f"year:{bool(years)}|intable:{any(str(y) in header for y in years)}",
         f"number:{any(not 1900 <= x <= 2100 for x in question_numbers(question.lower()))}",
         *form.asking, *form.operations]
    return f + [f"w:{s}" for s in dict.fromkeys(content)]


@lru_cache(maxsize=1)
def fit_model() -> NamedSoftmax | None:
    return NamedSoftmax.load(FIT_FILE) if FIT_FILE.exists() else None


def table_fit(question: str, table: Table) -> float:
    """P(the table, not the prose around it, answers the question); 1.0 without shipped weights."""
    model = fit_model()
    if model is None:
        return 1.0
    return float(model.probabilities(fit_features(question, table))[model.classes.index("table")])
