"""`qa eval`: reading question files, grading answers, and scoring retrieval modes on a real small index."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.answer.followup import Turn
from qa.cli import app
from qa.evaluation import EvalFileError, EvalItem, evaluate, format_report, is_right, load_items, normalise
from qa.records import Answer, Citation
from qa.serve.service import Service

DOCS = {
    "borehole.md": "# Drilling\n\nEngineers in Xinjiang completed a borehole 10,910 meters deep on February 20.\n",
    "moon.md": "# Moon\n\nThe lunar probe brought back soil samples from the far side of the moon.\n",
    "bank.md": "# Bank\n\nCobalt Bank ended the year with a CET1 ratio of 13.8%, above its 10.9% requirement.\n",
}
QUESTIONS: list[dict[str, object]] = [
    {"question": "How deep is the borehole in Xinjiang?", "expected_answer": "10,910 meters",
     "expected_source": "borehole.md", "kind": "passage"},
    {"question": "What did the lunar probe bring back?", "expected_answer": "soil samples",
     "expected_source": "moon.md", "kind": "passage"},
    {"question": "What was Cobalt Bank's CET1 ratio?", "expected_answer": "13.8%", "expected_source": "bank.md",
     "kind": "passage"},
    {"question": "Who won the 1998 football world cup?", "expected_answer": "", "expected_source": None,
     "kind": "none"},
]


def write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def service(corpus_dir: Path, small_service: Callable[[], Service]) -> Service:
    for name, text in DOCS.items():
        (corpus_dir / name).write_text(text, encoding="utf-8")
    return small_service()


def answer(text: str, kind: str = "passage", sources: tuple[str, ...] = ("a.md",), confidence: float = 0.9) -> Answer:
    cites = [Citation(n, s, s, f"{s}::1", text, 0, len(text), None, 1.0) for n, s in enumerate(sources, start=1)]
    return Answer("q", "q", text, kind, confidence, None, cites)  # type: ignore[arg-type]


def test_load_items_reads_questions_and_follow_up_turns(tmp_path: Path) -> None:
    rows = [*QUESTIONS, {"question": "And the US?", "expected_answer": "710", "expected_source": "t.csv",
                         "kind": "table", "messages": [{"role": "user", "content": "China's R&D?"}]}]
    items = load_items(write_jsonl(tmp_path / "q.jsonl", rows))
    assert len(items) == 5 and items[3].kind == "none" and items[3].expected_source is None
    assert items[4].messages == (Turn("user", "China's R&D?"),)


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "q.jsonl:2"),
    ('{"question": "  "}', "non-empty 'question'"),
    ('{"question": "Q?", "kind": "essay", "expected_answer": "a", "expected_source": "a.md"}', "kind must be"),
    ('{"question": "Q?", "kind": "passage", "expected_answer": "a"}', "needs 'expected_answer' and"),
    ("[1, 2]", "non-empty 'question'"),
])
def test_bad_line_is_reported_with_its_line_number(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(QUESTIONS[0]) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match=message) as err:
        load_items(path)
    assert "q.jsonl:2" in str(err.value)


def test_empty_or_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EvalFileError, match="no questions"):
        load_items(write_jsonl(tmp_path / "empty.jsonl", []))
    with pytest.raises(EvalFileError, match="cannot read"):
        load_items(tmp_path / "missing.jsonl")


def test_answer_is_right_only_with_the_expected_text_and_source() -> None:
    item = EvalItem("q", "10,910 Meters", "a.md", "passage")
    assert is_right(item, answer("It is 10,910 meters deep."))
    assert not is_right(item, answer("It is 10,910 meters deep.", sources=("b.md",)))
    assert not is_right(item, answer("It is deep."))
    assert not is_right(item, answer("10,910 meters", kind="none"))
    assert is_right(EvalItem("q", "", None, "none"), answer("The corpus doesn't say.", kind="none"))
    assert not is_right(EvalItem("q", "", None, "none"), answer("Something confident."))


def test_a_short_answer_inside_the_expected_text_is_right_when_it_is_the_larger_part() -> None:
    rank = EvalItem("How does the well rank among vertical wells in the world?", "second deepest", "a.md", "passage")
    assert is_right(rank, answer("second"))  # half the expected words, none of them the question's
    bore = EvalItem("What did engineers complete?", "Asia's deepest borehole", "a.md", "passage")
    assert not is_right(bore, answer("deepest"))  # a third of the expected words
    assert is_right(bore, answer("Asia’s deepest borehole"))
    well = EvalItem("How deep is the well?", "deep well", "a.md", "passage")
    assert not is_right(well, answer("well"))  # only a word of the question
    assert not is_right(rank, answer("second", sources=("b.md",)))


def test_normalise_ignores_case_curly_quotes_and_spacing() -> None:
    assert normalise("Asia’s  DEEPEST\nborehole") == normalise("asia's deepest borehole")


def test_evaluate_scores_every_retrieval_mode_on_the_same_questions(service: Service) -> None:
    report = evaluate(service.engine, load_items_from(QUESTIONS), dense_weights=(0.5, 0.7))
    modes = [r.mode for r in report.retrieval]
    assert modes == ["bm25", "dense", "hybrid-rrf", "hybrid-weighted-0.5", "hybrid-weighted-0.7"]
    for scores in report.retrieval:
        assert scores.questions == 3  # the unanswerable question has no source to rank
        assert scores.recall[5] == 1.0 and scores.recall[1] <= scores.recall[3] <= scores.recall[5]
        assert 0 < scores.mrr <= 1 and scores.evidence_questions == 3
    # The default fusion (weighted, dense 0.5) is the one marked as configured.
    assert [a.setup for a in report.answers] == ["hybrid-rrf", "hybrid-weighted-0.5 (configured)",
                                                 "hybrid-weighted-0.7"]


def test_answer_scores_add_up(service: Service) -> None:
    report = evaluate(service.engine, load_items_from(QUESTIONS))
    scores = report.answers[0]
    assert sum(k["questions"] for k in scores.by_kind.values()) == 4
    assert scores.by_kind["passage"]["right"] >= 2
    # Calibration covers the answers given (not abstentions): its right answers are the answerable ones got right.
    assert sum(b.right for b in scores.calibration) == scores.by_kind["passage"]["right"]
    assert sum(b.answers for b in scores.calibration) <= 4
    assert scores.errors == 0 and report.best_fusion in {"hybrid-rrf", "hybrid-weighted-0.5"}
    text = format_report(report)
    assert "| hybrid-rrf |" in text and "calibration" in text


def test_a_failing_question_counts_wrong_and_the_run_goes_on(service: Service,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.answer.answerer import Answerer

    real = Answerer.answer

    def flaky(self: Answerer, question: str, *args: object, **kwargs: object) -> Answer:
        if "lunar" in question:
            raise RuntimeError("boom")
        return real(self, question, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Answerer, "answer", flaky)
    scores = evaluate(service.engine, load_items_from(QUESTIONS)).answers[0]
    assert scores.errors == 1
    assert any("RuntimeError: boom" in m["got"] for m in scores.misses)


def test_cli_eval_prints_tables_and_json(service: Service, tmp_path: Path) -> None:
    questions = write_jsonl(tmp_path / "q.jsonl", QUESTIONS)
    args = ["eval", str(questions), "--corpus", str(service.settings.corpus_dir), "--index",
            str(service.settings.index_dir)]
    runner = CliRunner()
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "Recall@1" in text.output and "| bm25 |" in text.output
    as_json = runner.invoke(app, [*args, "--json"])
    data = json.loads(as_json.output)
    assert data["questions"] == 4 and {r["mode"] for r in data["retrieval"]} >= {"bm25", "dense", "hybrid-rrf"}


def test_cli_eval_bad_file_fails_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(bad), "--corpus", str(tmp_path), "--index", str(tmp_path / "i")])
    assert result.exit_code == 1
    assert "bad.jsonl:1" in result.output


def load_items_from(rows: list[dict[str, object]]) -> list[EvalItem]:
    from qa.evaluation import _item

    return [_item(r) for r in rows]  # the same parsing as load_items, without a file
