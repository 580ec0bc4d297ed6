"""Log-linear ranker over a question's candidates: weak supervision by denotation, AdaGrad, npz weights."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np

from qa.tableqa.features import DIM

# The shipped weights, made by `python -m bench.tableqa.train` (see docs/TABLES.md).
WEIGHTS = Path(__file__).resolve().parent / "weights"


@dataclass(frozen=True)
class Group:
    """One question's candidates: unique feature ids, inverse map, per-candidate lengths, gold labels."""
    uniq: np.ndarray
    inv: np.ndarray
    starts: np.ndarray
    lens: np.ndarray
    labels: np.ndarray


def make_group(feat_idx: list[np.ndarray], labels: list[bool]) -> Group:
    lens = np.array([len(x) for x in feat_idx], dtype=np.int32)
    flat = np.concatenate(feat_idx) if feat_idx else np.zeros(0, np.int32)
    uniq, inv = np.unique(flat, return_inverse=True)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    return Group(uniq.astype(np.int32), inv.astype(np.int32), starts, lens, np.array(labels, bool))


def softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max())
    out: np.ndarray = z / z.sum()
    return out


class Ranker:
    """Scores = sum of hashed feature weights; confidence = calibrated softmax probability of the top."""

    def __init__(self, w: np.ndarray | None = None, calib: tuple[float, float] = (1.0, 0.0)) -> None:
        self.w = np.zeros(DIM, np.float32) if w is None else w.astype(np.float32)
        self.calib = calib

    def scores(self, g: Group) -> np.ndarray:
        wu = self.w[g.uniq][g.inv]
        return np.add.reduceat(wu, g.starts) if len(wu) else np.zeros(0)

    def confidence(self, p_top: float) -> float:
        """Logistic calibration of the top softmax probability, fitted on DEV to read as P(correct)."""
        a, b = self.calib
        lo = np.log(max(p_top, 1e-6) / max(1 - p_top, 1e-6))
        return float(1 / (1 + np.exp(-(a * lo + b))))

    def train(self, groups: list[Group], epochs: int = 8, lr: float = 0.05, l2: float = 1e-6, seed: int = 0) -> None:
        """Maximise log sum_{correct} p(candidate); questions with no correct candidate are skipped."""
        rng = np.random.default_rng(seed)
        hist = np.full(DIM, 1e-3, np.float64)
        usable = [g for g in groups if g.labels.any() and not g.labels.all()]
        for _ in range(epochs):
            for i in rng.permutation(len(usable)):
                g = usable[i]
                p = softmax(self.scores(g))
                q = np.where(g.labels, p, 0.0)
                q /= q.sum()
                grad_c = p - q
                grad_u = np.bincount(g.inv, weights=np.repeat(grad_c, g.lens), minlength=len(g.uniq))
                grad_u += l2 * self.w[g.uniq]
                hist[g.uniq] += grad_u ** 2
                self.w[g.uniq] -= (lr * grad_u / np.sqrt(hist[g.uniq])).astype(np.float32)

    def save(self, path: str) -> None:
        """Only non-zero weights are stored, as an index/value pair, to keep the file small."""
        nz = np.flatnonzero(self.w)
        np.savez_compressed(path, idx=nz.astype(np.int32), val=self.w[nz].astype(np.float16),
                            calib=np.array(self.calib, np.float64))

    @classmethod
    def load(cls, path: str) -> Ranker:
        d = np.load(path, allow_pickle=False)
        w = np.zeros(DIM, np.float32)
        w[d["idx"]] = d["val"].astype(np.float32)
        # saved by save() from a 2-tuple; cast, not unpack, so that the loader stays exactly as trained
        return cls(w, cast("tuple[float, float]", tuple(float(x) for x in d["calib"])))


def save_groups(path: str, groups: list[Group]) -> None:
    """Concatenate groups into flat arrays (an experiment cache, so that tuning needs no rebuild)."""
    np.savez(path, uniq=np.concatenate([g.uniq for g in groups]), inv=np.concatenate([g.inv for g in groups]),
             lens=np.concatenate([g.lens for g in groups]), labels=np.concatenate([g.labels for g in groups]),
             n_uniq=[len(g.uniq) for g in groups], n_inv=[len(g.inv) for g in groups],
             n_cand=[len(g.lens) for g in groups])


def load_groups(path: str) -> list[Group]:
    with np.load(path, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}  # NpzFile re-reads a member on every access
    out, a, b, c = [], 0, 0, 0
    for nu, ni, nc in zip(d["n_uniq"], d["n_inv"], d["n_cand"], strict=False):
        lens = d["lens"][c:c + nc]
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
        out.append(Group(d["uniq"][a:a + nu], d["inv"][b:b + ni], starts, lens, d["labels"][c:c + nc]))
        a, b, c = a + nu, b + ni, c + nc
    return out
