"""The sparse side: BM25 (bm25s) over the same chunks, with a tokenizer that keeps report vocabulary."""

from __future__ import annotations

import re
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt
from bm25s.stopwords import STOPWORDS_EN

# "US" and "U.S." would become the stopword "us"; they are rewritten to one token before lowercasing.
_US = re.compile(r"\b(?:U\.S\.A\.?|U\.S\.?|USA|US)(?![\w])|\bUnited States(?: of America)?\b|\bAmerica\b")
_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[a-z0-9]+(?:[&][a-z0-9]+)*")
_STOP = frozenset(STOPWORDS_EN) | {"much", "many", "did", "does", "do", "what", "which", "who", "how", "when",
                                   "where", "why", "whose", "s"}


def stem(word: str) -> str:
    """A light plural/inflection folding, enough for "patents" ~ "patent" and "graduates" ~ "graduate"."""
    if len(word) <= 3 or word[0].isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(suffix):
            return word[: -len(suffix)] + repl
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lowercased, stopword-free, lightly stemmed tokens; "10,910" stays one number."""
    text = _US.sub(" usa ", text.replace("’", "'"))
    out = []
    for tok in _TOKEN.findall(text.lower()):
        tok = tok.replace(",", "") if tok[0].isdigit() else tok
        if tok not in _STOP:
            out.append(stem(tok))
    return out


class SparseIndex:
    """BM25 scores over chunk texts; document i is chunk i."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> SparseIndex:
        retriever = bm25s.BM25()
        tokens = [tokenize(t) or ["\x00empty"] for t in texts]
        if tokens:
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
        tokens = tokenize(query)
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
