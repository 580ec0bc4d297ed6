"""From a question to cells of one table: which rows and columns it names, and how sure that matching is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qa.embed.embedder import Embedder
from qa.lru import per_object
from qa.records import Vectors
from qa.tableqa.intent import Intent
from qa.tableqa.matching import Label, LabelMatch, Matcher, column_labels, row_labels
from qa.tables.cells import cell_value
from qa.tables.model import Table
from qa.text.tokens import STOPWORDS, Token, tokens, without_years, years_in

MIN_COVERAGE = 0.5  # a label counts as named when the question has at least half of its (weighted) words
MORE_COVERAGE = 0.75  # a second or later label of the same axis must be named more fully
EMBED_MIN, EMBED_MARGIN = 0.55, 0.05  # fallback: a row label close in meaning, and clearly closer than the next
# Confidence lost per question word the table does not explain: an ordinary word, a name, and a word
# qualifying the row's own words ("iPhone net sales" answered from "Total net sales").
UNMATCHED_WORD, UNMATCHED_NAME, UNMATCHED_MODIFIER = 0.07, 0.12, 0.3
# Words a question uses around a figure without naming it.
_LIGHT = frozenset(str.split(
    "have produce make report record show list give tell amount company fiscal total reported recorded "
    "value figure dollar million billion thousand usd period end ended ending approximately around "
    "roughly about country nation change table data number annual year yearly respectively estimate est "
    "count term spend get see file hold own generate earn pay world global"
))


@dataclass(frozen=True)
class Meaning:
    """The question's vector (already made for retrieval) and the embedder for row labels, for matching by
    meaning when no row label shares the question's words."""

    embedder: Embedder
    query: Vectors  # shape (1, dimension)

    def closeness(self, texts: list[str]) -> list[float]:
        # Labels go through the query cache: the same few labels come back question after question.
        return [float(s) for s in np.vstack([self.embedder.encode_query(t) for t in texts]) @ self.query[0]]


@dataclass
class Match:
    """The rows and columns a question names in one table."""

    table: Table
    tokens: list[Token]
    intent: Intent
    rows: list[LabelMatch]  # best first
    cols: list[LabelMatch]  # in the order the question names them
    row_ranked: list[LabelMatch]
    year_axis: str | None  # "col" or "row": the axis whose labels are years
    embedded: bool = False  # the row was found by meaning, not by its words
    by_section: bool = False  # the rows are every row of a section the question names ("in 2016")
    used: set[int] = field(default_factory=set)

    @property
    def row(self) -> int | None:
        return self.rows[0].index if self.rows else None


def _single_year(label: Label) -> int | None:
    return label.years[0] if len(set(label.years)) == 1 else None


def _year_axis(cols: Sequence[Label], rows: Sequence[Label], years: Sequence[int]) -> str | None:
    """The axis whose labels the question's years pick: columns ("2019"), or rows that differ only by their
    year ("2011 net revenue", "2012 net revenue"); a year qualifying one metric ("Patents Filed (2023)")
    picks nothing."""
    wanted = set(years)
    if any(_single_year(c) in wanted for c in cols):
        return "col"
    dated = Counter(_undated(r) for r in rows if _single_year(r) is not None)
    if any(n >= 2 for n in dated.values()) and any(_single_year(r) in wanted for r in rows):
        return "row"
    return None


def _undated(label: Label) -> str:
    return without_years(label.text).lower()


def _year_picks(matcher: Matcher, q: list[Token], years: Sequence[int], allowed: Sequence[int],
                skip: frozenset[int] = frozenset()) -> list[LabelMatch]:
    """One label per question year (the one whose other words fit best; the leftmost on a tie)."""
    picks: list[LabelMatch] = []
    for year in dict.fromkeys(years):
        year_at = next((i for i, t in enumerate(q) if t.year == year), None)
        same = [i for i in allowed if _single_year(matcher.labels[i]) == year]
        if not same or year_at is None:
            continue
        best = max(same, key=lambda i: (matcher.match(i, q, skip).weight, -i))
        words = matcher.match(best, q, skip)
        picks.append(LabelMatch(best, words.weight + 1.0, 1.0, words.used | {year_at}, q[year_at].start, year))
    return picks


def _word_picks(matcher: Matcher, q: list[Token], skip: frozenset[int], allowed: Sequence[int],
                limit: int) -> list[LabelMatch]:
    """Labels named by words, greedily: each next one from the words the earlier ones did not use.

    A second label must be named more fully than the first: in "United States revenue" the leftover
    "revenue" does not name "Total revenue".
    """
    picks: list[LabelMatch] = []
    used = set(skip)
    while len(picks) < limit:
        ranked = [m for m in matcher.ranked(q, frozenset(used), allowed)
                  if m.coverage >= (MORE_COVERAGE if picks else MIN_COVERAGE)
                  and m.index not in {p.index for p in picks}]
        if not ranked:
            break
        picks.append(ranked[0])
        used |= ranked[0].used
    return picks


