"""What span vectors cost a build: full builds with and without them, alternated in one process with
sentence-transformers' encode() of the same chunk texts (the machine is shared: the load moves between runs).

    python -m bench.scale_spans                 # 200 generated reports (1,200 chunks), three rounds
    python -m bench.scale_spans --docs 1000     # 6,000 chunks
    python -m bench.scale_spans --smoke         # 10 reports, one round
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import parser, save
from bench.scale_corpus import generate
from qa.embed.embedder import Embedder
from qa.index.builder import build_index
from qa.index.store import load_latest
from qa.settings import Settings


def _round(corpus: Path, work: Path, embedder: Embedder) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for spans in (True, False):
        settings = Settings(corpus_dir=corpus, index_dir=work / f"index-{spans}", span_vectors=spans,
                            _env_file=None)  # type: ignore[call-arg]
        started = time.perf_counter()
        report = build_index(settings, lambda: embedder, full=True)
        row["with" if spans else "without"] = round(report.chunks / (time.perf_counter() - started), 1)
        row["spans"] = row.get("spans") or report.spans_embedded
    texts = [c.search_text for c in load_latest(work / "index-True").data.chunks]
    started = time.perf_counter()
    embedder.encode(texts)
    row["encode"] = round(len(texts) / (time.perf_counter() - started), 1)
    row["chunks"] = len(texts)
    row["with_x"], row["without_x"] = round(row["with"] / row["encode"], 2), round(row["without"] / row["encode"], 2)
    print(f"build with span vectors {row['with']} chunks/s ({row['with_x']}x encode()), without {row['without']} "
          f"({row['without_x']}x), encode() {row['encode']}; {row['chunks']} chunks, {row['spans']} spans", flush=True)
    return row


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--docs", type=int, default=200, help="generated reports")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    embedder = Embedder()
    embedder.encode(["warm up the torch model"] * 8)  # encode() loads sentence-transformers on first use
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        generate(work / "corpus", 10 if args.smoke else args.docs)
        rounds = [_round(work / "corpus", work, embedder) for _ in range(1 if args.smoke else args.rounds)]
    save("scale_spans", {"rounds": rounds}, args.out)


if __name__ == "__main__":
    main()
