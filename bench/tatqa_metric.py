"""TAT-QA exact match and F1, following the dataset's official tatqa_metric.py and tatqa_utils.py (MIT)."""

from __future__ import annotations

import math
import re
import string
from collections.abc import Sequence
from itertools import permutations

Answer = str | float | int | Sequence[str | float | int]

_EXCLUDE_IN_NUM = "'\"\\$€£¥%(),[]"
_PUNCTUATION = set(string.punctuation)
_MAX_EXACT_ALIGN = 7  # bags above this are aligned greedily (the official code uses the Hungarian method)


def scale_to_num(scale: str) -> float:
    s = scale.lower()
    for word, factor in (("hundred", 100.0), ("thousand", 1e3), ("million", 1e6), ("billion", 1e9),
                         ("percent", 0.01)):
        if word in s:
            return factor
    return 1.0


def _clean_num(text: str) -> str:
    return "".join(ch for ch in text if ch not in _EXCLUDE_IN_NUM)


def is_number(text: str) -> bool:
    """A number, optionally followed by a scale word ("1023", "1 million", "(12.5)", "7%")."""
    words = _clean_num(" ".join(text.split())).split()
    try:
        value = float(words[0]) if words else math.nan
    except ValueError:
        return False
    return not math.isnan(value) and (len(words) < 2 or scale_to_num(words[1]) != 1.0)


def to_number(text: str) -> float | None:
    """The first number of the text with its sign "(..)", percent and scale word applied, rounded to 4 places."""
    found = re.findall(r"([+-]?\d+(\.\d+)?)|([+-]?\.\d+)", _clean_num(text))
    if not found or not found[0][0]:
        return None
    scale = re.search(r"([\d.]+\s?[a-zA-Z]+)", text)
    factor = scale_to_num(scale.group(0)) if scale else 1.0
    negative = -1.0 if re.search(r"(\([\d.\s]+\))", text.strip()) else 1.0
    percent = 0.01 if re.search(r"([\d.\s]+%)", text.strip()) else 1.0
    return round(float(found[0][0]) * factor * negative * percent, 4)


def _normalize_token(token: str) -> str:
    t = token.lower()
    if not is_number(t):
        t = "".join(ch for ch in t if ch not in _PUNCTUATION)
    if is_number(t):
        number = to_number(t)
        t = str(number) if number is not None else t
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", t).split())


def normalize_answer(text: str) -> str:
    """Lower case, punctuation and articles removed, numbers canonical; tokens split on spaces as upstream."""
    return " ".join(p for p in (_normalize_token(t) for t in text.split(" ")) if p.strip()).strip()


def get_answer_str(answers: Sequence[str | float | int], scale: str) -> list[str]:
    """Fold the scale into the answer: numbers multiplied out (after rounding to 2 places), words suffixed."""
    parts = []
    for answer in sorted(answers, key=str):
        text = str(answer)
        number = to_number(text) if is_number(text) else None
        if number is None:
            parts.append(f"{text} {scale}" if scale else text)
        elif "%" in text:
            parts.append(f"{number:.4f}")
        else:
            parts.append(f"{round(number, 2) * scale_to_num(scale):.4f}")
    return [" ".join(parts)]


def _f1(predicted: set[str], gold: set[str]) -> float:
    common = len(gold & predicted)
    precision = common / len(predicted) if predicted else 1.0
    recall = common / len(gold) if gold else 1.0
    return 0.0 if precision == recall == 0.0 else 2 * precision * recall / (precision + recall)


def _align(predicted: list[set[str]], gold: list[set[str]]) -> float:
    """Mean F1 over the best one-to-one pairing of predicted and gold bags (unpaired gold bags score 0)."""
    scores = [[_f1(p, g) for p in predicted] for g in gold]
    n = max(len(gold), len(predicted))
    if len(predicted) <= _MAX_EXACT_ALIGN and len(gold) <= _MAX_EXACT_ALIGN:
        best = 0.0
        for order in permutations(range(len(predicted)), min(len(predicted), len(gold))):
            best = max(best, sum(scores[gi][pi] for gi, pi in enumerate(order)))
        return best / n
    return sum(max(row, default=0.0) for row in scores) / n


def get_metrics(predicted: list[str], gold: list[str]) -> tuple[float, float]:
    pred_spans = [normalize_answer(p) for p in predicted]
    gold_spans = [normalize_answer(g) for g in gold]
    em = 1.0 if set(pred_spans) == set(gold_spans) and len(pred_spans) == len(gold_spans) else 0.0
    f1 = _align([set(s.split()) for s in pred_spans], [set(s.split()) for s in gold_spans])
    return em, round(f1, 2)


def _gold_list(gold: Answer, answer_type: str) -> list[str | float | int]:
    if not isinstance(gold, (str, float, int)):
        return list(gold)
    if answer_type == "count":
        return [str(int(float(str(gold))))]
    return [str(gold)]


def tatqa_scores(prediction: Answer, gold: Answer, pred_scale: str, gold_scale: str,
                 answer_type: str = "span") -> tuple[float, float]:
    """(EM, F1) of one prediction, as the official TaTQAEmAndF1 computes them.

    The scale is folded into both compared strings (numbers multiplied out, words suffixed), so a number
    in the wrong scale never matches: "5,203" thousand equals 5203000 with no scale, never 5203 with none.
    """
    predicted: list[str | float | int] = ([prediction] if isinstance(prediction, (str, float, int))
                                          else list(prediction))
    if not predicted or not any(str(p).strip() for p in predicted):
        return 0.0, 0.0
    gold_strings = get_answer_str(_gold_list(gold, answer_type), gold_scale)
    pred_strings = get_answer_str(predicted, pred_scale)
    text = str(predicted[0])
    if len(predicted) == 1 and not pred_scale and "%" not in text and is_number(text):
        number = to_number(text)  # upstream's add_percent_pred: 0.2342 may match 23.42 percent
        if number is not None:
            pred_strings.append(f"{number:.4f}")
    em, f1 = max(get_metrics([p], [g]) for p in pred_strings for g in gold_strings)
    if answer_type in ("arithmetic", "count"):
        f1 = em  # upstream: a computed number is right or wrong, no partial credit
    return em, f1


def tatqa_em(prediction: Answer, gold: Answer, pred_scale: str, gold_scale: str, answer_type: str = "span") -> float:
    return tatqa_scores(prediction, gold, pred_scale, gold_scale, answer_type)[0]


def tatqa_f1(prediction: Answer, gold: Answer, pred_scale: str, gold_scale: str, answer_type: str = "span") -> float:
    return tatqa_scores(prediction, gold, pred_scale, gold_scale, answer_type)[1]
