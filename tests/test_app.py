"""The HTTP API over the bundled corpus: every field of the contract (shared/API.md) and every error case."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import make_settings
from qa.embed.embedder import Embedder
from qa.serve.app import create_app, served_app
from qa.serve.audit import audit_log
from qa.serve.middleware import access_log, configure_logging
from qa.serve.service import Service
from qa.settings import get_settings

OPERATIONS = {"lookup", "difference", "ratio", "percent_change", "share", "max", "min", "sum", "average", "count",
              "compare", "select", "argmax", "argmin", "first", "last", "next", "previous", "list"}
ANSWER_FIELDS = {"question", "resolved_question", "answer", "kind", "confidence", "table_answer", "citations",
                 "timing_ms", "answer_span", "context", "alternatives"}
CITATION_FIELDS = {"n", "source", "title", "chunk_id", "text", "start", "end", "highlight", "score", "page", "boxes"}
TABLE_FIELDS = {"operation", "value", "number", "unit", "cells", "explanation", "table_id", "caption", "source_note",
                "program", "values", "rows"}
TOKEN = "contract-token-5d1e"


def ask(client: TestClient, question: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/answer", json={"question": question, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error(client: TestClient, body: Any = None, content: bytes | None = None) -> str:
    """The readable message of a 422 for this request body."""
    response = (client.post("/api/answer", content=content, headers={"Content-Type": "application/json"})
                if content is not None else client.post("/api/answer", json=body))
    assert response.status_code == 422, response.text
    detail: str = response.json()["detail"]
    assert detail and "Traceback" not in detail
    return detail


# --- health and documents -------------------------------------------------------------------------------------


def test_health_reports_counts_model_and_build_time(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["documents"] == 2 and body["tables"] == 2
    assert body["chunks"] > 10 and body["model"] == "bundled:all-MiniLM-L6-v2"
    assert re.match(r"\d{4}-\d\d-\d\dT", body["index_built_at"]) and body["index_generation"].startswith("gen-")


def test_documents_lists_corpus_files_with_titles_and_counts(client: TestClient) -> None:
    docs = {d["source"]: d for d in client.get("/api/documents").json()}
    assert set(docs) == {"china-sci-tech-push.md", "china-us-metrics.csv"}
    article = docs["china-sci-tech-push.md"]
    assert article["title"].startswith("China’s Sci-Tech Push") and article["chunks"] > 10 and article["tables"] == 1


def test_document_text_is_the_text_citations_index(client: TestClient) -> None:
    body = client.get("/api/documents/china-us-metrics.csv").json()
    assert set(body) == {"source", "title", "text", "pages"} and body["pages"] == []
    assert body["text"].startswith("Metric,China,United States")


def test_document_outside_corpus_is_404(client: TestClient) -> None:
    for path in ("../pyproject.toml", "nope.md", "%2e%2e/pyproject.toml", "/etc/passwd"):
        response = client.get(f"/api/documents/{path}")
        assert response.status_code == 404 and "pyproject" not in response.text


def test_app_over_a_started_service_serves_its_engine_without_reloading(bundled: Service) -> None:
    engine = bundled.engine
    with TestClient(create_app(bundled.settings, bundled, build=False)) as fresh:
        assert fresh.get("/api/health").json()["index_generation"] == engine.generation
        fresh.post("/api/answer", json={"question": "borehole"})
    assert bundled.engine is engine


def test_worker_app_serves_the_index_named_by_the_environment(
        bundled: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """What each of several `qa serve` workers runs: settings from QA_*, the index the parent built, no build."""
    # The worker sets up logging; put the access logger back as it was for the other tests.
    monkeypatch.setattr(access_log, "handlers", list(access_log.handlers))
    monkeypatch.setattr(access_log, "propagate", access_log.propagate)
    monkeypatch.setattr(access_log, "level", access_log.level)
    monkeypatch.setenv("QA_CORPUS_DIR", str(bundled.settings.corpus_dir))
    monkeypatch.setenv("QA_INDEX_DIR", str(bundled.settings.index_dir))
    get_settings.cache_clear()
    try:
        with TestClient(served_app()) as worker:
            health = worker.get("/api/health").json()
            body = worker.post("/api/answer", json={"question": "How deep is the borehole?"}).json()
    finally:
        get_settings.cache_clear()
    assert health["index_generation"] == bundled.engine.generation and "10,910" in body["answer"]


def test_suggestions_are_questions_from_the_corpus(client: TestClient) -> None:
    questions = client.get("/api/suggestions").json()["questions"]
    assert questions and all(q.endswith("?") for q in questions)


# --- POST /api/answer: the response ---------------------------------------------------------------------------


def test_answer_passage_has_every_field_with_its_type(client: TestClient) -> None:
    body = ask(client, "How deep is the borehole in the Taklimakan Desert?")
    assert set(body) == ANSWER_FIELDS
    assert body["kind"] == "passage" and "10,910 meters" in body["answer"] and body["table_answer"] is None
    assert isinstance(body["confidence"], float) and 0.5 <= body["confidence"] <= 1.0
    assert isinstance(body["timing_ms"], float) and body["timing_ms"] > 0
    for c in body["citations"]:
        assert set(c) == CITATION_FIELDS and isinstance(c["score"], float) and c["title"] and c["chunk_id"]


def test_answer_citations_carry_exact_offsets_and_the_answer_highlighted(client: TestClient) -> None:
    body = ask(client, "Who did Gao Yi talk to?")
    assert body["kind"] == "passage" and "Beijing Review" in body["answer"]
    for c in body["citations"]:
        doc = client.get(f"/api/documents/{c['source']}").json()["text"]
        assert doc[c["start"] : c["end"]] == c["text"]
    top = body["citations"][0]
    # The highlight is the answer's sentence; answer_span places the short answer in its document.
    assert top["text"][top["highlight"]["start"] : top["highlight"]["end"]] == body["context"]
    assert body["answer"] in body["context"]
    span = body["answer_span"]
    doc = client.get(f"/api/documents/{span['source']}").json()["text"]
    assert doc[span["start"] : span["end"]] == body["answer"]
    assert [c["n"] for c in body["citations"]] == list(range(1, len(body["citations"]) + 1))


def test_answer_table_has_table_answer_fields_and_cites_the_row(client: TestClient) -> None:
    body = ask(client, "How many patents did China file in 2023?")
    assert body["kind"] == "table" and "1.58 million" in body["answer"]
    table = body["table_answer"]
    assert set(table) == TABLE_FIELDS and table["operation"] in OPERATIONS
    assert table["number"] == pytest.approx(1_580_000) and table["cells"] and table["explanation"]
    assert all(set(cell) == {"row", "column", "value"} for cell in table["cells"])
    top = body["citations"][0]
    assert "Patents Filed" in top["text"][top["highlight"]["start"] : top["highlight"]["end"]]


def test_answer_computed_table_value_shows_its_arithmetic(client: TestClient) -> None:
    body = ask(client, "How much more does the US spend on R&D than China?")
    assert body["kind"] == "table" and body["table_answer"]["operation"] == "difference"
    assert "240" in body["answer"] and "710" in body["table_answer"]["explanation"]


def test_answer_question_is_echoed_as_received_and_resolved_is_trimmed(client: TestClient) -> None:
    body = ask(client, "  How deep is the borehole?\n")
    assert body["question"] == "  How deep is the borehole?\n"
    assert body["resolved_question"] == "How deep is the borehole?"


@pytest.mark.parametrize("question", ["What is the capital of France?", "How do I bake sourdough bread?",
                                      "How many patents did Germany file?"])
def test_answer_off_topic_or_unknown_entity_is_none_with_citations(client: TestClient, question: str) -> None:
    body = ask(client, question)
    assert body["kind"] == "none" and body["answer"] == "The corpus doesn't say."
    assert body["confidence"] < 0.5 and body["table_answer"] is None and body["citations"]


def test_answer_top_k_sets_number_of_citations(client: TestClient) -> None:
    for k in (1, 2, 20):
        assert len(ask(client, "Xi Jinping technology", top_k=k)["citations"]) == min(k, 31)


def test_answer_sources_filter_limits_citations(client: TestClient) -> None:
    body = ask(client, "patents", sources=["china-us-metrics.csv"])
    assert {c["source"] for c in body["citations"]} == {"china-us-metrics.csv"}


# --- follow-ups through the API (rewriting is followup.py's; the plumbing and resolved_question are tested here)


PATENTS = [{"role": "user", "content": "How many patents did China file in 2023?"},
           {"role": "assistant", "content": "1.58 million"}]


def test_followup_swapping_the_entity_answers_for_the_other_country(client: TestClient) -> None:
    body = ask(client, "And the United States?", messages=PATENTS)
    assert body["question"] == "And the United States?"
    assert "patent" in body["resolved_question"].lower() and "United States" in body["resolved_question"]
    assert body["kind"] == "table" and "285,000" in body["answer"]


def test_followup_swapping_the_metric_answers_the_new_metric(client: TestClient) -> None:
    body = ask(client, "What about supercomputers?", messages=PATENTS)
    assert "supercomputer" in body["resolved_question"].lower() and "China" in body["resolved_question"]
    # The table path read the 2023 row (patents) for "in 2023"; the supercomputers row fits better, so the
    # answer is that row, from the passage side.
    assert body["kind"] in ("table", "passage") and "162" in body["answer"] and "1.58" not in body["answer"]


def test_followup_swapping_to_a_year_the_table_lacks_says_none(client: TestClient) -> None:
    body = ask(client, "What about 2018?", messages=PATENTS)
    assert "2018" in body["resolved_question"] and "patent" in body["resolved_question"].lower()
    assert body["kind"] == "none"


def test_followup_pronoun_question_about_a_person_is_resolved(client: TestClient) -> None:
    messages = [{"role": "user", "content": "Who is Gao Yi?"},
                {"role": "assistant", "content": "An associate research fellow."}]
    body = ask(client, "Who did he talk to?", messages=messages)
    assert "Gao Yi" in body["resolved_question"]
    assert body["kind"] == "passage" and "Beijing Review" in body["answer"]


def test_followup_bare_why_is_resolved_from_the_previous_question(client: TestClient) -> None:
    messages = [{"role": "user", "content": "Which company lost access to U.S. semiconductors?"},
                {"role": "assistant", "content": "Huawei"}]
    body = ask(client, "Why?", messages=messages)
    assert body["resolved_question"] != "Why?" and "semiconductors" in body["resolved_question"]
    assert body["kind"] == "passage" and "geopolitical tensions" in body["answer"]


# --- POST /api/answer: bad input ------------------------------------------------------------------------------


def test_answer_empty_question_returns_422(client: TestClient) -> None:
    assert "empty" in error(client, {"question": "   "})
    assert "empty" in error(client, {"question": ""})


def test_answer_too_long_question_returns_422(client: TestClient) -> None:
    assert "2000" in error(client, {"question": "x" * 2001})


def test_answer_question_of_2000_characters_after_trimming_is_accepted(client: TestClient) -> None:
    question = ("borehole " * 250)[:1996] + "deep"
    assert len(question) == 2000
    assert ask(client, f"  {question}\n ")["resolved_question"] == question


def test_answer_missing_or_mistyped_question_returns_422(client: TestClient) -> None:
    assert "question" in error(client, {"top_k": 3}) and "required" in error(client, {"top_k": 3}).lower()
    assert "question" in error(client, {"question": 42})


@pytest.mark.parametrize("top_k", [0, 21, -1, "five", 2.5])
def test_answer_top_k_out_of_range_returns_422(client: TestClient, top_k: object) -> None:
    assert "top_k" in error(client, {"question": "borehole", "top_k": top_k})


def test_answer_more_than_20_messages_returns_422(client: TestClient) -> None:
    messages = [{"role": "user", "content": "hello"}] * 21
    detail = error(client, {"question": "borehole", "messages": messages})
    assert "messages" in detail and "20" in detail
    assert ask(client, "borehole", messages=messages[:20])["kind"]


def test_answer_message_with_bad_role_or_missing_content_returns_422(client: TestClient) -> None:
    assert "role" in error(client, {"question": "q", "messages": [{"role": "system", "content": "x"}]})
    assert "content" in error(client, {"question": "q", "messages": [{"role": "user"}]})


def test_answer_unknown_field_returns_422_naming_it(client: TestClient) -> None:
    assert "colour" in error(client, {"question": "borehole", "colour": "red"})


def test_answer_unknown_source_returns_422_naming_it(client: TestClient) -> None:
    detail = error(client, {"question": "borehole", "sources": ["nope.md", "china-us-metrics.csv", "also/missing.txt"]})
    assert "nope.md" in detail and "also/missing.txt" in detail and "china-us-metrics.csv" not in detail


def test_answer_malformed_json_returns_readable_422(client: TestClient) -> None:
    assert "not valid JSON" in error(client, content=b'{"question": "borehole",')
    assert "JSON object" in error(client, content=b'["borehole"]')


def test_answer_body_over_64_kb_returns_422(client: TestClient) -> None:
    body = json.dumps({"question": "borehole", "messages": [{"role": "user", "content": "x" * 20_000}] * 4})
    assert len(body) > 64 * 1024
    assert "64 KB" in error(client, content=body.encode())


def test_answer_422_errors_list_each_problem_with_its_place(client: TestClient) -> None:
    response = client.post("/api/answer", json={"question": "", "top_k": 99})
    errors = response.json()["errors"]
    assert {tuple(e["loc"]) for e in errors} == {("question",), ("top_k",)}
    assert all(e["msg"] for e in errors)


# --- headers, CORS, API pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"), ("GET", "/api/health"), ("POST", "/api/answer"), ("GET", "/api/nope"), ("GET", "/docs"),
    ("GET", "/redoc"), ("GET", "/openapi.json"), ("GET", "/static/js/main.js"), ("GET", "/docs/init.js"),
    ("POST", "/api/index/rebuild"),
])
def test_every_response_has_security_headers_and_no_inline_script(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={"question": "borehole"} if method == "POST" else None)
    csp = response.headers["content-security-policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "http" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_chat_page_is_served(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200 and "<textarea" in response.text


def test_cors_is_off_by_default(client: TestClient) -> None:
    response = client.options("/api/answer", headers={"Origin": "https://elsewhere.example",
                                                      "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in response.headers
    get = client.get("/api/health", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in get.headers


def test_cors_allows_only_configured_origins(bundled: Service) -> None:
    settings = bundled.settings.model_copy(update={"cors_origins": ["https://app.example"]})
    with TestClient(create_app(settings, bundled, build=False)) as cors_client:
        allowed = cors_client.options("/api/answer", headers={"Origin": "https://app.example",
                                                              "Access-Control-Request-Method": "POST"})
        other = cors_client.get("/api/health", headers={"Origin": "https://elsewhere.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in other.headers


def test_docs_page_loads_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "<script>" not in page.text and "//" not in page.text.replace("<!doctype", "")
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert client.get(f"/{asset}").status_code == 200, asset
    assert "openapi.json" in client.get("/docs/init.js").text
    redoc = client.get("/redoc")
    assert redoc.status_code == 200 and "<script>" not in redoc.text
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 200


def test_openapi_documents_the_whole_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/health", "/api/answer", "/api/documents", "/api/documents/{source}", "/api/suggestions",
            "/api/index/rebuild"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    request = schemas["AnswerRequest"]["properties"]
    assert request["top_k"]["minimum"] == 1 and request["top_k"]["maximum"] == 20 and request["top_k"]["default"] == 5
    assert request["messages"]["maxItems"] == 20
    assert set(schemas["AnswerResponse"]["required"]) == ANSWER_FIELDS
    assert set(schemas["CitationModel"]["required"]) == CITATION_FIELDS
    assert set(schemas["TableAnswerModel"]["required"]) == TABLE_FIELDS
    assert set(schemas["TableAnswerModel"]["properties"]["operation"]["enum"]) == OPERATIONS
    assert "422" in spec["paths"]["/api/answer"]["post"]["responses"]
    assert {"401", "403", "409", "500"} <= set(spec["paths"]["/api/index/rebuild"]["post"]["responses"])


# --- rebuild endpoint and access log over a small corpus -----------------------------------------------------


@pytest.fixture
def admin_client(tmp_path: Path, embedder: Embedder) -> Iterator[TestClient]:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "wells.md").write_text("# Wells\n\nThe Alpha well is 4,200 metres deep.\n")
    service = Service(make_settings(tmp_path / "corpus", tmp_path / "index", admin_token=TOKEN), embedder)
    with TestClient(create_app(service.settings, service, build=True)) as test_client:
        yield test_client


def test_rebuild_without_a_configured_token_is_403(client: TestClient) -> None:
    response = client.post("/api/index/rebuild", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 403 and "QA_ADMIN_TOKEN" in response.json()["detail"]


@pytest.mark.parametrize("header", [None, "Bearer wrong", TOKEN, f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "])
def test_rebuild_with_missing_or_wrong_token_is_401(admin_client: TestClient, header: str | None) -> None:
    response = admin_client.post("/api/index/rebuild", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert TOKEN not in response.text


def test_rebuild_with_token_reports_changes_and_serves_them(admin_client: TestClient, tmp_path: Path) -> None:
    (tmp_path / "corpus" / "kelp.md").write_text("# Kelp\n\nGiant kelp grows up to 60 centimetres a day.\n")
    (tmp_path / "corpus" / "bad.md").write_bytes(b"# Bad\n\n\xff\xfe not utf-8\n")
    before = admin_client.get("/api/health").json()["index_generation"]
    response = admin_client.post("/api/index/rebuild", headers={"Authorization": f"Bearer {TOKEN}"})
    body = response.json()
    assert response.status_code == 200 and body["added"] == 1 and body["unchanged"] == 1 and body["removed"] == 0
    assert body["written"] and body["chunks"] >= 2 and body["seconds"] >= 0 and body["index_generation"] != before
    assert [s["source"] for s in body["skipped"]] == ["bad.md"] and "UTF-8" in body["skipped"][0]["reason"]
    assert admin_client.get("/api/health").json()["index_generation"] == body["index_generation"]
    assert ask(admin_client, "How fast does giant kelp grow?")["citations"][0]["source"] == "kelp.md"


def test_rebuild_with_nothing_changed_keeps_the_generation(admin_client: TestClient) -> None:
    before = admin_client.get("/api/health").json()["index_generation"]
    body = admin_client.post("/api/index/rebuild", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert body["unchanged"] == 1 and not body["written"] and body["index_generation"] == before


def test_access_log_lines_reach_the_stderr_of_the_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server's stderr may be swapped after logging is set up (a test runner does it per test): the JSON lines
    go to the new stream, not as "--- Logging error ---" reports about the closed old one."""
    for logger in (access_log, audit_log, logging.getLogger()):  # set up anew here, put back for the other tests
        monkeypatch.setattr(logger, "handlers", [] if logger is not logging.getLogger() else list(logger.handlers))
        monkeypatch.setattr(logger, "propagate", logger.propagate)
        monkeypatch.setattr(logger, "level", logger.level)
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging("warning")
    first.close()
    monkeypatch.setattr(sys, "stderr", second)
    access_log.info('{"path": "/api/health"}')
    assert second.getvalue() == '{"path": "/api/health"}\n'


def test_access_log_has_one_json_line_per_request_without_secrets(
        admin_client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="qa.access"):
        admin_client.get("/api/health")
        admin_client.post("/api/answer", json={"question": "How deep is the Alpha well?"})
        admin_client.post("/api/index/rebuild", headers={"Authorization": f"Bearer {TOKEN}"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "qa.access"]
    assert [(x["method"], x["path"], x["status"]) for x in lines] == [
        ("GET", "/api/health", 200), ("POST", "/api/answer", 200), ("POST", "/api/index/rebuild", 200)]
    assert all(isinstance(x["ms"], float) and x["ms"] >= 0 and x["ts"] for x in lines)
    assert TOKEN not in caplog.text and "Alpha well" not in caplog.text
