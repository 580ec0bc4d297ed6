"""Ranker features of a report program: the operation against the question's words, and how well each cell's
row, column and period fit the question."""
from __future__ import annotations

from itertools import pairwise

import numpy as np

from qa.tableqa.features import hash_feats, wh_word
from qa.tableqa.financial import (
    FIN_STOP,
    RATE_WORDS,
    SET_KINDS,
    SIGN_WORDS,
    ReportView,
    col_year,
    label_tokens,
    question_keys,
    report_years,
    row_scores,
)
from qa.tableqa.intent import detect
from qa.tableqa.programs import Exec, Program
from qa.tables.types import normalize
from qa.text.tokens import stem

# The operation a question's words ask for (`intent.detect`, the label engine's reading) that each report
# operation performs: the ranker learns how far to trust "average" asked against an average computed.
_INTENT_OF = {"cavg": "average", "csum": "sum", "csub": "difference", "cpct": "percent_change", "cratio": "ratio",
              "cshare": "share", "crow_max": "max", "year_of_max": "max", "crow_min": "min", "year_of_min": "min",
              "crows": "count", "ccount_gt": "count", "ccount_lt": "count"}


class QuestionPart:
    """The op x question-word features of one question, made once per operation."""

    def __init__(self, q_norm: str, v: ReportView | None = None, q_raw: str = "") -> None:
        self.words = q_norm.split()
        self.wh = wh_word(q_norm)
        found = detect(q_raw or q_norm)
        self.asked = [t.op for t in found.triggers]
        self.asks = (found.asks_label, found.asks_year, found.explains)
        self.memo: dict[str, np.ndarray] = {}
        stems = {stem(w) for w in self.words if w not in FIN_STOP}
        self.stems = stems
        self.said_total = "total" in self.words
        # How many words of each column's header the question says (years aside): "FY19 Annual Salary"
        t = v.grid if v is not None else None
        self.col_ov = [sum(stem(w) in stems for w in label_tokens(normalize(h)) if not report_years(w))
                       for h in t.header] if t is not None else []
        self.best_ov = max(self.col_ov[1:], default=0)
        rows = row_scores(v, stems | question_keys(q_norm, q_raw)) if v is not None else []
        self.best_row = rows[0][0] if rows else 0.0

    def op(self, op: str) -> np.ndarray:
        if op not in self.memo:
            q = self.words
            f = [f"op:{op}", f"op:{op}|wh:{self.wh}"] + [f"op:{op}|w:{w}" for w in q]
            wanted = _INTENT_OF.get(op, "lookup")
            f += [f"op:{op}|asked:{wanted in self.asked}", f"op:{op}|first:{self.asked[0]}",
                  f"op:{op}|label:{self.asks[0]}|year:{self.asks[1]}|explains:{self.asks[2]}"]
            f += [f"op:{op}|b:{a}_{b}" for a, b in pairwise(q)]
            self.memo[op] = hash_feats(f)
        return self.memo[op]


def financial_features(qp: QuestionPart, v: ReportView, q_norm: str, p: Program, e: Exec,
                       rank_of: dict[int, tuple[int, float]]) -> np.ndarray:
    """Op x question words, plus: row-link rank of each cell, year mentioned, year order, same row/col."""
    t = v.grid
    years = report_years(q_norm)
    f = [f"ncells:{min(len(p.cells), 4)}|{p.op}"]
    if p.args and p.args[0] in SET_KINDS:  # a set of rows: which set, and is it named
        f += [f"set:{p.args[0]}|{p.op}", f"setsize:{min(len(p.cells), 6)}|{p.op}"]
        f += [f"set:{p.args[0]}|{p.op}|w:{w}" for w in q_norm.split()[:8]]
    for i, (r, c) in enumerate(p.cells[:3]):
        y = col_year(t, c)
        rk, sc = rank_of.get(r, (9, 0.0))
        if c < len(qp.col_ov) and c > 0:
            ov = qp.col_ov[c]
            f += [f"colov:{min(ov, 2)}|{p.op}", f"colbest:{ov == qp.best_ov > 0}|{p.op}",
                  f"colbeaten:{ov < qp.best_ov}|{p.op}"]
        label = label_tokens(t.norm[r][0])
        missing = sum(stem(w) not in qp.stems for w in label)
        # A period written as a section row ("June 30, 2019" over its rows): the year the question asks or not
        sec_years = report_years(v.section(r))
        f += [f"rowmiss:{min(missing, 3)}|{p.op}", f"rowbest:{sc >= qp.best_row > 0}|{p.op}",
              f"rowtotal:{t.total[r]}|qtotal:{qp.said_total}|{p.op}",
              f"secyear:{any(y in years for y in sec_years) if sec_years else 'none'}|{p.op}"]
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
    if p.args == ("abs",):  # the magnitude of a negative figure: the question's words say when ("loss")
        f += [f"abs|{p.op}", f"abs|rowneg:{all((x := t.num(r, c)) is not None and x < 0 for r, c in p.cells)}"]
        return np.concatenate([qp.op(p.op), qp.op(f"{p.op}~abs"), hash_feats(f)])
    return np.concatenate([qp.op(p.op), hash_feats(f)])
