"""Follow-up questions rewritten into whole ones from the earlier turns, with and without tables in reach."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa.answer.followup import Turn, resolve
from qa.corpus.files import load, scan
from qa.tables.model import Table, find_tables

BUNDLED = Path(__file__).resolve().parents[1] / "corpus"
DATA = Path(__file__).parent / "data" / "tables"


def _all_tables(folder: Path) -> list[Table]:
    return [t for e in scan(folder)[0] for t in find_tables(load(e, 10**7))]


@pytest.fixture(scope="module")
def metrics() -> list[Table]:
    return _all_tables(BUNDLED)


def _history(*questions: str) -> list[Turn]:
    turns: list[Turn] = []
    for q in questions:
        turns += [Turn("user", q), Turn("assistant", "an answer")]
    return turns


@pytest.mark.parametrize(
    ("previous", "question", "resolved"),
    [
        ("How many patents did China file?", "And the United States?",
         "How many patents did the United States file?"),
        ("What is China's R&D spending?", "What about the US?", "What is the US's R&D spending?"),
        ("How many patents did China file?", "What about supercomputers?",
         "How many supercomputers does China have?"),
        ("What is China's R&D spending?", "And supercomputers?", "What is China's supercomputers?"),
        ("How much more does the US spend on R&D than China?", "What about patents?",
         "How much more patents does the US have than China?"),
        ("How many patents did China file in 2023?", "And in 2019?", "How many patents did China file in 2019?"),
        ("How many patents did China file in 2023?", "What about supercomputers?",
         "How many supercomputers does China have?"),  # 2023 belonged to the patents row, not to China
    ],
)
def test_table_follow_up_swaps_entity_metric_or_year(metrics: list[Table], previous: str, question: str,
                                                     resolved: str) -> None:
    assert resolve(question, _history(previous), metrics) == resolved


def test_statement_rows_swap_as_metrics_and_segments_as_entities() -> None:
    tables = _all_tables(DATA)
    assert resolve("What about accounts payable?", _history("What was inventories in 2019?"), tables) == (
        "What was accounts payable in 2019?")
    previous = "What was Intelligent Cloud revenue in 2019?"
    assert resolve("What about More Personal Computing?", _history(previous), tables) == (
        "What was More Personal Computing revenue in 2019?")


@pytest.mark.parametrize(
    ("previous", "question", "resolved"),
    [
        ("What was net income in Q3 2024?", "And the year before?", "What was net income in Q3 2023?"),
        ("What was revenue in FY2023?", "And the following year?", "What was revenue in FY2024?"),
        ("How many patents did China file?", "And in 2023?", "How many patents did China file in 2023?"),
    ],
)
def test_year_follow_ups_replace_or_add_the_year(previous: str, question: str, resolved: str) -> None:
    assert resolve(question, _history(previous), []) == resolved


def test_without_tables_countries_and_nouns_still_swap() -> None:
    history = _history("How many patents did China file?")
    assert resolve("And Japan?", history, []) == "How many patents did Japan file?"
    assert resolve("What about supercomputers?", history, []) == "How many supercomputers does China have?"


@pytest.mark.parametrize(
    ("previous", "question", "resolved"),
    [
        ("What did Gao Yi tell Beijing Review?", "Who is he?", "Who is Gao Yi?"),
        ("What did Gao Yi say about Xi Jinping?", "What is his role?", "What is Gao Yi's role?"),
        ("How deep is the borehole in the Taklimakan Desert?", "Who drilled it?", "Who drilled the borehole?"),
        ("What is DeepSeek?", "When was it founded?", "When was DeepSeek founded?"),
        ("Is China ahead in patents?", "Why?", "Why is China ahead in patents?"),
        ("What did Huawei lose access to?", "Why?", "Why did Huawei lose access to?"),
    ],
)
def test_pronoun_and_bare_follow_ups_take_the_previous_subject(previous: str, question: str, resolved: str) -> None:
    assert resolve(question, _history(previous), []) == resolved


@pytest.mark.parametrize(
    "question",
    ["How deep is the borehole?", "Which country has more supercomputers?", "What does Xi want?",
     "How many STEM graduates does the US have?", "And how does China compare on patents?"],
)
def test_question_that_stands_alone_is_unchanged(metrics: list[Table], question: str) -> None:
    assert resolve(question, _history("How many patents did China file?"), metrics) == question


def test_without_earlier_turns_nothing_is_rewritten(metrics: list[Table]) -> None:
    assert resolve("And the United States?", [], metrics) == "And the United States?"
    assert resolve("Who is he?", [Turn("assistant", "Gao Yi is a researcher.")], metrics) == "Who is he?"


def test_chained_follow_ups_keep_the_thread(metrics: list[Table]) -> None:
    history = _history("How many patents did China file?", "And the United States?")
    assert resolve("What about supercomputers?", history, metrics) == (
        "How many supercomputers does the United States have?")
    history = _history("How many patents did China file in 2023?", "And the United States?")
    assert resolve("And STEM graduates?", history, metrics).startswith("How many STEM graduates does the United")


def _ask(client: TestClient, question: str, *previous: str) -> dict[str, Any]:
    messages = [m for q in previous for m in ({"role": "user", "content": q},
                                              {"role": "assistant", "content": "an answer"})]
    res = client.post("/api/answer", json={"question": question, "messages": messages})
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


def test_follow_up_through_the_api_answers_the_swapped_entity(client: TestClient) -> None:
    body = _ask(client, "And the United States?", "How many patents did China file in 2023?")
    assert body["question"] == "And the United States?"
    assert body["resolved_question"] == "How many patents did the United States file in 2023?"
    assert body["kind"] == "table" and body["answer"] == "285,000"


def test_follow_up_through_the_api_answers_the_swapped_metric(client: TestClient) -> None:
    body = _ask(client, "What about supercomputers?", "How many patents did China file?")
    assert body["kind"] == "table" and body["answer"] == "162"
    cells = body["table_answer"]["cells"]
    assert [(c["row"], c["column"]) for c in cells] == [("Supercomputers in Top 500", "China")]


def test_follow_up_through_the_api_keeps_the_comparison(client: TestClient) -> None:
    body = _ask(client, "What about STEM graduates?", "How many times more patents does China file than the US?")
    assert body["kind"] == "table" and body["table_answer"]["operation"] == "ratio"
    assert body["table_answer"]["explanation"] == "~4.7 million / ~820,000 = 5.7×"
