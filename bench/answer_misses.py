"""Where the served passage answer loses on TAT-QA DEV: each answerable question's served answer put in one class
(exact; the right sentence but the span too short, too long or beside the gold; a wrong sentence; a gold that
crosses the sentence), with the best option the shape model had, to see which class a change should go after.

    python -m bench.answer_misses            # counts per class, DEV, and a few examples of each
    python -m bench.answer_misses --all      # every miss
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.reader_data import exact, f1, inside, load, normalise
from bench.train_choice import texts_of
from bench.train_reader import Similarity
from bench.train_shape import Shaped, served, shaped
from qa.answer.asked import TYPED
from qa.answer.pick import gets_shape
from qa.answer.shape import ShapeModel, shipped_shape


def sentence_text(it: Shaped) -> str:
    """The picked unit's sentence: the reason question's sentences served when they reach past the unit
    (`passage.reason_reach`), else the reader's whole-sentence option, else the unit."""
    if it.reached != it.unit:
        return it.reached
    return next((o.text for o in it.opts if o.reading is not None and o.reading.kind == "sentence"), it.unit)


def miss_class(answer: str, gold: str, sentence: str) -> str:
    """One class per served answer; "beside" is a span of the right sentence that overlaps the gold, or not."""
    if exact(answer, gold):
        return "exact"
    a, g, s = (f" {normalise(t)} " for t in (answer, gold, sentence))
    if g not in s:
        return "gold crosses the sentence" if s.strip() in g and f1(sentence, gold) > 0 else "wrong sentence"
    if a in g:
        return "right sentence, too short"
    if inside(answer, gold):
        return "right sentence, too long"
    return "right sentence, overlaps" if f1(answer, gold) > 0 else "right sentence, another span"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="print every miss")
    parser.add_argument("--weights", type=Path, default=None, help="a shape weights file (default: shipped)")
    parser.add_argument("--vectors", type=Path, default=Path(tempfile.gettempdir()) / "qa_choice_vectors.npz")
    args = parser.parse_args(argv)
    _, dev_ex, pool = load()
    sim = Similarity(args.vectors)
    sim.fill_texts({e.question for e in dev_ex} | {t for e in dev_ex for p in e.passages
                                                   for t in [p.text, *texts_of(p.text)]})
    model = ShapeModel.load(args.weights) if args.weights else shipped_shape()
    items = shaped(dev_ex, pool, sim)
    classes: Counter[str] = Counter()
    shown: Counter[str] = Counter()
    for it in items:
        answer = served(it, model)
        gold, sentence = it.example.gold, sentence_text(it)
        c = miss_class(answer, gold, sentence)
        route = ("typed" if it.question.expected[0] in TYPED
                 else "shape" if gets_shape(it.question.expected) else "sentence asked")
        classes[c] += 1
        classes[f"{c} [{route}]"] += 1
        best = int(it.f1s.argmax())
        if c != "exact" and (args.all or shown[c] < 4):
            shown[c] += 1
            print(f"- {c} [{route}] {it.question.text!r}\n    gold   {gold!r}\n    served {answer!r}\n"
                  f"    best   {it.opts[best].text!r} (F1 {it.f1s[best]:.2f})")
    print(f"DEV answerable {len(items)}")
    for c, n in sorted(classes.items()):
        print(f"  {c}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