@per_object()
def _matchers(table: Table) -> tuple[Matcher, Matcher]:
    """Row and column matchers of a table, kept for the next question (labels do not change once loaded)."""
    return Matcher(row_labels(table)), Matcher(column_labels(table))


def data_rows(table: Table) -> list[int]:
    return [i for i, r in enumerate(table.rows) if not r.is_section]


def value_cols(table: Table, row: int) -> list[int]:
    return [j for j in range(len(table.columns)) if cell_value(table, row, j) is not None]


def match_table(table: Table, question: str, intent: Intent, meaning: Meaning | None = None) -> Match | None:
    """The rows and columns of `table` the question names; None when it names no row."""
    q = tokens(question)
    rows_m, cols_m = _matchers(table)
    rl, cl = rows_m.labels, cols_m.labels
    rows_ok, cols_ok = data_rows(table), list(range(len(table.columns)))
    axis = _year_axis(cl, [rl[i] for i in rows_ok], intent.years)
    years = frozenset(i for i, t in enumerate(q) if t.year is not None)
    # Rows first: a row label such as "Total revenue" keeps its words from a column such as "% of total".
    # Years belong to the year axis; with none ("first quarter" under a "2017" section) rows may use them.
    row_skip = years if axis == "col" else frozenset()
    if axis == "row":
        rows = _year_picks(rows_m, q, intent.years, rows_ok)
    else:
        rows = _word_picks(rows_m, q, row_skip, rows_ok, 6)
    skip = frozenset(i for r in rows for i in r.used) | (years if axis != "col" else frozenset())
    cols = _pick_cols(cols_m, q, intent, axis == "col", skip, cols_ok)
    ranked = rows_m.ranked(q, row_skip, rows_ok)
    found = Match(table, q, intent, rows, sorted(cols, key=lambda c: c.position), ranked, axis)
    if not rows and axis != "row":
        _section_rows(found, rows_m, rows_ok, frozenset(i for c in cols for i in c.used))
    if not found.rows and meaning is not None and axis != "row":
        _embedding_row(found, rl, rows_ok, meaning, frozenset(i for c in cols for i in c.used) | years)
    if not found.rows and not (found.cols and intent.asks_label):
        return None
    found.used = {i for m in (*found.rows, *found.cols) for i in m.used}
    return found


def _pick_cols(matcher: Matcher, q: list[Token], intent: Intent, by_year: bool, skip: frozenset[int],
               allowed: list[int]) -> list[LabelMatch]:
    """The columns a question names: one per year it names, or every column it names by words."""
    if by_year:
        # Among one year's columns, operation words do not choose: "percentage of total revenue" asks for
        # a share of the amounts, not for the "% of total" column.
        spans = [(t.start, t.end) for t in intent.triggers if t.end > t.start]
        asking = frozenset(i for i, t in enumerate(q) if any(a <= t.start < b for a, b in spans))
        return _year_picks(matcher, q, intent.years, allowed, skip | asking)
    return _word_picks(matcher, q, skip, allowed, len(allowed)) if len(allowed) > 1 else []


def _section_rows(found: Match, matcher: Matcher, allowed: list[int], skip: frozenset[int]) -> None:
    """ "The average low price in 2016": no row is named, but a section is; its rows are the operands."""
    sections: dict[str, list[LabelMatch]] = {}
    for i in allowed:
        if not (matcher.labels[i].context and found.table.rows[i].section):
            continue
        m = matcher.match(i, found.tokens, skip)
        if m.context_coverage >= 1.0:
            sections.setdefault(found.table.rows[i].section or "", []).append(m)
    named = [rows for rows in sections.values() if len(rows) >= 2]
    if len(named) == 1:
        found.rows = named[0]
        found.by_section = True


def _embedding_row(found: Match, labels: list[Label], allowed: list[int], meaning: Meaning,
                   skip: frozenset[int]) -> None:
    """Fallback when no row shares enough words: the row whose label is closest in meaning to the question.

    The whole question's vector is compared, not one of its leftover words: that vector exists already, so the
    fallback costs no model call for a question never seen before (the labels' vectors are cached)."""
    rest = [t for i, t in enumerate(found.tokens) if i not in skip and t.stem not in STOPWORDS and t.year is None]
    if not rest or not allowed:
        return
    texts = [" ".join(filter(None, (labels[i].text, " ".join(t.text for t in labels[i].context)))) for i in allowed]
    scores = meaning.closeness(texts)
    order = sorted(range(len(allowed)), key=lambda k: -scores[k])
    best = scores[order[0]]
    second = scores[order[1]] if len(order) > 1 else 0.0
    if best >= EMBED_MIN and best - second >= EMBED_MARGIN:
        used = frozenset(i for i, t in enumerate(found.tokens) if t in rest)
        found.rows = [LabelMatch(allowed[order[0]], 0.0, MIN_COVERAGE, used, rest[0].start)]
        found.embedded = True


