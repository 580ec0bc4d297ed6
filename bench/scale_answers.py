"""Whole answers over generated corpora, for bench/scale.py: build speed, latency, throughput, accuracy, memory."""

from __future__ import annotations

import http.client
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import BUNDLED_CORPUS, Stats, copy_corpus, save, serve
from bench.latency import questions as bundled_questions
from bench.latency import run_load, unique
from bench.load import rss_mb
from bench.scale_corpus import generate
from qa.embed.embedder import Embedder
from qa.evaluation import normalise
from qa.index.builder import build_index
from qa.index.store import generations, read_data
from qa.settings import Settings

CLIENTS = 8
ALTERNATING = 1500  # chunks embedded both ways, alternately, twice


def ask_each(url: str, asked: list[str]) -> tuple[list[dict[str, Any]], Stats, Stats]:
    """Every question once, one client on one keep-alive connection: the answers, client and server latency."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    answers, client_ms, server_ms = [], [], []
    for question in asked:
        started = time.perf_counter()
        conn.request("POST", "/api/answer", body=json.dumps({"question": question}),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        body = json.loads(response.read())
        client_ms.append((time.perf_counter() - started) * 1000)
        server_ms.append(float(body.get("timing_ms", 0.0)) if response.status == 200 else 0.0)
        answers.append(body if response.status == 200 else {})
    conn.close()
    return answers, Stats.of(client_ms), Stats.of(server_ms)


def right(item: dict[str, str], answer: dict[str, Any]) -> bool:
    """The expected text is in the answer (or its table value) and the expected document is cited."""
    shown = str(answer.get("answer", "")) + " " + str((answer.get("table_answer") or {}).get("value", ""))
    cited = {c["source"] for c in answer.get("citations", [])}
    return answer.get("kind") not in (None, "none") and normalise(item["expected_answer"]) in normalise(shown) \
        and item["expected_source"] in cited


def latency(url: str, asked: list[str], clients_share: int) -> dict[str, Any]:
    """First questions (never asked), new wordings of them one client at a time, and the same at 8 clients."""
    answers, first, first_server = ask_each(url, asked)
    repeat = run_load(url, unique(asked, len(asked), "again-"), 1)
    crowd = run_load(url, unique(asked, clients_share, "crowd-"), CLIENTS)
    return {"answers": answers, "first": {"client": first, "server": first_server},
            "repeat": {"client": repeat.latency, "server": repeat.server_ms, "errors": repeat.errors},
            f"{CLIENTS}_clients": {"answers_per_s": crowd.answers_per_s, "errors": crowd.errors,
                                   "p50": crowd.latency.p50, "p95": crowd.latency.p95}}


def cold(corpus: Path, index: Path, asked: list[str]) -> dict[str, Any]:
    """In-process, every cache emptied before each question (query vectors, span vectors computed at question
    time): the whole per-question work of a question about a document never asked about, on any corpus; the span
    vectors the build stored (QA_SPAN_VECTORS) are part of the index and stay."""
    from qa.serve.service import Service

    service = Service(Settings(corpus_dir=corpus, index_dir=index, _env_file=None))  # type: ignore[call-arg]
    service.start(build=False)
    answerer = service.engine.answerer
    answerer.answer(asked[0])
    millis = []
    for question in asked:
        service.embedder.clear_cache()
        answerer.spans.clear()
        millis.append(answerer.answer(question).timing_ms)
    return {"server": Stats.of(millis)}


def index_bytes(index_dir: Path) -> dict[str, Any]:
    gen = generations(index_dir)[0]
    sizes = {p.relative_to(gen).as_posix(): p.stat().st_size for p in gen.rglob("*") if p.is_file()}
    chunks = len(read_data(gen).chunks)
    per_million = {name: round(size / chunks * 1e6 / 2**20, 1) for name, size in sorted(sizes.items())}
    return {"chunks": chunks, "total_mb": round(sum(sizes.values()) / 2**20, 2),
            "mb_per_million_chunks": round(sum(sizes.values()) / chunks * 1e6 / 2**20, 1), "files": per_million}


def build(corpus: Path, index: Path, embedder: Embedder, baseline: int) -> dict[str, Any]:
    """A full build, then sentence-transformers' encode() of the same chunk texts (at most `baseline` of them,
    drawn at random: encode() of 60k chunks would take a quarter hour), in the same process."""
    settings = Settings(corpus_dir=corpus, index_dir=index, _env_file=None)  # type: ignore[call-arg]
    started = time.perf_counter()
    report = build_index(settings, lambda: embedder, full=True)
    seconds = time.perf_counter() - started
    texts = [c.search_text for c in read_data(generations(index)[0]).chunks]
    texts = random.Random(16).sample(texts, min(baseline, len(texts)))
    plain = _seconds(lambda: embedder.encode(texts))
    # The machine is shared: the load can change between the build and encode(). So the two ways of embedding
    # are also timed alternately on the same sample, twice each (in the order a build embeds: by length).
    few = texts[:ALTERNATING]
    ordered = sorted(few, key=len)
    pairs = [(_seconds(lambda: [embedder.encode_documents(ordered[i : i + 256]) for i in range(0, len(few), 256)]),
              _seconds(lambda: embedder.encode(few))) for _ in range(2)]
    onnx, st = (min(p[i] for p in pairs) for i in (0, 1))
    return {"documents": report.added, "chunks": report.chunks, "build_s": round(seconds, 2),
            "build_chunks_per_s": round(report.chunks / seconds, 1), "encode_s": round(plain, 2),
            "encode_chunks": len(texts), "encode_chunks_per_s": round(len(texts) / plain, 1),
            "speedup": round(report.chunks / seconds / (len(texts) / plain), 2),
            "spans_embedded": report.spans_embedded,
            "alternating": {"onnx_chunks_per_s": round(len(few) / onnx, 1),
                            "encode_chunks_per_s": round(len(few) / st, 1), "chunks": len(few),
                            "speedup": round(st / onnx, 2)},
            "document_backend": embedder.document_backend}


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def one_corpus(docs: int, sample: int, workdir: Path, embedder: Embedder, baseline: int) -> dict[str, Any]:
    items = generate(workdir / "corpus", docs)
    built = build(workdir / "corpus", workdir / "index", embedder, baseline)
    chosen = random.Random(16).sample(items, min(sample, len(items)))
    with serve(workdir / "corpus", workdir / "index") as server:
        measured = latency(server.url, [q["question"] for q in chosen], max(len(chosen), 4 * CLIENTS))
        rss = rss_mb(server.process.pid)
    measured["cold"] = cold(workdir / "corpus", workdir / "index", [q["question"] for q in chosen[:100]])
    answers = measured.pop("answers")
    by_kind: dict[str, list[bool]] = {}
    for item, answer in zip(chosen, answers, strict=True):
        by_kind.setdefault(item["kind"], []).append(right(item, answer))
    accuracy = {k: round(sum(v) / len(v), 3) for k, v in by_kind.items()}
    accuracy["all"] = round(sum(sum(v) for v in by_kind.values()) / len(chosen), 3)
    return {**built, **measured, "questions": len(chosen), "accuracy": accuracy, "server_rss_mb": rss,
            "index": index_bytes(workdir / "index")}


def bundled(workdir: Path, embedder: Embedder, smoke: bool) -> dict[str, Any]:
    corpus = copy_corpus(BUNDLED_CORPUS, workdir / "corpus")
    settings = Settings(corpus_dir=corpus, index_dir=workdir / "index", _env_file=None)  # type: ignore[call-arg]
    build_index(settings, lambda: embedder, full=True)
    asked = bundled_questions()[: 6 if smoke else None]
    with serve(corpus, workdir / "index") as server:
        measured = latency(server.url, asked, max(len(asked), 4 * CLIENTS))
    measured.pop("answers")
    measured["cold"] = cold(corpus, workdir / "index", asked)
    return {**measured, "questions": len(asked)}


def _print(name: str, r: dict[str, Any]) -> None:
    first, repeat, none = r["first"]["server"], r["repeat"]["server"], r["cold"]["server"]
    print(f"{name}: first p50 {first.p50} p95 {first.p95} ms; repeat p50 {repeat.p50} p95 {repeat.p95} ms; "
          f"all caches cold p50 {none.p50} p95 {none.p95} ms; "
          f"{r[f'{CLIENTS}_clients']['answers_per_s']} answers/s at {CLIENTS} clients", flush=True)
    if "build_chunks_per_s" in r:
        alt = r["alternating"]
        print(f"  build {r['build_chunks_per_s']} chunks/s vs encode() {r['encode_chunks_per_s']} ({r['speedup']}x); "
              f"alternating: onnx {alt['onnx_chunks_per_s']} vs encode() {alt['encode_chunks_per_s']} "
              f"({alt['speedup']}x); "
              f"accuracy {r['accuracy']}; rss {r['server_rss_mb']} MB; index {r['index']['mb_per_million_chunks']} "
              "MB per million chunks", flush=True)


def corpus_run(sizes: list[int], sample: int, smoke: bool, out: Path | None, baseline: int = 6000) -> dict[str, Any]:
    """The bundled corpus, then each generated size; saved after each, so a long run keeps what it measured."""
    embedder = Embedder()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["bundled"] = bundled(Path(tmp) / "bundled", embedder, smoke)
        _print("bundled", results["bundled"])
        for docs in sizes:
            results[f"{docs}_documents"] = one_corpus(docs, sample, Path(tmp) / f"g{docs}", embedder, baseline)
            _print(f"{docs} documents", results[f"{docs}_documents"])
            save("scale", {"corpora": results}, out)
    return results
