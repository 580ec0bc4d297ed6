"""The HTTP API over the bundled corpus: the contract's fields and its errors."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_reports_counts_and_model(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["documents"] == 2 and body["tables"] == 2
    assert body["chunks"] > 10 and body["model"] and body["index_built_at"]


def test_answer_borehole_cites_article_with_exact_offsets(client: TestClient) -> None:
    res = client.post("/api/answer", json={"question": "How deep is the borehole in the Taklimakan Desert?"})
    assert res.status_code == 200
    body = res.json()
    assert body["kind"] == "passage" and "10,910 meters" in body["answer"]
    top = body["citations"][0]
    assert top["source"] == "china-sci-tech-push.md" and "10,910 meters" in top["text"]
    doc = client.get(f"/api/documents/{top['source']}").json()["text"]
    assert doc[top["start"] : top["end"]] == top["text"]
    assert [c["n"] for c in body["citations"]] == list(range(1, len(body["citations"]) + 1))


def test_answer_empty_question_returns_422(client: TestClient) -> None:
    res = client.post("/api/answer", json={"question": "   "})
    assert res.status_code == 422 and "empty" in res.json()["detail"]


def test_answer_too_long_question_returns_422(client: TestClient) -> None:
    res = client.post("/api/answer", json={"question": "x" * 2001})
    assert res.status_code == 422 and "2000" in res.json()["detail"]


def test_answer_unknown_source_returns_422_naming_it(client: TestClient) -> None:
    res = client.post("/api/answer", json={"question": "borehole", "sources": ["nope.md"]})
    assert res.status_code == 422 and "nope.md" in res.json()["detail"]


def test_answer_sources_filter_limits_citations(client: TestClient) -> None:
    res = client.post("/api/answer", json={"question": "patents", "sources": ["china-us-metrics.csv"]})
    assert {c["source"] for c in res.json()["citations"]} == {"china-us-metrics.csv"}


def test_answer_top_k_sets_number_of_citations(client: TestClient) -> None:
    res = client.post("/api/answer", json={"question": "Xi Jinping technology", "top_k": 2})
    assert len(res.json()["citations"]) == 2


def test_document_outside_corpus_is_404(client: TestClient) -> None:
    assert client.get("/api/documents/../pyproject.toml").status_code == 404
    assert client.get("/api/documents/nope.md").status_code == 404


def test_chat_page_is_served_with_security_headers(client: TestClient) -> None:
    res = client.get("/")
    assert res.status_code == 200 and "<textarea" in res.text
    assert "script-src 'self'" in res.headers["content-security-policy"]
    assert res.headers["x-content-type-options"] == "nosniff"
