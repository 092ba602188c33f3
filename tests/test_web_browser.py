"""The web view in a real Chromium (Playwright) against a real `tracker serve` over real captures.

The database is the demo's (LinkedIn's and Google's real captures, checked with the real pipeline at the time
each was captured) plus a hostile page served on 127.0.0.1: an AI change whose text holds markup and a bidi
control, and a newer plain change. Every request a page makes beyond loopback is refused. With
TRACKER_DOCS_SCREENSHOT=1 the change page's screenshot is also written to docs/web-change-page.png.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import REPO, assert_no_traceback, serving_pages

from tracker.browser import CHROMIUM_ARGS, chromium_executable
from tracker.check import check_document
from tracker.config import load_config
from tracker.demo import run_demo
from tracker.fetch import Fetcher
from tracker.store import Store

HOSTILE = "&lt;script&gt;alert(document.domain)&lt;/script&gt; \u202eelif.exe"


def _no_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    if chromium_executable(None) is None:
        return "no system Chromium here (Debian: apt-get install chromium)"
    return None


pytestmark = pytest.mark.skipif(_no_browser() is not None, reason=str(_no_browser()))


def policy_page(*extra: str) -> str:
    clauses = "".join(
        f"<p>Clause {n}. We collect the information you give us and how you use the service.</p>" for n in range(6)
    )
    return f"<html><body><main><h1>Terms</h1>{clauses}{''.join(f'<p>{e}</p>' for e in extra)}</main></body></html>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tracker serve` over the demo's database and the hostile page's changes; yields its address."""
    folder = tmp_path_factory.mktemp("site")
    with run_demo(lambda _line: None, lambda _step: None, keep=True) as demo:
        workdir = demo.workdir
    shutil.move(workdir / "tracker.db", folder / "tracker.db")
    shutil.rmtree(workdir, ignore_errors=True)
    with serving_pages() as server:
        documents = {
            "linkedin": ("LinkedIn", {"privacy-policy": "Privacy Policy", "user-agreement": "User Agreement"}),
            "google": ("Google", {"privacy-policy": "Privacy Policy"}),
            "acme": ("Acme", {"terms": "Terms"}),
        }
        config_path = folder / "config.yaml"
        config_path.write_text(
            yaml.safe_dump(
                {
                    "database": {"url": "sqlite:///tracker.db"},
                    "fetch": {"retries": 0, "host_gap": 0},
                    "services": {
                        service: {
                            "name": name,
                            "documents": {
                                k: {"name": n, "url": server.url(f"/{service}/{k}")} for k, n in docs.items()
                            },
                        }
                        for service, (name, docs) in documents.items()
                    },
                }
            )
        )
        config = load_config(config_path)
        store = Store(config.database.url)
        editions = (
            (policy_page(), datetime(2022, 1, 3, tzinfo=UTC)),
            (
                policy_page(f"We train our artificial intelligence models on your messages, {HOSTILE}."),
                datetime(2022, 3, 1, tzinfo=UTC),
            ),
            (policy_page("We train our artificial intelligence models on your messages.", "Write to us."), None),
        )
        with Fetcher(config.settings.fetch) as fetcher:
            for page, when in editions:  # the last one now: the newest change of all, and not about AI
                server.serve("/acme/terms", page)
                result = check_document(config.document("acme", "terms"), store, fetcher, now=when)
                assert result.outcome != "failed", result.reason
        store.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    environment.update({"PYTHONPATH": str(REPO), "TRACKER_CONFIG": str(config_path)})
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)
    assert_no_traceback(process.stdout.read() + process.stderr.read())  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable(None), args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


