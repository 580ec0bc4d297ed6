"""A multinomial logistic model over named features, trained deterministically and stored as readable JSON."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Self

import numpy as np


class NamedSoftmax:
    """Weights per named feature and class; a class's score is the sum of its features' weights."""

    def __init__(self, weights: dict[str, list[float]], classes: tuple[str, ...]) -> None:
        self.weights = weights
        self.classes = classes

    def scores(self, feats: list[str]) -> np.ndarray:
        s = np.zeros(len(self.classes))
        for f in feats:
            w = self.weights.get(f)
            if w is not None:
                s += np.asarray(w)
        return s

    def probabilities(self, feats: list[str]) -> np.ndarray:
        z = self.scores(feats)
        e = np.exp(z - z.max())
        out: np.ndarray = e / e.sum()
        return out

    def predict(self, feats: list[str], allowed: set[str] | None = None) -> str:
        """The likeliest class among those allowed (all when None); "" for a model without weights."""
        if not self.weights:
            return ""
        s = self.scores(feats)
        ok = [i for i, c in enumerate(self.classes) if allowed is None or c in allowed]
        return self.classes[max(ok, key=lambda i: s[i])] if ok else ""

    @classmethod
    def fit(cls, items: list[tuple[list[str], str]], l2: float = 1e-3, steps: int = 300,
            classes: tuple[str, ...] | None = None) -> Self:
        """Full-batch Adam on the softmax loss (deterministic); features seen fewer than twice are dropped."""
        names = _frequent(items)
        index = {f: i for i, f in enumerate(names)}
        x = np.zeros((len(items), len(names)))
        for i, (feats, _) in enumerate(items):
            for f in feats:
                if f in index:
                    x[i, index[f]] = 1.0
        model = cls({}, classes) if classes is not None else cls.empty()
        onehot = np.eye(len(model.classes))[np.array([model.classes.index(s) for _, s in items], dtype=int)]
        w = np.zeros((len(names), len(model.classes)))
        m, v2 = np.zeros_like(w), np.zeros_like(w)
        for step in range(1, steps + 1):
            z = x @ w
            z -= z.max(axis=1, keepdims=True)
            prob = np.exp(z)
            prob /= prob.sum(axis=1, keepdims=True)
            grad = x.T @ (prob - onehot) / max(1, len(items)) + l2 * w
            m = 0.9 * m + 0.1 * grad
            v2 = 0.999 * v2 + 0.001 * grad ** 2
            w -= 0.05 * (m / (1 - 0.9 ** step)) / (np.sqrt(v2 / (1 - 0.999 ** step)) + 1e-8)
        model.weights = {f: [round(float(a), 4) for a in w[i]] for f, i in index.items()
                         if np.abs(w[i]).max() >= 1e-3}
        return model

    @classmethod
    def empty(cls) -> Self:
        """A model without weights, of the subclass's own classes."""
        raise TypeError("NamedSoftmax.fit needs its classes")

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps({"classes": list(self.classes), "weights": self.weights}, indent=0,
                                         sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Self:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls({k: [float(a) for a in w] for k, w in data["weights"].items()}, tuple(data["classes"]))


def _frequent(items: list[tuple[list[str], str]]) -> list[str]:
    counts: dict[str, int] = {}
    for feats, _ in items:
        for f in set(feats):
            counts[f] = counts.get(f, 0) + 1
    return sorted(f for f, n in counts.items() if n >= 2)
