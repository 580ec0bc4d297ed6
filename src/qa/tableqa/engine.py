"""Answering from tables: find the table, row and columns a question means, then look up or compute."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from qa.lru import per_object
from qa.records import Cell, TableAnswer
from qa.tableqa.fit import table_fit, table_words
from qa.tableqa.gate import ENGINES, Offer, choose
from qa.tableqa.intent import Intent, detect
from qa.tableqa.learned import learned_answer
from qa.tableqa.linking import Match, Meaning, confidence, match_table, rivals
from qa.tableqa.plans import Built, build
from qa.tableqa.table_match import another_table
from qa.tables.model import Table, TableRow
from qa.tables.values import CURRENCIES
from qa.text.tokens import tokens

R = TypeVar("R")

log = logging.getLogger(__name__)
RIVAL_MARGIN = 0.05  # another table this close in confidence with a different answer makes both doubtful
CONFIDENT = 0.5  # a table answer this sure needs no fallback
EMBEDDING_TABLES = 3  # tables whose labels are compared by meaning when words match none
# With `sources`, a table answer is given even below the usual confidence (`Answerer.decide`), so a question the
# learned table match puts on another table this surely gets none from it (chosen on DEV, docs/TABLES.md).
OTHER_TABLE = 0.88
KIND_MISMATCH = 0.35  # asked for a percentage or ratio, got an amount; asked how many things, got money
# "What does the table show?", "What data does the table contain?": a question about the table itself.
ABOUT_TABLE = re.compile(r"^\s*what\s+(?:\w+\s+){0,2}(?:does|do|is)\s+the\s+tables?\s+(?:show|represent|contain|"
                         r"present|depict|describe|illustrate|about|provide|summari[sz]e|display|report)\w*\s*\??\s*$",
                         re.IGNORECASE)
_RATE_WORDS = frozenset({"percent", "ratio", "rate", "margin", "yield"})
_MONEY_WORDS = frozenset({"dollar", "euro", "pound", "yen", "yuan", "renminbi", "cent", "thousand", "million",
                          "billion", "trillion", "usd", "eur", "gbp"})


@dataclass
class TableResult:
    """A table answer with the short text shown in chat and how sure the matching is."""

    table_answer: TableAnswer
    answer: str
    confidence: float
    table: Table
    rows: list[int] = field(default_factory=list)  # indices into table.rows of the rows used
    # Question words (lower case) matched to the table's labels, including other names for them: "American"
    # for the "United States" column, so callers need not take it for a name the corpus lacks.
    matched: frozenset[str] = frozenset()
    # Labels of other rows the question names nearly as well as the rows used; every other row of the table
    # was weighed and fits the question less. Empty when the answer ranged over all rows ("which segment").
    rivals: frozenset[str] = frozenset()


@dataclass
class _Candidate:
    table: Table
    view: Table  # the table as matched: itself, or turned so that its years run across
    origin: list[int] | None  # for a turned view, the table row each view column came from
    built: Built
    confidence: float
    matched: frozenset[str]
    rivals: frozenset[str]


def answer_from_tables(question: str, tables: list[Table], meaning: Meaning | None = None,
                       closed: bool = False) -> TableResult | None:
    """The table answer to a question, or None when no table fits it.

    `closed`: the asker named the files (`sources`), so the question is about their tables. Then the learned
    engine (programs ranked by weights trained on real questions) answers too, with its entity model and its
    report model, and a learned gate picks one of the three answers (`tableqa/gate.py`). Over the whole corpus
    the label-matching engine answers alone: the learned confidence ranks programs within a table but does
    not say whether a question is about that table at all (docs/TABLES.md, "Which engine answers").
    """
    if not closed:
        return _label_answer(question, tables, meaning)
    if ABOUT_TABLE.search(question):
        return None  # what a table shows is said by its caption or the text around it, not by a cell
    found = offers(question, tables, meaning)
    if not found:
        return None
    pick = found[choose(question, [offer for offer, _ in found])][1]
    label = found[0][1] if found[0][0].engine == "label" else None
    if label is not None and _same_number(label, pick):
        pick = label  # the same figure, written as the conventions above say ("-2.0%", not "-2.04%")
    # The gate says which answer; whether the tables answer the question at all (weighed against the passages
    # in `Answerer.decide`) is as sure as the surest engine (TAT-QA dev, table-text questions: 0.548 with the
    # pick's own confidence, docs/TABLES.md), and no surer than the question is one the table, not its prose,
    # answers (`fit`: a report's prose questions drew a list of its years at 0.9). The match is read on the pick
    # only: one small model per closed question.
    if another_table(question, pick.table) >= OTHER_TABLE:
        return None  # a question about another table: no value of this one, however well a program runs on it
    sure = max(r.confidence for _, r in found)
    return replace(pick, confidence=round(min(sure, table_fit(question, pick.table)), 3))


def _same_number(a: TableResult, b: TableResult) -> bool:
    """The same figure in the same unit: a bare 7 is not the report model's 7% ("increase in the share")."""
    x, y = a.table_answer.number, b.table_answer.number
    return (x is not None and y is not None and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
            and (a.table_answer.unit == "%") == (b.table_answer.unit == "%"))


