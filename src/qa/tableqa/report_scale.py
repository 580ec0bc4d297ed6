"""The scale of a report answer ('', thousand, million, billion, percent): rules, features, a learned model."""
from __future__ import annotations

import re

from qa.tableqa.financial import REPORT_OPS, ReportView
from qa.tableqa.named_softmax import NamedSoftmax
from qa.tableqa.programs import Exec, Program
from qa.tables.types import parse_number

SCALE_RX = [("thousand", r"thousands|\$ ?'000|’000|'000|\b000s\b|\$000"),
            ("million", r"millions|\$ ?m\b|\bmillion\b|\bmil\b|\$m\b|’million"),
            ("billion", r"billions|\bbillion\b")]
SCALES = ("", "thousand", "million", "billion", "percent")


def _scale_of(src: str) -> str:
    for name, rx in SCALE_RX:
        if re.search(rx, src.lower()):
            return name
    return ""


def answer_kind(arith: bool, values: tuple[str, ...] | list[str]) -> str:
    """arith for computed answers, num for numeric cells as written, text for worded spans."""
    if arith:
        return "arith"
    numeric = all(parse_number(v) is not None and not re.search(r"[a-z]{2,}", v.lower()) for v in values)
    return "num" if numeric and values else "text"


_OP_FAMILY = {"lookup": "span", "clist": "span", "csub": "arith", "csum": "arith", "cavg": "arith",
              "cpct": "pct", "cshare": "pct", "cratio": "ratio"}
_SCALE_Q = ("percentage", "percent", "%", "ratio", "how many", "per share", "proportion", "rate", "margin",
            "million", "thousand", "billion", "average", "change", "difference", "total", "number of")
_ROW_WORDS = re.compile(r"per share|%|percent|\brate\b|ratio|margin|number|shares|employees|days|years|months|"
                        r"\bprice\b|\beps\b|headcount|\bunits\b|customers|basis points|times")


def scale_features(v: ReportView, q_norm: str, p: Program, e: Exec) -> list[str]:
    """What tells the scale of an answer: the table's declared scale and the scale words around it, the kind of
    answer (span, sum or difference, ratio), what the cells and their rows and columns say (%, per share, counts)."""
    t = v.grid
    fam = _OP_FAMILY.get(p.op, "other")
    kind = answer_kind(fam == "arith", e.values)
    cells = [(r, c) for r, c in p.cells if 0 <= r < t.n_rows and 0 <= c < t.n_cols]
    texts = " ".join(t.rows[r][c] for r, c in cells)
    labels = " ".join(t.rows[r][0] + " " + v.section(r) for r, _ in cells).lower()
    heads = " ".join(t.header[c] for _, c in cells)
    rscale = {v.row_scales[r] for r, _ in cells if r < len(v.row_scales)} or {v.declared}
    cues = {
        "declared": v.declared, "rowscale": "|".join(sorted(rscale)), "head": _scale_of(v.header),
        "text": _scale_of(v.text), "cellhead": _scale_of(heads + " " + labels), "unit": bool(v.unit),
        "pctcell": "%" in texts, "pcthead": "%" in heads or "percent" in heads.lower(),
        "pctheader": "%" in v.header, "pctlabel": "%" in labels or "percent" in labels,
        "dollar": "$" in texts,
    }
    q = f" {q_norm} "
    said = [w for w in _SCALE_Q if f" {w} " in q]
    words = sorted(set(_ROW_WORDS.findall(labels)))
    decimals = max((len(x.split(".")[1]) if "." in x else 0 for x in re.findall(r"\d[\d,]*(?:\.\d+)?", texts)),
                   default=0)
    mag = "na" if e.number is None else "<10" if abs(e.number) < 10 else "<1000" if abs(e.number) < 1000 else "big"
    base = [f"fam:{fam}", f"kind:{kind}", f"dec:{min(decimals, 3)}", f"mag:{mag}"]
    base += [f"{k}:{x}" for k, x in cues.items()]
    base += [f"q:{w}" for w in said] + [f"row:{w}" for w in words]
    out = ["bias", *base]
    # crosses with the kind of answer: a declared scale holds for amounts, not for text or ratios
    out += [f"{b}|fam:{fam}" for b in base if not b.startswith("fam:")]
    out += [f"{b}|kind:{kind}" for b in base if b.startswith(("declared", "rowscale", "head", "text", "pct"))]
    return out


class ScaleModel(NamedSoftmax):
    """The scale of an answer ('', thousand, million, billion, percent): a `NamedSoftmax` over `scale_features`,
    trained on the training split's gold scales (`bench.tableqa.train --task tat`)."""

    def __init__(self, weights: dict[str, list[float]] | None = None, classes: tuple[str, ...] = SCALES) -> None:
        super().__init__(weights or {}, classes)

    @classmethod
    def empty(cls) -> ScaleModel:
        return cls()


def ruled_scale(p: Program, e: Exec) -> str | None:
    """The scale a rule fixes: percent for percentage operations; none for years, counts and text; else None
    (the learned model decides)."""
    if p.op in ("cpct", "cshare"):
        return "percent"
    if p.op in ("year_of_max", "year_of_min", "col_years", "ccount_gt", "ccount_lt", *REPORT_OPS):
        return ""
    if p.op in ("lookup", "clist") and answer_kind(False, e.values) == "text":
        return ""
    return None


def predict_scale(v: ReportView, q_norm: str, p: Program, e: Exec, model: ScaleModel | None) -> str:
    """The rule's scale where one holds, else the learned model's choice (none without a model)."""
    ruled = ruled_scale(p, e)
    if ruled is not None:
        return ruled
    return model.predict(scale_features(v, q_norm, p, e), declared_scales(v, p)) if model is not None else ""


def declared_scales(v: ReportView, p: Program) -> set[str]:
    """The scales an answer may be given in: none, percent, and the thousand/million/billion the table, its
    header, its rows or the words around it declare; a scale nothing declares is never claimed."""
    t = v.grid
    cells = [(r, c) for r, c in p.cells if 0 <= r < t.n_rows and 0 <= c < t.n_cols]
    said = {v.declared, _scale_of(v.header)}  # prose around the table ("up $76.3 million") declares nothing
    said |= {v.row_scales[r] for r, _ in cells if r < len(v.row_scales)}
    said |= {_scale_of(t.header[c] + " " + t.rows[r][0]) for r, c in cells}
    return {"", "percent"} | (said & {"thousand", "million", "billion"})
