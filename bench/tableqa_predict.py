"""What an `Answer` predicts, in each data set's terms: WTQ value lists, TAT-QA answers with their scale."""

from __future__ import annotations

import math
import re
from typing import Any

from bench.tatqa_metric import Answer, scale_to_num

_TABLE_SCALES = ("thousand", "million", "billion")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")


def _listed(table: dict[str, Any]) -> list[str]:
    """The values of an answer that names several: `values` when the engine lists two or more; else the
    cells of a lookup of several cells (its value is then prose, "2018: 1,280; 2019: 2,459"); else the one
    value of `values`, if any."""
    values = [str(v) for v in table.get("values") or []]
    if len(values) > 1:
        return values
    cells = table.get("cells") or []
    if table.get("operation") == "lookup" and table.get("number") is None and len(cells) > 1:
        return [str(c["value"]) for c in cells]
    return values


def wtq_prediction(answer: dict[str, Any]) -> list[str]:
    """`table_answer.values` (or the cells of a several-cell lookup), else its `value`, else the answer text
    split on ", " (how a passage answer lists names); nothing for "the corpus doesn't say"."""
    if answer["kind"] == "none":
        return []
    table = answer.get("table_answer")
    if table:
        return _listed(table) or [str(table["value"])]
    return [v for v in str(answer["answer"]).split(", ") if v.strip()]


def _shown_number(text: str) -> float | None:
    """The first number as written in the shown value, with no scale applied ("$5.2 billion" -> 5.2)."""
    match = _NUMBER.search(text)
    return float(match.group(0).replace(",", "")) if match else None


def _several(listed: list[str], lenient: str) -> tuple[Answer, str, str]:
    """Several values as listed: percentages in scale "percent", other figures in the table's own scale."""
    if all("%" in v for v in listed):
        return listed, "percent", "percent"
    numeric = all(_shown_number(v) is not None and "%" not in v for v in listed)
    return listed, lenient if numeric else "", ""


def _percent(number: float, written: float) -> float:
    # The shown value is rounded for display ("-63.5%"); the scorer rounds to 2 places, so the engine's own
    # number (-63.485...) is used when it is that percentage, and the shown one when it is a fraction.
    return number if math.isclose(abs(number), written, abs_tol=0.051) else math.copysign(written, number)


def tatqa_prediction(answer: dict[str, Any], gold_scale: str) -> tuple[Answer, str, str]:
    """(prediction, scale, strict scale) of one answer for the TAT-QA scorer.

    - "%" unit or sign: the percentage (the engine's number when it is one), scale "percent".
    - The engine read the table's scale (its `number` is the shown value times 1e3/1e6/1e9): the absolute
      number is expressed in the gold's scale (number / factor, the scorer rounds to 2 places), so "$5.2
      billion" for a table in millions is judged as 5,200 million against gold "5,203" million.
    - The engine saw no scale (`number` equals the shown value): the number is in the table's own scale, the
      scale every figure of that table is written in, which is the gold's scale for answers read or computed
      from it; the lenient scale is then the gold's (unless percent), the strict one is "" (none predicted).
    - Several values (`values` of two or more, or the cells of a several-cell lookup): as listed, in the
      table's scale when all are figures.
    - Text answers (passages, text cells): as written, no scale.
    """
    if answer["kind"] == "none":
        return "", "", ""
    table = answer.get("table_answer")
    if not table:
        return str(answer["answer"]), "", ""
    lenient = gold_scale if gold_scale in _TABLE_SCALES else ""
    listed = _listed(table)
    if len(listed) > 1:
        return _several(listed, lenient)
    shown, number = str(table["value"]), table.get("number")
    written = _shown_number(shown)
    if number is None or written is None:
        return shown, "", ""
    if table.get("unit") == "%" or "%" in shown:
        return _percent(number, written), "percent", "percent"
    if not math.isclose(abs(number), written, rel_tol=1e-6, abs_tol=1e-9):
        if gold_scale in _TABLE_SCALES:
            return number / scale_to_num(gold_scale), gold_scale, gold_scale
        return number, "", ""
    return number, lenient, ""
