"""The table side of an answer: the tables a question may be answered from, their answer, and its confidence
weighed against the passage evidence (`Answerer.decide` chooses between the two)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.answer.asked import asks_method, asks_reason, opens_with
from qa.answer.evidence import Question
from qa.index.store import IndexData
from qa.records import Chunk, Hit, Vectors
from qa.search.retrieval import Retriever
from qa.tableqa.engine import TableResult, answer_from_tables
from qa.tableqa.linking import Meaning
from qa.tables.model import Table
from qa.tables.values import parse_value

TABLE_HITS = 20  # retrieved chunks whose tables may answer: the per-question work never grows with the corpus
MAX_TABLES = 4  # tables weighed for one question, in retrieval order
MAX_SCOPED_TABLES = 8  # with `sources`, every table of those files is weighed, up to this many
TABLE_MIN = 0.5  # a table answer needs at least this much of its own confidence
MISSING_NAME_FACTOR = 0.25  # a table answer about a name or year the corpus lacks is mostly wrong
DISAGREEMENT_FACTOR = 0.9  # the table answer used other rows than the one retrieval found best: passage wins
REASON_COLUMN = re.compile(r"\b(?:reasons?|causes?|why|notes?|explanations?|remarks?)\b", re.IGNORECASE)


def states_reasons(table: Table) -> bool:
    """Whether a table has a column of reasons ("Reason", "Cause of death", "Notes")."""
    return any(REASON_COLUMN.search(name) for name in [table.row_header, *table.columns])


class TableSide:
    """The index's tables by id and by file, and its table-row chunks by (table, row); immutable once built."""

    def __init__(self, data: IndexData, retriever: Retriever) -> None:
        self.retriever = retriever
        self.tables = {t.id: t for t in data.tables}
        self._of_source: dict[str, list[Table]] = {}
        for table in data.tables:
            self._of_source.setdefault(table.source, []).append(table)
        self._rows = {(c.table_id, c.row): c for c in data.chunks if c.kind == "table_row"}

    def candidates(self, hits: Sequence[Hit], sources: Sequence[str] | None = None,
                   allowed: frozenset[str] | None = None) -> list[Table]:
        """The tables a question may be answered from: those of its retrieved table rows (a few, best first),
        and with `sources` every table of those files (within `allowed`); never a scan of every table."""
        found = [self.tables[h.chunk.table_id] for h in hits if h.chunk.table_id in self.tables]
        found = list({t.id: t for t in found}.values())[:MAX_TABLES]
        named = [s for s in sources or () if allowed is None or s in allowed]
        scoped = [t for s in named for t in self._of_source.get(s, [])][:MAX_SCOPED_TABLES]
        return list({t.id: t for t in [*scoped, *found]}.values())

    def result(self, resolved: str, pool: list[Table], qvec: Vectors, closed: bool) -> TableResult | None:
        """The table engines' answer, unless the question asks how something is done, or for a reason that no
        column of the table states."""
        table = answer_from_tables(resolved, pool, Meaning(self.retriever.embedder, qvec), closed=closed)
        if table is None:
            return None
        if asks_method(resolved) or (asks_reason(resolved) and not states_reasons(table.table)):
            # "Why did R&D spending grow?", "How is the market value calculated?": a table of figures states no
            # reason or way, and its engines' guess would be an amount at the confidence of a lookup. No training
            # question asks a table that (TAT-QA's 85 why and how questions are all answered from the prose;
            # WTQ's few reason questions are over a Reason or Notes column), so nothing taught the engines to doubt
            # it (docs/TABLES.md).
            return None
        values = table.table_answer.values or [table.table_answer.value]
        if opens_with(resolved, "who", "whom", "whose") and all(parse_value(v) is not None for v in values):
            # "Who founded Port Velmar?" of an infobox's "Founded | 1342": a number names no one. WTQ TRAIN: 3 of
            # its 1,201 questions that open with "who" have a number for gold, two of them miswritten ("who many").
            return None
        return table

    def confidence(self, question: Question, table: TableResult | None, best: Chunk | None,
                   passage_confidence: float) -> float:
        """The table path's confidence, weighed against the passage evidence (`best`: the chunk of the best
        passage span).

        Lowered when the question names something the corpus lacks. When the best passage evidence is a table
        row, the paths agree (that row is among those the table answer used: it is at least as sure as the
        passage) or disagree: that row is one the table path found named as well as the rows it used
        (`table.rivals`), so the passage is preferred. A row the question does not name is no evidence against an
        answer picked over all rows ("which region had the highest revenue"). Rows are compared by label, so
        the same table in two documents agrees with itself.
        """
        if table is None:
            return 0.0
        if any(w.lower() not in table.matched for n in question.missing for w in n.split()):  # "American"=US
            return table.confidence * MISSING_NAME_FACTOR
        label = self.retriever.row_label(best) if best is not None else None
        if label is None or table.confidence < TABLE_MIN:
            return table.confidence
        if label in {table.table.rows[i].label for i in table.rows}:
            return max(table.confidence, passage_confidence)
        if label in table.rivals:  # the table path weighed every row: only one it found as well named counts
            return min(table.confidence, passage_confidence * DISAGREEMENT_FACTOR)
        return table.confidence

    def lead_rows(self, table: TableResult) -> list[Chunk]:
        """The table-row chunks of the rows a table answer used, in its order."""
        return [self._rows[key] for r in table.rows if (key := (table.table.id, r)) in self._rows]
