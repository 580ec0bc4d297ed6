"""TAT-QA text questions as reader examples: the fixed DEV split, built unanswerable examples, word F1.

Data: TAT-QA (Zhu et al., ACL 2021, "TAT-QA: A Question Answering Benchmark on a Hybrid of Tabular and Textual
Content in Finance"), CC BY 4.0, read from ../shared/data/report-qa-train/questions.json (never copied into
this repository; only the learned weights come from it)."""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.answer.contrary import antonym_pairs
from qa.answer.evidence import Lexicon
from qa.answer.features import Passage
from qa.text.tokens import NEGATIONS, terms

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "report-qa-train" / "questions.json"
# WikiTableQuestions (Pasupat and Liang, 2015), CC BY-SA 4.0: crowd questions about Wikipedia tables, which the
# financial paragraphs do not answer (off-topic unanswerables for the passage confidence).
WTQ = DATA.parents[1] / "wikitables-train" / "questions.tsv"
_ANTONYMS = dict(p.split(":") for p in str.split(
    "increase:decrease decrease:increase higher:lower lower:higher net:gross gross:net current:noncurrent "
    "first:last last:first before:after after:before domestic:foreign foreign:domestic maximum:minimum "
    "minimum:maximum basic:diluted diluted:basic short-term:long-term long-term:short-term income:loss "
    "loss:income beginning:end end:beginning"))


@dataclass(frozen=True)
class Example:
    question: str
    passages: tuple[Passage, ...]  # simulated retrieval, best first
    gold: str  # "" when unanswerable
    kind: str  # answerable | near_miss | perturbed
    swap: str = ""  # a perturbed question's change: year | contrast | name


def is_dev(ctx: dict[str, Any]) -> bool:
    return int(hashlib.sha1(ctx["table"]["uid"].encode()).hexdigest(), 16) % 5 == 0


def _gold(q: dict[str, Any], paras: dict[int, str]) -> tuple[int, int, int] | None:
    """(paragraph order, start, end) covering all mapped spans when they lie in one paragraph."""
    if q["answer_type"] not in ("span", "multi-span") or q["answer_from"] == "table":
        return None
    locs = [(k, v) for m in q["mappings"] for k, v in m.items()]
    orders = {k for k, _ in locs}
    if len(orders) != 1 or not next(iter(orders)).startswith("paragraph_"):
        return None
    order = int(next(iter(orders)).split("_")[1])
    start, end = min(v[0] for _, v in locs), max(v[1] for _, v in locs)
    text = paras.get(order, "")
    while start < end and text[start] in " \t\xa0":  # gold offsets often include the spaces around
        start += 1
    while end > start and text[end - 1] in " \t\xa0.,;":
        end -= 1
    if not text[start:end].strip() or "\n" in text[start:end] or end - start > 300:
        return None
    return order, start, end


class Pool:
    """Every paragraph with its terms, and the corpus idf over them (the product's `Lexicon`)."""

    def __init__(self, contexts: list[dict[str, Any]]) -> None:
        self.items = [(ci, p["text"], frozenset(terms(p["text"]))) for ci, c in enumerate(contexts)
                      for p in c["paragraphs"]]
        self.lexicon = Lexicon(text for _, text, _ in self.items)
        texts = [text for _, text, _ in self.items]
        self.common = frozenset(w for t in texts for w in re.findall(r"\b[a-z]+\b", t))
        # Proper names: capitalised inside a sentence, never written in lower case ("Tencent", not "Cash").
        self.names = sorted({w for t in texts for w in re.findall(r"(?<=[a-z,;] )[A-Z][a-z]{3,}\b", t)
                             if w.lower() not in self.common})

    def score(self, words: tuple[str, ...], stems: frozenset[str]) -> float:
        """Stand-in retrieval score: idf mass of question terms the paragraph holds."""
        return sum(self.lexicon.rarity(t) for t in words if t in stems)

    def passages(self, words: tuple[str, ...], texts: list[str]) -> tuple[Passage, ...]:
        scored = [Passage(t, round(self.score(words, frozenset(terms(t))), 4)) for t in texts]
        return tuple(sorted(scored, key=lambda p: -p.score))

    def nearest_others(self, words: tuple[str, ...], ci: int, n: int) -> list[str]:
        ranked = sorted((p for p in self.items if p[0] != ci), key=lambda p: -self.score(words, p[2]))
        return [text for _, text, _ in ranked[:n]]


def load(limit: int | None = None, seed: int = 13) -> tuple[list[Example], list[Example], Pool]:
    """TRAIN and DEV examples (DEV: one table uid in five, by hash), and the paragraph pool."""
    contexts = json.loads(DATA.read_text(encoding="utf-8"))[:limit]
    pool = Pool(contexts)
    rng = random.Random(seed)
    train: list[Example] = []
    dev: list[Example] = []
    for ci, ctx in enumerate(contexts):
        paras = {p["order"]: p["text"] for p in ctx["paragraphs"]}
        for q in ctx["questions"]:
            loc = _gold(q, paras)
            if loc is not None:
                (dev if is_dev(ctx) else train).extend(_examples(q["question"], ci, paras, loc, pool, rng))
    return train, dev, pool


