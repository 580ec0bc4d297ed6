"""The manage page in headless Chromium: sign in with a key, upload by drag and drop, ask in the chat, delete."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from conftest import LiveServer, make_settings, start_live_server
from qa.embed.embedder import Embedder
from qa.serve.keys import KeyStore
from qa.serve.service import Service

pytestmark = pytest.mark.browser
KELP = "# Kelp\n\nThe Morrow kelp forest covers 61 hectares.\n"
QUESTION = "How large is the Morrow kelp forest?"


@pytest.fixture
def keyed_server(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """A real uvicorn where every request needs a key (QA_ANONYMOUS=none), with an editor and an admin key."""
    (tmp_path / "corpus" / "team").mkdir(parents=True)
    (tmp_path / "corpus" / "team" / "wells.md").write_text("# Wells\n\nThe Alpha well is 4,200 metres deep.\n")
    (tmp_path / "corpus" / "other").mkdir()
    (tmp_path / "corpus" / "other" / "roads.md").write_text("# Roads\n\nRoute 9 is 310 kilometres long.\n")
    store = KeyStore(tmp_path / "keys.db")
    keys = {"editor": store.create("team-editor", "editor", ["team"])[0], "admin": store.create("root", "admin")[0]}
    settings = make_settings(tmp_path / "corpus", tmp_path / "index", keys_db=tmp_path / "keys.db",
                             keys_cache_seconds=0, anonymous="none")
    service = Service(settings, embedder)
    service.start(build=True)
    live = start_live_server(service)
    yield live, keys
    live.stop()


def sign_in(page: Page, key: str) -> None:
    page.fill("#key-input", key)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#workspace")).to_be_visible()


def drop_file(page: Page, name: str, text: str) -> None:
    """A real drop event on the drop zone, carrying a file, as a drag from the desktop does."""
    page.evaluate("""([name, text]) => {
        const data = new DataTransfer();
        data.items.add(new File([text], name, { type: "text/markdown" }));
        const zone = document.getElementById("drop");
        zone.dispatchEvent(new DragEvent("dragenter", { dataTransfer: data, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }""", [name, text])


def test_sign_in_upload_with_progress_ask_in_the_chat_then_delete(
        keyed_server: tuple[LiveServer, dict[str, str]], open_page: Callable[..., Page]) -> None:
    live, keys = keyed_server
    page = open_page(live.url + "/manage")
    page.fill("#key-input", "qa_wrong_key")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_contain_text("unknown or revoked")
    errors: list[str] = []  # from here on, no request may fail and no script may throw
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, keys["editor"])
    expect(page.locator("#whoami")).to_contain_text("team-editor (editor; team)")
    expect(page.locator("#doc-rows tr")).to_have_count(1)  # team/wells.md; other/ is not the key's
    expect(page.locator("#keys-panel")).to_be_hidden()
    page.evaluate("""() => {  // record every value the page gives the upload's progress bar
        window.seen = [];
        const bar = document.getElementById("upload-progress");
        const own = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
        Object.defineProperty(bar, "value", { get() { return own.get.call(bar); },
                                              set(v) { window.seen.push(Number(v)); own.set.call(bar, v); } });
    }""")
    drop_file(page, "kelp.md", KELP)
    expect(page.locator("#upload-status")).to_contain_text("Added team/kelp.md", timeout=60_000)
    assert page.evaluate("document.getElementById('upload-progress').position") == 1
    assert 100 in page.evaluate("window.seen")  # the bar was driven by the upload's progress events
    expect(page.locator("#doc-rows tr[data-source='team/kelp.md']")).to_have_count(1)
    expect(page.locator("#build-last")).to_contain_text("1 added")

    page.goto(live.url + "/")  # same tab: the key in sessionStorage goes with the chat's questions
    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    expect(page.locator("li.msg.assistant .answer-text").last).to_have_text("61 hectares", timeout=30_000)

    page.goto(live.url + "/view/team/kelp.md?start=7&end=23")  # every request needs a key: the view fetches with it
    expect(page.locator("#hl")).to_have_text("The Morrow kelp ")
    expect(page.locator("#doc-title")).to_have_text("Kelp")

    page.goto(live.url + "/manage")
    expect(page.locator("#workspace")).to_be_visible()  # signed in again from sessionStorage
    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.click("#doc-rows tr[data-source='team/kelp.md'] button")
    expect(page.locator("#upload-status")).to_contain_text("Deleted team/kelp.md", timeout=60_000)
    expect(page.locator("#doc-rows tr[data-source='team/kelp.md']")).to_have_count(0)
    assert asked and "team/kelp.md" in asked[0]
    assert errors == []


def test_an_admin_creates_a_key_shown_once_and_revokes_it(
        keyed_server: tuple[LiveServer, dict[str, str]], open_page: Callable[..., Page]) -> None:
    live, keys = keyed_server
    page = open_page(live.url + "/manage")
    sign_in(page, keys["admin"])
    expect(page.locator("#keys-panel")).to_be_visible()
    page.fill("#key-name", "newcomer")
    page.select_option("#key-role", "reader")
    page.fill("#key-scopes", "team")
    page.click("#key-form button[type=submit]")
    expect(page.locator("#new-key-value")).to_have_text(re.compile(r"^qa_\w+_[\w-]+$"))
    new_key = page.locator("#new-key-value").text_content() or ""
    expect(page.locator("#key-rows tr", has_text="newcomer")).to_have_count(1)
    assert new_key not in page.locator("#key-rows").inner_text()
    page.once("dialog", lambda d: d.accept())
    page.locator("#key-rows tr", has_text="newcomer").locator("button").click()
    expect(page.locator("#key-rows tr", has_text="newcomer")).to_have_count(0)
    other = open_page(live.url + "/manage")
    other.fill("#key-input", new_key)
    other.click("#signin-form button[type=submit]")
    expect(other.locator("#signin-error")).to_contain_text("unknown or revoked")


def test_the_manage_page_fits_a_phone_without_sideways_scrolling(
        keyed_server: tuple[LiveServer, dict[str, str]], open_page: Callable[..., Page]) -> None:
    live, keys = keyed_server
    page = open_page(live.url + "/manage", viewport={"width": 375, "height": 800})
    sign_in(page, keys["admin"])
    expect(page.locator("#key-rows tr")).to_have_count(2)
    expect(page.locator("#doc-rows tr")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
