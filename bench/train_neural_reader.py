"""Fine-tune the bundled MiniLM as an extractive reader and measure it against the shipped feature-based reader.

Data: TAT-QA text questions (CC BY 4.0, ../shared/data/report-qa-train) through bench/reader_data.py: TRAIN's
answerable questions with their gold paragraph, its near misses and perturbed questions as "no answer" (the [CLS]
position), one TRAIN question in ten (by SHA-1) held out to choose the no-answer threshold; DEV is the reader's.
DEV is read three ways: (a) inside the sentence the shipped Chooser picks (what the feature reader reads), (b) in
that sentence's whole chunk, (c) in the gold paragraph. The int8 ONNX export is measured the same way, and timed.

    python -m bench.train_neural_reader --out /tmp/neural    # ~15 min on one thread; figures in docs/ANSWERING.md
    python -m bench.train_neural_reader --smoke               # a few steps on a handful of examples
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from bench.neural_span import (
    Runner,
    SpanReader,
    encode,
    model_path,
    onnx_runner,
    read_text,
    token_span,
    tokenizer,
    torch_runner,
)
from bench.reader_data import Example, Pool, exact, f1, inside, load, off_topic
from bench.train_choice import Weighed, picked, texts_of, weigh_all
from bench.train_reader import Similarity
from qa.answer.choice import shipped_chooser
from qa.answer.passage import sentence_of


def held_out(e: Example) -> bool:
    return int(hashlib.sha1(e.question.encode()).hexdigest(), 16) % 10 == 0


def gold_passage(e: Example) -> str:
    return next(p.text for p in e.passages if e.gold in p.text)


def targets(examples: Sequence[Example], unanswerable: bool) -> list[tuple[str, str, int, int]]:
    """(question, context, start char, end char) per training pair; (-1, -1) means no answer."""
    out = []
    for e in examples:
        if e.kind == "answerable":
            text = gold_passage(e)
            start = text.find(e.gold)
            out.append((e.question, text, start, start + len(e.gold)))
        elif unanswerable and e.passages:
            out.append((e.question, e.passages[0].text, -1, -1))
    return out


def batches(pairs: list[tuple[str, str, int, int]], size: int, rng: random.Random) -> list[dict[str, torch.Tensor]]:
    tok = tokenizer()
    rows = []
    for question, context, start, end in pairs:
        enc = encode(tok, question, context)
        span = (0, 0) if start < 0 else token_span(enc, start, end)
        if span is not None:
            rows.append((enc.inputs, span))
    rng.shuffle(rows)
    out = []
    for i in range(0, len(rows), size):
        chunk = rows[i : i + size]
        width = max(r[0]["input_ids"].shape[1] for r in chunk)
        pad = {k: np.stack([np.pad(r[0][k][0], (0, width - r[0][k].shape[1])) for r in chunk]) for k in chunk[0][0]}
        batch = {k: torch.from_numpy(v) for k, v in pad.items()}
        batch["start"] = torch.tensor([r[1][0] for r in chunk])
        batch["end"] = torch.tensor([r[1][1] for r in chunk])
        out.append(batch)
    return out


def train(pairs: list[tuple[str, str, int, int]], epochs: int, steps: int | None, seed: int, lr: float) -> SpanReader:
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = SpanReader(model_path())
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    plan = [batches(pairs, 16, rng) for _ in range(epochs)]
    total = steps or sum(len(p) for p in plan)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda t: max(0.0, 1 - t / total))
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    done = 0
    for epoch, epoch_batches in enumerate(plan):
        for batch in epoch_batches[: (steps - done) if steps else None]:
            s, e = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
            s = s.masked_fill(batch["attention_mask"] == 0, -1e4)
            e = e.masked_fill(batch["attention_mask"] == 0, -1e4)
            loss = (loss_fn(s, batch["start"]) + loss_fn(e, batch["end"])) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            done += 1
        print(f"epoch {epoch + 1}: last loss {float(loss.detach()):.3f}, steps {done}", flush=True)
    model.eval()
    return model


@dataclass(frozen=True)
class Views:
    """One example's texts to read: (a) the chosen sentence, (b) its chunk, (c) the gold paragraph ("" if none)."""

    example: Example
    sentence: str
    chunk: str
    gold_paragraph: str


def views(items: list[Weighed]) -> list[Views]:
    chooser = shipped_chooser()
    out = []
    for w in items:
        i = picked(w, chooser.pick)
        s = sentence_of(w.contexts[i], w.spans[i])
        gold = gold_passage(w.example) if w.example.kind == "answerable" else ""
        out.append(Views(w.example, w.contexts[i][s.start : s.end], w.contexts[i], gold))
    return out


def reads(run: Runner, items: list[Views]) -> dict[str, list[tuple[str, float]]]:
    tok = tokenizer()
    return {view: [read_text(tok, run, v.example.question, getattr(v, view)) if getattr(v, view) else ("", 9.0)
                   for v in items] for view in ("sentence", "chunk", "gold_paragraph")}


def scores(items: list[Views], found: list[tuple[str, float]]) -> tuple[float, float, float]:
    rows = [(t, v.example.gold) for v, (t, _) in zip(items, found, strict=True) if v.example.kind == "answerable"]
    return tuple(round(float(np.mean([m(t, g) for t, g in rows])), 3) for m in (exact, f1, inside))  # type: ignore


