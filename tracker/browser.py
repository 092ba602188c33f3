"""Chromium through Playwright: the page as its scripts leave it, for documents that plain HTTP cannot read.

One browser per process, started on the first page that needs it, driven from a thread of its own (Playwright
objects belong to the event loop that made them; checks run in a thread pool). Each page gets a fresh context
(no cookies or storage carried from one page to the next), a deadline, and is closed however it ends.

Nothing outlives the process: Chromium runs on a pipe to Playwright's driver (a node process) and exits when
that pipe closes; the driver exits when its pipe to us closes, which the kernel does when we die, SIGKILL
included. A page that never finishes is closed at its deadline; a browser that does not answer is killed with
its driver and started afresh, as it is every `restart_after` pages (a long-lived Chromium grows).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.config import FetchSettings
from tracker.extract import decode, is_html
from tracker.fetch import USABLE_STATUSES, Attempt, FetchResult

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Playwright, Route

log = logging.getLogger(__name__)
INSTALL_HINT = "pip install playwright"  # the browser extra's one package; `tracker` on PyPI is another project
# Debian's package installs the real binary under /usr/lib and a shell wrapper in /usr/bin; the binary starts
# faster and is what Playwright expects. Other distributions name it chromium-browser.
SYSTEM_CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = (
    "--no-sandbox",  # the sandbox needs user namespaces that containers and hardened hosts often lack
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",  # /dev/shm is 64 MB in a container: a large page would crash the renderer
    "--disable-component-update",
    "--no-first-run",
)
# What never changes a page's text and costs bandwidth on the site's side: not requested at all.
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})
QUIET_MS = 500  # the DOM has not changed for this long: the scripts are done with it
SETTLE_AT_MOST = 5.0  # a page that never stops changing (a clock, a carousel) is taken as it is after this
CLOSE_WITHIN = 10.0  # seconds to close a page or the browser before the driver and its Chromium are killed

# Runs in every page before the page's own scripts: remembers when the DOM last changed.
_WATCH_MUTATIONS = """
window.__trackerLastMutation = performance.now();
new MutationObserver(() => { window.__trackerLastMutation = performance.now(); })
  .observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
"""
_USABLE_SELECTORS = """
(selectors) => selectors.filter((s) => { try { document.querySelector(s); return true; } catch (e) { return false; } })
"""
_ANY_MATCHES = """
(selectors) => selectors.length
  ? selectors.some((s) => document.querySelector(s) !== null)
  : document.readyState === 'complete'
