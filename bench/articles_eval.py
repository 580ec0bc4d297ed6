"""Short answers and declines on encyclopaedia articles written for the team (issue #13's probe), scored as SQuAD 2.0
is: exact match, word F1 and gold inside `answer` on answerable questions, declined share on each side.

    python -m bench.articles_eval [--misses] [--smoke] [--out F]

bench/data/articles/ holds nine articles in Wikipedia's shapes (five hard-wrapped Markdown, three Markdown a
paragraph a line, a text biography); bench/data/articles_eval.jsonl holds 114 answerable questions with their
short gold answers and 55 unanswerable ones written to look answerable (a swapped name, an opposite, a word the
article lacks). The team wrote them to find faults, so they are no measure of quality on unseen data: TAT-QA DEV
(bench/train_choice.py) is; this set says whether a fault found here stays fixed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import DATA, indexed_service, parser, read_jsonl, save
from bench.reader_data import exact, f1, inside

CORPUS = DATA / "articles"
QUESTIONS = DATA / "articles_eval.jsonl"


def score(service: Any, rows: list[dict[str, Any]], misses: bool) -> dict[str, float]:
    """SQuAD-style figures of the service's answers to `rows`."""
    answerable = [r for r in rows if r["kind"] != "none"]
    other = [r for r in rows if r["kind"] == "none"]
    em = f = gold_in = declined = refused = 0.0
    for r in answerable:
        reply = service.answer(r["question"])
        text = reply.answer if reply.kind != "none" else ""
        em, f = em + exact(text, r["expected_answer"]), f + f1(text, r["expected_answer"])
        gold_in, declined = gold_in + inside(text, r["expected_answer"]), declined + (reply.kind == "none")
        if misses and not exact(text, r["expected_answer"]):
            print(f"  answerable {reply.confidence:.2f} {r['question']} -> {text!r} (gold {r['expected_answer']!r})")
    for r in other:
        reply = service.answer(r["question"])
        refused += reply.kind == "none"
        if misses and reply.kind != "none":
            print(f"  unanswerable {reply.confidence:.2f} {r['question']} -> {reply.answer!r}")
    n = max(1, len(answerable))
    return {"answerable": len(answerable), "exact_match": em / n, "word_f1": f / n, "gold_inside": gold_in / n,
            "wrongly_declined": declined / n, "unanswerable": len(other),
            "unanswerable_declined": refused / max(1, len(other))}


def main() -> int:
    p = parser(__doc__.split("\n")[0])
    p.add_argument("--misses", action="store_true", help="list every answer that is not an exact match")
    args = p.parse_args()
    rows = read_jsonl(QUESTIONS)
    if args.smoke:
        rows = rows[:4] + [r for r in rows if r["kind"] == "none"][:2]
    with tempfile.TemporaryDirectory() as tmp:
        results = score(indexed_service(CORPUS, Path(tmp)), rows, args.misses)
    print(" ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in results.items()))
    save("articles_eval", results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