class Visit:
    """A page that records console errors, page errors, dialogs and requests refused beyond loopback."""

    def __init__(self, browser: object, width: int = 1100, height: int = 900) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._local_only)

    def _local_only(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.errors.append(f"request beyond loopback: {url}")
            route.abort()  # type: ignore[attr-defined]

    def open(self, url: str) -> None:
        answer = self.page.goto(url)
        assert answer is not None and answer.status == 200, url

    def close(self) -> None:
        self.page.close()


def links(visit: Visit) -> list[str]:
    return visit.page.eval_on_selector_all("a[href]", "anchors => anchors.map(a => a.getAttribute('href'))")


def test_every_page_renders_without_console_errors(site: str, browser: object) -> None:
    visit = Visit(browser)
    try:
        for path in ("/", "/changes", "/changes?ai=1", "/history/linkedin/privacy-policy", "/history/acme/terms"):
            visit.open(site + path)
        for href in [h for h in links(visit) if h.startswith("/changes/")]:
            visit.open(site + href)
        # The stylesheet applied under the Content-Security-Policy: a refused one would be a console error.
        assert visit.page.eval_on_selector("body", "b => getComputedStyle(b).maxWidth") == "1024px"
        assert visit.errors == []
    finally:
        visit.close()


def test_the_ai_change_comes_first_and_its_evidence_is_highlighted(site: str, browser: object) -> None:
    visit = Visit(browser, height=1300)
    try:
        visit.open(site + "/changes")
        first = visit.page.locator("a.change-link").first
        assert first.evaluate("a => a.closest('tr').className") == "ai"
        # The newest change of all is Acme's plain one: it leads the table of all changes, after the AI ones.
        assert "Acme Terms" in visit.page.locator("#all-heading + table a.change-link").first.inner_text()
        visit.open(site + "/changes?service=linkedin&ai=1")
        visit.page.locator("a.change-link", has_text="LinkedIn Privacy Policy").first.click()
        marks = visit.page.locator(".hunk mark")
        assert marks.count() >= 1 and marks.first.is_visible()
        highlighted = " ".join(marks.all_inner_texts())
        assert "develop and train artificial intelligence (AI) models" in highlighted
        background = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
        assert background == "rgb(254, 240, 138)"
        assert "Why: AI or machine-learning models are trained" in visit.page.locator(".flag").inner_text()
        # The screenshot in the README: Google's change of June 2023, short enough to show its highlight at once.
        visit.open(site + "/changes?service=google&ai=1")
        visit.page.locator("a.change-link").first.click()
        highlighted = " ".join(visit.page.locator(".hunk mark").all_inner_texts())
        assert "help train Google’s languageAI models" in highlighted and "Bard and Cloud AI" in highlighted
        shot = visit.page.screenshot(full_page=False)
        assert shot.startswith(b"\x89PNG")
        if os.environ.get("TRACKER_DOCS_SCREENSHOT"):
            (REPO / "docs" / "web-change-page.png").write_bytes(shot)
        assert visit.errors == []
    finally:
        visit.close()


def test_hostile_page_text_is_shown_inert(site: str, browser: object) -> None:
    visit = Visit(browser)
    try:
        visit.open(site + "/changes?service=acme&ai=1")
        visit.page.locator("a.change-link").first.click()
        text = visit.page.locator("article").inner_text()
        assert "<script>alert(document.domain)</script>" in text  # shown as text, where a reader can see it
        assert "⟦U+202E⟧elif.exe" in text and "\u202e" not in visit.page.content()
        assert visit.page.locator("script").count() == 0
        assert visit.dialogs == [] and visit.errors == []
    finally:
        visit.close()


@pytest.mark.parametrize("path", ["/changes", "/changes/1", "/history/linkedin/privacy-policy"])
def test_the_keyboard_reaches_every_link(site: str, browser: object, path: str) -> None:
    visit = Visit(browser)
    try:
        visit.open(site + path)
        every = links(visit)
        reached = set()
        for _ in range(len(every) + 3):
            visit.page.keyboard.press("Tab")
            reached.add(
                visit.page.evaluate("() => [...document.querySelectorAll('a[href]')].indexOf(document.activeElement)")
            )
        assert reached >= set(range(len(every))), [every[i] for i in set(range(len(every))) - reached]
    finally:
        visit.close()