"""
_QUIET = f"() => performance.now() - (window.__trackerLastMutation || 0) >= {QUIET_MS}"


class BrowserUnavailable(Exception):
    """No browser can be started here; the message says what to install."""


@dataclass(frozen=True)
class BrowserAttempt(Attempt):
    """One page load in Chromium; `why` says what made an `auto` document need it."""

    via: str = "browser"
    why: str | None = None


@dataclass(frozen=True)
class _Rendered:
    status: int | None
    final_url: str
    headers: dict[str, str]
    body: bytes | None
    error: str | None


def chromium_executable(configured: str | None) -> str | None:
    """The Chromium to drive: the configured one, else the system's, else None (Playwright's own download)."""
    if configured:
        if not os.access(configured, os.X_OK):
            raise BrowserUnavailable(f"fetch.browser.executable: {configured} is not an executable file")
        return configured
    return next((path for path in SYSTEM_CHROMIUM if os.access(path, os.X_OK)), None)


class BrowserFetcher:
    """Renders pages in one shared Chromium; thread-safe, started on first use, closed with `close()`."""

    def __init__(
        self,
        settings: FetchSettings,
        polite: Callable[[str], AbstractContextManager[object]] | None = None,
        allow: Callable[[str], bool] | None = None,
    ) -> None:
        """`polite(url)` holds the host's gate around each page (the HTTP Fetcher's, so both ways share it);
        `allow(url)` may refuse any request the page makes (tests keep pages on loopback with it)."""
        self.settings = settings
        self.browser_settings = settings.browser
        self._polite = polite or (lambda _url: nullcontext())
        self._allow = allow
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._slots: asyncio.Semaphore | None = None
        self._rendering = 0
        self._pages_since_launch = 0
        self._broken = False
        self._dying: list[int] = []  # the Chromium of a killed driver, which exits when it sees the pipe close
        self.launches = 0  # how many times a Chromium was started (the benchmark and the tests read it)

    def __enter__(self) -> BrowserFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- called from any thread -----------------------------------------------------------------------------

    def fetch(self, url: str, select: tuple[str, ...] = ()) -> FetchResult:
        """Load `url`, wait until one of the `select` selectors matches (or the page has loaded), and return
        the DOM as it then is, serialized as UTF-8 HTML: the raw capture of a rendered page."""
        fetched_at = datetime.now(UTC)
        started = time.monotonic()
        timeout = self.browser_settings.timeout
        try:
            loop = self._running_loop()
            with self._polite(url):
                future = asyncio.run_coroutine_threadsafe(self._render(url, select), loop)
                try:
                    rendered = future.result(timeout + 2 * CLOSE_WITHIN)
                except TimeoutError:
                    # The driver itself stopped answering: kill it (its Chromium goes with it), start afresh.
                    future.cancel()
                    self._kill_driver()
                    rendered = _failed(url, f"the browser did not answer within {timeout + 2 * CLOSE_WITHIN:.0f} s")
        except BrowserUnavailable as exc:
            rendered = _failed(url, str(exc))
        except Exception as exc:  # a hostile page must fail its check, never the daemon
            self._broken = True
            rendered = _failed(url, f"browser error: {type(exc).__name__}: {exc}")
        duration = time.monotonic() - started
        body = rendered.body
        error = rendered.error
        if body is not None and len(body) > self.settings.max_bytes:
            body, error = None, f"rendered page larger than {self.settings.max_bytes} bytes"
        return FetchResult(
            url=url,
            final_url=rendered.final_url,
            status=rendered.status,
            headers=rendered.headers,
            body=body if error is None else None,
            fetched_at=fetched_at,
            duration=duration,
            attempts=(BrowserAttempt(rendered.status, error, duration),),
            error=error,
            rendered=True,
        )

    def close(self) -> None:
        """Close the browser and its driver, and stop the thread that drives them."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._stop_browser(), loop).result(3 * CLOSE_WITHIN)
        except Exception:
            self._kill_driver()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(CLOSE_WITHIN)
        if not thread.is_alive():
            loop.close()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                try:
                    import playwright.async_api  # noqa: F401
                except ImportError:
                    raise BrowserUnavailable(f"fetching with a browser needs Playwright: {INSTALL_HINT}") from None
                loop = asyncio.new_event_loop()
                loop.set_exception_handler(_on_loop_exception)
                thread = threading.Thread(target=loop.run_forever, name="browser", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    # -- on the browser's thread ----------------------------------------------------------------------------

    async def _render(self, url: str, select: tuple[str, ...]) -> _Rendered:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.browser_settings.pages)
        async with self._slots:
            from playwright.async_api import Error as PlaywrightError

            browser = await self._ready_browser()
            self._rendering += 1
            self._pages_since_launch += 1
            try:
                return await self._load(browser, url, select)
            except PlaywrightError as exc:  # the browser died between two steps: start afresh next time
                self._broken = True
                return _failed(url, _describe(exc, self.browser_settings.timeout))
            finally:
                self._rendering -= 1

    async def _load(self, browser: Browser, url: str, select: tuple[str, ...]) -> _Rendered:
        from playwright.async_api import Error as PlaywrightError

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.browser_settings.timeout

        def left_ms() -> float:
            return max(1.0, (deadline - loop.time()) * 1000)

        status: int | None = None
        final_url, headers = url, {}
        refused: list[str] = []  # why the page itself was not let through (_serve_document)
        context = await browser.new_context(
            user_agent=self.settings.user_agent,
            extra_http_headers={"Accept-Language": self.settings.accept_language},
            locale=self.settings.accept_language.split(",")[0].split(";")[0].strip() or None,
            service_workers="block",
            accept_downloads=False,
        )
        try:
            await context.add_init_script(_WATCH_MUTATIONS)
            await context.route("**/*", lambda route: self._route(route, left_ms, refused))
            page = await context.new_page()
            try:
                response = await page.goto(url, wait_until="domcontentloaded", timeout=left_ms())
            except PlaywrightError as exc:
                error = refused[0] if refused else _describe(exc, self.browser_settings.timeout)
                return _Rendered(None, page.url or url, {}, None, error)
            if response is None:
                return _Rendered(None, page.url, {}, None, "the browser loaded no document")
            status, final_url = response.status, page.url
            headers = await response.all_headers()
            if status not in USABLE_STATUSES:
                return _Rendered(status, final_url, headers, None, f"HTTP {status}")
            if error := await self._wait_for_policy(page, select, left_ms):
                return _Rendered(status, page.url, headers, None, error)
            html = await page.content()
            return _Rendered(status, page.url, _rendered_headers(headers), html.encode("utf-8"), None)
        except PlaywrightError as exc:
            self._broken = not browser.is_connected() or self._broken
            return _Rendered(status, final_url, headers, None, _describe(exc, self.browser_settings.timeout))
        finally:
            try:
                await asyncio.wait_for(context.close(), CLOSE_WITHIN)
            except Exception:
                self._broken = True  # a page that cannot even be closed: the browser goes with it

    async def _wait_for_policy(self, page: Page, select: tuple[str, ...], left_ms: Callable[[], float]) -> str | None:
        """None once a `select` selector matches and the DOM has settled; else why not."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        # Selectors only soupsieve reads (:-soup-contains) cannot be waited for here: the page's load stands in.
        usable = await page.evaluate(_USABLE_SELECTORS, list(select))
        try:
            await page.wait_for_function(_ANY_MATCHES, arg=usable, polling=100, timeout=left_ms())
        except PlaywrightTimeout:
            timeout = self.browser_settings.timeout
            if usable:
                return f"none of the select rules appeared within {timeout:.0f} s: {', '.join(usable)}"
            return f"the page did not finish loading within {timeout:.0f} s"
        # A page still changing after SETTLE_AT_MOST is taken as it is, and the screens judge its text.
        with suppress(PlaywrightTimeout):
            await page.wait_for_function(_QUIET, polling=100, timeout=min(left_ms(), SETTLE_AT_MOST * 1000))
        return None

    async def _route(self, route: Route, left_ms: Callable[[], float], refused: list[str]) -> None:
        request = route.request
        if request.resource_type in SKIPPED_RESOURCES or (self._allow and not self._allow(request.url)):
            await route.abort("blockedbyclient")
        elif request.is_navigation_request() and request.frame.parent_frame is None:
            await self._serve_document(route, left_ms, refused)
        else:
            await route.continue_()

    async def _serve_document(self, route: Route, left_ms: Callable[[], float], refused: list[str]) -> None:
        """The page itself passes through us: capped in size, and decoded by the rule the HTTP way uses (a page
        that names no charset in its first bytes would otherwise be read as windows-1252 by Chromium and as
        UTF-8 by tracker, and a switch of way would look like a change of every accented word)."""
        response = await route.fetch(max_redirects=0, timeout=left_ms())
        body = await response.body()
        if len(body) > self.settings.max_bytes:
            refused.append(f"body larger than {self.settings.max_bytes} bytes")
            await route.abort("blockedbyclient")
            return
        # The body comes decompressed: the headers must no longer say otherwise.
        headers = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-length", "content-encoding", "transfer-encoding")
        }
        content_type = headers.get("content-type")
        if is_html(body, content_type):
            body = decode(body, content_type).encode("utf-8")
            headers["content-type"] = "text/html; charset=utf-8"
        await route.fulfill(response=response, headers=headers, body=body)

    async def _ready_browser(self) -> Browser:
        """The shared browser, started (again) when there is none, it crashed, or it has rendered enough pages."""
        browser = self._browser
        worn = self._pages_since_launch >= self.browser_settings.restart_after and self._rendering == 0
        if browser is not None and browser.is_connected() and not self._broken and not worn:
            return browser
        await self._stop_browser()
        # A killed driver's Chromium takes its time to exit on a loaded machine: two of them at once would double
        # the memory the daemon was sized for.
        dying, self._dying = self._dying, []
        await _until_gone(dying, CLOSE_WITHIN)
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        executable = chromium_executable(self.browser_settings.executable)
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=executable,
                args=[*CHROMIUM_ARGS, *self.browser_settings.args],
                headless=True,
                # Chromium lives exactly as long as the driver's pipe: no signal handling of its own.
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
                timeout=30_000,
            )
        except PlaywrightError as exc:
            await self._stop_browser()
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if executable is None and "Executable doesn't exist" in str(exc):
                raise BrowserUnavailable(
                    "no Chromium found: install the system's (Debian: apt-get install chromium) "
                    "or Playwright's (playwright install chromium)"
                ) from None
            raise BrowserUnavailable(f"Chromium did not start: {first_line}") from None
        self.launches += 1
        self._pages_since_launch = 0
        self._broken = False
        return self._browser

    async def _stop_browser(self) -> None:
        browser, driver = self._browser, self._playwright
        self._browser = self._playwright = None
        try:
            if browser is not None:
                await asyncio.wait_for(browser.close(), CLOSE_WITHIN)
            if driver is not None:
                await asyncio.wait_for(driver.stop(), CLOSE_WITHIN)
        except Exception:
            self._dying += _kill_driver_of(driver)

    def _kill_driver(self) -> None:
        driver = self._playwright
        self._playwright = self._browser = None
        self._broken = True
        self._dying += _kill_driver_of(driver)


def _kill_driver_of(driver: Playwright | None) -> list[int]:
    """SIGKILL Playwright's driver; its Chromium exits when the pipe between them closes. Returns the processes
    the driver had started (its Chromium), to wait for."""
    pid = _driver_pid(driver)
    if pid is None:
        return []
    children = _children_of(pid)
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return children


def _on_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    # A killed driver leaves its transport's error unread, which asyncio would log as an error of the daemon.
    if "closed while reading from the driver" in str(context.get("exception", "")):
        log.debug("the browser's driver went away: %s", context["exception"])
        return
    loop.default_exception_handler(context)


def _driver_pid(driver: Playwright | None) -> int | None:
    """The process of Playwright's driver. Playwright exposes no handle on it: its transport keeps it, reached from
    the connection up to 1.64 and from the client that `stop` belongs to since (a test fails when neither holds)."""
    client = getattr(getattr(driver, "stop", None), "__self__", None)
    for transport in (
        getattr(getattr(getattr(driver, "_impl_obj", None), "_connection", None), "_transport", None),
        getattr(getattr(client, "_client", None), "_transport", None),
    ):
        pid = getattr(getattr(transport, "_proc", None), "pid", None)
        if isinstance(pid, int):
            return pid
    return None


def _children_of(pid: int) -> list[int]:
    """The processes `pid` started, where /proc tells (Linux); none elsewhere, and nothing is waited for."""
    children: list[int] = []
    with suppress(OSError, ValueError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(child) for child in (task / "children").read_text().split()]
    return children


async def _until_gone(pids: list[int], within: float) -> None:
    """Wait, at most `within` seconds, until none of `pids` runs (a zombie waiting for its parent has stopped)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(_running(pid) for pid in pids):
        await asyncio.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _rendered_headers(headers: dict[str, str]) -> dict[str, str]:
    """The server's headers, corrected to describe the bytes we keep: the DOM serialized as UTF-8 HTML."""
    kept = {k: v for k, v in headers.items() if k not in ("content-length", "content-encoding", "transfer-encoding")}
    kept["content-type"] = "text/html; charset=utf-8"
    return kept


def _failed(url: str, error: str) -> _Rendered:
    return _Rendered(None, url, {}, None, error)


def _describe(exc: Exception, timeout: float) -> str:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    if isinstance(exc, PlaywrightTimeout):
        return f"the page did not load within {timeout:.0f} s"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for marker, meaning in (
        ("net::ERR_", "could not load the page"),
        ("Target page, context or browser has been closed", "the browser closed during the render (crashed?)"),
        ("Browser has been closed", "the browser closed during the render (crashed?)"),
        ("Connection closed", "the browser's driver went away during the render"),
    ):
        if marker in message:
            return f"{meaning}: {message}"
    return f"browser error: {message}"
