"""`GET /metrics`, read by prometheus-client's own text parser before and after requests: the counters move by
what was done, by route template, and no label carries a question, a path or a key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from conftest import make_settings
from qa.embed.embedder import Embedder
from qa.serve.app import create_app
from qa.serve.service import Service

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
TOKEN = "metrics-token-7f1e"


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_answers_count_by_kind_and_abstentions_and_requests_by_route(client: TestClient) -> None:
    before = scrape(client)
    for question in ("How many patents did China file in 2023?", "How deep is Asia's deepest borehole?",
                     "What is the airspeed velocity of an unladen swallow?"):
        assert client.post("/api/answer", json={"question": question}).status_code == 200
    chat = {"model": "qa", "messages": [{"role": "user", "content": "How many patents did China file in 2023?"}]}
    assert client.post("/v1/chat/completions", json=chat).status_code == 200
    assert client.post("/api/answer", json={"question": ""}).status_code == 422
    after = scrape(client)
    assert moved(before, after, "qa_answers_total", kind="table") == 2
    assert moved(before, after, "qa_answers_total", kind="passage") == 1
    assert moved(before, after, "qa_answers_total", kind="none") == 1
    assert moved(before, after, "qa_abstentions_total") == 1
    assert moved(before, after, "qa_answer_confidence_count") == 4
    post = {"method": "POST", "route": "/api/answer"}
    assert moved(before, after, "qa_http_requests_total", status="200", **post) == 3
    assert moved(before, after, "qa_http_requests_total", status="422", **post) == 1
    assert moved(before, after, "qa_http_request_duration_seconds_count", **post) == 4
    assert moved(before, after, "qa_http_request_duration_seconds_bucket", le="+Inf", **post) == 4
    chat_route = {"method": "POST", "route": "/v1/chat/completions", "status": "200"}
    assert moved(before, after, "qa_http_requests_total", **chat_route) == 1


def test_routes_are_labelled_by_template_and_unknown_paths_share_one_label(client: TestClient) -> None:
    source = client.get("/api/documents").json()[0]["source"]
    before = scrape(client)
    assert client.get(f"/api/documents/{source}").status_code == 200
    for junk in ("/wp-admin/login.php", "/no/such/page-9f3a", "/api/nothing-here"):
        assert client.get(junk).status_code == 404
    client.get("/api/health", headers={"Authorization": "Bearer secret-key-should-not-appear"})
    after = scrape(client)
    doc = {"method": "GET", "route": "/api/documents/{source:path}", "status": "200"}
    assert moved(before, after, "qa_http_requests_total", **doc) == 1
    assert moved(before, after, "qa_http_requests_total", method="GET", route="unmatched", status="404") == 3
    labels = {v for (_, pairs) in after for _, v in pairs}
    assert not any(word in label for label in labels for word in ("wp-admin", "9f3a", "secret", source, "patents"))


def test_index_gauges_are_the_served_index_counts(client: TestClient) -> None:
    health = client.get("/api/health").json()
    samples = scrape(client)
    for what in ("documents", "chunks", "tables"):
        assert value(samples, "qa_index_items", what=what) == health[what] > 0


@pytest.mark.slow
def test_rebuilds_count_by_outcome_with_their_duration(tmp_path: Path, embedder: Embedder,
                                                        corpus_dir: Path) -> None:
    (corpus_dir / "a.md").write_text("# A\n\nThe Alpha well is 4,200 metres deep.\n", encoding="utf-8")
    service = Service(make_settings(corpus_dir, tmp_path / "index", admin_token=TOKEN), embedder)
    service.start(build=True)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(service.settings, service, build=False)) as client:
        before = scrape(client)
        assert client.post("/api/index/rebuild", headers=auth).status_code == 200
        (corpus_dir / "b.md").write_text("# B\n\nThe Beta well is 1,100 metres deep.\n", encoding="utf-8")
        assert client.post("/api/index/rebuild", headers=auth).status_code == 200
        after = scrape(client)
    assert moved(before, after, "qa_index_rebuilds_total", outcome="unchanged") == 1
    assert moved(before, after, "qa_index_rebuilds_total", outcome="written") == 1
    assert moved(before, after, "qa_index_rebuild_duration_seconds_count", outcome="written") == 1
    assert moved(before, after, "qa_index_rebuild_duration_seconds_sum", outcome="written") > 0
    assert value(after, "qa_index_items", what="documents") == 2


def test_a_failed_rebuild_counts_as_failed(small_service: Callable[[], Service], corpus_dir: Path) -> None:
    (corpus_dir / "a.md").write_text("# A\n\nThe Alpha well is 4,200 metres deep.\n", encoding="utf-8")
    service = small_service()
    with TestClient(create_app(service.settings, service, build=False)) as client:
        before = scrape(client)
        for path in corpus_dir.iterdir():
            path.unlink()
        corpus_dir.rmdir()
        with pytest.raises(RuntimeError):
            service.rebuild()
        after = scrape(client)
    assert moved(before, after, "qa_index_rebuilds_total", outcome="failed") == 1
