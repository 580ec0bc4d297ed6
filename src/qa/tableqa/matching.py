"""Matching question words to a table's row and column labels: stems, synonyms, countries, years, idf weights."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from qa.tables.model import Table
from qa.text.tokens import Token, content, tokens, years_in

SYNONYM = 0.8  # a synonym ("revenue" for "sales") counts a little less than the word itself
QUALIFIER = 0.5  # words in parentheses or after "in", "per", "/" qualify a label more than they name it
LEAD_BONUS = 0.2  # ranking edge for a label whose first word is named ("long-term debt" is not "current portion")
# "Supercomputers in Top 500", "Graduates/Year", "(2024 est.)"; but "Net cash used in investing activities"
# keeps all its words: only a capitalised or numeric phrase after "in"/"for" is a qualifier.
_QUALIFIER_START = re.compile(
    r"\s(?:in|for|at|as\s+of)\s+(?=[A-Z0-9])|\sper\s|/|\(|,\s+(?:net|less|including|excluding|after|before)\b")


@dataclass(frozen=True)
class Label:
    """A row or column label as words to find: the head names it, qualifiers and section add to it."""

    text: str
    head: tuple[Token, ...]
    qualifier: tuple[Token, ...]
    context: tuple[Token, ...]  # the section a row sits under
    years: tuple[int, ...]
    aliases: tuple[Label, ...] = ()  # other names for it (a CSV sidecar's "measure")

    @property
    def keys(self) -> frozenset[str]:
        """Every stem, group and country of its words and its aliases' words: a quick "any word shared?"."""
        words = (*self.head, *self.qualifier, *self.context)
        return frozenset().union(*(t.keys for t in words), *(a.keys for a in self.aliases))


@dataclass(frozen=True)
class LabelMatch:
    """How well the question names one row or column."""

    index: int
    weight: float  # idf-weighted words found
    coverage: float  # share of the label's own words the question has, 0..1
    used: frozenset[int]  # positions (in the question's tokens) of the words used
    position: int  # where the label is named in the question (character offset)
    year: int | None = None  # the question year this label carries
    context_coverage: float = 0.0  # share of the section's words the question has
    lead: bool = False  # the label's first word is among those found: "Long-term debt, net of current portion"

    @property
    def key(self) -> tuple[float, float, float]:
        return (round(self.weight, 6), round(self.rank_coverage, 6), round(self.context_coverage, 6))

    @property
    def rank_coverage(self) -> float:
        """Coverage for ranking: a label whose first word the question names reads as the one meant."""
        return self.coverage + (LEAD_BONUS if self.lead else 0.0)


# Scale and currency words in a label ("Revenue ($ millions)", "Sales (£m)") say how, not what.
_UNIT_WORDS = frozenset({"million", "millions", "thousand", "thousands", "billion", "billions", "m", "bn", "k",
                         "mn", "usd", "eur", "gbp", "000s", "000"})


def _label_tokens(text: str) -> list[Token]:
    return [t for t in content(tokens(text))
            if not (t.text[0].isdigit() and t.year is None) and t.word not in _UNIT_WORDS]


def make_label(text: str, context: str = "", aliases: Sequence[str] = ()) -> Label:
    """Split a label into its head words and its qualifiers ("(2024 est.)", "in Top 500", "/Year")."""
    cut = _QUALIFIER_START.search(text)
    head_text, qual_text = (text[: cut.start()], text[cut.start() :]) if cut and cut.start() > 0 else (text, "")
    head = [t for t in _label_tokens(head_text) if t.year is None]
    qual = [t for t in _label_tokens(qual_text) if t.year is None]
    if not head:
        head, qual = qual, []
    return Label(text, tuple(head), tuple(qual), tuple(_label_tokens(context)), tuple(years_in(text)),
                 tuple(make_label(a, context) for a in aliases if a.strip()))


def _strength(word: Token, question: Token) -> float:
    if word.stem == question.stem or (word.country is not None and word.country == question.country):
        return 1.0
    if word.group == question.group:
        return SYNONYM
    return 0.0


