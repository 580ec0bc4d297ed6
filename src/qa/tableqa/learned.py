"""The learned table engine over a corpus table: candidate programs ranked by weights trained on real questions."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from qa.lru import per_object
from qa.records import Cell, TableAnswer
from qa.tableqa.financial_parser import ReportView, ScaleModel, rank_financial, report_view
from qa.tableqa.grid import TypedTable, make_table
from qa.tableqa.parser import Result, candidates_for, rank
from qa.tableqa.ranker import WEIGHTS, Ranker
from qa.tables.cells import exact
from qa.tables.model import Table
from qa.tables.values import SCALE_NAMES, parse_value, scale_name

log = logging.getLogger(__name__)

# The program language's operations as the API names them (shared/API.md, table_answer.operation).
OPERATIONS = {
    "select": "select", "mode": "select", "antimode": "select", "count": "count", "count_distinct": "count",
    "argmax": "argmax", "argmin": "argmin", "first": "first", "last": "last", "next": "next", "prev": "previous",
    "sum": "sum", "avg": "average", "compare_max": "compare", "compare_min": "compare", "diff": "difference",
    "sum2": "sum", "diff_cols": "difference", "lookup": "lookup", "clist": "list", "csub": "difference",
    "cpct": "percent_change", "cratio": "ratio", "cshare": "share", "csum": "sum", "cavg": "average",
    "year_of_max": "argmax", "year_of_min": "argmin", "col_years": "list", "ccount_gt": "count",
    "ccount_lt": "count", "compare_count_max": "compare", "compare_count_min": "compare", "word_gt": "compare",
    "word_lt": "compare", "yes_gt": "compare", "yes_lt": "compare", "crows": "count", "crow_max": "argmax",
    "crow_min": "argmin", "cheaders": "list", "cyears_gt": "list", "cyears_lt": "list", "yes_any": "compare",
    "yes_count": "compare", "yes_same": "compare", "word_count_gt": "compare", "word_count_lt": "compare",
    "span": "difference", "span2": "difference", "span_pair": "difference",
}  # fmt: skip
_AS_WRITTEN = frozenset({"count", "count_distinct", "ccount_gt", "ccount_lt", "col_years", "year_of_max",
                         "year_of_min", "clist", "crows", "crow_max", "crow_min", "cheaders", "cyears_gt",
                         "cyears_lt"})
_SCALES = {name: scale for scale, name in SCALE_NAMES.items()}  # "million" -> 1e6
# Bounds on the tables programs are generated for: the training tables are far smaller, and the number of
# candidates grows with rows times columns (a 10,000-column export is answered by label matching alone).
MAX_COLUMNS = 100
MAX_ROWS = 2000
_YEAR_COLUMN = re.compile(r"\b(?:19|20)\d{2}\b")


@dataclass(frozen=True)
class Learned:
    """The learned engine's best answer on one table, in the API's shape."""

    table_answer: TableAnswer
    answer: str
    confidence: float
    rows: list[int]  # indices into Table.rows


@dataclass(frozen=True)
class _Models:
    entities: Ranker  # WikiTableQuestions: rows are things, events, people
    financial: Ranker  # TAT-QA: rows are line items, columns are periods
    scales: ScaleModel  # the scale of a report answer


@lru_cache(maxsize=1)
def models() -> _Models:
    scales = ScaleModel.load(WEIGHTS / "tat_scale.json")
    return _Models(Ranker.load(str(WEIGHTS / "wtq.npz")), Ranker.load(str(WEIGHTS / "tat.npz")), scales)


@per_object()
def typed(table: Table) -> tuple[TypedTable, list[int]]:
    """The table as the programs see it (label column first, section rows left out), made once per loaded table,
    and the `Table.rows` index of each of its rows."""
    body = [i for i, r in enumerate(table.rows) if not r.is_section]
    header = [table.row_header, *table.columns]
    rows = [[_flat(table.rows[i].label), *(_flat(c) for c in table.rows[i].cells)] for i in body]
    return make_table([_flat(h) for h in header], rows), body


@per_object()
def viewed(table: Table) -> ReportView:
    """The table as the report model sees it (`financial_parser.report_view`), made once per loaded table."""
    grid, body = typed(table)
    return report_view(table, grid, body)


def is_financial(table: Table) -> bool:
    """A report table (declared scale or currency, several header rows, or years across): its rows are line
    items and its questions ask for arithmetic on them; other tables list things, events or people."""
    years = sum(bool(_YEAR_COLUMN.search(c)) for c in table.columns)
    return table.scale != 1.0 or table.unit is not None or len(table.header_rows) > 1 or years * 2 >= len(table.columns)


def learned_answer(question: str, table: Table, financial: bool | None = None) -> Learned | None:
    """The best program's answer on this table, or None when no program executes to a value.

    `financial`: which model answers (the report model, or the entity model); None: `is_financial` decides."""
    if len(table.columns) >= MAX_COLUMNS or len(table.rows) > MAX_ROWS:
        return None
    grid, body = typed(table)
    if grid.n_rows == 0 or grid.n_cols < 2:
        return None
    m = models()
    if is_financial(table) if financial is None else financial:
        found = rank_financial(viewed(table), question, m.financial, top=1, scale_model=m.scales)
        return _shaped(table, grid, body, found[0].result, found[0].scale, True) if found else None
    ranked = rank(grid, candidates_for(grid, question), m.entities, top=1)
    return _shaped(table, grid, body, ranked[0], "", False) if ranked else None


def shaped_report(table: Table, grid: TypedTable, body: list[int], result: Result, scale: str) -> Learned:
    """A report model's result in the API's shape, as `learned_answer` gives it (for the benches)."""
    return _shaped(table, grid, body, result, scale, True)


def _shaped(table: Table, grid: TypedTable, body: list[int], result: Result, scale: str,
            report: bool) -> Learned:
    values = list(result.values)
    operation = OPERATIONS.get(result.program.op, "select")
    unit = "%" if scale == "percent" else table.unit
    cells = [Cell(grid.rows[r][0], grid.header[c], grid.rows[r][c]) for r, c in result.cells]
    number = _number(result.number, scale, table, report)
    shown = _shown(result, values, cells, unit, number, _SCALES.get(scale, 1.0)) if report else ", ".join(values)
    explanation = f"{result.text} = {shown}"
    answer = TableAnswer(operation, shown, number, unit, cells, explanation, table.id, table.caption,
                         table.source_note, result.text, values, sorted({body[r] for r in result.rows}))
    return Learned(answer, shown, round(result.confidence, 3), answer.rows)


def _shown(result: Result, values: list[str], cells: list[Cell], unit: str | None, number: float | None,
           scale: float) -> str:
    """A report figure the way the table writes it, in its scale and currency ("$15,738 million", "-2.0%");
    counts, years and text as they are."""
    if number is None or result.program.op in _AS_WRITTEN or len(values) != 1:
        return ", ".join(values)
    if unit == "%":
        return exact(number, "%", 1)
    written = [parse_value(c.value) for c in cells]
    decimals = max((v.decimals for v in written if v is not None), default=0)
    return exact(number, unit, decimals, scale)


def _number(number: float | None, scale: str, table: Table, report: bool = False) -> float | None:
    """The value as a plain number with its scale applied ("5,203" in thousands -> 5203000): the report model's
    predicted scale (none for counts, years, per-share figures), or for the entity model the table's own."""
    if number is None:
        return None
    if scale in _SCALES:
        return number * _SCALES[scale]
    if scale == "" and not report and table.scale != 1.0 and scale_name(table.scale):
        return number * table.scale
    return number


def _flat(text: str) -> str:
    # A cell with a line break ("Final\nPoints") is one value; the programs compare it as one line.
    return " ".join(text.split())