def declines(items: list[Views], found: list[tuple[str, float]], threshold: float) -> dict[str, float]:
    kinds = np.array([v.example.kind for v in items])
    margin = np.array([m for _, m in found])
    return {k: round(float((margin[kinds == k] > threshold).mean()), 3) for k in sorted(set(kinds))}


def threshold_on(items: list[Views], found: list[tuple[str, float]], share: float) -> float:
    """The no-answer margin above which `share` of the held-out TRAIN answerable questions would be declined."""
    margin = np.array([m for v, (_, m) in zip(items, found, strict=True) if v.example.kind == "answerable"])
    if not len(margin):
        return 0.0
    return float(np.quantile(margin, 1 - share))


def export(model: SpanReader, out: Path) -> tuple[Path, Path]:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    plain, int8 = out / "reader.onnx", out / "reader.int8.onnx"
    dummy = encode(tokenizer(), "What is it?", "It is a test.").inputs
    axes = {k: {0: "batch", 1: "tokens"} for k in (*dummy, "start_logits", "end_logits")}
    torch.onnx.export(model, tuple(torch.from_numpy(v) for v in dummy.values()), str(plain),
                      input_names=list(dummy), output_names=["start_logits", "end_logits"], dynamic_axes=axes,
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(plain), str(int8), weight_type=QuantType.QInt8)
    return plain, int8


def latency(run: Runner, pairs: list[tuple[str, str]], repeats: int) -> tuple[float, float]:
    """Median over `repeats` runs of the median and p95 milliseconds per read (tokenise, run, decode)."""
    tok = tokenizer()
    p50, p95 = [], []
    for _ in range(repeats):
        ms = []
        for q, c in pairs:
            t = time.perf_counter()
            read_text(tok, run, q, c)
            ms.append(1000 * (time.perf_counter() - t))
        p50.append(float(np.median(ms)))
        p95.append(float(np.quantile(ms, 0.95)))
    return round(statistics.median(p50), 2), round(statistics.median(p95), 2)


def chunk_of(words: int, items: list[Views]) -> list[tuple[str, str]]:
    """Each DEV question with its chunk cut to `words` words (the served chunk size)."""
    return [(v.example.question, " ".join(v.chunk.split()[:words])) for v in items]


def measure(name: str, run: Runner, dev: list[Views], calib: list[Views], share: float) -> dict[str, object]:
    found, cal = reads(run, dev), reads(run, calib)
    threshold = threshold_on(calib, cal["sentence"], share)
    result: dict[str, object] = {view: scores(dev, found[view]) for view in found}
    result["threshold"] = round(threshold, 3)
    result["declined (a)"] = declines(dev, found["sentence"], threshold)
    result["declined (b)"] = declines(dev, found["chunk"], threshold_on(calib, cal["chunk"], share))
    print(name, json.dumps(result), flush=True)
    return result


def splits(smoke: bool) -> tuple[list[Example], list[Example], list[Example], Pool]:
    """TRAIN less the held-out tenth (fit), DEV with its off-topic questions, the held-out tenth (threshold)."""
    train_all, dev, pool = load(limit=60 if smoke else None)
    fit_on = [e for e in train_all if not held_out(e)]
    calib = [e for e in train_all if held_out(e)]
    if smoke:
        return fit_on, dev[:12], calib[:12], pool
    off_train, off_dev = off_topic(pool)
    return fit_on, dev + off_dev, calib + off_train[: len(off_train) // 10], pool


def weighed(dev: list[Example], calib: list[Example], pool: Pool,
            sim: Similarity | None) -> tuple[list[Views], list[Views]]:
    """Both sets weighed as the served choice weighs them (cosines filled first when embeddings are used)."""
    if sim:
        sim.fill_texts({e.question for e in [*dev, *calib]} | {t for e in [*dev, *calib] for p in e.passages
                                                               for t in [p.text, *texts_of(p.text)]})
    return views(weigh_all(dev, pool, sim)), views(weigh_all(calib, pool, sim))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few steps on a handful of examples, no timing")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "neural_reader")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--answerable-only", action="store_true", help="train without the no-answer examples")
    parser.add_argument("--decline", type=float, default=0.10, help="share of held-out TRAIN answerable declined")
    parser.add_argument("--vectors", type=Path, default=Path(tempfile.gettempdir()) / "qa_choice_vectors.npz")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    fit_on, dev, calib, pool = splits(args.smoke)
    pairs = targets(fit_on, not args.answerable_only)
    started = time.perf_counter()
    model = train(pairs, 1 if args.smoke else args.epochs, 3 if args.smoke else None, args.seed, args.lr)
    minutes = round((time.perf_counter() - started) / 60, 1)
    vdev, vcal = weighed(dev, calib, pool, None if args.smoke else Similarity(args.vectors))
    result: dict[str, object] = {"train pairs": len(pairs), "training minutes": minutes}
    result["float"] = measure("float", torch_runner(model), vdev, vcal, args.decline)
    _, int8 = export(model, args.out)
    result["int8"] = measure("int8", onnx_runner(int8), vdev, vcal, args.decline)
    result["int8 MB"] = round(int8.stat().st_size / 2**20, 1)
    if not args.smoke:
        run = onnx_runner(int8)
        result["ms sentence p50/p95"] = latency(run, [(v.example.question, v.sentence) for v in vdev], 5)
        result["ms chunk120 p50/p95"] = latency(run, chunk_of(120, vdev), 5)
    (args.out / "figures.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
