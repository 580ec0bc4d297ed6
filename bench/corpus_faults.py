"""Hostile corpora at full size: 10,000 tiny files (timed), a 200 MB file (memory), a 10,000-column CSV.

    python -m bench.corpus_faults            # full sizes (a few minutes)
    python -m bench.corpus_faults --smoke    # 300 files, a 60 MB file, 2,000 columns, for CI

Each case is a real `qa index` process; its peak resident memory comes from the kernel (ru_maxrss of the
child), its time from the wall clock. The 200 MB file is measured against the same corpus without it: the
build must refuse it by size, so both peaks are the same to within noise.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import BUNDLED_CORPUS, copy_corpus, parser, save

# Run in a fresh interpreter per build: RUSAGE_CHILDREN keeps the largest child ever waited for.
MEASURE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": p.returncode, "seconds": time.perf_counter() - t, "stderr": p.stderr[-3000:],
                  "stdout": p.stdout[-2000:], "peak_mb": peak}))
"""


@dataclass
class Build:
    """One measured `qa index` run."""

    case: str
    rc: int
    seconds: float
    peak_rss_mb: float
    summary: str
    skipped: list[str]


def measured_index(case: str, corpus: Path, index: Path, *extra: str) -> Build:
    cmd = [sys.executable, "-m", "qa", "index", "--corpus", str(corpus), "--index", str(index), *extra]
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, check=True)
    run = json.loads(out.stdout)
    skipped = [line for line in run["stderr"].splitlines() if line.startswith("skipped")]
    summary = (run["stdout"].strip().splitlines() or [""])[-1]
    print(f"{case}: rc {run['rc']}, {run['seconds']:.1f} s, peak RSS {run['peak_mb']:.0f} MB; {summary}")
    return Build(case, run["rc"], round(run["seconds"], 2), round(run["peak_mb"], 1), summary, skipped)


def tiny_files(base: Path, count: int) -> list[Build]:
    corpus = copy_corpus(BUNDLED_CORPUS, base / "tiny" / "corpus")
    for i in range(count):
        folder = corpus / "notes" / f"{i // 1000:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note {i:05d}.md").write_text(f"# Note {i}\n\nLocker {i} holds crate {i * 7}.\n")
    index = base / "tiny" / "index"
    first = measured_index(f"{count} tiny files, first build", corpus, index)
    again = measured_index(f"{count} tiny files, nothing changed", corpus, index)
    (corpus / "notes" / "00" / "note 00007.md").write_text("# Note 7\n\nLocker 7 now holds crate 4242.\n")
    one = measured_index(f"{count} tiny files, one changed", corpus, index)
    return [first, again, one]


def big_file(base: Path, megabytes: int) -> list[Build]:
    corpus = copy_corpus(BUNDLED_CORPUS, base / "big" / "corpus")
    baseline = measured_index("bundled corpus alone", corpus, base / "big" / "index-a")
    line = b"The archive repeats this line of plain text to make a very large file indeed.\n"
    with (corpus / "huge.txt").open("wb") as fh:
        for _ in range(megabytes * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    with_big = measured_index(f"bundled corpus + a {megabytes} MB text file", corpus, base / "big" / "index-b")
    return [baseline, with_big]


def wide_csv(base: Path, columns: int) -> list[Build]:
    corpus = copy_corpus(BUNDLED_CORPUS, base / "wide" / "corpus")
    header = "Metric," + ",".join(f"Y{i}" for i in range(columns))
    rows = [f"Row {r}," + ",".join(str(i * r) for i in range(columns)) for r in range(1, 6)]
    (corpus / "wide.csv").write_text("\n".join([header, *rows]) + "\n")
    return [measured_index(f"CSV with {columns} columns", corpus, base / "wide" / "index")]


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    files, megabytes, columns = (300, 60, 2000) if args.smoke else (10_000, 200, 10_000)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        builds = [*tiny_files(Path(tmp), files), *big_file(Path(tmp), megabytes), *wide_csv(Path(tmp), columns)]
    failed = [b.case for b in builds if b.rc != 0]
    big, base = builds[4], builds[3]
    refused = any("huge.txt" in s and "limit" in s for s in big.skipped)
    results = {"builds": builds, "failed": failed, "big_file_refused_by_size": refused,
               "big_file_peak_rss_ratio": round(big.peak_rss_mb / base.peak_rss_mb, 3),
               "seconds": round(time.perf_counter() - started, 1),
               "self_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    print(f"big file refused: {refused}; peak RSS with/without it: {results['big_file_peak_rss_ratio']}")
    save("corpus_faults", results, args.out)
    sys.exit(1 if failed or not refused else 0)


if __name__ == "__main__":
    main()