def off_topic(pool: Pool, every: int = 40) -> tuple[list[Example], list[Example]]:
    """TRAIN and DEV off-topic examples: one WTQ question in `every` (by SHA-1 of its id, DEV one in five of
    those) against its nearest paragraphs; empty when the file is not here."""
    if not WTQ.exists():
        return [], []
    train: list[Example] = []
    dev: list[Example] = []
    for line in WTQ.read_text(encoding="utf-8").splitlines()[1:]:
        qid, question = line.split("\t")[:2]
        h = int(hashlib.sha1(qid.encode()).hexdigest(), 16)
        if h % every:
            continue
        words = pool.lexicon.analyse(question).terms
        example = Example(question, pool.passages(words, pool.nearest_others(words, -1, 4)), "", "off_topic")
        (dev if h // every % 5 == 0 else train).append(example)
    return train, dev


def _examples(question: str, ci: int, paras: dict[int, str], loc: tuple[int, int, int], pool: Pool,
              rng: random.Random) -> list[Example]:
    words = pool.lexicon.analyse(question).terms
    order, start, end = loc
    others = pool.nearest_others(words, ci, 6)
    out = [Example(question, pool.passages(words, [*paras.values(), *others[:2]]), paras[order][start:end],
                   "answerable"),
           Example(question, pool.passages(words, others[:4]), "", "near_miss")]
    changed = perturb(question, " ".join(paras.values()), pool, rng)
    if changed:
        out.append(Example(changed[0], pool.passages(pool.lexicon.analyse(changed[0]).terms,
                                                     [*paras.values(), *others[:2]]), "", "perturbed", changed[1]))
    return out


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict[str, str]:
    """The shipped WordNet antonyms, word to word (the first of several, in the lexicon's order)."""
    out: dict[str, str] = {}
    for a, b in antonym_pairs():
        out.setdefault(a, b)
        out.setdefault(b, a)
    return out


def perturb(question: str, context: str, pool: Pool, rng: random.Random) -> tuple[str, str] | None:
    """Swap a year, a contrast word (the finance pairs above, then WordNet's antonyms: SQuAD 2.0's crowd wrote a
    fifth of its unanswerables so) or a name for another the context never mentions, or deny what a context without a
    negation states (a tenth of SQuAD 2.0's): (the question, which swap)."""
    options: list[tuple[str, str]] = []
    for m in re.finditer(r"\b(19|20)\d\d\b", question):
        year = next((str(int(m.group()) + d) for d in (-3, 3, -5) if str(int(m.group()) + d) not in context), None)
        if year:
            options.append((question[: m.start()] + year + question[m.end() :], "year"))
    words = question.split()
    for i, w in enumerate(words):
        alt = _ANTONYMS.get(w.lower()) or _lexicon().get(w.lower())
        if alt and alt not in context.lower():
            options.append((" ".join([*words[:i], alt, *words[i + 1 :]]), "contrast"))
    denied = _denied(words, context)
    if denied:
        options.append((denied, "negation"))
    # SQuAD 2.0's entity swaps: a name of the question for another name of the corpus the context lacks (a
    # capitalised line item, "Net cash flow", is no name: its words are written in lower case elsewhere).
    names = [i for i, w in enumerate(words) if i > 0 and w[:1].isupper() and w.isalpha()
             and w.lower() not in pool.common]
    if names:
        i = rng.choice(names)
        other = rng.choice(pool.names)
        if other not in context:
            options.append((" ".join([*words[:i], other, *words[i + 1 :]]), "name"))
    return rng.choice(options) if options else None


_AUXILIARIES = frozenset(str.split("is are was were did does do has have had can could will would"))


def _denied(words: list[str], context: str) -> str | None:
    """The question with "not" after its first auxiliary ("What did not the company sell?"), when neither it nor
    the context holds a negation (the context then never states the denied fact)."""
    lowered = context.lower()
    if any(w.lower().strip("?,.") in NEGATIONS or "n't" in w for w in words) or "n't" in lowered or any(
            f" {n} " in f" {lowered} " for n in NEGATIONS):
        return None
    at = next((i for i, w in enumerate(words[:5]) if i > 0 and w.lower() in _AUXILIARIES), None)
    return None if at is None else " ".join([*words[: at + 1], "not", *words[at + 1 :]])


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation + "’‘“”—–")


def normalise(text: str) -> str:
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split())


def exact(pred: str, gold: str) -> float:
    return float(normalise(pred) == normalise(gold))


def f1(pred: str, gold: str) -> float:
    p, g = normalise(pred).split(), normalise(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if not p or not g or not common:
        return float(p == g)
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def inside(pred: str, gold: str) -> float:
    """The gold answer appears within the prediction (so a reader sees it)."""
    return float(bool(normalise(gold)) and f" {normalise(gold)} " in f" {normalise(pred)} ")
