"""The same answers from QA_STORE=milvus (Milvus Lite) as from the files store, on a generated corpus.

    python -m bench.scale_milvus               # 1,000 reports, 300 of their questions (a few minutes)
    python -m bench.scale_milvus --smoke       # 20 reports
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import parser, save
from bench.scale_corpus import generate
from qa.embed.embedder import Embedder
from qa.serve.service import Service
from qa.settings import Settings


def started(corpus: Path, index: Path, embedder: Embedder, **extra: Any) -> tuple[Service, float]:
    service = Service(Settings(corpus_dir=corpus, index_dir=index, _env_file=None, **extra), embedder)
    begun = time.perf_counter()
    service.start(build=True)
    return service, round(time.perf_counter() - begun, 1)


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--docs", type=int, default=1000, help="generated reports")
    p.add_argument("--sample", type=int, default=300, help="questions compared")
    args = p.parse_args()
    docs, sample = (20, 30) if args.smoke else (args.docs, args.sample)
    embedder = Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        items = generate(base / "corpus", docs)
        files, files_s = started(base / "corpus", base / "files", embedder)
        milvus, milvus_s = started(base / "corpus", base / "milvus-index", embedder, store="milvus",
                                   milvus_uri=str(base / "milvus.db"))
        asked = [q["question"] for q in random.Random(16).sample(items, min(sample, len(items)))]
        differ = []
        for question in asked:
            a, b = files.answer(question), milvus.answer(question)
            first = [x.citations[0].chunk_id if x.citations else None for x in (a, b)]
            if (a.kind, first[0]) != (b.kind, first[1]):
                differ.append(question)
    results = {"documents": docs, "chunks": len(files.engine.index.data.chunks), "questions": len(asked),
               "same_kind_and_first_citation": len(asked) - len(differ), "differ": differ,
               "files_build_s": files_s, "milvus_build_s": milvus_s}
    print(f"{docs} reports: {results['same_kind_and_first_citation']}/{len(asked)} the same; builds {files_s} s "
          f"(files), {milvus_s} s (milvus)")
    save("scale_milvus", results, args.out)


if __name__ == "__main__":
    main()
