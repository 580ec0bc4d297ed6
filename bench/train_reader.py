"""Train the short-answer reader (src/qa/answer/reader_weights.json) and print its DEV figures.

Data: TAT-QA text questions (Zhu et al., ACL 2021), CC BY 4.0, from ../shared/data/report-qa-train (read-only;
see bench/reader_data.py). Deterministic: the DEV split is by table uid hash, the built unanswerables use a
fixed seed, training is full-batch. Sentence similarities use the product's embedder; the vectors of the
training texts are cached outside the repository (--vectors).

    python -m bench.train_reader            # writes src/qa/answer/reader_weights.json, prints DEV figures
    python -m bench.train_reader --smoke    # a few hundred questions, no embeddings, weights to a temp file
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.reader_data import Example, Pool, exact, f1, inside, load
from qa.answer.evidence import Lexicon, Question
from qa.answer.features import CAND_NAMES, Idf, Passage, ScoredSpan, layout, sentences
from qa.answer.reader import WEIGHTS, Linear, ReaderModel, abstention_features, candidates, read

FOLDS = 5
LONG_ANSWER = 5  # words
PRIOR_STRENGTH = 0.2  # L2 pull towards PRIOR: TAT-QA alone would unlearn answer types it rarely asks
DECLINE_BUDGET = 0.08  # share of held-out answerable TRAIN questions allowed below 0.5
# What extractive QA on Wikipedia is known to reward (standardised units): the expected answer type, spans that
# do not repeat the question, spans near the question's words, short spans.
PRIOR = {"type_first": 1.5, "type_other": 0.5, "type_none_numeric": -1.0, "type_mismatch": -1.0,
         "clause_for_typed_q": -1.0, "sentence_for_short_q": -1.0, "starts_function": -0.5, "sent_has_type": 0.5,
         "sent_for_sentence_q": 1.0, "clause_for_sentence_q": 0.5, "cand_overlap": -1.0, "log_dist": -0.7,
         "log_len": -0.3, "cov": 0.7, "cov_win": 0.5, "s_best": 0.3}
Sims = list[list[float]] | None
# Fixed questions over fixed passages whose candidate features the weights file records (`fingerprint`): a change
# of the features' code (an answer-type rule, a span pattern, the idf) changes them, and a test then says the
# shipped weights need retraining. One question per kind of answer type the rules tell apart.
PROBE_PASSAGES = (
    "On February 20, engineers in Xinjiang completed Asia's deepest borehole, 10,910 meters down, the second "
    "deepest vertical well in the world. Gao Yi, a research fellow at the Chinese Academy, told Beijing Review.",
    "Gross margin was 41.2% in 2019, up from 38.5% in 2018, and the effective tax rate fell to 21%. Revenue rose "
    "by $612 million to $4.1 billion because demand for 240 MW of storage was strong; 3 plants did not open.",
)
PROBE_QUESTIONS = ("How deep is the borehole?", "When did engineers complete Asia's deepest borehole?",
                   "Who is Gao Yi?", "Where was the borehole drilled?", "What was the gross margin in 2019?",
                   "What percentage was the effective tax rate?", "How much did revenue rise?",
                   "How many plants did not open?", "Why did revenue rise?", "Which company did Gao talk to?",
                   "What did engineers complete in Xinjiang?")


class Similarity:
    """Question-sentence cosines from the product's embedder, the vectors cached in an .npz outside the repo."""

    def __init__(self, path: Path) -> None:
        from qa.embed.embedder import Embedder

        self.path, self.embedder = path, Embedder()
        self.table: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path, allow_pickle=False)
            self.table = dict(zip(data["texts"].tolist(), data["vecs"], strict=True))

    def fill(self, examples: Sequence[Example]) -> None:
        self.fill_texts({e.question for e in examples} | {p.text[s.start : s.end] for e in examples
                                                          for p in e.passages for s in layout(p.text).spans})

    def fill_texts(self, wanted: set[str]) -> None:
        """Embed the texts not cached yet, and save the cache."""
        missing = sorted(wanted - self.table.keys())
        if missing:
            self.table.update(zip(missing, self.embedder.encode(missing, batch_size=64), strict=True))
            keys = sorted(self.table)
            np.savez(self.path, texts=np.array(keys), vecs=np.stack([self.table[k] for k in keys]))

    def sims(self, e: Example) -> list[list[float]]:
        q = self.table[e.question]
        return [[float(self.table[p.text[s.start : s.end]] @ q) for s in layout(p.text).spans] for p in e.passages]


