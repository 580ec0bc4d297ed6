"""What counting costs a request: the `Metrics` ASGI middleware around an empty app, and `record_answer`, timed
in-process (no server, no network: the noise of a busy machine stays out of microseconds).

    python -m bench.metrics_cost            # seven rounds of 20,000 calls each (a few seconds)
    python -m bench.metrics_cost --smoke    # one small round, for CI
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from bench.common import parser, save
from qa.records import Answer
from qa.serve.metrics import Metrics, record_answer


class _Route:
    path = "/api/answer"  # what the router leaves in the scope for the middleware to read


async def _empty_app(scope: Any, receive: Any, send: Any) -> None:
    scope["route"] = _Route
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def _send(message: Any) -> None:
    return None


async def _per_request_us(app: Any, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await app({"type": "http", "method": "POST", "path": "/api/answer", "headers": []}, _receive, _send)
    return (time.perf_counter() - started) / calls * 1e6


def _per_answer_us(calls: int) -> float:
    answer = Answer("q", "q", "x", "passage", 0.8, None, [])
    started = time.perf_counter()
    for _ in range(calls):
        record_answer(answer)
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    rounds, calls = (1, 500) if args.smoke else (7, 20_000)
    wrapped = Metrics(_empty_app)
    bare, counted, answers = [], [], []
    for _ in range(rounds):
        bare.append(asyncio.run(_per_request_us(_empty_app, calls)))
        counted.append(asyncio.run(_per_request_us(wrapped, calls)))
        answers.append(_per_answer_us(calls))
    results = {"calls_per_round": calls, "rounds": rounds, "empty_app_us": round(statistics.median(bare), 2),
               "with_metrics_us": round(statistics.median(counted), 2),
               "middleware_us": round(statistics.median(counted) - statistics.median(bare), 2),
               "record_answer_us": round(statistics.median(answers), 2)}
    print(results)
    save("metrics_cost", results, args.out)


if __name__ == "__main__":
    main()
