"""Every benchmark, one after the other (they must not share the two cores): `make bench`.

    python -m bench.run_all            # the full runs (about 25 minutes on two quiet cores)
    python -m bench.run_all --smoke    # each one tiny
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench.common import ROOT, parser

BENCHMARKS = ("embedding", "latency", "metrics_cost", "build", "quality", "txtai_compare", "scale", "scale_spans",
              "scale_milvus", "load", "crash", "fuzz", "corpus_faults", "articles_eval")


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    failed = []
    for name in BENCHMARKS:
        started = time.perf_counter()
        print(f"== bench.{name}", flush=True)
        cmd = [sys.executable, "-m", f"bench.{name}", *(["--smoke"] if args.smoke else [])]
        if subprocess.run(cmd, cwd=ROOT, check=False).returncode != 0:
            failed.append(name)
        print(f"== bench.{name}: {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
