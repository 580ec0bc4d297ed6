"""Answer scoring: WTQ denotation match (sets of normalised strings/numbers/dates) and TAT-QA exact match."""
from __future__ import annotations

import re

from qa.tables.types import normalize, parse_date, parse_number

_STRICT_NUM = re.compile(r"^-?\d+(\.\d+)?$")


def wtq_value(s: str) -> tuple[str, float | str]:
    """Canonical value as the WTQ evaluator sees it: number, then date, then normalised string."""
    t = s.strip().replace(",", "")
    if _STRICT_NUM.match(t):
        return ("num", round(float(t), 6))
    d = parse_date(s)
    if d is not None and re.search(r"\d{4}", s):
        return ("date", d)
    return ("str", normalize(s))


def _match(p: tuple[str, float | str], g: tuple[str, float | str], p_raw: str, g_raw: str) -> bool:
    if p == g:
        return True
    return normalize(p_raw) == normalize(g_raw)


def wtq_correct(pred: tuple[str, ...] | list[str], gold: list[str]) -> bool:
    """Predicted set equals gold set; each gold value must match a distinct predicted value."""
    pv = list(dict.fromkeys(pred))
    if len(pv) != len(set(gold)) or not pv:
        return False
    gold_u = list(dict.fromkeys(gold))
    pvals = [wtq_value(x) for x in pv]
    gvals = [wtq_value(x) for x in gold_u]
    used = set()
    for gi, g in enumerate(gvals):
        hit = next((i for i, p in enumerate(pvals) if i not in used and _match(p, g, pv[i], gold_u[gi])), None)
        if hit is None:
            return False
        used.add(hit)
    return True


def tat_norm(s: str) -> str:
    """TAT-QA normalisation: numbers rounded to 2 decimals (sign kept), strings WTQ-normalised."""
    n = parse_number(str(s))
    if n is not None and len(str(s)) < 25:
        return f"{round(n, 2):.2f}"
    return normalize(str(s))


def tat_gold(answer: object) -> list[str]:
    """Gold answer as a list of strings (TAT-QA stores a string, a number, or a list of spans)."""
    if isinstance(answer, list):
        return [str(a) for a in answer]
    return [str(answer)]


def tat_correct(pred: tuple[str, ...] | list[str], pred_scale: str, gold: object, gold_scale: str) -> bool:
    """Exact match of the normalised value bags, and the scale must agree."""
    if pred_scale != gold_scale:
        return False
    return sorted(tat_norm(p) for p in pred) == sorted(tat_norm(g) for g in tat_gold(gold))
