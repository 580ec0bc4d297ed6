"""Side by side with txtai: the same chunks, questions and model through txtai's Embeddings and through qa.

    python -m bench.txtai_compare          # both question sets (about two minutes)
    python -m bench.txtai_compare --smoke  # the first 8 questions of each

Both sides index the same chunk texts (qa's chunks) with the same all-MiniLM-L6-v2 files, and get the same
(follow-up-resolved) question text. Besides qa's retrievers, "qa answer citations" ranks by the chunks qa's
answer cites, in order: what a user of either system would see first. Reported per retriever: Recall@1/3/5
and MRR of the expected document, the same for the chunk that holds the expected answer, and per-query
latency including embedding the query (qa's query-vector cache is bypassed, so both sides embed every query).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench.common import EVAL_SETS, indexed_service, parser, save
from qa.answer.followup import resolve
from qa.evaluation import EvalItem, RetrievalScores, load_items, rankers, score_retrieval
from qa.records import Vectors
from qa.serve.service import Engine

Ranker = Callable[[str, Vectors, int], list[int]]


def txtai_rankers(engine: Engine) -> tuple[dict[str, Ranker], dict[str, float]]:
    """txtai's dense and hybrid (its normalised BM25 + dense) Embeddings over qa's chunk texts."""
    from txtai import Embeddings

    rows = [(i, c.search_text, None) for i, c in enumerate(engine.index.data.chunks)]
    found: dict[str, Ranker] = {}
    build_s: dict[str, float] = {}
    for name, config in (("txtai dense", {}), ("txtai hybrid", {"hybrid": True})):
        started = time.perf_counter()
        embeddings = Embeddings(path=engine.retriever.embedder.path, content=False, **config)
        embeddings.index(rows)
        build_s[name] = round(time.perf_counter() - started, 3)
        found[name] = partial(_txtai_search, embeddings)
    return found, build_s


def _txtai_search(embeddings: Any, question: str, vector: Vectors, k: int) -> list[int]:
    return [int(i) for i, _ in embeddings.search(question, k)]


def _embedding_afresh(ranker: Ranker, embed: Callable[[list[str]], Vectors], question: str, vector: Vectors,
                      k: int) -> list[int]:
    return ranker(question, embed([question]), k)


def our_rankers(engine: Engine) -> dict[str, Ranker]:
    """qa's retrievers, each embedding its query afresh (no cache) so latency compares like with like."""
    embed = engine.retriever.embedder.encode_queries
    found: dict[str, Ranker] = {}
    for name, ranker in rankers(engine, (0.5, 0.7)).items():
        found[f"qa {name}"] = partial(_embedding_afresh, ranker, embed)
    found["qa convex (diagnostic)"] = lambda q, v, k: convex(engine, q, embed([q]), k)
    found["qa answer citations"] = cited(engine)
    return found


def cited(engine: Engine) -> Ranker:
    """The whole answerer: the chunks its answer cites, in their order (what a user is shown). A table answer
    cites the rows it used first, so "which region had the highest revenue" ranks the row holding the answer,
    which no retriever can: finding it takes comparing the values."""
    position = {c.id: i for i, c in enumerate(engine.index.data.chunks)}

    def rank(question: str, vector: Vectors, k: int) -> list[int]:
        # Each question is new to the query cache here, so it is embedded afresh as by the other rankers;
        # table labels' vectors stay cached, as in a running server.
        return [position[c.chunk_id] for c in engine.answerer.answer(question, top_k=k).citations]

    return rank


def convex(engine: Engine, question: str, vector: Vectors, k: int, dense_weight: float = 0.5) -> list[int]:
    """txtai's hybrid formula on qa's retrievers: raw cosine plus BM25 scaled by the best BM25 score, where
    qa's `weighted` fusion min-max scales both sides (which stretches small cosine differences)."""
    n = engine.retriever.settings.candidates
    ids, cosines = engine.index.search.dense(vector, n)
    sparse_ids, bm25 = engine.index.search.sparse(question, n)
    fused = {i: dense_weight * c for i, c in zip(ids, cosines, strict=True)}
    top = max(bm25, default=0.0) or 1.0
    for i, score in zip(sparse_ids, bm25, strict=True):
        fused[i] = fused.get(i, 0.0) + (1 - dense_weight) * score / top
    return [i for i, _ in sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def compare(engine: Engine, items: list[EvalItem], with_txtai: bool) -> dict[str, Any]:
    tables = engine.index.data.tables
    queries = [(it, resolve(it.question, it.messages, tables)) for it in items if it.kind != "none"]
    prepared = [(it, text, engine.retriever.embedder.encode_queries([text])) for it, text in queries]
    contenders = our_rankers(engine)
    build_s: dict[str, float] = {}
    if with_txtai:
        theirs, build_s = txtai_rankers(engine)
        contenders |= theirs
    chunks = engine.index.data.chunks
    scores: list[RetrievalScores] = [score_retrieval(name, ranker, chunks, prepared)
                                     for name, ranker in contenders.items()]
    return {"chunks": len(chunks), "questions": len(prepared), "scores": scores, "txtai_build_s": build_s}


def txtai_available() -> bool:
    try:
        import txtai  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    with_txtai = txtai_available()
    if not with_txtai:
        print("txtai is not installed (pip install -e '.[bench]'); measuring qa alone")
    results: dict[str, Any] = {"txtai": with_txtai}
    for name, (corpus, questions) in EVAL_SETS.items():
        if args.smoke and name != "financial":
            continue
        items = load_items(questions)[: 8 if args.smoke else None]
        with tempfile.TemporaryDirectory() as tmp:
            results[name] = compare(indexed_service(corpus, Path(tmp)).engine, items, with_txtai)
        print(f"\n## {name}: {results[name]['questions']} questions, {results[name]['chunks']} chunks")
        print("| retriever | R@1 | R@3 | R@5 | MRR | evidence R@1 | evidence R@3 | evidence MRR | query p50 ms |")
        print("|---|---|---|---|---|---|---|---|---|")
        for s in results[name]["scores"]:
            print(f"| {s.mode} | {s.recall[1]:.2f} | {s.recall[3]:.2f} | {s.recall[5]:.2f} | {s.mrr:.2f} | "
                  f"{s.evidence_recall[1]:.2f} | {s.evidence_recall[3]:.2f} | {s.evidence_mrr:.2f} | {s.p50_ms:.2f} |")
    save("txtai_compare", results, args.out)


if __name__ == "__main__":
    main()