class Matcher:
    """Scores every label of one axis (rows or columns) against a question's tokens."""

    def __init__(self, labels: Sequence[Label]) -> None:
        self.labels = list(labels)
        self._keys = [label.keys for label in self.labels]
        df: Counter[str] = Counter()
        for label in self.labels:
            df.update({t.stem for x in (label, *label.aliases) for t in (*x.head, *x.qualifier, *x.context)})
        n = max(len(self.labels), 1)
        self._idf = {s: math.log(1 + n / c) for s, c in df.items()}

    def idf(self, token: Token) -> float:
        return self._idf.get(token.stem, math.log(1 + len(self.labels)))

    def match(self, index: int, question: Sequence[Token], skip: frozenset[int] = frozenset()) -> LabelMatch:
        """The words of label `index` (or of one of its aliases) found in the question."""
        label = self.labels[index]
        return max((self._match(index, x, question, skip) for x in (label, *label.aliases)),
                   key=lambda m: (m.weight * (0.5 + m.coverage), m.coverage))

    def _match(self, index: int, label: Label, question: Sequence[Token], skip: frozenset[int]) -> LabelMatch:
        """The words of one label found in the question (each question word used once).

        A word written twice in the question ("total current assets to total current liabilities") is taken
        where the label's other words are: each place of the label's most telling word is tried as the seed,
        and the tightest of the best placements wins.
        """
        words = sorted((*label.head, *label.qualifier), key=lambda w: -self.idf(w))
        seeds = [i for i, q in enumerate(question) if i not in skip and words and _strength(words[0], q) > 0]
        trials = [self._assign(label, question, skip, seed) for seed in seeds] or [self._assign(label, question,
                                                                                               skip, None)]
        got, mine = max(trials, key=lambda t: (sum(t[0].values()), -_spread(t[1])))
        head_total = sum(self.idf(t) for t in label.head)
        qual_total = sum(self.idf(t) for t in label.qualifier)
        have = got["head"] + QUALIFIER * got["qualifier"]
        total = head_total + QUALIFIER * qual_total
        coverage = have / total if total else 0.0
        position = min((question[i].start for i in mine), default=10**6)
        weight = have + QUALIFIER * got["context"]
        context_total = sum(self.idf(t) for t in label.context)
        context_coverage = got["context"] / context_total if context_total else 1.0
        lead = bool(label.head) and any(_strength(label.head[0], question[i]) > 0 for i in mine)
        return LabelMatch(index, weight, coverage, frozenset(mine), position, None, context_coverage, lead)

    def _assign(self, label: Label, question: Sequence[Token], skip: frozenset[int],
                seed: int | None) -> tuple[dict[str, float], list[int]]:
        """Weighted words found per part of the label, and the question words they took."""
        taken: set[int] = set(skip)
        got = {"head": 0.0, "qualifier": 0.0, "context": 0.0}
        mine: list[int] = []
        near = [seed] if seed is not None else []
        for part in ("head", "qualifier", "context"):
            for word in sorted(getattr(label, part), key=lambda w: -self.idf(w)):
                at, strength = self._place(word, question, taken, mine or near)
                if at < 0:
                    continue
                taken.add(at)
                got[part] += strength * self.idf(word)
                # Section words support a row but stay free for the next row ("Goodwill" under "Assets",
                # then "Total assets").
                if part != "context":
                    mine.append(at)
        return got, mine

    @staticmethod
    def _place(word: Token, question: Sequence[Token], taken: set[int], near: list[int]) -> tuple[int, float]:
        """The question word that best matches `word`: strongest first, then nearest the words placed so far."""
        scored = [(_strength(word, q), i) for i, q in enumerate(question) if i not in taken]
        best = max((s for s, _ in scored), default=0.0)
        if best <= 0:
            return -1, 0.0
        places = [i for s, i in scored if s == best]
        if near:
            centre = sum(near) / len(near)
            places.sort(key=lambda i: abs(i - centre))
        return places[0], best

    def ranked(self, question: Sequence[Token], skip: frozenset[int] = frozenset(),
               allowed: Sequence[int] | None = None) -> list[LabelMatch]:
        """Labels that share at least one word with the question, best first (fewer extra words on ties)."""
        indices = range(len(self.labels)) if allowed is None else allowed
        asked = frozenset().union(*(t.keys for i, t in enumerate(question) if i not in skip))
        found = [m for m in (self.match(i, question, skip) for i in indices if self._keys[i] & asked)
                 if m.weight > 0]
        return sorted(found, key=lambda m: (-m.weight, -m.rank_coverage, -m.context_coverage,
                                            len(self.labels[m.index].head), m.index))


def _spread(indices: list[int]) -> int:
    return max(indices) - min(indices) if indices else 0


def row_labels(table: Table) -> list[Label]:
    """Row labels with their section (and the sidecar's description of the row, for CSVs)."""
    described = table.meta.get("rows") if isinstance(table.meta.get("rows"), dict) else {}
    out = []
    for row in table.rows:
        extra = described.get(row.label, {}) if isinstance(described, dict) else {}
        measure = str(extra.get("measure", "")) if isinstance(extra, dict) else ""
        out.append(make_label(row.label, row.section or "", [measure]))
    return out


def column_labels(table: Table) -> list[Label]:
    return [make_label(c) for c in table.columns]
