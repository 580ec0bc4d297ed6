"""Answer quality on both shipped question sets: retrieval by BM25, dense and hybrid, and answer accuracy.

    python -m bench.quality            # both sets (about a minute)
    python -m bench.quality --smoke    # the first 8 questions of each

The same numbers as `qa eval FILE.jsonl --corpus DIR` for each set, gathered in one result file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.common import EVAL_SETS, indexed_service, parser, save
from qa.evaluation import evaluate, format_report, load_items

WEIGHTS = (0.3, 0.5, 0.7)


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    results: dict[str, Any] = {}
    for name, (corpus, questions) in EVAL_SETS.items():
        items = load_items(questions)[: 8 if args.smoke else None]
        with tempfile.TemporaryDirectory() as tmp:
            service = indexed_service(corpus, Path(tmp))
            report = evaluate(service.engine, items, (0.5,) if args.smoke else WEIGHTS)
        print(f"\n## {name} ({questions.name})\n\n{format_report(report)}")
        results[name] = report.to_json()
    save("quality", results, args.out)


if __name__ == "__main__":
    main()
