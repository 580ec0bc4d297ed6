"""The learned gate between the table engines: its features, the shipped weights, its choice in the engine,
and its training script (smoke)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.corpus.files import load, scan
from qa.records import Document
from qa.tableqa.engine import answer_from_tables, offers
from qa.tableqa.gate import ENGINES, GATE_FILE, Offer, choose, gate_weights, offer_features
from qa.tables.model import Table, find_tables

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "tables"
MEDALS = """| Rank | Nation | Gold | Silver | Bronze | Total |
|---|---|---|---|---|---|
| 1 | Italy | 5 | 2 | 1 | 8 |
| 2 | France | 3 | 4 | 2 | 9 |
| 3 | Spain | 2 | 2 | 5 | 9 |
| 4 | Japan | 0 | 1 | 1 | 2 |
"""


def _medals() -> list[Table]:
    return find_tables(Document(source="medals.md", title="Medals", text=MEDALS, sha256="x", fmt="md"))


def _offer(engine: str, answer: str, confidence: float) -> Offer:
    return Offer(engine, answer, confidence, "select", _medals()[0])


def test_every_feature_is_crossed_with_its_engine() -> None:
    found = offer_features("how many nations won gold?", [_offer("label", "3", 0.4), _offer("entity", "3", 0.6)])
    assert all(k.split("|")[0] == "label" for k in found[0]) and all(k.split("|")[0] == "entity" for k in found[1])
    assert found[0]["label|agree:1"] == 1.0 and found[0]["label|q:how many"] == 1.0


def test_the_gate_picks_the_best_scored_offer_and_the_first_on_a_tie() -> None:
    two = [_offer("label", "3", 0.4), _offer("entity", "4", 0.6)]
    assert choose("how many?", two, {"entity": 1.0}) == 1
    assert choose("how many?", two, {}) == 0


def test_the_shipped_weights_name_only_known_engines() -> None:
    weights = gate_weights()
    assert weights and {k.split("|")[0] for k in weights} <= set(ENGINES)
    assert json.loads(GATE_FILE.read_text(encoding="utf-8"))["l2"] > 0


def test_closed_questions_on_an_entity_table_answer_through_the_gate() -> None:
    tables = _medals()
    found = offers("which nation won the most silver medals?", tables)
    assert {o.engine for o, _ in found} <= set(ENGINES) and found
    result = answer_from_tables("which nation won the most silver medals?", tables, closed=True)
    assert result is not None and result.answer == "France"


@pytest.mark.parametrize("question", ["What does the table show?", "What data does the table contain?"])
def test_a_question_about_the_table_itself_gets_no_cell(question: str) -> None:
    assert answer_from_tables(question, _medals(), closed=True) is None


def test_closed_report_questions_stay_right() -> None:
    entry = next(e for e in scan(DATA)[0] if e.source == "apple-10k-operations.md")
    tables = find_tables(load(entry, 10**7))
    result = answer_from_tables("What was the change in net income from 2018 to 2019?", tables, closed=True)
    assert result is not None and result.table_answer.operation == "difference"


@pytest.mark.slow
def test_the_gate_trains_in_a_smoke_run(tmp_path: Path) -> None:
    out = tmp_path / "gate.json"
    result = subprocess.run([sys.executable, "-m", "bench.tableqa.train_gate", "--smoke", "--workdir",
                             str(tmp_path / "work"), "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    if "no training data" in result.stderr:
        pytest.skip("no training data")
    assert result.returncode == 0, result.stderr[-2000:]
    assert {k.split("|")[0] for k in json.loads(out.read_text(encoding="utf-8"))["weights"]} <= set(ENGINES)