def offers(question: str, tables: list[Table], meaning: Meaning | None = None) -> list[tuple[Offer, TableResult]]:
    """Each engine's best answer over the tables (engines without one left out), as the gate weighs them."""
    found = {"label": _label_answer(question, tables, meaning), "entity": _learned_best(question, tables, False),
             "report": _learned_best(question, tables, True)}
    return [(Offer(name, r.answer, r.confidence, r.table_answer.operation, r.table), r)
            for name in ENGINES if (r := found[name]) is not None]


def _learned_best(question: str, tables: list[Table], financial: bool) -> TableResult | None:
    best: TableResult | None = None
    for table in tables:
        found = _skipping_failures(lambda t, q: learned_answer(q, t, financial), table, question)
        if found is not None and (best is None or found.confidence > best.confidence):
            best = TableResult(found.table_answer, found.answer, found.confidence, table, found.rows,
                               _words_in(question, table))
    return best


def _words_in(question: str, table: Table) -> frozenset[str]:
    """The question's words that the table uses somewhere (labels, headers, cells)."""
    used = table_words(table)
    return frozenset(w for w in (t.text.lower() for t in tokens(question)) if w in used)


def _label_answer(question: str, tables: list[Table], meaning: Meaning | None) -> TableResult | None:
    """The label-matching engine: confidence is high only when one table, its row and its columns are all
    named unambiguously."""
    intent = detect(question)
    if intent.explains:
        return None
    candidates = [c for t in tables if (c := _isolated(t, question, intent, None)) is not None]
    if meaning is not None and not any(c.confidence >= CONFIDENT for c in candidates):
        # Matching labels by meaning costs a model call per label never seen before: only for the few tables
        # the question's words point at, and only when matching by words found nothing sure.
        near = sorted(tables, key=lambda t: -_overlap(t, question))[:EMBEDDING_TABLES]
        candidates += [c for t in near if (c := _isolated(t, question, intent, meaning)) is not None]
    if not candidates:
        return None
    candidates.sort(key=lambda c: -c.confidence)
    best = candidates[0]
    score = best.confidence
    if any(c.confidence >= score - RIVAL_MARGIN and c.built.computed.value != best.built.computed.value
           and c.table.id != best.table.id for c in candidates[1:]):
        score *= 0.6
    return _result(best, score)


def _isolated(table: Table, question: str, intent: Intent, meaning: Meaning | None) -> _Candidate | None:
    """`_candidate`, with a failure on one odd table logged and skipped."""
    return _skipping_failures(lambda t, q: _candidate(t, q, intent, meaning), table, question)


def _skipping_failures(answer: Callable[[Table, str], R], table: Table, question: str) -> R | None:
    """One table's answer, or None when answering it fails: one odd table must not fail the request."""
    try:
        return answer(table, question)
    except Exception:
        log.exception("table %s failed on %r; skipped", table.id, question[:200])
        return None


