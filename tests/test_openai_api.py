"""The OpenAI chat API, driven by the official `openai` client against a real uvicorn on loopback."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from conftest import LiveServer

PATENTS = "How many patents did China file in 2023?"


@pytest.fixture(scope="module")
def chat(live_server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="not-needed", max_retries=0)


def api_answer(live_server: LiveServer, question: str, **extra: Any) -> dict[str, Any]:
    response = httpx.post(f"{live_server.url}/api/answer", json={"question": question, **extra}, timeout=30)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def qa_of(completion: Any) -> dict[str, Any]:
    data: dict[str, Any] = completion.model_extra["qa"]
    return data


def ask(chat: openai.OpenAI, *messages: dict[str, Any], **extra: Any) -> Any:
    sent: list[Any] = list(messages)
    return chat.chat.completions.create(model="qa", messages=sent, **extra)


def user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def test_a_plain_call_answers_with_the_answer_its_sources_and_the_whole_qa_answer(
        chat: openai.OpenAI, live_server: LiveServer) -> None:
    completion = ask(chat, user(PATENTS))
    expected = api_answer(live_server, PATENTS)
    assert completion.object == "chat.completion" and completion.model == "qa"
    assert completion.id.startswith("chatcmpl-") and completion.created > 0
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    content = choice.message.content
    assert content.startswith(expected["answer"] + "\n")
    for citation in expected["citations"]:
        assert f"[{citation['n']}] {citation['title']} ({citation['source']})" in content
    got = qa_of(completion)
    assert {k: v for k, v in got.items() if k != "timing_ms"} == {k: v for k, v in expected.items() if k != "timing_ms"}
    assert completion.usage.prompt_tokens == len(PATENTS.split())
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_a_follow_up_conversation_resolves_the_question_from_the_earlier_turns(
        chat: openai.OpenAI, live_server: LiveServer) -> None:
    first = ask(chat, user(PATENTS))
    history = [user(PATENTS), {"role": "assistant", "content": first.choices[0].message.content}]
    follow = ask(chat, {"role": "system", "content": "Be brief."}, *history, user("And the United States?"))
    expected = api_answer(live_server, "And the United States?",
                          messages=[{"role": m["role"], "content": m["content"]} for m in history])
    got = qa_of(follow)
    assert "United States" in got["resolved_question"] and "patent" in got["resolved_question"].lower()
    assert got["resolved_question"] == expected["resolved_question"]
    assert got["answer"] == expected["answer"] != qa_of(first)["answer"]


def test_streamed_content_equals_the_non_streamed_content(chat: openai.OpenAI) -> None:
    whole = ask(chat, user(PATENTS))
    chunks = list(ask(chat, user(PATENTS), stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert streamed == whole.choices[0].message.content
    assert len([c for c in chunks if c.choices[0].delta.content]) > 3  # sent in pieces, not in one
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert qa_of(last)["answer"] == qa_of(whole)["answer"]


def test_streaming_with_usage_sends_a_last_chunk_with_the_counts(chat: openai.OpenAI) -> None:
    chunks = list(ask(chat, user(PATENTS), stream=True, stream_options={"include_usage": True}))
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == len(PATENTS.split())
    assert all(c.usage is None for c in chunks[:-1])


def test_the_stream_is_server_sent_events_ending_with_done(live_server: LiveServer) -> None:
    body = {"model": "qa", "stream": True, "messages": [user(PATENTS)]}
    with httpx.stream("POST", f"{live_server.url}/v1/chat/completions", json=body, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in events)
    assert events[-1] == "data: [DONE]"


def test_text_content_parts_are_read_as_the_question(chat: openai.OpenAI) -> None:
    split = [{"type": "text", "text": "How many patents did China "}, {"type": "text", "text": "file in 2023?"}]
    parts = ask(chat, user(split))
    assert qa_of(parts)["answer"] == qa_of(ask(chat, user(PATENTS)))["answer"]


def test_qa_parameters_ride_in_the_body(chat: openai.OpenAI) -> None:
    completion = ask(chat, user(PATENTS), extra_body={"top_k": 2, "sources": ["china-us-metrics.csv"]})
    citations = qa_of(completion)["citations"]
    assert len(citations) == 2 and {c["source"] for c in citations} == {"china-us-metrics.csv"}


def test_sampling_parameters_are_accepted_and_change_nothing(chat: openai.OpenAI) -> None:
    plain = ask(chat, user(PATENTS)).choices[0].message.content
    tuned = ask(chat, user(PATENTS), temperature=0.2, max_tokens=5, top_p=0.5, user="someone", seed=3)
    assert tuned.choices[0].message.content == plain


@pytest.mark.parametrize(("messages", "extra", "param"), [
    ([{"role": "system", "content": "You are helpful."}], {}, "messages"),
    ([user("   ")], {}, "messages.0.content"),
    ([user("x" * 2001)], {}, "messages.0.content"),
    ([user([{"type": "image_url", "image_url": {"url": "http://example.com/a.png"}}])], {}, "messages.0.content"),
    ([user(PATENTS)], {"n": 2}, "n"),
    ([user(PATENTS)], {"response_format": {"type": "json_object"}}, "response_format"),
    ([user(PATENTS)], {"extra_body": {"sources": ["no-such-file.md"]}}, "sources"),
    ([user(PATENTS)], {"extra_body": {"top_k": 99}}, "top_k"),
])
def test_bad_input_raises_the_clients_400_with_the_field_named(chat: openai.OpenAI, messages: list[dict[str, Any]],
                                                                extra: dict[str, Any], param: str) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        ask(chat, *messages, **extra)
    assert raised.value.status_code == 400
    assert raised.value.param == param and raised.value.type == "invalid_request_error"
    assert raised.value.message


def test_a_bad_streamed_request_gets_the_json_error_not_a_stream(chat: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        ask(chat, user("   "), stream=True)
    assert raised.value.param == "messages.0.content"


def test_no_messages_at_all_is_a_400(chat: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        ask(chat)
    assert raised.value.param == "messages"


def test_an_unknown_model_raises_not_found(chat: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        chat.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": PATENTS}])
    assert raised.value.code == "model_not_found" and raised.value.param == "model"


def test_errors_have_the_openai_error_shape(live_server: LiveServer) -> None:
    for body in (b"{not json", b'{"model": "qa"}', b'{"model": "qa", "messages": "hello"}'):
        response = httpx.post(f"{live_server.url}/v1/chat/completions", content=body,
                              headers={"content-type": "application/json"})
        assert response.status_code == 400
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["message"]


def test_the_models_list_has_the_one_model_qa(chat: openai.OpenAI) -> None:
    assert [m.id for m in chat.models.list()] == ["qa"]
    assert chat.models.retrieve("qa").owned_by == "qa"
    with pytest.raises(openai.NotFoundError):
        chat.models.retrieve("gpt-4o")