@dataclass(frozen=True)
class Featurised:
    example: Example
    question: Question
    scored: list[ScoredSpan]
    x: np.ndarray
    f1s: np.ndarray  # each candidate's word F1 against the gold (zeros when unanswerable)
    fold: int
    max_sim: float


def featurise(examples: Sequence[Example], pool: Pool, sim: Similarity | None, fallback: tuple[float, float]
              ) -> list[Featurised]:
    out, qid = [], -1
    for e in examples:
        qid += e.kind == "answerable"  # an answerable example opens each question's group
        q = pool.lexicon.analyse(e.question)
        scored, max_sim = candidates(q, e.passages, pool.lexicon.rarity, fallback, sim.sims(e) if sim else None)
        if not scored:
            continue
        texts = [e.passages[c.sentence.passage].text[c.sentence.start + c.span.start : c.sentence.start + c.span.end]
                 for c in scored]
        f1s = np.array([f1(t, e.gold) if e.gold else 0.0 for t in texts])
        out.append(Featurised(e, q, scored, np.stack([c.features for c in scored]), f1s, qid % FOLDS, max_sim))
    return out


def _standardiser(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    std = x.std(axis=0)
    return x.mean(axis=0), np.where(std > 1e-9, std, 1.0)


def adam(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g * g
    return w - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8), m, v


def train_ranker(groups: list[tuple[np.ndarray, np.ndarray, float]], steps: int) -> Linear:
    """Softmax over each question's candidates, cross-entropy to its best-F1 spans, L2 towards PRIOR."""
    prior = np.array([PRIOR.get(name, 0.0) for name in CAND_NAMES])
    mean, std = _standardiser(np.concatenate([x for x, _, _ in groups]))
    xs = [(x - mean) / std for x, _, _ in groups]
    total = sum(g for _, _, g in groups)
    w, m, v = prior.copy(), np.zeros_like(prior), np.zeros_like(prior)
    for t in range(1, steps + 1):
        grad = PRIOR_STRENGTH * (w - prior)
        for x, (_, target, weight) in zip(xs, groups, strict=True):
            s = x @ w
            p = np.exp(s - s.max())
            grad += weight * (x.T @ (p / p.sum() - target)) / total
        w, m, v = adam(w, grad, m, v, t, 0.05)
    return Linear(w, mean, std, 0.0)


def train_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray, steps: int, l2: float = 1e-2) -> Linear:
    mean, std = _standardiser(x)
    z = (x - mean) / std
    theta, m, v = np.zeros(z.shape[1] + 1), np.zeros(z.shape[1] + 1), np.zeros(z.shape[1] + 1)
    for t in range(1, steps + 1):
        p = 1.0 / (1.0 + np.exp(-(z @ theta[:-1] + theta[-1])))
        err = (p - y) * weight / weight.sum()
        theta, m, v = adam(theta, np.concatenate([z.T @ err + l2 * theta[:-1], [err.sum()]]), m, v, t, 0.05)
    return Linear(theta[:-1], mean, std, float(theta[-1]))


