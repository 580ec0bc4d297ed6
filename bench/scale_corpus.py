"""Generated corpora for bench/scale.py: company reports (prose plus a table each) with questions whose answers
are known, so that answer accuracy can be measured at any corpus size.

Every company name is unique (three syllables from three lists: 10,648 names), so a question names exactly one
document; cities, products, people and figures are drawn from a seeded generator.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_FIRST = ["Kal", "Mor", "Ves", "Tor", "Bren", "Quil", "Dav", "Syl", "Hal", "Orm", "Pel", "Rud", "Fen", "Gar",
          "Lis", "Nor", "Cas", "Wyn", "Zel", "Ith", "Jor", "Ulm"]
_MIDDLE = ["a", "e", "i", "o", "u", "ar", "en", "ir", "or", "ul", "an", "el", "is", "om", "ur", "ath", "ev",
           "ig", "ob", "yn", "ad", "ek"]
_LAST = ["dor", "wick", "stead", "mont", "vale", "ford", "gate", "holm", "ridge", "bury", "crest", "field",
         "wood", "port", "shaw", "ton", "ley", "mere", "worth", "brook", "haven", "moor"]
_CITIES = ["Lisbon", "Dublin", "Oslo", "Tallinn", "Krakow", "Porto", "Lyon", "Graz", "Turin", "Ghent", "Bergen",
           "Aarhus", "Malmo", "Utrecht", "Seville", "Bologna", "Brno", "Riga", "Vilnius", "Tampere"]
_PRODUCTS = ["industrial pumps", "solar inverters", "medical scanners", "rail signalling", "water meters",
             "farm drones", "lab centrifuges", "wind turbine blades", "bicycle gears", "cold storage units"]
_PEOPLE = ["Ana", "Jonas", "Mira", "Tomas", "Lena", "Pavel", "Ines", "Oskar", "Greta", "Milan", "Sofia", "Emil"]
_SURNAMES = ["Varga", "Lindqvist", "Moreau", "Kowalski", "Brandt", "Ferreira", "Novak", "Halvorsen", "Rossi",
             "Keller", "Duarte", "Sorensen"]
NAMES = len(_FIRST) * len(_MIDDLE) * len(_LAST)


def company(i: int) -> str:
    """The i-th unique company name."""
    a, rest = divmod(i % NAMES, len(_MIDDLE) * len(_LAST))
    b, c = divmod(rest, len(_LAST))
    return f"{_FIRST[a]}{_MIDDLE[b]}{_LAST[c]}"


def _document(i: int, rng: np.random.Generator) -> tuple[str, list[dict[str, str]]]:
    name = company(i)
    city, product = str(rng.choice(_CITIES)), str(rng.choice(_PRODUCTS))
    ceo = f"{rng.choice(_PEOPLE)} {rng.choice(_SURNAMES)}"
    founded, staff = int(rng.integers(1950, 2015)), int(rng.integers(120, 9_000))
    rev = [int(rng.integers(40, 900)) for _ in range(2)]
    profit = [int(rng.integers(2, 60)) for _ in range(2)]
    customers = [int(rng.integers(100, 5_000)) for _ in range(2)]
    text = (f"# {name} annual report\n\n"
            f"{name} was founded in {founded} in the city of {city}. The company makes {product} and employs "
            f"{staff:,} people.\n\nThe chief executive of {name} is {ceo}, who joined the board in "
            f"{founded + int(rng.integers(5, 30))}.\n\n"
            f"## Results\n\n{name} reports its results for the last two years below.\n\n"
            f"| Metric | 2023 | 2024 |\n|---|---|---|\n"
            f"| Revenue | ${rev[0]}M | ${rev[1]}M |\n| Operating profit | ${profit[0]}M | ${profit[1]}M |\n"
            f"| Customers | {customers[0]:,} | {customers[1]:,} |\n\nSource: {name} filings.\n")
    source = f"reports/{name.lower()}.md"
    questions = [
        {"question": f"In which city was {name} founded?", "expected_answer": city, "kind": "passage"},
        {"question": f"Who is the chief executive of {name}?", "expected_answer": ceo, "kind": "passage"},
        {"question": f"What was the revenue of {name} in 2024?", "expected_answer": f"${rev[1]}M", "kind": "table"},
    ]
    return text, [{**q, "expected_source": source} for q in questions]


def generate(folder: Path, documents: int, seed: int = 16) -> list[dict[str, str]]:
    """Write `documents` reports under folder/reports/ and return their questions (three per document)."""
    rng = np.random.default_rng(seed)
    (folder / "reports").mkdir(parents=True, exist_ok=True)
    questions: list[dict[str, str]] = []
    for i in range(documents):
        text, asked = _document(i, rng)
        (folder / asked[0]["expected_source"]).write_text(text, encoding="utf-8")
        questions += asked
    return questions


def write_questions(path: Path, questions: list[dict[str, str]]) -> Path:
    """The questions as a `qa eval` JSONL file."""
    path.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    return path
