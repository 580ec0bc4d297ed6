"""Scale: whole answers over generated corpora of 1k (and 10k) documents, then dense index types (exact vs
approximate FAISS) and BM25 alone at 10k, 100k and 1M chunks.

    python -m bench.scale                          # 1k documents end to end, then the index types (a quarter hour)
    python -m bench.scale --docs 1000 10000        # also 10k documents (an hour or more on two cores)
    python -m bench.scale --no-index-types         # the corpora only
    python -m bench.scale --no-million             # index types at 10k and 100k only
    python -m bench.scale --smoke                  # 40 documents and 2,000 chunks

End to end (bench/scale_corpus.py: company reports, prose plus a table each, three questions per report whose
answers are known): build chunks/s against sentence-transformers' encode() of the same chunks in the same run;
answer latency unscoped, one client, for questions about a document never asked about before ("first") and for
new wordings of questions already asked ("repeat": the per-question work once the spans are embedded), with the
bundled corpus measured the same way in the same run; answers/s at 8 clients; accuracy; server memory and index
bytes per million chunks.

Index types:

Dense vectors are random unit vectors with clustered structure (cluster centres plus noise, normalised),
not model embeddings: embedding 100k chunks would take most of an hour on two cores, and search cost and
recall depend on the size, dimension and shape of the data, which this mimics. Queries are held-out draws
from the same clusters. BM25 indexes generated report-like text (one paragraph a chunk). Recall@10 is
measured against the exact (flat) index; memory is the index file's size, which is what FAISS holds.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bench.common import Stats, parser, save, synthetic_paragraph
from bench.scale_answers import corpus_run
from qa.index.dense import TYPES, DenseIndex
from qa.index.sparse import SparseIndex

DIM = 384
QUERIES = 200


@dataclass
class DenseResult:
    """One index type at one size."""

    index_type: str
    vectors: int
    build_s: float
    memory_mb: float
    search: Stats
    recall_at_10: float


@dataclass
class SparseResult:
    """BM25 at one size."""

    chunks: int
    build_s: float
    search: Stats


def clustered(count: int, seed: int, clusters: int = 2000) -> np.ndarray:
    """Unit vectors around `clusters` random centres (noise comparable to the spread of real embeddings)."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(0).standard_normal((clusters, DIM)).astype(np.float32)
    out = np.empty((count, DIM), dtype=np.float32)
    for start in range(0, count, 100_000):  # in slices: 1M x 384 float32 temporaries would double memory
        n = min(100_000, count - start)
        block = centres[rng.integers(0, clusters, n)] + 0.9 * rng.standard_normal((n, DIM)).astype(np.float32)
        out[start : start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def timed_search(index: DenseIndex, queries: np.ndarray, k: int = 10) -> tuple[Stats, list[list[int]]]:
    millis, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        ids, _ = index.search(q[None, :], k)
        millis.append((time.perf_counter() - t0) * 1000)
        found.append(ids)
    return Stats.of(millis), found


def file_mb(index: DenseIndex) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "i.faiss"
        index.save(path)
        return round(path.stat().st_size / 2**20, 1)


def _report(r: DenseResult) -> DenseResult:
    print(f"{r.vectors:>9} {r.index_type:<18} build {r.build_s:7.1f} s  {r.memory_mb:8.1f} MB  "
          f"p50 {r.search.p50:7.3f} ms  p95 {r.search.p95:7.3f} ms  recall@10 {r.recall_at_10:.3f}", flush=True)
    return r


def probe_sweep(index: DenseIndex, queries: np.ndarray, truth: list[list[int]], build_s: float,
                memory: float) -> list[DenseResult]:
    """The same IVF index searched with more or fewer lists: the recall/latency trade-off."""
    ivf = faiss.extract_index_ivf(index.index)
    default, out = ivf.nprobe, []
    for probes in (16, 32, 64, 128, 256):
        if probes >= ivf.nlist or probes == default:
            continue
        ivf.nprobe = probes
        stats, found = timed_search(index, queries)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)]))
        out.append(_report(DenseResult(f"ivf_sq8 nprobe={probes}", index.size, round(build_s, 2), memory, stats,
                                       round(recall, 4))))
    ivf.nprobe = default
    return out