def ranker_groups(items: list[Featurised]) -> list[tuple[np.ndarray, np.ndarray, float]]:
    groups = []
    for it in items:
        if it.example.kind != "answerable" or it.f1s.max() < 0.5:
            continue  # no candidate is a fair answer: nothing to learn about ranking here
        target = (it.f1s >= it.f1s.max() - 1e-9).astype(float)
        # Wikipedia answers are short; TAT-QA's long definitional answers would teach "prefer long spans".
        groups.append((it.x, target / target.sum(), 1.0 if len(it.example.gold.split()) <= LONG_ANSWER else 0.3))
    return groups


def abstention_rows(items: list[Featurised], ranker: Linear, idf: Idf) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for it in items:
        scores = ranker(it.x)
        best = it.scored[int(np.argmax(scores))]
        whole = layout(it.example.passages[best.sentence.passage].text).whole
        xs.append(abstention_features(it.question, best, scores, it.max_sim, whole, idf))
        ys.append(float(it.example.kind == "answerable"))
    return np.stack(xs), np.array(ys)


def fit(items: list[Featurised], idf: Idf, fallback: tuple[float, float], steps: int) -> ReaderModel:
    """Cross-fitted: the calibrator sees ranker scores on questions the ranker did not train on; then its
    intercept moves so at most DECLINE_BUDGET of held-out answerable questions fall below 0.5 (declining an
    answerable question costs more than a checkable span for an unanswerable one)."""
    rows = [abstention_rows([it for it in items if it.fold == k],
                            train_ranker(ranker_groups([it for it in items if it.fold != k]), steps), idf)
            for k in range(FOLDS)]
    x, y = np.concatenate([r[0] for r in rows]), np.concatenate([r[1] for r in rows])
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))  # judged half answerable, half not
    calibrator = train_logistic(x, y, weight, steps * 4)
    shift = max(0.0, -float(np.quantile(calibrator(x[y == 1]), DECLINE_BUDGET)))
    answerable = Linear(calibrator.weights, calibrator.mean, calibrator.std, calibrator.bias + shift)
    return ReaderModel(train_ranker(ranker_groups(items), steps), answerable, fallback)


def sim_fallback(examples: Sequence[Example], pool: Pool, sim: Similarity) -> tuple[float, float]:
    """Least-squares sim ~ a * cov_win + b over TRAIN sentences, for callers without sentence vectors."""
    covs, sims = [], []
    for e in examples:
        for s in sentences(pool.lexicon.analyse(e.question), e.passages, pool.lexicon.rarity, sim.sims(e), (0, 0)):
            covs.append(s.cov_win)
            sims.append(s.sim)
    a, b = np.polyfit(np.array(covs), np.array(sims), 1)
    return float(a), float(b)


def dev_report(model: ReaderModel, dev: Sequence[Example], pool: Pool, sim: Similarity | None) -> None:
    rows = []
    for e in dev:
        got = read(pool.lexicon.analyse(e.question), e.passages, pool.lexicon.rarity, model,
                   sim.sims(e) if sim else None)
        rows.append((e, got[0].text if got else "", got[0].probability if got else 0.0))
    ans = [(e, t, p) for e, t, p in rows if e.kind == "answerable"]
    short = [(e, t, p) for e, t, p in ans if len(e.gold.split()) <= LONG_ANSWER]
    print(f"DEV answerable n={len(ans)} (short golds, <= {LONG_ANSWER} words: n={len(short)})")
    for name, fn in (("exact match", exact), ("word F1", f1), ("gold inside answer", inside)):
        print(f"  {name:20s} {statistics.mean(fn(t, e.gold) for e, t, _ in ans):.3f}"
              f"   short {statistics.mean(fn(t, e.gold) for e, t, _ in short):.3f}")
    print(f"  {'wrongly declined':20s} {statistics.mean(float(p < 0.5) for _, _, p in ans):.3f}")
    for kind in ("near_miss", "perturbed"):
        un = [p for e, _, p in rows if e.kind == kind]
        print(f"DEV unanswerable ({kind}) n={len(un)} declined {statistics.mean(float(p < 0.5) for p in un):.3f}")
    print("calibration (all DEV rows; right = answerable and F1 >= 0.5)")
    for lo in [i / 10 for i in range(10)]:
        band = [(e, t, p) for e, t, p in rows if lo <= p < lo + 0.1 + (lo == 0.9)]
        if band:
            right = statistics.mean(float(e.kind == "answerable" and f1(t, e.gold) >= 0.5) for e, t, _ in band)
            answerable = statistics.mean(float(e.kind == "answerable") for e, _, _ in band)
            print(f"  [{lo:.1f},{lo + 0.1:.1f}) n={len(band):4d} mean p={statistics.mean(p for *_, p in band):.2f} "
                  f"answerable={answerable:.2f} right={right:.2f}")


