"""Financial (TAT-QA style) tables: row-label x column linking, cell arithmetic candidates, scale."""
from __future__ import annotations

import re
from itertools import combinations, permutations

import numpy as np

from qa.tableqa.features import Featurizer, hash_feats
from qa.tableqa.grid import TypedTable
from qa.tableqa.mentions import STOP, question_numbers
from qa.tableqa.programs import Exec, Program, fmt
from qa.tables.types import normalize, parse_number
from qa.text.tokens import stem

YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
SCALE_RX = [("thousand", r"thousands|\$ ?'000|’000|'000|\b000s\b|\$000"),
            ("million", r"millions|\$ ?m\b|\bmillion\b|\bmil\b|\$m\b|’million"),
            ("billion", r"billions|\bbillion\b")]


RATE_WORDS = {"percentage", "percent", "change", "difference", "rate", "increase", "decrease"}
SIGN_WORDS = {"difference", "change", "increase", "decrease", "decline", "growth", "variance", "between", "from"}


def col_year(t: TypedTable, c: int) -> int | None:
    """The year a column header names (last one, 'Years Ended July 28, 2018' -> 2018)."""
    ys = YEAR.findall(t.header[c]) if 0 <= c < t.n_cols else []
    return int(ys[-1]) if ys else None


def row_scores(t: TypedTable, q_stems: set[str]) -> list[tuple[float, int]]:
    """Rows ranked by how much of their label (column 0) the question mentions."""
    out = []
    for r in range(t.n_rows):
        toks = [w for w in t.norm[r][0].split() if w not in STOP]
        if toks:
            hit = sum(stem(w) in q_stems for w in toks)
            if hit:
                out.append((hit / len(toks) + 0.05 * hit, r))
    return sorted(out, reverse=True)


def link_columns(t: TypedTable, q_norm: str) -> list[int]:
    """Numeric-ish columns whose year the question mentions; all data columns when none is mentioned."""
    years = {int(y) for y in YEAR.findall(q_norm)}
    cols = [c for c in range(1, t.n_cols) if any(t.num(r, c) is not None for r in range(t.n_rows))]
    hit = [c for c in cols if col_year(t, c) in years]
    return hit if hit else cols[:6]


def _two_cell_ops(a: tuple[int, int], b: tuple[int, int]) -> list[Program]:
    return [Program(op, cells=(a, b)) for op in ("csub", "cpct", "cratio", "cshare")]


def generate_financial(t: TypedTable, q_norm: str, q_raw: str = "", cap: int = 1500) -> list[Program]:
    """Lookups, lists, and two-cell/row arithmetic over the best-linked rows and columns."""
    q_stems = {stem(w) for w in q_norm.split()}
    rows = [r for _, r in row_scores(t, q_stems)[:6]]
    cols = link_columns(t, q_norm)
    all_cols = [c for c in range(1, t.n_cols)]
    out: list[Program] = []
    for r in rows:
        out += [Program("lookup", cells=((r, c),)) for c in all_cols]
        out += [Program("lookup", cells=((r, 0),))]
        for a, b in permutations(cols[:5], 2):
            out += _two_cell_ops((r, a), (r, b))
            out.append(Program("clist", cells=((r, a), (r, b))))
        for a, b in combinations(cols[:5], 2):
            out += [Program("cavg", cells=((r, a), (r, b))), Program("csum", cells=((r, a), (r, b)))]
        if len(cols) > 2:
            cs = tuple((r, c) for c in cols[:5])
            out += [Program("cavg", cells=cs), Program("csum", cells=cs)]
        out += [Program(op, cells=tuple((r, c) for c in cols[:5])) for op in ("year_of_max", "year_of_min")]
    ycols = [c for c in all_cols if col_year(t, c)]
    if len(ycols) >= 2:
        out.append(Program("col_years", cells=tuple((0, c) for c in ycols)))
    nums = [x for x in question_numbers(q_raw.lower()) if not 1900 <= x <= 2100]
    for r in rows[:3]:
        if len(cols) > 2:
            out.append(Program("clist", cells=tuple((r, c) for c in cols[:5])))
        for x in nums[:2]:
            cs = tuple((r, c) for c in cols[:5])
            out += [Program("ccount_gt", cells=cs, args=(fmt(x),)), Program("ccount_lt", cells=cs, args=(fmt(x),))]
    for r1, r2 in permutations(rows[:3], 2):
        for c in cols[:3]:
            out += _two_cell_ops((r1, c), (r2, c))
            out += [Program("csum", cells=((r1, c), (r2, c))), Program("clist", cells=((r1, c), (r2, c)))]
    return list(dict.fromkeys(out))[:cap]


