"""Answer latency and throughput of POST /api/answer on a real `qa serve` over the bundled corpus.

    python -m bench.latency            # full run (about two minutes)
    python -m bench.latency --smoke    # a few requests, for CI
"""

from __future__ import annotations

import http.client
import json
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import BUNDLED_CORPUS, DATA, Stats, indexed_service, parser, read_jsonl, save, serve

FALLBACK_QUESTIONS = [
    "How deep is Asia's deepest borehole?",
    "What was China's R&D spending in 2024?",
    "How many patents did the United States file in 2023?",
    "Who is Gao Yi?",
    "When did engineers complete the borehole in the Taklimakan Desert?",
    "How many supercomputers does China have in the Top 500?",
    "What does Xi Jinping believe about science and technology?",
    "What happened to Huawei's access to U.S. semiconductors?",
]


@dataclass
class LoadResult:
    """One load level: how many clients, what they got and how fast."""

    clients: int
    requests: int
    errors: int
    seconds: float
    answers_per_s: float
    latency: Stats
    server_ms: Stats


class Client:
    """One keep-alive connection with the standard library's http.client: it adds about 0.3 ms per request
    here, where httpx adds 1-2 ms of its own (measured: /api/health p50 1.4 vs 2.4 ms), which would be
    counted as the server's latency and, with 16 client threads on the same two cores, take CPU from it."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def answer(self, question: str) -> tuple[bool, float]:
        """Whether the answer came back (200), and the server's own `timing_ms`."""
        try:
            self.conn.request("POST", "/api/answer", body=json.dumps({"question": question}),
                              headers={"Content-Type": "application/json"})
            response = self.conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            return False, 0.0
        if response.status != 200:
            return False, 0.0
        return True, float(json.loads(body).get("timing_ms", 0.0))

    def close(self) -> None:
        self.conn.close()


def questions() -> list[str]:
    path = DATA / "bundled_eval.jsonl"
    found = [r["question"] for r in read_jsonl(path) if not r.get("messages")] if path.is_file() else []
    return list(dict.fromkeys(found)) or FALLBACK_QUESTIONS


def unique(base: list[str], count: int, salt: str) -> list[str]:
    """Distinct question texts, so every one misses the query-vector cache."""
    return [f"{base[i % len(base)]} [{salt}{i}]" for i in range(count)]


def run_load(url: str, qs: list[str], clients: int) -> LoadResult:
    """Send every question once, spread over `clients` threads each with a keep-alive connection."""
    latencies: list[float] = []
    server: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(part: list[str]) -> None:
        client = Client(url)
        for q in part:
            t0 = time.perf_counter()
            ok, timing = client.answer(q)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(ms)
                server.append(timing)
                errors[0] += 0 if ok else 1
        client.close()

    threads = [threading.Thread(target=worker, args=(qs[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    return LoadResult(clients, len(qs), errors[0], round(seconds, 3), round(len(qs) / seconds, 1),
                      Stats.of(latencies), Stats.of(server))


def measure(url: str, base: list[str], per_level: int, levels: list[int]) -> dict[str, Any]:
    run_load(url, base * 3, 1)  # warm: every code path, and the repeated questions are now cached
    out: dict[str, Any] = {"one_client": {}, "load": {"cold_unique": [], "repeated": []}}
    out["one_client"]["cold_unique"] = run_load(url, unique(base, per_level, "solo"), 1)
    out["one_client"]["repeated"] = run_load(url, (base * per_level)[:per_level], 1)
    for clients in levels:
        out["load"]["cold_unique"].append(run_load(url, unique(base, per_level, f"c{clients}-"), clients))
        out["load"]["repeated"].append(run_load(url, (base * per_level)[:per_level], clients))
    return out


def compare_backends(built: Any, base: list[str], count: int) -> dict[str, dict[str, LoadResult]]:
    """Never-seen questions, one client and 16, with each way of embedding queries the server offers: float32
    ONNX (its concurrent queries micro-batched), the same without batching, and int8 (the default)."""
    found: dict[str, dict[str, LoadResult]] = {}
    for name, env in (("onnx, batched", {"QA_QUERY_BACKEND": "onnx"}),
                      ("onnx, unbatched", {"QA_QUERY_BACKEND": "onnx", "QA_QUERY_BATCH": "1"}),
                      ("onnx-int8", {"QA_QUERY_BACKEND": "onnx-int8"})):
        with serve(built.corpus_dir, built.index_dir, env=env) as server:
            run_load(server.url, base * 2, 4)
            found[name] = {"one_client": run_load(server.url, unique(base, count, f"{name}-1-"), 1),
                           "16_clients": run_load(server.url, unique(base, count, f"{name}-16-"), 16)}
    return found


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    per_level = 12 if args.smoke else 400
    levels = [1, 4] if args.smoke else [1, 4, 16]
    base = questions()[: 6 if args.smoke else None]
    with tempfile.TemporaryDirectory() as tmp:
        built = indexed_service(BUNDLED_CORPUS, Path(tmp)).settings  # built here: the server only loads it
        with serve(built.corpus_dir, built.index_dir) as server:
            results = measure(server.url, base, per_level, levels)
            results["server_ready_s"] = round(server.ready_s, 2)
        if not args.smoke:  # one process per core: the answer path is mostly Python, held to one core by the GIL
            with serve(built.corpus_dir, built.index_dir, workers=2) as server:
                run_load(server.url, base * 2, 4)  # warm both workers
                results["two_workers"] = {
                    "cold_unique": run_load(server.url, unique(base, per_level, "w2-"), 16),
                    "repeated": run_load(server.url, (base * per_level)[:per_level], 16)}
            results["query_backends"] = compare_backends(built, base, per_level)
    results["questions"] = len(base)
    for key, level in [("1 client", results["one_client"]["cold_unique"])]:
        print(f"{key}: p50 {level.latency.p50} ms, p95 {level.latency.p95} ms (cold unique questions)")
    for kind in ("cold_unique", "repeated"):
        for level in results["load"][kind]:
            print(f"{kind} {level.clients:>2} clients: {level.answers_per_s} answers/s, p50 {level.latency.p50} ms, "
                  f"errors {level.errors}")
    for kind, level in results.get("two_workers", {}).items():
        print(f"2 workers, {kind} 16 clients: {level.answers_per_s} answers/s, p50 {level.latency.p50} ms, "
              f"errors {level.errors}")
    for name, levels in results.get("query_backends", {}).items():
        print(f"{name}: 1 client p50 {levels['one_client'].latency.p50} ms; "
              f"16 clients {levels['16_clients'].answers_per_s} answers/s")
    save("latency", results, args.out)


if __name__ == "__main__":
    main()
