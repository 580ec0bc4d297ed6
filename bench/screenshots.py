"""Screenshots of the chat page answering a table and a passage question, light and dark, plus a phone view."""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from qa.serve.app import create_app
from qa.serve.service import Service
from qa.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TABLE_QUESTION = "How much more does the United States spend on R&D than China?"
PASSAGE_QUESTION = "How deep is the borehole in the Taklimakan Desert?"
DESKTOP = {"width": 900, "height": 860}
PHONE = {"width": 375, "height": 812}
DOCUMENT = {"width": 900, "height": 900}


@dataclass(frozen=True)
class Shot:
    """One screenshot: the file, the question asked, the colour scheme, the viewport; `document` follows the link."""

    name: str
    question: str
    scheme: str
    viewport: dict[str, int]
    scale: float = 1.0
    document: bool = False


SHOTS = [
    Shot("screenshot-table-light.png", TABLE_QUESTION, "light", DESKTOP),
    Shot("screenshot-table-dark.png", TABLE_QUESTION, "dark", DESKTOP),
    Shot("screenshot-passage-light.png", PASSAGE_QUESTION, "light", DESKTOP),
    Shot("screenshot-passage-dark.png", PASSAGE_QUESTION, "dark", DESKTOP),
    Shot("screenshot-phone-light.png", TABLE_QUESTION, "light", PHONE, scale=2.0),
    Shot("screenshot-document-light.png", PASSAGE_QUESTION, "light", DOCUMENT, document=True),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(corpus: Path) -> Iterator[str]:
    """Index a copy of `corpus` in a temporary folder and serve it on a loopback port; yields the base URL."""
    with tempfile.TemporaryDirectory(prefix="qa-shots-") as tmp:
        shutil.copytree(corpus, Path(tmp) / "corpus")
        settings = Settings(corpus_dir=Path(tmp) / "corpus", index_dir=Path(tmp) / "index",
                            _env_file=None)  # type: ignore[call-arg]
        service = Service(settings)
        service.start(build=True)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, service, build=False), host="127.0.0.1",
                                               port=port, log_level="warning", access_log=False))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url)
        try:
            yield url
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


def ask(page: Page, question: str) -> None:
    """Type the question, send it with Enter and wait for the answer card."""
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.wait_for_selector("li.msg.assistant, li.msg.error")
    page.wait_for_selector("body:not(.busy)")


def take(browser: Browser, base_url: str, shot: Shot, out: Path) -> Path:
    """Ask the shot's question in a fresh tab, open the first citation (and its document) and save the picture."""
    context = browser.new_context(viewport=shot.viewport, color_scheme=shot.scheme,  # type: ignore[arg-type]
                                  device_scale_factor=shot.scale, reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(base_url + "/")
        page.wait_for_selector("#starters button.starter")
        ask(page, shot.question)
        page.locator("li.msg.assistant button.chip").first.click()
        page.wait_for_selector(".citation-passage:not([hidden]) mark")
        if shot.document:
            page.locator(".citation-passage a.open-doc").click()
            page.wait_for_selector("#hl")
            page.evaluate("window.scrollTo(0, 0)")  # the page scrolled to the passage; show its title too
        elif shot.viewport is DESKTOP:
            _fit_to_content(page)
        else:
            page.locator("li.msg.user").last.evaluate("node => node.scrollIntoView({block: 'start'})")
        path = out / shot.name
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        return path
    finally:
        context.close()


def _fit_to_content(page: Page) -> None:
    """Grow the viewport to the page's height: a full-page capture would leave the sticky composer mid-page."""
    page.locator("#question").blur()
    width = page.viewport_size["width"] if page.viewport_size else DESKTOP["width"]
    page.set_viewport_size({"width": width, "height": 200})  # measure the content, not the 100dvh body
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    page.set_viewport_size({"width": width, "height": height})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="corpus to index and serve")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder the PNG files are written to")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with serve(args.corpus) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for shot in SHOTS:
                print(take(browser, url, shot, args.out))
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
