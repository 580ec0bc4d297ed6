"""The sparse side: BM25 (bm25s) over the same chunks, on the terms of the one tokenizer (`qa.text.tokens`)."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt

from qa.text.tokens import terms


class SparseIndex:
    """BM25 scores over chunk texts; document i is chunk i."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> SparseIndex:
        retriever = bm25s.BM25()
        # An empty corpus still gets one placeholder document: bm25s cannot save an index it never built,
        # and `size` (0) keeps the placeholder out of every search.
        tokens = [terms(t) or ["\x00empty"] for t in texts] or [["\x00empty"]]
        retriever.index(tokens, show_progress=False)
        return cls(retriever, len(texts))

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), show_progress=False)
        (folder / "size.txt").write_text(str(self.size))

    @classmethod
    def load(cls, folder: Path) -> SparseIndex:
        retriever = bm25s.BM25.load(str(folder), show_progress=False, allow_pickle=False)
        return cls(retriever, int((folder / "size.txt").read_text()))

    def search(self, query: str, k: int,
               allowed: npt.NDArray[np.int64] | None = None) -> tuple[list[int], list[float]]:
        """Ids and BM25 scores of the best k chunks with a positive score."""
        tokens = terms(query)
        if not tokens or self.size == 0:
            return [], []
        scores = np.asarray(self.retriever.get_scores(tokens), dtype=np.float32)
        if allowed is not None:
            masked = np.full_like(scores, -1.0)
            masked[allowed] = scores[allowed]
            scores = masked
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        keep = [int(i) for i in top if scores[i] > 0]
        return keep, [float(scores[i]) for i in keep]