def _candidate(table: Table, question: str, intent: Intent, meaning: Meaning | None) -> _Candidate | None:
    """The answer one table gives, with its confidence; None when it names no row, year or column there."""
    view, origin = _view(table)
    found = match_table(view, question, intent, meaning)
    if found is None or (meaning is not None and not found.embedded):
        return None
    built = build(found, question)
    if built is None:
        return None
    score = confidence(found, built.rows, built.defaulted, built.over_rows)
    if score is None:
        return None
    if _wrong_kind(found, built.computed.unit, built.computed.number):
        score = max(0.0, score - KIND_MISMATCH)
    score = min(1.0, score + _context_bonus(table, question))
    words = frozenset(found.tokens[i].text.lower() for i in found.used)
    others = rivals(found, built.rows) if origin is None and not built.over_rows else frozenset()
    return _Candidate(table, view, origin, built, score, words, others)


@per_object()
def _view(table: Table) -> tuple[Table, list[int] | None]:
    """The table as matched (turned when its years run down the side), made once per loaded table."""
    return transposed(table) if years_down(table) else (table, None)


def _wrong_kind(found: Match, unit: str | None, number: float | None) -> bool:
    """The question asks for another kind of figure than the table gives, in words the table does not match:
    a rate ("gross margin percentage") answered with an amount, or a count ("how many stores") with money."""
    free = [t for i, t in enumerate(found.tokens) if i not in found.used]
    if number is not None and unit not in ("%", "×") and any(t.stem in _RATE_WORDS for t in free):
        return True
    counted = [found.tokens[i + 2] for i in range(len(found.tokens) - 2)
               if found.tokens[i].word == "how" and found.tokens[i + 1].word == "many"]
    return unit in CURRENCIES and any(t in free and t.stem not in _MONEY_WORDS for t in counted)


def _overlap(table: Table, question: str) -> int:
    """How many of the question's words the table's caption, headers and labels use."""
    text = " ".join([table.caption or "", table.heading, *table.columns, *(r.label for r in table.rows)])
    return len({t.stem for t in tokens(text)} & {t.stem for t in tokens(question) if len(t.stem) > 2})


def _context_bonus(table: Table, question: str) -> float:
    """A little for each question word the table's caption or heading shares, to choose between tables."""
    named = {t.stem for t in tokens(" ".join([table.caption or "", table.heading, table.context]))}
    asked = {t.stem for t in tokens(question) if len(t.stem) > 3}
    return 0.01 * min(len(named & asked), 3)


def _result(best: _Candidate, score: float) -> TableResult:
    table, view, computed = best.table, best.view, best.built.computed
    if best.origin is None:
        cells = [Cell(table.rows[r.row].label, table.columns[r.col], table.rows[r.row].cells[r.col])
                 for r in computed.refs]
        rows = best.built.rows
    else:  # back from the turned view to the table as written
        origin = best.origin
        cells = [Cell(table.rows[origin[r.col]].label, view.rows[r.row].label, view.rows[r.row].cells[r.col])
                 for r in computed.refs]
        rows = sorted({origin[r.col] for r in computed.refs})
    program = f"{computed.operation}({', '.join(f'{c.row}[{c.column}]' for c in cells)})"
    answer = TableAnswer(computed.operation, computed.value, computed.number, computed.unit, cells,
                         computed.explanation, table.id, table.caption, table.source_note, program, [computed.value],
                         list(rows))
    return TableResult(answer, computed.value, round(score, 3), table, rows, best.matched, best.rivals)


_YEAR_LABEL = re.compile(r"^(?:FY\s?|fiscal\s+(?:year\s+)?)?(?:19|20)\d{2}\s*(?:\(\w\)|\*)?$", re.IGNORECASE)


def years_down(table: Table) -> bool:
    """A table whose rows are years ("2015", "2016", ...) and whose columns are measures."""
    labels = [r.label for r in table.rows if not r.is_section]
    return len(labels) >= 2 and sum(bool(_YEAR_LABEL.match(x.strip())) for x in labels) * 10 >= len(labels) * 6


def transposed(table: Table) -> tuple[Table, list[int]]:
    """The table turned so its years run across (a view for matching), and the row each new column came from."""
    body = [i for i, r in enumerate(table.rows) if not r.is_section]
    rows = [TableRow(name, [table.rows[i].cells[j] for i in body], table.start, table.end)
            for j, name in enumerate(table.columns)]
    columns = [table.rows[i].label for i in body]
    view = replace(table, rows=rows, columns=columns, header_rows=[[table.row_header, *columns]], column_context="")
    return view, body
