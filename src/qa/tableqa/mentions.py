"""Link question phrases to table cells, numbers and comparison words (the inputs of the generator)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from qa.tableqa.grid import TypedTable
from qa.tableqa.programs import NEGATIVE, Cond
from qa.tables.types import normalize, parse_number
from qa.text.numbers import WORD_NUMS as NUMBER_WORDS
from qa.text.tokens import STOPWORDS, stem

# The one stop list, and words that name a column rather than a value ("which team", "what year").
STOP = STOPWORDS | {"team", "year", "years", "total", "name", "list"}
COMPARATORS = [
    (r"\b(at least|or more|minimum of|no less than|no earlier than|not before)\b", ">="),
    (r"\b(at most|or less|or fewer|no more than|maximum of|top|within|first|no later than|not after)\b", "<="),
    (r"\b(more than|over|greater than|above|after|higher than|larger than|exceed\w*|longer than|since"
     r"|later than)\b", ">"),
    (r"\b(less than|under|below|before|fewer than|lower than|shorter than|prior to|previous to|earlier than"
     r"|smaller than)\b", "<"),
]


# Outcome words and the margin of a score that says it (own - other), as comparisons with 0.
OUTCOMES = [(r"\b(won|win|wins|winning|victor\w*|beat|defeat(?:ed)?)\b", (">",)),
            (r"\b(lost|lose|loss|losses|losing|defeat\w*)\b", ("<",)),
            (r"\b(tie|tied|ties|draw|drawn|draws)\b", (">=", "<="))]


DISTINCT = re.compile(r"\b(different|distinct|unique|kinds?|types?)\b")
_HOW_MANY = re.compile(r"\b(?:how many|number of|total number of|count of)\s+((?:\w+\s+){0,3})")


@dataclass(frozen=True)
class Link:
    """A question phrase found in column col; exact means the whole normalised cell was mentioned."""
    col: int
    value: str
    exact: bool
    n_rows: int


WORD_NUMS = {w: n for w, n in NUMBER_WORDS.items() if n <= 20}  # a question's counts: "twenty" at most
_WORD_RX = re.compile(r"\b(" + "|".join(WORD_NUMS) + r")\b")


def question_numbers(q: str) -> list[float]:
    """Numbers written in the question (digits or words up to twenty; '10,000' is one number)."""
    q = re.sub(r"(?<=\d),(?=\d{3}\b)", "", q)  # lookarounds: every comma of "1,000,000", not every other
    q = _WORD_RX.sub(lambda m: str(WORD_NUMS[m.group(1)]), q)
    return [float(x) for x in re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])", q)]


def _grams(tokens: list[str], n_max: int = 4) -> set[str]:
    return {" ".join(tokens[i:i + n]) for n in range(1, n_max + 1) for i in range(len(tokens) - n + 1)}


# Demonyms a question says for the country a cell names ("how many canadian players": Nationality = Canada).
_DEMONYMS = (
    "american: united states, usa; british: great britain, united kingdom; english: england; "
    "scottish: scotland; irish: ireland; welsh: wales; french: france; german: germany, west germany; "
    "italian: italy; spanish: spain; portuguese: portugal; dutch: netherlands; belgian: belgium; "
    "swiss: switzerland; austrian: austria; swedish: sweden; norwegian: norway; danish: denmark; "
    "finnish: finland; polish: poland; czech: czech republic; hungarian: hungary; romanian: romania; "
    "bulgarian: bulgaria; greek: greece; turkish: turkey; russian: russia; ukrainian: ukraine; "
    "canadian: canada; mexican: mexico; brazilian: brazil; argentine: argentina; argentinian: argentina; "
    "chilean: chile; colombian: colombia; japanese: japan; chinese: china; korean: south korea, korea; "
    "indian: india; australian: australia; kenyan: kenya; ethiopian: ethiopia; nigerian: nigeria; "
    "egyptian: egypt; jamaican: jamaica; cuban: cuba; serbian: serbia; croatian: croatia; "
    "slovenian: slovenia; slovak: slovakia; estonian: estonia; latvian: latvia; lithuanian: lithuania; "
    "israeli: israel; iranian: iran; thai: thailand; filipino: philippines; indonesian: indonesia; "
    "soviet: soviet union; icelandic: iceland; moroccan: morocco; algerian: algeria; "
    "south african: south africa"
)
DEMONYMS: dict[str, tuple[str, ...]] = {
    k.strip(): tuple(n.strip() for n in v.split(",")) for k, v in (e.split(":") for e in _DEMONYMS.split(";"))}


def _country_names(q_norm: str) -> list[str]:
    pad = f" {q_norm} "
    return [n for d, names in DEMONYMS.items() if f" {d} " in pad or f" {d}s " in pad for n in names]


def link_cells(t: TypedTable, q_norm: str, cap: int = 8) -> list[Link]:
    """Exact whole-cell mentions first, then partial (phrase inside a cell) ones; longest first, capped."""
    names = _country_names(q_norm)
    pad = f" {q_norm} " + "".join(f" {n} " for n in names)
    grams = {g for g in _grams(q_norm.split()) | set(names)
             if g not in STOP and not all(w in STOP for w in g.split())}
    exact: dict[tuple[int, str], int] = {}
    part: dict[tuple[int, str], int] = {}
    for c in range(t.n_cols):
        for r in range(t.n_rows):
            v = t.norm[r][c]
            if not v or len(v) > 80:
                continue
            for form in {v, t.prim[r][c]}:
                if form and f" {form} " in pad:
                    exact[(c, form)] = exact.get((c, form), 0) + 1
            if len(v) > 2:
                for g in grams:
                    if len(g) >= 4 and g != v and f" {g} " in f" {v} ":
                        part[(c, g)] = part.get((c, g), 0) + 1
    links = [Link(c, v, True, n) for (c, v), n in exact.items()]
    covered = {v for _, v in exact}
    part_items = [(c, g, n) for (c, g), n in part.items()
                  if not any(g in v for v in covered) and n < max(2, t.n_rows)]
    # keep the longest partial phrase per column: sub-phrases of it add only noise
    part_items = [x for x in part_items if not any(x[1] != y[1] and x[0] == y[0] and x[1] in y[1] for y in part_items)]
    links += [Link(c, g, False, n) for c, g, n in part_items]
    links = _drop_nested(links)
    links.sort(key=lambda link: (-link.exact, -len(link.value), link.col))
    return links[:cap]


def _drop_nested(links: list[Link]) -> list[Link]:
    """Drop a mention that is a sub-phrase of a longer mention in any column ('2' inside '2 june 2004')."""
    vals = {link.value for link in links}
    keep = []
    for link in links:
        longer = [v for v in vals if v != link.value and f" {link.value} " in f" {v} "]
        if not longer:
            keep.append(link)
    return keep


def _compared(q: str) -> list[tuple[str, float, str]]:
    """Each comparison phrase with a number after it ("more than 10", "under 1:55"): its operator, the number and
    the text that follows the phrase."""
    out = []
    for rx, op in COMPARATORS:
        for m in re.finditer(rx, q):
            rest = q[m.end():m.end() + 20]
            after = question_numbers(rest)
            if after:
                out.append((op, after[0], rest))
    return out


_CLOCK = re.compile(r"\s*(\d+):(\d{2}(?:\.\d+)?)")


def _seconds(rest: str) -> float | None:
    """The time a comparison names ("under 1:55"), in seconds. Not `parse_cell`: a cell "5:00" reads as a score."""
    clock = _CLOCK.match(rest)
    return 60 * float(clock.group(1)) + float(clock.group(2)) if clock else None


def comparison_conds(t: TypedTable, q_norm: str, num_cols: list[int]) -> list[Cond]:
    """Numeric filters from 'more than 10', 'before 1990', 'at least 3' on each numeric column."""
    out = []
    for op, x, rest in _compared(q_norm):
        secs = _seconds(rest)
        for c in num_cols:
            y = x
            if t.types[c] == "duration" and secs is not None:
                y = secs
            elif t.types[c] == "date" and 1000 <= x <= 2100:
                y = x * 10000 + (9999 if op in (">", "<=") else 0)
            # a score "2–1" is compared by one side ("scored more than 4") or both, as well as by margin
            sides = ("own", "total", "other", "") if t.types[c] == "score" else ("",)
            out += [Cond(c, op, side, y) for side in sides]
    return out[:12]


_NONE = re.compile(r"\b(?:no|zero|none|not|without|never)\b|n['’]t\b")


def equality_conds(t: TypedTable, q_num: str, num_cols: list[int]) -> list[Cond]:
    """'only one medal', 'won the cup four times', 'no gold medals': a count column equal to a small number."""
    nums = [x for x in question_numbers(q_num) if x < 1000]
    if _NONE.search(q_num):
        nums.append(0.0)
    cols = [c for c in num_cols if t.types[c] == "number"][:6]
    return [Cond(c, "==", "", x) for x in dict.fromkeys(nums) for c in cols][:8]


def outcome_conds(t: TypedTable, q_norm: str) -> list[tuple[Cond, ...]]:
    """'won' / 'lost' / 'tied' over a score column: the first side more than, less than or equal to the other."""
    scores = [c for c in range(t.n_cols) if t.types[c] == "score"]
    wanted = [(i, conds) for i, (rx, conds) in enumerate(OUTCOMES) if re.search(rx, q_norm)]
    out = [tuple(Cond(c, op, "", 0.0) for op in ops) for _, ops in wanted for c in scores[:2]]
    return out + [(Cond(c, "has", w),) for i, _ in wanted for c, w in _outcome_words(t, i)]


# Result cells that open with an outcome word ("W 28–27", "Loss", "D 1–1"), by the OUTCOMES entry they say.
_OUTCOME_WORDS = ({"w", "win", "won", "victory"}, {"l", "loss", "lost", "defeat"}, {"d", "t", "draw", "tie", "tied"})


def _outcome_words(t: TypedTable, i: int) -> list[tuple[int, str]]:
    """Text columns where most cells open with an outcome word, and the word of outcome i they use most."""
    out = []
    for c in range(t.n_cols):
        if t.types[c] == "score":
            continue
        firsts = [t.norm[r][c].split()[0] for r in range(t.n_rows) if t.norm[r][c]]
        said = [w for w in firsts if any(w in ws for ws in _OUTCOME_WORDS)]
        if firsts and 2 * len(said) > len(firsts):
            mine = [w for w in said if w in _OUTCOME_WORDS[i]]
            if mine:
                out.append((c, max(set(mine), key=mine.count)))
    return out[:2]


# "longer than X", "before X": a comparative against a named row (no number after it).
_THAN = re.compile(r"\b(?:\w+er|more|less|fewer|worse)\s+(?:\w+\s+){0,3}?than\b"
                   r"|\b(?:before|after|above|below|prior to|ahead of|behind)\b|\bnot as \w+ as\b")
SAME = re.compile(r"\b(same|equal|identical|as many|as much|tied with)\b")


def named_row_conds(t: TypedTable, q_norm: str, links: list[Link], num_cols: list[int]) -> list[tuple[Cond, ...]]:
    """Filters against a named row's own value: "the same acreage as hardwick wood" (Acreage = that row's, other
    rows), "taller than the leveque tower" (Height > that row's), by each column the named row has a value in."""
    same, than = SAME.search(q_norm), _THAN.search(q_norm)
    if than and question_numbers(q_norm[than.end():than.end() + 20]):  # "more than 5": a number, not a row
        than = None
    if not (same or than):
        return []
    out: list[tuple[Cond, ...]] = []
    for link in [x for x in links if x.exact][:2]:
        rows = [r for r in range(t.n_rows) if t.norm[r][link.col] == link.value or t.prim[r][link.col] == link.value]
        if not rows:
            continue
        r, k, v = rows[0], link.col, link.value
        other = Cond(link.col, "!=", link.value)
        for c in range(t.n_cols):
            if c == link.col or not t.norm[r][c]:
                continue
            x = t.num(r, c)
            if same:
                numeric = c in num_cols and x is not None
                out.append((Cond(c, "==", "", x, k, v) if numeric else Cond(c, "=", t.norm[r][c], None, k, v), other))
            if than and c in num_cols and x is not None:
                out += [(Cond(c, op, "", x, k, v),) for op in (">", "<")]
    return out[:16]


def count_thresholds(q_num: str) -> list[tuple[str, float]]:
    """The comparisons a question makes with a number ("more than 5", "at least 3"), for yes/no over a count."""
    return [(op, x) for op, x, _ in _compared(q_num)][:3]


def in_conds(q_norm: str, links: list[Link]) -> list[Cond]:
    """Several values named in one column ("martin carthy or ewan maccoll", "china, japan and south korea"):
    rows holding any of them."""
    if not re.search(r"\b(or|and|both|nor)\b|,", q_norm):
        return []
    by_col: dict[int, list[str]] = {}
    for link in links:
        if link.exact:
            by_col.setdefault(link.col, []).append(link.value)
    return [Cond(c, "in", "|".join(sorted(vs, key=q_norm.find))) for c, vs in by_col.items() if len(vs) >= 2][:3]


def presence_conds(t: TypedTable, q_stems: set[str]) -> list[Cond]:
    """A column the question names whose cells say something or nothing ("how many years did they make the
    playoffs": Playoffs holds a round, not "Did not qualify"; "how many places have no zip code")."""
    out = []
    for c in range(t.n_cols):
        words = {stem(w) for w in normalize(t.header[c]).split() if w not in STOP}
        if not words & q_stems:
            continue
        neg = [r for r in range(t.n_rows) if not t.total[r] and NEGATIVE.match(t.norm[r][c])]
        if neg and len(neg) < t.n_rows - sum(t.total):
            out += [Cond(c, "pos", ""), Cond(c, "neg", "")]
    return out[:6]


def cell_number(text: str) -> float | None:
    """Number of a question token (re-exported for the features)."""
    return parse_number(text)


def counted_noun(q_norm: str) -> str:
    """The first content word after "how many" / "number of" ("how many total medals" -> medal)."""
    m = _HOW_MANY.search(q_norm)
    if not m:
        return ""
    words = [w for w in m.group(1).split() if w not in STOP and w not in ("total", "times", "different")]
    return stem(words[0]) if words else ""
