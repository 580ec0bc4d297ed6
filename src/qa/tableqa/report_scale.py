"""The scale of a report answer ('', thousand, million, billion, percent): rules, features, a learned model."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.tableqa.financial import REPORT_OPS, ReportView
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


@dataclass
class ScaleModel:
    """A multinomial logistic model over named features: the scale of an answer ('', thousand, million, billion,
    percent), trained on the training split's gold scales (`bench.tableqa.train --task tat`)."""
    weights: dict[str, list[float]] = field(default_factory=dict)
    classes: tuple[str, ...] = SCALES

    def scores(self, feats: list[str]) -> np.ndarray:
        s = np.zeros(len(self.classes))
        for f in feats:
            w = self.weights.get(f)
            if w is not None:
                s += np.asarray(w)
        return s

    def predict(self, feats: list[str], allowed: set[str] | None = None) -> str:
        """The likeliest scale among those allowed (all when None)."""
        if not self.weights:
            return ""
        s = self.scores(feats)
        ok = [i for i, c in enumerate(self.classes) if allowed is None or c in allowed]
        return self.classes[max(ok, key=lambda i: s[i])] if ok else ""

    @classmethod
    def fit(cls, items: list[tuple[list[str], str]], l2: float = 1e-3, steps: int = 300) -> ScaleModel:
        """Full-batch Adam on the softmax loss (deterministic); features seen fewer than twice are dropped."""
        counts: dict[str, int] = {}
        for feats, _ in items:
            for f in set(feats):
                counts[f] = counts.get(f, 0) + 1
        names = sorted(f for f, n in counts.items() if n >= 2)
        index = {f: i for i, f in enumerate(names)}
        x = np.zeros((len(items), len(names)))
        for i, (feats, _) in enumerate(items):
            for f in feats:
                if f in index:
                    x[i, index[f]] = 1.0
        y = np.array([SCALES.index(s) for _, s in items])
        w = np.zeros((len(names), len(SCALES)))
        m, v2 = np.zeros_like(w), np.zeros_like(w)
        onehot = np.eye(len(SCALES))[y]
        for step in range(1, steps + 1):
            z = x @ w
            z -= z.max(axis=1, keepdims=True)
            prob = np.exp(z)
            prob /= prob.sum(axis=1, keepdims=True)
            grad = x.T @ (prob - onehot) / max(1, len(items)) + l2 * w
            m = 0.9 * m + 0.1 * grad
            v2 = 0.999 * v2 + 0.001 * grad ** 2
            w -= 0.05 * (m / (1 - 0.9 ** step)) / (np.sqrt(v2 / (1 - 0.999 ** step)) + 1e-8)
        kept = {f: [round(float(a), 4) for a in w[i]] for f, i in index.items() if np.abs(w[i]).max() >= 1e-3}
        return cls(kept)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps({"classes": list(self.classes), "weights": self.weights}, indent=0,
                                         sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> ScaleModel:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls({k: [float(a) for a in w] for k, w in data["weights"].items()}, tuple(data["classes"]))


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