def _scale_of(src: str) -> str:
    for name, rx in SCALE_RX:
        if re.search(rx, src.lower()):
            return name
    return ""


def scale_cues(t: TypedTable, text: str) -> str:
    """Scale words in the header/row labels and 'in thousands'-style phrases in the paragraphs, as a key."""
    head = _scale_of(" ".join(t.header) + " " + " ".join(r[0] for r in t.rows))
    m = re.search(r"in (thousands|millions|billions)", text.lower())
    para = m.group(1)[:-1] if m else ""
    return f"{head}|{para}"


def answer_kind(arith: bool, values: tuple[str, ...] | list[str]) -> str:
    """arith for computed answers, num for numeric cells as written, text for worded spans."""
    if arith:
        return "arith"
    numeric = all(parse_number(v) is not None and not re.search(r"[a-z]{2,}", v.lower()) for v in values)
    return "num" if numeric and values else "text"


def predict_scale(t: TypedTable, p: Program, e: Exec, cues: str, table: dict[str, str]) -> str:
    """Percent for percentage ops and % cells, none for ratios/years; else the scale seen most often on
    TRAIN for these cues and this kind of answer (annotators are inconsistent for spans)."""
    if p.op in ("cpct", "cshare"):
        return "percent"
    if p.op in ("cratio", "year_of_max", "year_of_min", "col_years", "ccount_gt", "ccount_lt"):
        return ""
    cells_text = " ".join(t.rows[r][c] + " " + t.header[c] for r, c in p.cells)
    if "%" in cells_text or "percent" in cells_text.lower():
        return "percent"
    kind = answer_kind(p.op in ("csub", "csum", "cavg"), e.values)
    if kind == "text":
        return ""
    key = f"{cues}|{kind}"
    if key in table:
        return table[key]
    head, para = cues.split("|")
    return head or para


def financial_features(fz: Featurizer, t: TypedTable, q_norm: str, p: Program, e: Exec,
                       rank_of: dict[int, tuple[int, float]]) -> np.ndarray:
    """Op x question words, plus: row-link rank of each cell, year mentioned, year order, same row/col."""
    years = [int(y) for y in YEAR.findall(q_norm)]
    f = [f"ncells:{min(len(p.cells), 4)}|{p.op}"]
    for i, (r, c) in enumerate(p.cells[:3]):
        y = col_year(t, c)
        rk, sc = rank_of.get(r, (9, 0.0))
        f += [f"rowrank:{rk}|{p.op}|{i}", f"rowfit:{min(int(sc * 4), 4)}|{p.op}", f"rowtotal:{t.total[r]}|{p.op}",
              f"yearq:{y in years}|{p.op}", f"col0:{c == 0}|{p.op}", f"pcthdr:{'%' in t.header[c]}|{p.op}",
              f"colidx:{min(c, 4)}|{p.op}"]
        f += [f"hdr:{stem(w)}|q:{stem(q)}" for w in normalize(t.header[c]).split()[:3] for q in q_norm.split()[:12]
              if not w.isdigit()]
        # A rate row ("Discount rate 4.2%"): its "percentage change" is often the difference of the rates.
        rate = "%" in t.rows[r][c]
        f += [f"pctcell:{rate}|{p.op}", *(f"pctcell:{rate}|{p.op}|w:{w}" for w in q_norm.split() if w in RATE_WORDS)]
    if len(p.cells) == 2:
        (r1, c1), (r2, c2) = p.cells
        y1, y2 = col_year(t, c1), col_year(t, c2)
        order = "na" if not (y1 and y2) or y1 == y2 else "new_first" if y1 > y2 else "old_first"
        qord = "na"
        if y1 in years and y2 in years and y1 != y2:
            qord = "q_same" if years.index(y1) < years.index(y2) else "q_rev"
        f += [f"order:{order}|{p.op}", f"qord:{qord}|{p.op}", f"samerow:{r1 == r2}|{p.op}"]
    if e.number is not None:
        f.append(f"sign:{e.number < 0}|{p.op}")
        f += [f"sign:{e.number < 0}|{p.op}|w:{w}" for w in q_norm.split() if w in SIGN_WORDS]
    return np.concatenate([fz._op_part(p.op), hash_feats(f)])
