"""Building the index: full-build speed, a no-change `qa index`, a one-file change, cold start to first answer.

    python -m bench.build            # bundled corpus and a generated 1,000-file corpus (a few minutes)
    python -m bench.build --smoke    # a 20-file corpus
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import BUNDLED_CORPUS, copy_corpus, generate_corpus, parser, save, serve
from qa.embed.embedder import Embedder
from qa.index.builder import BuildReport, build_index
from qa.settings import Settings


class CountingFactory:
    """The embedder factory the indexer calls only when something must be embedded; counts the calls."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.calls = 0

    def __call__(self) -> Embedder:
        self.calls += 1
        return self.embedder


def settings(corpus: Path, index: Path) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=index, _env_file=None)  # type: ignore[call-arg]


def timed_build(s: Settings, factory: CountingFactory, full: bool = False) -> tuple[BuildReport, float]:
    started = time.perf_counter()
    report = build_index(s, factory, full=full)
    return report, time.perf_counter() - started


def no_change(s: Settings, factory: CountingFactory, repeats: int) -> dict[str, Any]:
    """In-process build_index with nothing changed (no model needed), and the `qa index` command's wall time."""
    before = factory.calls
    seconds = [timed_build(s, factory)[1] for _ in range(repeats)]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qa", "index", "--corpus", str(s.corpus_dir), "--index",
                    str(s.index_dir)], check=True, capture_output=True)
    return {"in_process_s_median": round(statistics.median(seconds), 4), "model_loaded": factory.calls > before,
            "cli_wall_s_including_python_start": round(time.perf_counter() - started, 3)}


def one_file_change(corpus: Path, s: Settings, factory: CountingFactory) -> dict[str, Any]:
    target = sorted(corpus.glob("*.md"))[len(list(corpus.glob("*.md"))) // 2]
    target.write_text(target.read_text() + "\nAn added closing remark about the outlook for 2026.\n")
    report, seconds = timed_build(s, factory)
    return {"changed_files": report.changed, "chunks_embedded": report.embedded, "chunks_total": report.chunks,
            "seconds": round(seconds, 3)}


def cold_start(corpus: Path, index: Path) -> dict[str, Any]:
    """A fresh `qa serve` process over an existing index until its first answer (model load included)."""
    started = time.perf_counter()
    with serve(corpus, index) as server:
        r = httpx.post(f"{server.url}/api/answer", json={"question": "What was China's R&D spending in 2024?"},
                       timeout=60)
        r.raise_for_status()
        first = time.perf_counter() - started
    return {"seconds_to_first_answer": round(first, 2), "seconds_to_health": round(server.ready_s, 2)}


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    files = 20 if args.smoke else 1000
    load_started = time.perf_counter()
    embedder = Embedder()
    embedder.encode(["load the model"])  # sentence-transformers loads lazily; keep its load out of build times
    factory = CountingFactory(embedder)
    results: dict[str, Any] = {"model_load_s": round(time.perf_counter() - load_started, 2)}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        bundled = settings(copy_corpus(BUNDLED_CORPUS, base / "b" / "corpus"), base / "b" / "index")
        report, seconds = timed_build(bundled, factory, full=True)
        results["bundled_full"] = {"chunks": report.chunks, "seconds": round(seconds, 3)}
        results["bundled_no_change"] = no_change(bundled, factory, 3 if args.smoke else 7)
        results["cold_start_existing_index"] = cold_start(bundled.corpus_dir, bundled.index_dir)
        if not args.smoke:  # builds in the child process: imports torch and sentence-transformers there
            results["cold_start_empty_index"] = cold_start(bundled.corpus_dir, base / "b" / "fresh-index")
        generated = settings(generate_corpus(base / "g" / "corpus", files), base / "g" / "index")
        report, seconds = timed_build(generated, factory, full=True)
        results["generated_full"] = {"files": files, "chunks": report.chunks, "seconds": round(seconds, 2),
                                     "chunks_per_s": round(report.chunks / seconds, 1)}
        results["generated_no_change"] = no_change(generated, factory, 3)
        results["generated_one_file_change"] = one_file_change(generated.corpus_dir, generated, factory)
    for key, value in results.items():
        print(f"{key}: {value}")
    save("build", results, args.out)


if __name__ == "__main__":
    main()