def dense_at(count: int, types: list[str], seed: int = 1) -> list[DenseResult]:
    vectors, queries = clustered(count, seed), clustered(QUERIES, seed + 1000)
    truth: list[list[int]] = []
    results = []
    for kind in ["flat", *[t for t in types if t != "flat"]]:
        t0 = time.perf_counter()
        index = DenseIndex.build(vectors, kind)
        build_s = time.perf_counter() - t0
        stats, found = timed_search(index, queries)
        truth = truth or found
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)]))
        memory = round(count * DIM * 4 / 2**20, 1) if kind == "flat" else file_mb(index)
        name = f"ivf_sq8 nprobe={faiss.extract_index_ivf(index.index).nprobe}" if kind == "ivf_sq8" else kind
        results.append(_report(DenseResult(name, count, round(build_s, 2), memory, stats, round(recall, 4))))
        if kind == "ivf_sq8":
            results += probe_sweep(index, queries, truth, build_s, memory)
        del index
    return results


def sparse_at(count: int) -> SparseResult:
    rng = np.random.default_rng(3)
    texts = [synthetic_paragraph(rng, i) for i in range(count)]
    t0 = time.perf_counter()
    index = SparseIndex.build(texts)
    build_s = time.perf_counter() - t0
    words = [t.split() for t in texts[:QUERIES]]  # "<Company> reported <metric> of $V million in <Region> ..."
    questions = [f"What was {w[0]} {w[2]} in {w[w.index('in') + 1]} in {w[w.index('fiscal') + 1].rstrip(',')}?"
                 for w in words]
    millis = []
    for q in questions:
        t1 = time.perf_counter()
        index.search(q, 50)
        millis.append((time.perf_counter() - t1) * 1000)
    result = SparseResult(count, round(build_s, 2), Stats.of(millis))
    print(f"{count:>9} bm25      build {build_s:7.1f} s  p50 {result.search.p50:7.3f} ms  "
          f"p95 {result.search.p95:7.3f} ms", flush=True)
    return result


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--no-million", action="store_true", help="skip the 1M-vector index-only run")
    p.add_argument("--docs", type=int, nargs="+", default=[1000], help="generated corpus sizes, in documents")
    p.add_argument("--sample", type=int, default=300, help="questions asked per corpus")
    p.add_argument("--no-index-types", action="store_true", help="skip the index-type measurements")
    p.add_argument("--baseline", type=int, default=6000, help="chunks encode() embeds for the build comparison")
    args = p.parse_args()
    results: dict[str, Any] = {"corpora": corpus_run([40] if args.smoke else args.docs, 30 if args.smoke
                                                     else args.sample, args.smoke, args.out, args.baseline)}
    save("scale", results, args.out)
    if args.no_index_types:
        return
    sizes = {2_000: list(TYPES)} if args.smoke else {
        10_000: list(TYPES), 50_000: ["ivf_sq8"], 100_000: ["hnsw_sq8", "ivf_sq8"]}  # HNSW builds cost minutes
    results.update({"dense": [], "bm25": [], "faiss_threads_search": 1,
                    "faiss_threads_build": faiss.omp_get_max_threads()})
    for count, types in sizes.items():
        results["dense"] += dense_at(count, types)
        results["bm25"].append(sparse_at(count))
        save("scale", results, args.out)  # after every size: a long run keeps what it measured
    if not (args.smoke or args.no_million):
        # HNSW is left out at 1M: it took minutes per 100k vectors to build here, so most of an hour at 1M.
        results["dense"] += dense_at(1_000_000, ["ivf_sq8"])
        save("scale", results, args.out)


if __name__ == "__main__":
    main()
