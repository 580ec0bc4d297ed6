"""The fixed dev splits of the table QA training data (WikiTableQuestions, TAT-QA), their loaders and scorers."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from bench.tatqa_metric import tatqa_em, tatqa_f1

__all__ = ["DATA", "WtqQuestion", "is_dev", "tatqa_contexts", "tatqa_em", "tatqa_f1", "wtq_correct",
           "wtq_questions", "wtq_table_path"]

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
WTQ = DATA / "wikitables-train"
TATQA = DATA / "report-qa-train" / "questions.json"
Split = Literal["dev", "train", "all"]


def is_dev(key: str) -> bool:
    """The one split rule: a fifth of the tables, chosen by hash, so a table never sits on both sides."""
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 5 == 0


def _in_split(key: str, split: Split) -> bool:
    return split == "all" or is_dev(key) == (split == "dev")


@dataclass(frozen=True)
class WtqQuestion:
    """One WikiTableQuestions question: its table (`context`) and its gold values."""

    id: str
    utterance: str
    context: str
    target: list[str]


def _tsv_unescape(value: str) -> str:
    # The dataset's own escaping inside one TSV field: \n newline, \p the list separator "|", \\ a backslash.
    return re.sub(r"\\([np\\])", lambda m: {"n": "\n", "p": "|", "\\": "\\"}[m.group(1)], value)


def wtq_questions(split: Split = "dev") -> list[WtqQuestion]:
    """The questions of a split, in file order."""
    with (WTQ / "questions.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [WtqQuestion(r["id"], r["utterance"], r["context"], [_tsv_unescape(v) for v in r["targetValue"].split("|")])
            for r in rows if _in_split(r["context"], split)]


def wtq_table_path(context: str) -> Path:
    """`csv/204-csv/590.csv` is shipped as `tables/204-csv/590.csv`."""
    return WTQ / "tables" / context.removeprefix("csv/")


def tatqa_contexts(split: Split = "dev") -> list[dict[str, Any]]:
    """TAT-QA contexts (table, paragraphs, questions) of a split, in file order."""
    contexts: list[dict[str, Any]] = json.loads(TATQA.read_text(encoding="utf-8"))
    return [c for c in contexts if _in_split(c["table"]["uid"], split)]


# WikiTableQuestions scoring, after the dataset's official evaluator.py (Pasupat and Liang).

def wtq_normalize(text: str) -> str:
    """Accents, typographic quotes and dashes, trailing citations and "(details)", outer quotes, final '.'."""
    x = "".join(c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn")
    x = re.sub(r"[‘’´`]", "'", x)
    x = re.sub(r"[“”]", '"', x)
    x = re.sub(r"[‐‑‒–—−]", "-", x)
    while True:
        old = x
        x = re.sub(r"((?<!^)\[[^\]]*\]|\[\d+\]|[•♦†‡*#+])*$", "", x.strip())
        x = re.sub(r"(?<!^)( \([^)]*\))*$", "", x.strip())
        x = re.sub(r'^"([^"]*)"$', r"\1", x.strip())
        if x == old:
            break
    x = x[:-1] if x.endswith(".") else x
    return re.sub(r"\s+", " ", x).lower().strip()


def _number(text: str) -> float | None:
    # The official evaluator relies on CoreNLP's canonical values, which read "12,467" as 12467; without
    # CoreNLP, thousands separators are dropped here so that gold "12,467" and our 12467 compare as numbers.
    t = text.strip()
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%d %B %Y", "%b %d, %Y", "%d %b %Y")


def _date(text: str) -> tuple[int, int, int] | None:
    t = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            d = datetime.strptime(t, fmt)
        except ValueError:
            continue
        return d.year, d.month, d.day
    return None


def _value(text: str) -> float | tuple[int, int, int] | str:
    number = _number(text)
    if number is not None:
        return number
    date = _date(text)
    return date if date is not None else wtq_normalize(text)


def _match(gold: str, predicted: str) -> bool:
    """Equal as normalised strings, or as numbers (within 1e-6), or as dates."""
    g, p = _value(gold), _value(predicted)
    if isinstance(g, float) and isinstance(p, float):
        return abs(g - p) < 1e-6
    return g == p or wtq_normalize(gold) == wtq_normalize(predicted)


def wtq_correct(predicted_values: list[str], target: list[str]) -> bool:
    """Denotation accuracy: the predicted set equals the gold set (same size, every gold value matched)."""
    predicted = [p for p in predicted_values if p.strip()]
    if len(predicted) != len(target):
        return False
    return all(any(_match(t, p) for p in predicted) for t in target)
