"""The chat page in headless Chromium against the real app: answers, citations, follow-ups, safety, layout, keys."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, Request, Route, expect

from conftest import LiveServer, OfficeCorpus, make_settings, start_live_server
from qa.embed.embedder import Embedder
from qa.serve.service import Service

pytestmark = pytest.mark.browser

TABLE_QUESTION = "How much did the United States spend on R&D?"
PASSAGE_QUESTION = "How deep is the borehole in the Taklimakan Desert?"
SCRIPT_PAYLOAD = "<script>alert(1)</script>"
IMG_PAYLOAD = "<img src=x onerror=alert(1)>"
XSS_DOC = f"""# Security notes {IMG_PAYLOAD}

The sandbox probe string is {SCRIPT_PAYLOAD} and it must stay plain text on every page.

The image probe string is {IMG_PAYLOAD} and it must never load anything.

## Is {SCRIPT_PAYLOAD} shown as text?

| Probe | Payload |
|---|---|
| Script tag | {SCRIPT_PAYLOAD} |
| Image tag | {IMG_PAYLOAD} |
"""


@pytest.fixture
def chat(live_server: LiveServer, open_page: Callable[..., Page]) -> Page:
    """The chat page over the bundled corpus, in a fresh context."""
    return open_page(live_server.url + "/")


def ask(page: Page, question: str) -> None:
    """Type a question, send it with Enter and wait until the page is no longer busy."""
    before = page.locator("#conversation > li").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    expect(page.locator("#conversation > li")).to_have_count(before + 2)
    page.wait_for_selector("body:not(.busy)")


def last_answer(page: Page) -> Any:
    return page.locator("li.msg.assistant").last


def active_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.id : ''"))


def test_passage_question_is_answered_with_sentence_and_citations(chat: Page) -> None:
    ask(chat, PASSAGE_QUESTION)
    answer = last_answer(chat)
    expect(answer).to_have_class("msg assistant kind-passage")
    expect(answer.locator(".answer-text")).to_contain_text("10,910 meters")
    expect(answer.locator(".kind-badge")).to_have_text("From the text")
    chips = answer.locator("button.chip")
    assert chips.count() >= 1
    expect(chips.first).to_have_text("[1]")
    expect(chips.first).to_have_attribute("aria-expanded", "false")
    expect(chat.locator("#live")).to_contain_text("10,910 meters")


def test_short_answer_shows_large_with_its_sentence_and_the_span_marked(live_server: LiveServer,
                                                                         open_page: Callable[..., Page]) -> None:
    sizes = []
    for scheme in ("light", "dark"):
        page = open_page(live_server.url + "/", color_scheme=scheme)
        ask(page, PASSAGE_QUESTION)
        answer = last_answer(page)
        expect(answer.locator(".answer-text")).to_have_text("10,910 meters")
        context = answer.locator(".answer-context")
        expect(context).to_contain_text("Deep in the unforgiving heart of the Taklimakan Desert")
        expect(context.locator("mark.answer-mark")).to_have_text("10,910 meters")
        assert context.locator("mark").count() == 1 and context.locator("script, img").count() == 0
        mark = context.locator("mark.answer-mark")
        colours = mark.evaluate("m => [getComputedStyle(m).backgroundColor, getComputedStyle(m).color]")
        assert colours[0] != colours[1] and colours[0] not in ("rgba(0, 0, 0, 0)", "transparent")
        sizes.append((float(answer.locator(".answer-text").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")),
                      float(context.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))))
    assert all(big > small * 1.3 for big, small in sizes)  # the short answer large, its sentence under it


def test_table_question_page_shows_what_the_api_answered(chat: Page) -> None:
    with chat.expect_response("**/api/answer") as response:
        ask(chat, TABLE_QUESTION)
    data = response.value.json()
    answer = last_answer(chat)
    expect(answer).to_have_class(f"msg assistant kind-{data['kind']}")
    shown = "The corpus doesn't say." if data["kind"] == "none" else data["answer"]
    expect(answer.locator(".answer-text")).to_have_text(shown)
    expect(answer.locator(".table-card")).to_have_count(1 if data["table_answer"] else 0)
    citations = data["citations"]
    expect(answer.locator("button.chip")).to_have_text([f"[{c['n']}]" for c in citations])
    table_citation = next(c for c in citations if c["source"] == "china-us-metrics.csv")
    answer.locator(f"button.chip[data-n='{table_citation['n']}']").click()
    passage = answer.locator(".citation-passage")
    expect(passage.locator("blockquote")).to_have_text(table_citation["text"])
    start, end = table_citation["highlight"]["start"], table_citation["highlight"]["end"]
    expect(passage.locator("mark")).to_have_text(table_citation["text"][start:end])
    expect(passage.locator("mark")).to_contain_text("R&D Spending")


def test_table_answer_shows_cells_explanation_caption_and_source_note(chat: Page) -> None:
    ask(chat, TABLE_QUESTION)
    answer = last_answer(chat)
    expect(answer).to_have_class("msg assistant kind-table")
    expect(answer.locator(".answer-text")).to_have_text("$710B")
    expect(answer.locator(".kind-badge")).to_have_text("From a table")
    card = answer.locator(".table-card")
    expect(card.locator(".caption")).to_have_text("China vs. United States: science and technology metrics")
    expect(card.locator("table.cells td.value")).to_contain_text(["$710B"])
    expect(card.locator("table.cells")).to_contain_text("United States")
    expect(card.locator(".explanation")).not_to_be_empty()
    expect(card.locator(".source-note")).to_contain_text("WIPO")


def test_unanswerable_question_says_so_with_closest_matches(chat: Page) -> None:
    ask(chat, "What is the capital of France?")
    answer = last_answer(chat)
    expect(answer).to_have_class("msg assistant kind-none")
    expect(answer.locator(".answer-text")).to_have_text("The corpus doesn't say.")
    expect(answer.locator(".citations-title")).to_have_text("Closest matches")


def test_citation_chip_opens_highlighted_passage_and_document_link(chat: Page) -> None:
    ask(chat, PASSAGE_QUESTION)
    answer = last_answer(chat)
    chip = answer.locator("button.chip").first
    chip.click()
    expect(chip).to_have_attribute("aria-expanded", "true")
    passage = answer.locator(".citation-passage")
    mark = passage.locator("blockquote mark")
    expect(mark).to_contain_text("10,910 meters")
    cited = passage.locator("blockquote").text_content() or ""
    assert (mark.text_content() or "") in cited
    passage.locator("a.open-doc").click()
    chat.wait_for_url("**/view/china-sci-tech-push.md?start=*")
    highlight = chat.locator("#hl")
    expect(highlight).to_be_visible()
    expect(highlight).to_be_in_viewport()
    assert highlight.text_content() == cited
    expect(chat.locator(".doc-title")).to_contain_text("China’s Sci-Tech Push")


def test_chip_click_again_closes_passage(chat: Page) -> None:
    ask(chat, PASSAGE_QUESTION)
    chips = last_answer(chat).locator("button.chip")
    chips.nth(1).click()
    expect(last_answer(chat).locator(".citation-passage")).to_be_visible()
    chips.nth(1).click()
    expect(last_answer(chat).locator(".citation-passage")).to_be_hidden()
    expect(chips.nth(1)).to_have_attribute("aria-expanded", "false")


def test_follow_up_sends_the_first_turn_as_messages(chat: Page) -> None:
    bodies: list[dict[str, Any]] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/api/answer"):
            bodies.append(request.post_data_json or {})

    chat.on("request", record)
    ask(chat, TABLE_QUESTION)
    first_answer = last_answer(chat).locator(".answer-text").text_content()
    with chat.expect_response("**/api/answer") as second:
        ask(chat, "And China?")
    assert bodies[0]["messages"] == []
    assert bodies[1]["question"] == "And China?"
    assert bodies[1]["messages"] == [{"role": "user", "content": TABLE_QUESTION},
                                     {"role": "assistant", "content": first_answer}]
    resolved = second.value.json()["resolved_question"]
    user = chat.locator("li.msg.user").last
    if resolved.strip().lower() != "and china?":
        expect(user.locator(".resolved")).to_have_text(f"Understood as: {resolved}")
    else:
        expect(user.locator(".resolved")).to_have_count(0)


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[LiveServer]:
    """A real server over a corpus whose text, headings and table cells hold script and img markup."""
    base = tmp_path_factory.mktemp("xss")
    (base / "corpus").mkdir()
    (base / "corpus" / "notes.md").write_text(XSS_DOC, encoding="utf-8")
    probes = f"Probe,Payload\nScript tag,{SCRIPT_PAYLOAD}\nImage tag,{IMG_PAYLOAD}\n"
    (base / "corpus" / "probes.csv").write_text(probes, encoding="utf-8")
    service = Service(make_settings(base / "corpus", base / "index"), embedder)
    service.start(build=True)
    live = start_live_server(service)
    yield live
    live.stop()


def test_corpus_markup_stays_inert_text(xss_server: LiveServer, open_page: Callable[..., Page]) -> None:
    page = open_page(xss_server.url + "/")
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.context.on("dialog", on_dialog)
    expect(page.locator("#starters")).to_contain_text(SCRIPT_PAYLOAD)  # the "Is <script>… shown?" heading
    for question in ("What is the sandbox probe string?", "What is the payload of the image tag probe?"):
        ask(page, question)
        answer = last_answer(page)
        answer.locator("button.chip").first.click()
        expect(answer.locator(".citation-passage blockquote")).to_contain_text("alert(1)")
    texts = " ".join(page.locator("#conversation").all_text_contents())
    assert SCRIPT_PAYLOAD in texts and IMG_PAYLOAD in texts
    assert page.locator("#conversation img, #conversation script, #starters script").count() == 0
    last_answer(page).locator("a.open-doc").click()
    page.wait_for_selector("#hl")
    doc_text = page.locator(".doc-text").text_content() or ""
    assert SCRIPT_PAYLOAD in doc_text and IMG_PAYLOAD in doc_text
    assert page.locator("main img, main script").count() == 0
    page.goto(xss_server.url + "/view/notes.md")
    expect(page.locator(".doc-title")).to_have_text(f"Security notes {IMG_PAYLOAD}")
    assert page.locator("main img").count() == 0
    assert dialogs == []


def scrolls_sideways(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"))


def test_phone_width_has_no_horizontal_scroll(live_server: LiveServer, open_page: Callable[..., Page]) -> None:
    page = open_page(live_server.url + "/", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page.wait_for_selector("#starters button.starter")
    assert not scrolls_sideways(page)
    for question in (TABLE_QUESTION, PASSAGE_QUESTION):
        ask(page, question)
        last_answer(page).locator("button.chip").first.click()
        expect(last_answer(page).locator(".citation-passage mark")).to_be_visible()
        assert not scrolls_sideways(page)
    assert page.locator("#question").bounding_box()["width"] > 200  # type: ignore[index]
    last_answer(page).locator("a.open-doc").click()
    page.wait_for_selector("#hl")
    assert not scrolls_sideways(page)


def test_keyboard_only_asking_and_citation_toggling(chat: Page) -> None:
    for _ in range(20):  # skip link, brand, New chat, the starters, then the question box
        chat.keyboard.press("Tab")
        if active_id(chat) == "question":
            break
    assert active_id(chat) == "question"
    chat.keyboard.type("How deep is the borehole")
    chat.keyboard.press("Shift+Enter")
    chat.keyboard.type("in the Taklimakan Desert?")
    assert chat.locator("#question").input_value() == "How deep is the borehole\nin the Taklimakan Desert?"
    expect(chat.locator("#conversation > li")).to_have_count(0)
    chat.keyboard.press("Enter")
    expect(last_answer(chat).locator(".answer-text")).to_contain_text("10,910 meters")
    expect(chat.locator("#question")).to_be_focused()
    chip = last_answer(chat).locator("button.chip").first
    for _ in range(20):  # backwards from the question box: Copy, the chips from last to first
        chat.keyboard.press("Shift+Tab")
        if chip.evaluate("node => node === document.activeElement"):
            break
    expect(chip).to_be_focused()
    passage = last_answer(chat).locator(".citation-passage")
    chat.keyboard.press("Enter")
    expect(passage.locator("mark")).to_be_visible()
    chat.keyboard.press("Escape")
    expect(passage).to_be_hidden()
    expect(chip).to_be_focused()
    chat.keyboard.press("Space")
    expect(chip).to_have_attribute("aria-expanded", "true")
    expect(passage.locator("a.open-doc")).to_be_visible()


def test_server_error_shows_inline_and_retry_succeeds(chat: Page) -> None:
    failures = [1]

    def fail_once(route: Route) -> None:
        if failures:
            failures.pop()
            route.fulfill(status=500, content_type="application/json", body=json.dumps({"detail": "boom"}))
        else:
            route.fallback()

    chat.route("**/api/answer", fail_once)
    ask(chat, PASSAGE_QUESTION)
    error = chat.locator("li.msg.error")
    expect(error).to_contain_text("The server had a problem (500)")
    expect(chat.locator("#live")).to_contain_text("Error")
    error.locator("button.retry").click()
    expect(last_answer(chat).locator(".answer-text")).to_contain_text("10,910 meters")
    expect(chat.locator("li.msg.error")).to_have_count(0)
    expect(chat.locator("li.msg.user")).to_have_count(1)


def test_waiting_disables_input_and_shows_searching(chat: Page) -> None:
    held: list[Route] = []  # the request is held here until the busy state has been checked
    chat.route("**/api/answer", lambda route: held.append(route))
    chat.fill("#question", PASSAGE_QUESTION)
    chat.press("#question", "Enter")
    expect(chat.locator("body")).to_have_class("page-chat busy")
    expect(chat.locator("#question")).to_be_disabled()
    expect(chat.locator("#send")).to_be_disabled()
    expect(chat.locator("#status")).to_have_text("Searching…")
    for _ in range(500):  # let Playwright's loop deliver the intercepted request to the handler
        if held:
            break
        chat.wait_for_timeout(20)
    held[0].fallback()
    expect(last_answer(chat).locator(".answer-text")).to_contain_text("10,910 meters")
    expect(chat.locator("#question")).to_be_enabled()
    expect(chat.locator("#status")).to_have_text("")


def test_conversation_survives_reload(chat: Page) -> None:
    ask(chat, PASSAGE_QUESTION)
    answer_text = last_answer(chat).locator(".answer-text").text_content()
    chat.reload()
    expect(chat.locator("li.msg.user .bubble")).to_contain_text(PASSAGE_QUESTION)
    expect(last_answer(chat).locator(".answer-text")).to_have_text(answer_text or "")
    expect(chat.locator("#starters")).to_be_hidden()
    last_answer(chat).locator("button.chip").first.click()
    expect(last_answer(chat).locator(".citation-passage mark")).to_contain_text("10,910 meters")


def test_new_chat_clears_conversation_and_storage(chat: Page) -> None:
    ask(chat, PASSAGE_QUESTION)
    chat.click("#new-chat")
    expect(chat.locator("#conversation > li")).to_have_count(0)
    expect(chat.locator("#starters button.starter").first).to_be_visible()
    expect(chat.locator("#question")).to_be_focused()
    chat.reload()
    expect(chat.locator("#starters button.starter").first).to_be_visible()
    expect(chat.locator("#conversation > li")).to_have_count(0)


def test_starters_from_the_corpus_show_on_empty_chat_and_ask(chat: Page, live_server: LiveServer) -> None:
    expected = httpx.get(f"{live_server.url}/api/suggestions").json()["questions"][:6]
    starters = chat.locator("#starters button.starter")
    expect(starters).to_have_text(expected)
    starters.first.click()
    expect(chat.locator("li.msg.user .bubble")).to_contain_text(expected[0])
    chat.wait_for_selector("li.msg.assistant")
    expect(chat.locator("#starters")).to_be_hidden()


def test_copy_button_copies_answer_and_sources(chat: Page) -> None:
    chat.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ask(chat, PASSAGE_QUESTION)
    last_answer(chat).locator("button.copy").click()
    expect(last_answer(chat).locator("button.copy")).to_have_text("Copied")
    copied = str(chat.evaluate("navigator.clipboard.readText()"))
    assert copied.startswith("10,910 meters\nDeep in the unforgiving heart of the Taklimakan Desert")
    assert "Sources:\n[1] China’s Sci-Tech Push" in copied


def background(page: Page) -> tuple[int, ...]:
    rgb = str(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    return tuple(int(part) for part in rgb.removeprefix("rgb(").removesuffix(")").split(","))


def test_dark_color_scheme_gives_dark_page(live_server: LiveServer, open_page: Callable[..., Page]) -> None:
    light = background(open_page(live_server.url + "/", color_scheme="light"))
    dark = background(open_page(live_server.url + "/", color_scheme="dark"))
    assert sum(dark) < 3 * 60, f"dark background {dark}"
    assert sum(light) > 3 * 200, f"light background {light}"
    doc = open_page(live_server.url + "/view/china-sci-tech-push.md?start=0&end=40", color_scheme="dark")
    assert background(doc) == dark


def test_normal_ask_has_no_csp_violation_or_script_error(chat: Page) -> None:
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            problems.append(message.text)

    chat.on("console", on_console)
    chat.on("pageerror", lambda error: problems.append(str(error)))
    chat.reload()
    chat.wait_for_selector("#starters button.starter")
    ask(chat, PASSAGE_QUESTION)
    last_answer(chat).locator("button.chip").first.click()
    last_answer(chat).locator("a.open-doc").click()
    chat.wait_for_selector("#hl")
    chat.go_back()
    expect(last_answer(chat)).to_be_visible()
    assert problems == []


@pytest.fixture(scope="module")
def office_server(office: OfficeCorpus) -> Iterator[LiveServer]:
    """A real uvicorn over the generated PDF and Office corpus."""
    live = start_live_server(office.service)
    yield live
    live.stop()


def test_pdf_citation_opens_on_its_page_image_with_the_cited_text_highlighted(
        office_server: LiveServer, open_page: Callable[..., Page]) -> None:
    problems: list[str] = []
    page = open_page(office_server.url + "/")
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    ask(page, "How tall is the main lighthouse?")
    answer = last_answer(page)
    answer.locator("button.chip").first.click()
    expect(answer.locator(".passage-page")).to_have_text(" · page 2")
    answer.locator("a.open-doc").click()
    page.wait_for_url("**/view/report.pdf?start=*")
    image = page.locator("img.page-image")
    expect(image).to_be_visible()
    expect(page.locator(".page-count")).to_have_text("Page 2 of 3")
    page.wait_for_function("document.querySelector('img.page-image').naturalWidth > 0")
    frame = image.bounding_box()
    boxes = page.locator(".page-box")
    assert frame is not None and boxes.count() >= 1
    first = boxes.first.bounding_box()
    assert first is not None and first["width"] > 0 and first["height"] > 0
    assert frame["x"] <= first["x"] and first["x"] + first["width"] <= frame["x"] + frame["width"]
    assert frame["y"] <= first["y"] and first["y"] + first["height"] <= frame["y"] + frame["height"] / 3
    page.locator("#tab-text").click()
    expect(page.locator("#hl")).to_be_visible()
    expect(page.locator("#hl")).to_contain_text("42 meters")
    expect(image).to_be_hidden()
    assert problems == []


def test_table_citation_page_marks_its_cited_row_strongest(office_server: LiveServer,
                                                            open_page: Callable[..., Page]) -> None:
    page = open_page(office_server.url + "/")
    ask(page, "What was the cargo volume of Southbay in 2024?")
    answer = last_answer(page)
    answer.locator("button.chip").first.click()
    answer.locator("a.open-doc").click()
    page.wait_for_url("**/view/report.pdf?start=*&focus_start=*")
    page.wait_for_function("document.querySelector('img.page-image').naturalWidth > 0")
    focus = page.locator(".page-box.focus")
    expect(focus).to_have_count(1)
    assert page.locator(".page-box").count() > 1  # the rest of the table, marked lighter
    row, frame = focus.bounding_box(), page.locator("img.page-image").bounding_box()
    assert row is not None and frame is not None
    assert 0 < row["height"] < frame["height"] / 20  # one row, not the whole table
