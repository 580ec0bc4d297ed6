"""Whether a question closed to a table is about that table at all: a learned probability, so that "who was the
first coach?" closed to a table of science metrics gets no forced table answer (docs/TABLES.md, the table match)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa.lru import per_object
from qa.tableqa.cues import question_cues
from qa.tableqa.features import wh_word
from qa.tableqa.fit import question_form
from qa.tableqa.gate import table_signals
from qa.tableqa.learned import is_financial, typed
from qa.tableqa.mentions import STOP, link_cells, question_numbers
from qa.tableqa.named_softmax import NamedSoftmax
from qa.tableqa.ranker import WEIGHTS
from qa.tables.model import Table
from qa.tables.types import normalize
from qa.text.tokens import Token, content, stem, tokens, years_in

MATCH_FILE = WEIGHTS / "table_match.json"  # made by `python -m bench.tableqa.train_match`
CLASSES = ("other", "table")  # the question is about another table; about this one
# "What years does the table provide data for?": a question pointing at the table is about the one it is asked of.
POINTS_AT_TABLE = re.compile(r"\b(?:the|this|that)\s+(?:table|chart|list)\b", re.IGNORECASE)
PREFIX = 5  # letters two words must share at their start to be loosely the same ("competed", "competition")


@dataclass(frozen=True)
class Vocabulary:
    """What a table can explain of a question: the keys (stem, synonym group, country) of every word of its
    cells, headers, caption, heading and lead-in; its header stems; the numbers and years it writes."""

    keys: frozenset[str]
    prefixes: frozenset[str]  # the first PREFIX letters of each longer key: "quarterfinal" meets "quarter finals"
    header: frozenset[str]
    numbers: frozenset[float]


@per_object()
def vocabulary(table: Table) -> Vocabulary:
    """The table's `Vocabulary`, made once per loaded table."""
    grid, _ = typed(table)
    texts = [" ".join(r) for r in grid.rows] + [" ".join(grid.header), table.caption or "", table.heading,
                                                 table.context, table.column_context]
    found = [t for text in texts for t in tokens(text)]
    numbers = {float(t.stem) for t in found if t.stem[:1].isdigit() and _is_number(t.stem)}
    header = {stem(w) for h in grid.header for w in normalize(h).split()}
    keys = frozenset(k for t in found for k in t.keys)
    joined = {w for text in texts for w in normalize(text).replace(" ", "").split()}  # compounds written apart
    prefixes = frozenset(k[:PREFIX] for k in keys | joined if len(k) >= PREFIX)
    return Vocabulary(keys, prefixes, frozenset(header), frozenset(numbers))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _asked(question: str) -> list[Token]:
    """The question's content words: no stop words, no numbers, no words of two letters."""
    return [t for t in content(tokens(question))
            if t.word not in STOP and t.stem not in STOP and len(t.word) > 2 and not t.word[:1].isdigit()]


def match_features(question: str, table: Table) -> list[str]:
    """How the question opens, the operation and kind of answer it asks for; and whether the table holds what it
    asks about: its words no cell, header, caption or lead-in explains (each, and how many), a phrase that is a
    cell, the asked-about noun in a header, its numbers and years in the table."""
    words = normalize(question).split()
    asked = _asked(question)
    vocab = vocabulary(table)
    strict = [t for t in asked if not t.keys & vocab.keys]
    missing = list(dict.fromkeys(t.stem for t in strict if len(t.stem) < PREFIX or t.stem[:PREFIX] not in
                                 vocab.prefixes))
    share = len(missing) / len(asked) if asked else 0.0
    form = question_form(words, question, table)
    gone = min(len(missing), 4)
    f = [*form.opening, f"missing:{gone}", f"covered:{4 - int(4 * share)}",
         f"missing:{gone}|report:{is_financial(table)}", f"strict:{min(len(strict), 4)}", *form.asking,
         *_number_features(question, table, vocab), *_cell_features(words, table, vocab), *form.operations]
    wh = wh_word(" ".join(words))  # "who" of a table without names, "how many" of one row per metric
    f += [f"wh:{wh}|{signal}" for signal in table_signals(table)]
    return f + [f"w:{s}" for s in dict.fromkeys(t.stem for t in asked)] + [f"mw:{s}" for s in missing]


def _number_features(question: str, table: Table, vocab: Vocabulary) -> list[str]:
    """Whether the years and other numbers the question names are ones the table writes."""
    years = years_in(question)
    header = " ".join(table.columns)
    others = [x for x in question_numbers(question.lower()) if not 1900 <= x <= 2100]
    return [f"year:{bool(years)}|intable:{any(str(y) in header for y in years)}",
            f"year:{bool(years)}|anywhere:{bool(years) and all(float(y) in vocab.numbers for y in years)}",
            f"number:{bool(others)}|intable:{any(x in vocab.numbers for x in others)}"]


def _cell_features(words: list[str], table: Table, vocab: Vocabulary) -> list[str]:
    """Phrases of the question that are (or are inside) cells; the noun asked about against the headers."""
    grid, _ = typed(table)
    links = link_cells(grid, " ".join(words)) if grid.n_rows else []
    exact = sum(link.exact for link in links)
    head = question_cues(" ".join(words)).head
    where = ("none" if not head else "header" if set(head) & vocab.header
             else "table" if set(head) & vocab.keys else "absent")
    return [f"links:{min(exact, 2)}:{min(len(links) - exact, 2)}", f"head:{where}"]


@lru_cache(maxsize=1)
def match_model() -> NamedSoftmax | None:
    return NamedSoftmax.load(MATCH_FILE) if MATCH_FILE.exists() else None


def another_table(question: str, table: Table) -> float:
    """P(the question is about another table than this one); 0.0 without shipped weights."""
    model = match_model()
    if model is None or POINTS_AT_TABLE.search(question):
        return 0.0
    return float(model.probabilities(match_features(question, table))[model.classes.index("other")])