def confidence(found: Match, rows: Sequence[int], defaulted: bool, over_rows: bool = False) -> float | None:
    """How sure the matching is, 0..1; None when the question names a year or country the table lacks.

    `over_rows`: the question asked which row is largest, so no row had to be named.
    """
    leftover = _leftover(found, rows)
    if leftover is None:
        return None
    score = 0.95
    if over_rows or found.by_section:
        score *= 0.9 if found.cols else 0.0
    else:
        for m in found.rows:
            if m.index in rows:
                score *= 0.3 + 0.7 * min(m.coverage, 1.0)
        score *= _ambiguity(found)
    if found.embedded:
        score *= 0.8
    score *= 0.9 if defaulted else 1.0
    score -= leftover.penalty()
    return max(0.0, min(1.0, score))


def rivals(found: Match, rows: Sequence[int]) -> frozenset[str]:
    """Labels of rows the question names nearly as well as the rows the answer used: the only rows a caller
    should take as evidence against this answer (any other row was weighed and named less well)."""
    used = [m for m in found.rows if m.index in rows]
    if found.by_section or found.embedded or not used:
        return frozenset()
    weakest = min(used, key=lambda m: (m.weight, m.rank_coverage))
    return frozenset(found.table.rows[m.index].label for m in found.row_ranked
                     if m.index not in rows and m.weight >= 0.9 * weakest.weight
                     and m.rank_coverage >= weakest.rank_coverage - 0.1)


def _ambiguity(found: Match) -> float:
    """Lower when another row is named just as well by the question and holds different numbers."""
    if found.embedded or found.by_section or len(found.row_ranked) < 2 or found.year_axis == "row" or not found.rows:
        return 1.0
    best = found.rows[0]
    rivals = [m for m in found.row_ranked if m.index != best.index and m.index not in {r.index for r in found.rows}]
    if not rivals:
        return 1.0
    rival = rivals[0]
    same = [cell_value(found.table, best.index, c.index) == cell_value(found.table, rival.index, c.index)
            for c in found.cols] if found.cols else [False]
    if all(same) and found.cols:
        return 1.0
    if rival.key == best.key:
        return 0.5
    if rival.weight >= 0.9 * best.weight and rival.rank_coverage >= best.rank_coverage:
        return 0.85
    return 1.0


def _explained_words(found: Match, rows: Sequence[int]) -> tuple[set[str], set[int]]:
    """Stems the table's own text accounts for, and years it names outside its cells."""
    table = found.table
    text = " ".join([table.caption or "", table.heading, table.title, table.context, table.column_context,
                     table.row_header, *(table.rows[r].section or "" for r in rows)])
    years = set(years_in(text)) | {y for r in rows for y in years_in(table.rows[r].label)}
    years |= {c.year for c in found.cols if c.year} | {m.year for m in found.rows if m.year}
    return {t.stem for t in tokens(text)} | {t.group for t in tokens(text)}, years


@dataclass(frozen=True)
class Leftover:
    """Question words that nothing in the table explains."""

    words: int
    names: int  # capitalised words: names the table does not have
    modifiers: int  # words right beside a row's words: "iPhone net sales", "operating income margin"

    def penalty(self) -> float:
        return (UNMATCHED_WORD * min(self.words, 3) + UNMATCHED_NAME * min(self.names, 2)
                + UNMATCHED_MODIFIER * min(self.modifiers, 2))


def _leftover(found: Match, rows: Sequence[int]) -> Leftover | None:
    """Question words nothing explains; None for a year or country the table does not have."""
    stems, years = _explained_words(found, rows)
    # Words of a row the answer does not use explain nothing: "net" matching "net income" while the
    # answer comes from "operating revenues" is a word the answer leaves out.
    row_words = {i for r in found.rows if r.index in rows for i in r.used}
    used = row_words | {i for c in found.cols for i in c.used}
    groups = {found.tokens[i].group for i in used}
    spans = [(t.start, t.end) for t in found.intent.triggers if t.end > t.start]
    words = names = modifiers = 0
    for i, tok in enumerate(found.tokens):
        if i in used or tok.stem in STOPWORDS or tok.text.lower() in STOPWORDS:
            continue
        if (tok.year is not None and tok.year not in years) or (
                tok.country and tok.stem not in stems and tok.country not in stems):
            return None
        if tok.year is not None or found.embedded or _explained(tok, stems | groups, spans):
            continue
        if i + 1 in row_words or i - 1 in row_words:  # "iPhone net sales", "operating income margin"
            modifiers += 1
        elif tok.capital and tok.start > 0:
            names += 1
        else:
            words += 1
    return Leftover(words, names, modifiers)


def _explained(tok: Token, stems: set[str], spans: list[tuple[int, int]]) -> bool:
    """A word the table's text, an operation or ordinary question phrasing accounts for."""
    return (tok.group in stems or tok.stem in stems or tok.stem in _LIGHT or tok.text[0].isdigit()
            or any(s <= tok.start < e for s, e in spans))
