"""A tiny run of every benchmark (`python -m bench.NAME --smoke`), so CI proves each one still works."""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run_bench(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Run bench.NAME's main() in this process (the model is already loaded) and read its result file."""
    monkeypatch.syspath_prepend(str(ROOT))
    out = tmp_path / f"{name}.json"
    monkeypatch.setattr(sys, "argv", [f"bench.{name}", "--smoke", "--out", str(out)])
    importlib.import_module(f"bench.{name}").main()
    record = json.loads(out.read_text())
    assert record["benchmark"] == name and record["machine"]["cpus"] >= 1
    assert record["command"] == f"python -m bench.{name} --smoke --out {out}"
    results: dict[str, Any] = record["results"]
    return results


def test_latency_bench_answers_every_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = run_bench("latency", tmp_path, monkeypatch)
    levels = [results["one_client"]["cold_unique"], *results["load"]["cold_unique"], *results["load"]["repeated"]]
    assert all(level["errors"] == 0 and level["requests"] > 0 for level in levels)
    assert [level["clients"] for level in results["load"]["cold_unique"]] == [1, 4]
    assert results["one_client"]["cold_unique"]["latency"]["p50"] > 0


def test_metrics_cost_bench_times_the_middleware_and_the_answer_counter(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    results = run_bench("metrics_cost", tmp_path, monkeypatch)
    assert results["calls_per_round"] == 500
    assert all(results[k] > 0 for k in ("empty_app_us", "with_metrics_us", "record_answer_us"))


def test_articles_bench_scores_short_answers_and_declines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = run_bench("articles_eval", tmp_path, monkeypatch)
    assert results["answerable"] == 4 and results["unanswerable"] == 2
    assert results["exact_match"] > 0 and results["gold_inside"] >= results["exact_match"]


def test_embedding_bench_compares_backends_with_encode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = run_bench("embedding", tmp_path, monkeypatch)
    by_name = {o["name"]: o for o in results["options"]}
    assert {"torch t1", "onnx t1", "onnx-int8 t1", "sentence-transformers encode() t1"} <= set(by_name)
    assert by_name["onnx t1"]["min_cosine"] > 1 - 1e-5 and by_name["onnx-int8 t1"]["min_cosine"] >= 0.95
    assert results["default"] == "onnx-int8" and set(results["micro_batch_per_query"]) == {"1", "4", "8"}


def test_build_bench_skips_the_model_when_nothing_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = run_bench("build", tmp_path, monkeypatch)
    assert results["bundled_no_change"]["model_loaded"] is False
    change = results["generated_one_file_change"]
    assert change["changed_files"] == 1 and change["chunks_embedded"] < change["chunks_total"] / 10
    assert results["cold_start_existing_index"]["seconds_to_first_answer"] > 0


def test_scale_bench_measures_corpora_end_to_end_and_recall_against_exact(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    results = run_bench("scale", tmp_path, monkeypatch)
    by_type = {r["index_type"].split()[0]: r for r in results["dense"]}
    assert by_type["flat"]["recall_at_10"] == 1.0
    assert {"hnsw", "hnsw_sq8", "ivf_sq8"} <= set(by_type)
    assert results["bm25"][0]["chunks"] == 2000
    generated, bundled = results["corpora"]["40_documents"], results["corpora"]["bundled"]
    assert generated["chunks"] == 240 and generated["build_chunks_per_s"] > 0 and generated["encode_chunks_per_s"] > 0
    assert generated["repeat"]["errors"] == 0 and generated["8_clients"]["errors"] == 0
    assert generated["questions"] == 30 and generated["accuracy"]["all"] >= 0.8
    assert generated["index"]["mb_per_million_chunks"] > 0 and generated["server_rss_mb"] > 0
    assert bundled["first"]["server"]["p50"] > 0 and bundled["8_clients"]["errors"] == 0


def test_span_bench_builds_with_and_without_span_vectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rounds = run_bench("scale_spans", tmp_path, monkeypatch)["rounds"]
    assert len(rounds) == 1 and rounds[0]["spans"] > rounds[0]["chunks"] > 0 and rounds[0]["with"] > 0


def test_milvus_scale_bench_compares_both_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("milvus_lite") is None:
        pytest.skip("Milvus Lite is not installed (pip install -e '.[milvus]')")
    results = run_bench("scale_milvus", tmp_path, monkeypatch)
    assert results["questions"] == 30 and results["same_kind_and_first_citation"] == 30, results["differ"]


def test_quality_bench_scores_both_question_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = run_bench("quality", tmp_path, monkeypatch)
    for name in ("bundled", "financial"):
        modes = {r["mode"] for r in results[name]["retrieval"]}
        assert {"bm25", "dense", "hybrid-rrf"} <= modes
        assert results[name]["questions"] == 8


def test_txtai_bench_runs_both_sides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("txtai") is None:
        pytest.skip("txtai is not installed (pip install -e '.[bench]')")
    results = run_bench("txtai_compare", tmp_path, monkeypatch)
    modes = {s["mode"] for s in results["financial"]["scores"]}
    assert {"txtai dense", "txtai hybrid", "qa hybrid-rrf"} <= modes


TRAINING_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.parametrize(("dataset", "score"), [("wtq", "accuracy"), ("tatqa", "em all")])
def test_tableqa_eval_answers_smoke_questions_without_errors(dataset: str, score: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    if not TRAINING_DATA.is_dir():
        pytest.skip(f"no training data at {TRAINING_DATA}")
    monkeypatch.syspath_prepend(str(ROOT))
    out = tmp_path / "tableqa_eval.json"
    argv = ["bench.tableqa_eval", "--set", dataset, "--smoke", "--workdir", str(tmp_path / "work"), "--out", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    importlib.import_module("bench.tableqa_eval").main()
    results = json.loads(out.read_text())["results"]
    assert results["questions"] == 20 and results["errors"] == 0, results["error_kinds"]
    assert sum(results["kinds"].values()) == 20 and results["latency_ms"]["p50"] > 0
    assert results["counts"][score] == 20 and 0.0 <= results["scores"][score] <= 1.0


def test_tableqa_eval_asks_smoke_questions_of_another_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not TRAINING_DATA.is_dir():
        pytest.skip(f"no training data at {TRAINING_DATA}")
    monkeypatch.syspath_prepend(str(ROOT))
    out, answers = tmp_path / "tableqa_eval.json", tmp_path / "answers.jsonl"
    argv = ["bench.tableqa_eval", "--set", "wtq", "--smoke", "--mismatched", "hard", "--workdir", str(tmp_path / "w"),
            "--out", str(out), "--answers", str(answers)]
    monkeypatch.setattr(sys, "argv", argv)
    importlib.import_module("bench.tableqa_eval").main()
    results = json.loads(out.read_text())["results"]
    assert results["errors"] == 0 and results["counts"]["declined"] == 20
    asked = [json.loads(line) for line in answers.read_text().splitlines()]
    own = importlib.import_module("bench.tableqa_eval").wtq_items("dev")[:20]
    assert len(asked) == 20 and all(a["source"] != o.source for a, o in zip(asked, own, strict=True))


def test_tableqa_scorers_follow_the_official_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    splits = importlib.import_module("bench.splits")
    assert splits.wtq_correct(["12467"], ["12,467"]) and splits.wtq_correct(["b", "Ã"], ["a", "B"])
    assert not splits.wtq_correct(["a"], ["a", "b"]) and not splits.wtq_correct(["Bangkok"], ["Bangkok, Thailand"])
    assert splits.tatqa_em(5203.0, "5,203", "thousand", "thousand", "arithmetic") == 1.0
    assert splits.tatqa_em(5203.0, "5,203", "", "thousand", "arithmetic") == 0.0  # the scale is part of it
    assert splits.tatqa_em(["a b", "c"], ["c", "a b"], "", "", "multi-span") == 1.0
    assert 0.0 < splits.tatqa_f1("it used the modified method", ["the modified retrospective method"], "", "") < 1.0


@pytest.mark.slow
@pytest.mark.parametrize("task", ["wtq", "tat"])
def test_the_table_ranker_trains_from_the_data_in_a_smoke_run(task: str, tmp_path: Path) -> None:
    """The training script that made the shipped weights runs end to end (a few questions, one epoch) and writes
    weights the engine loads; the shipped files are not touched."""
    if not TRAINING_DATA.is_dir():
        pytest.skip(f"no training data at {TRAINING_DATA}")
    out = tmp_path / f"{task}.npz"
    limits = ["--limit", "40", "--dev-limit", "20"] if task == "wtq" else []
    result = subprocess.run([sys.executable, "-m", "bench.tableqa.train", "--task", task, "--epochs", "1",
                             "--workers", "1", "--out", str(out), *limits],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    from qa.tableqa.ranker import Ranker

    assert Ranker.load(str(out)).calib is not None


def test_formats_tables_bench_scores_every_strategy_on_ruled_and_unruled_tables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = run_bench("formats_tables", tmp_path, monkeypatch)["by_kind_and_strategy"]
    assert set(results) == {f"{k}/{s}" for k in ("ruled", "unruled") for s in ("lines", "text", "qa")}
    assert results["ruled/qa"]["cells_right"] == 1.0 and results["unruled/qa"]["false_tables_on_prose_pages"] == 0


@pytest.mark.slow
@pytest.mark.parametrize(("script", "module"),
                         [("train_fit", "qa.tableqa.fit"), ("train_match", "qa.tableqa.table_match")])
def test_the_table_fit_and_match_train_from_the_data_in_a_smoke_run(script: str, module: str, tmp_path: Path) -> None:
    """The scripts that made `weights/table_fit.json` and `table_match.json` run end to end on a few hundred
    questions (the match: each on its own table and on another) and write a model of the classes the engine reads;
    the shipped files are not touched."""
    if not TRAINING_DATA.is_dir():
        pytest.skip(f"no training data at {TRAINING_DATA}")
    out = tmp_path / "model.json"
    result = subprocess.run([sys.executable, "-m", f"bench.tableqa.{script}", "--smoke", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    from qa.tableqa.named_softmax import NamedSoftmax

    model = NamedSoftmax.load(out)
    assert model.classes == importlib.import_module(module).CLASSES and model.weights


def test_mismatched_pairs_move_every_question_off_its_table_and_hard_ones_to_a_shared_header_word(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    mismatch = importlib.import_module("bench.tableqa_mismatch")
    items = [("q1", "a"), ("q2", "b"), ("q3", "c"), ("q4", "a")]
    words = {"a": frozenset({"rank"}), "b": frozenset({"rank", "nation"}), "c": frozenset({"year"})}
    moved = mismatch.mismatched(items, lambda i: i[1], lambda i, s: (i[0], s), "hard", words.__getitem__)
    assert [q for q, _ in moved] == ["q1", "q2", "q3", "q4"]
    assert [s for _, s in moved][:2] == ["b", "a"] and moved[3] == ("q4", "b")  # the one table sharing "rank"
    assert moved[2][1] in {"a", "b"}  # no table shares "year": any other
    anywhere = mismatch.mismatched(items, lambda i: i[1], lambda i, s: (i[0], s), "random")
    assert all(s != own for (_, s), (_, own) in zip(anywhere, items, strict=True))


def test_the_neural_reader_trains_exports_and_reads_in_a_smoke_run(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "bench.train_neural_reader", "--smoke", "--out", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads((tmp_path / "figures.json").read_text())
    assert (tmp_path / "reader.int8.onnx").exists() and len(figures["int8"]["sentence"]) == 3