def vocab_rarity() -> Idf:
    """For comparison only (--idf vocab): rarity from MiniLM's frequency-ordered vocabulary, as the prototype had."""
    import math

    from qa.embed.embedder import Embedder
    from qa.text.tokens import STOPWORDS, stem

    words = (Path(Embedder().path) / "vocab.txt").read_text(encoding="utf-8").split("\n")
    ranks: dict[str, int] = {}
    for i, w in enumerate(words[words.index("the") :]):
        if w.isalpha():
            ranks.setdefault(stem(w), i + 1)
    top = math.log(len(words))
    return lambda t: 0.05 if t in STOPWORDS else max(0.1, math.log(1 + ranks.get(t, len(words))) / top)


def fingerprint(fallback: tuple[float, float]) -> str:
    """A digest of the candidate features of PROBE_QUESTIONS over PROBE_PASSAGES, as this code computes them."""
    lexicon = Lexicon(PROBE_PASSAGES)
    passages = tuple(Passage(t, 1.0 - i / 10) for i, t in enumerate(PROBE_PASSAGES))
    digest = hashlib.sha256()
    for question in PROBE_QUESTIONS:
        q = lexicon.analyse(question)
        digest.update(repr(q.expected).encode())
        for c in candidates(q, passages, lexicon.rarity, fallback)[0]:
            digest.update(f"{c.span.kind} {c.sentence.start + c.span.start} {c.span.end - c.span.start}".encode())
            digest.update(rounded(c.features))
    return digest.hexdigest()[:16]


def rounded(x: np.ndarray) -> bytes:
    """Feature values as bytes for a digest, rounded so that last-bit float differences between machines do not
    count (+ 0.0 turns -0.0 into 0.0)."""
    return (np.round(np.asarray(x, dtype=np.float64), 4) + 0.0).tobytes()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few hundred questions, no embeddings, temp output")
    parser.add_argument("--out", type=Path, default=None, help=f"weights file (default {WEIGHTS})")
    parser.add_argument("--vectors", type=Path, default=Path(tempfile.gettempdir()) / "qa_reader_vectors.npz")
    parser.add_argument("--idf", choices=("corpus", "vocab"), default="corpus",
                        help="word rarity: the product's corpus idf (shipped) or MiniLM vocabulary rank (to compare)")
    args = parser.parse_args(argv)
    train, dev, pool = load(limit=120 if args.smoke else None)
    if args.idf == "vocab":
        pool.lexicon.rarity = vocab_rarity()  # type: ignore[method-assign,assignment]
    sim = None if args.smoke else Similarity(args.vectors)
    if sim:
        sim.fill([*train, *dev])
    fallback = sim_fallback(train, pool, sim) if sim else (0.0, 0.0)
    model = fit(featurise(train, pool, sim, fallback), pool.lexicon.rarity, fallback, 60 if args.smoke else 400)
    out = args.out or (Path(tempfile.gettempdir()) / "reader_weights.smoke.json" if args.smoke else WEIGHTS)
    model.save(out, {"fingerprint": fingerprint(fallback)})
    print(f"wrote {out}; TRAIN examples {len(train)}, DEV examples {len(dev)}")
    dev_report(model, dev, pool, sim)
    return 0


if __name__ == "__main__":
    sys.exit(main())
