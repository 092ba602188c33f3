"""The browser way (`fetch: browser` and `auto`) against pages served on 127.0.0.1, with the real Chromium.

One browser serves the whole module, and every request its pages make beyond loopback is refused (page.route);
`tracker` subprocesses send theirs to a dead proxy on the test server instead. Tests that need Chromium skip,
saying why, where it or Playwright is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import REPO, PageServer, corpus_dir, fixture_bytes, run_tracker, serving_pages

from tracker.browser import BrowserFetcher, _running, chromium_executable
from tracker.check import check_document, looks_like_script_shell, needs_browser
from tracker.config import Document, FetchSettings, parse_config
from tracker.extract import Rules, extract_text
from tracker.fetch import Fetcher
from tracker.store import Store

META_CAPTURE = "facebook/privacy-policy/cote-d-ivoire/2023-06-02T043030Z.html"
META_RULES = Rules(
    select=("[id^=mount_] div:has(aside) ~ div:has([role=heading])", "[role=main]"),
    remove=("a[href*='policy/printable'], a[href*='show_versions']", ":-soup-contains-own('Chat with Meta AI')"),
)
HTML = "text/html; charset=utf-8"


def _no_browser() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    if chromium_executable(None) is None:
        return "no system Chromium here (Debian: apt-get install chromium)"
    return None


needs_chromium = pytest.mark.skipif(_no_browser() is not None, reason=str(_no_browser()))


def loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost")


def policy_text(edition: str = "first") -> str:
    return "".join(
        f"<p>Clause {n}. We collect the information you give us and how you use the service, and we use it to "
        f"provide, improve and protect the service ({edition} edition).</p>"
        for n in range(6)
    )


def scripted_page(edition: str = "first", delay_ms: int = 200) -> str:
    """A shell whose policy a script inserts after the page has loaded."""
    body = json.dumps(f"<main><h1>Terms</h1>{policy_text(edition)}</main>")
    return (
        '<html lang="en"><head><title>Terms</title></head><body><div id="root"></div>'
        f"<script>addEventListener('load', () => setTimeout(() => "
        f"{{ document.getElementById('root').innerHTML = {body}; }}, {delay_ms}));</script></body></html>"
    )


def scripted_capture(capture: bytes, rules: Rules) -> bytes:
    """A real Meta capture turned into the shell plain HTTP may get: the policy column empty, its content put
    back by a script after load. Meta's own scripts stay in the page, inert (their bundles are not served here)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(capture, "lxml")
    [column] = soup.select(rules.select[0])
    content = column.decode_contents()
    column.clear()
    column["data-policy-column"] = ""
    for script in soup.find_all("script"):
        script["type"] = "application/x-inert"
    loader = soup.new_tag("script")
    literal = json.dumps(content).replace("</", "<\\/")  # no "</script>" inside the script
    loader.string = (
        "addEventListener('load', () => setTimeout(() => { document.querySelector('[data-policy-column]')"
        f".innerHTML = {literal}; }}, 300));"
    )
    soup.body.append(loader)
    return str(soup).encode()


@pytest.fixture(scope="module")
def server() -> Iterator[PageServer]:
    with serving_pages() as pages:
        yield pages


@pytest.fixture(scope="module")
def fetch_settings() -> FetchSettings:
    return FetchSettings(retries=0, host_gap=0, max_bytes=4_000_000, browser={"timeout": 6})


@pytest.fixture(scope="module")
def fetcher(fetch_settings: FetchSettings) -> Iterator[Fetcher]:
    with Fetcher(fetch_settings) as http:
        yield http


@pytest.fixture(scope="module")
def browser(fetch_settings: FetchSettings, fetcher: Fetcher) -> Iterator[BrowserFetcher]:
    if reason := _no_browser():
        pytest.skip(reason)
    with BrowserFetcher(fetch_settings, polite=fetcher.polite, allow=loopback) as shared:
        yield shared


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{tmp_path / 'tracker.db'}")
    yield opened
    opened.close()


def document(url: str, fetch: str, rules: Rules = Rules(select=("main",)), key: str = "terms") -> Document:
    return Document("acme", key, url, "Acme", key.title(), rules.select, rules.remove, fetch=fetch)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def meta_page() -> tuple[bytes, str]:
    """The scripted Meta page and the text its capture extracts to."""
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("the shared corpus is not on this machine (set TRACKER_CORPUS)")
    capture = (corpus / META_CAPTURE).read_bytes()
    return scripted_capture(capture, META_RULES), extract_text(capture, HTML, META_RULES)


# -- a page that scripts build --------------------------------------------------------------------------


def test_a_meta_policy_that_scripts_insert_is_refused_over_plain_http(
    server: PageServer, fetcher: Fetcher, store: Store, meta_page: tuple[bytes, str]
) -> None:
    url = server.serve("/meta-http", meta_page[0])
    result = check_document(document(url, "http", META_RULES), store, fetcher)
    assert result.outcome == "failed"
    assert "none of the select rules matched" in (result.reason or "")
    assert store.versions("acme") == []


@needs_chromium
def test_fetch_browser_stores_exactly_the_text_the_capture_extracts_to(
    server: PageServer, fetcher: Fetcher, browser: BrowserFetcher, store: Store, meta_page: tuple[bytes, str]
) -> None:
    page, expected = meta_page
    url = server.serve("/meta-browser", page)
    result = check_document(document(url, "browser", META_RULES), store, fetcher, browser=browser)
    assert result.outcome == "first_version", result.reason
    assert result.rendered
    [version] = store.versions("acme")
    assert store.version_text(version.id) == expected
    snapshot = store.snapshot(version.snapshot_id or 0)
    assert snapshot.fetch_path == "browser"
    assert snapshot.raw_sha256 == hashlib.sha256(store.snapshot_body(snapshot.id)).hexdigest()
    # The capture is the DOM after the script ran: the policy is in the raw bytes kept for citation.
    assert b"data-policy-column" in store.snapshot_body(snapshot.id)
    assert expected.splitlines()[0].encode() in store.snapshot_body(snapshot.id)


@needs_chromium
def test_fetch_auto_renders_a_script_shell_and_history_says_so(
    server: PageServer, tmp_path: Path, meta_page: tuple[bytes, str]
) -> None:
    page, expected = meta_page
    url = server.serve("/meta-auto", page)
    database = f"sqlite:///{tmp_path / 'tracker.db'}"
    config = write_config(tmp_path, database, server, {"privacy-policy": {"url": url, "fetch": "auto"}}, META_RULES)
    checked = run_tracker("check", "--json", config=config)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["rendered"] is True
    history = run_tracker("history", "acme", "--json", config=config)
    [version] = json.loads(history.stdout)
    assert version["snapshot"]["fetch_path"] == "browser"
    store = Store(database)
    try:
        assert store.version_text(version["version"]) == expected
        [check] = store.checks("acme")
        assert check.fetch_path == "browser"
    finally:
        store.close()
    # Both ways are on record: the plain request, then the render and why it was needed.
    attempts = _attempts(database)
    assert [attempt.get("via", "http") for attempt in attempts] == ["http", "browser"]
    assert "none of the select rules matched the page as served" in attempts[1]["why"]


@needs_chromium
def test_fetch_auto_reads_a_page_as_served_when_the_rules_find_the_policy(
    server: PageServer, fetcher: Fetcher, browser: BrowserFetcher, store: Store
) -> None:
    launches = browser.launches
    url = server.serve("/plain", f"<html><body><main><h1>Terms</h1>{policy_text()}</main></body></html>")
    result = check_document(document(url, "auto"), store, fetcher, browser=browser)
    assert result.outcome == "first_version"
    assert not result.rendered
    assert browser.launches == launches


# -- failures -------------------------------------------------------------------------------------------------


@needs_chromium
def test_a_page_whose_scripts_never_finish_fails_at_the_timeout_and_the_next_document_is_checked(
    server: PageServer, fetcher: Fetcher, browser: BrowserFetcher, store: Store
) -> None:
    stuck = server.serve("/stuck", "<html><body><p>Loading</p><script>while (true) {}</script></body></html>")
    never = server.serve("/never", "<html><body><p>Loading</p><script>setInterval(() => {}, 50)</script></body>")
    fine = server.serve("/fine", scripted_page())
    started = time.monotonic()
    results = [
        check_document(document(stuck, "browser", key="stuck"), store, fetcher, browser=browser),
        check_document(document(never, "browser", key="never"), store, fetcher, browser=browser),
        check_document(document(fine, "browser", key="fine"), store, fetcher, browser=browser),
    ]
    assert [result.outcome for result in results] == ["failed", "failed", "first_version"]
    assert "did not load within 6 s" in (results[0].reason or "")
    assert "none of the select rules appeared within 6 s: main" in (results[1].reason or "")
    assert time.monotonic() - started < 60  # a bound, not a measurement: nothing waited for ever
    assert [check.outcome for check in store.checks("acme", "stuck")] == ["failed"]


@needs_chromium
def test_a_browser_killed_mid_render_is_a_failed_check_and_the_next_check_starts_another(
    server: PageServer, fetcher: Fetcher, browser: BrowserFetcher, store: Store
) -> None:
    slow = server.serve("/slow", scripted_page(delay_ms=4000))
    check_document(
        document(server.serve("/warm", scripted_page()), "browser", key="warm"), store, fetcher, browser=browser
    )
    launches = browser.launches

    def kill_chromium() -> None:
        time.sleep(1.0)
        for pid in chromium_processes(os.getpid(), main_only=True):
            os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_chromium)
    killer.start()
    result = check_document(document(slow, "browser", key="slow"), store, fetcher, browser=browser)
    killer.join()
    assert result.outcome == "failed"
    assert "browser" in (result.reason or "")
    again = check_document(
        document(server.serve("/after", scripted_page()), "browser", key="after"), store, fetcher, browser=browser
    )
    assert again.outcome == "first_version", again.reason
    assert browser.launches == launches + 1


@needs_chromium
def test_a_killed_driver_s_chromium_is_gone_before_the_next_one_starts(
    server: PageServer, fetcher: Fetcher, browser: BrowserFetcher, store: Store
) -> None:
    # What the fetch does when the driver stops answering: kill it, then start afresh on the next page. The
    # killed driver's Chromium exits on its own, when it sees its pipe close; the next one waits for that.
    check_document(
        document(server.serve("/before", scripted_page()), "browser", key="before"), store, fetcher, browser=browser
    )
    (old,) = chromium_processes(os.getpid(), main_only=True)
    seen: list[tuple[bool, list[int]]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            newer = [pid for pid in chromium_processes(os.getpid(), main_only=True) if pid != old]
            seen.append((_running(old), newer))
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        browser._kill_driver()
        again = check_document(
            document(server.serve("/again", scripted_page()), "browser", key="again"), store, fetcher, browser=browser
        )
    finally:
        done.set()
        watcher.join()
    assert again.outcome == "first_version", again.reason
    assert any(newer for _, newer in seen), "the watcher never saw the new Chromium"
    assert not [newer for alive, newer in seen if alive and newer], "two Chromiums ran at once"


@needs_chromium
def test_a_rendered_page_larger_than_max_bytes_is_refused(
    server: PageServer, fetcher: Fetcher, browser: BrowserFetcher, store: Store
) -> None:
    padding = json.dumps("<p>" + "policy text " * 400_000 + "</p>")  # ~4.8 MB once the script has run
    page = (
        f"<html><body><main id=m>{policy_text()}</main><script>addEventListener('load', () => "
        f"document.getElementById('m').insertAdjacentHTML('beforeend', {padding}));</script></body></html>"
    )
    result = check_document(document(server.serve("/huge", page), "browser"), store, fetcher, browser=browser)
    assert result.outcome == "failed"
    assert "larger than 4000000 bytes" in (result.reason or "")


def test_without_playwright_a_browser_document_is_a_failed_check_that_says_what_to_install(
    server: PageServer, fetcher: Fetcher, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "playwright.async_api", None)  # import fails as if it were not installed
    config = parse_config("services: {acme: {documents: {terms: {url: 'https://example.org/t', fetch: browser}}}}")
    assert next(config.documents()).fetch == "browser"
    url = server.serve("/nobrowser", scripted_page())
    with BrowserFetcher(fetcher.settings) as browser:
        result = check_document(document(url, "browser"), store, fetcher, browser=browser)
    assert result.outcome == "failed"
    assert result.reason == "fetching with a browser needs Playwright: pip install playwright"


def test_an_unknown_way_to_fetch_is_a_config_error_with_its_line() -> None:
    from tracker.config import ConfigError

    source = (
        "services:\n  acme:\n    documents:\n      terms:\n        url: https://example.org/t\n        fetch: chrome\n"
    )
    with pytest.raises(ConfigError, match=r"line 6, key 'services.acme.documents.terms.fetch'"):
        parse_config(source)


@needs_chromium
def test_the_browser_keeps_the_host_gap_of_the_http_fetcher(
    server: PageServer, fetcher: Fetcher, browser: BrowserFetcher
) -> None:
    url = server.serve("/gap", scripted_page())
    original = fetcher.settings
    fetcher.settings = replace(original, host_gap=1.5)
    try:
        fetcher.fetch(url)
        started = time.monotonic()
        rendered = browser.fetch(url, ("main",))
        assert time.monotonic() - started >= 1.5
    finally:
        fetcher.settings = original
    assert rendered.ok


# -- recognising a script shell (no browser needed) ---------------------------------------------------------


def test_an_empty_app_root_with_scripts_looks_like_a_shell() -> None:
    reason = looks_like_script_shell(scripted_page().encode())
    assert reason is not None and "id=root" in reason


def test_a_page_with_its_text_does_not_look_like_a_shell() -> None:
    page = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")
    assert looks_like_script_shell(page) is None
    plain = f"<html><body><main>{policy_text()}</main><script>track()</script></body></html>".encode()
    assert looks_like_script_shell(plain) is None


def test_a_shell_whose_rules_match_is_read_as_served() -> None:
    shell_with_policy = f"<html><body><div id=app></div><main>{policy_text()}</main><script>x()</script></body></html>"
    assert needs_browser(shell_with_policy.encode(), HTML, Rules(select=("main",))) is None
    reason = needs_browser(scripted_page().encode(), HTML, Rules(select=("main",)))
    assert reason is not None and reason.startswith("none of the select rules matched the page as served")


def test_unclosed_script_tags_do_not_make_the_shell_test_slow() -> None:
    hostile = b"<html><body>" + b"<script>" * 200_000
    assert looks_like_script_shell(hostile) is None  # no script element ever ends: nothing to measure


# -- no Chromium left behind -----------------------------------------------------------------------------------


def chromium_processes(ancestor: int | None = None, *, mark: str | None = None, main_only: bool = False) -> list[int]:
    """Live Chromium processes descending from `ancestor`, or carrying `mark` in their environment."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if mark is not None and f"TRACKER_TEST_MARK={mark}".encode() not in (entry / "environ").read_bytes():
                continue
        except OSError:
            continue
        if state == "Z" or b"chrom" not in command[0]:
            continue
        # The browser itself: not its helpers (--type=renderer, gpu-process, ...) nor its crash reporter, nor a
        # helper it has forked and not yet exec'd (which still shows the browser's own command line: on a loaded
        # machine that moment is long enough to be seen).
        helper = any(arg.startswith(b"--type=") for arg in command)
        if main_only and (helper or Path(command[0].decode()).name != "chromium" or _forked_by_chromium(entry)):
            continue
        if ancestor is not None and not _descends(int(entry.name), ancestor):
            continue
        found.append(int(entry.name))
    return found


def _forked_by_chromium(entry: Path) -> bool:
    parent = _parent(int(entry.name))
    try:
        return Path((Path("/proc") / str(parent) / "cmdline").read_bytes().split(b"\0")[0].decode()).name == "chromium"
    except (OSError, UnicodeDecodeError):
        return False


def _descends(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = _parent(pid)
    return False


def _parent(pid: int) -> int:
    """The parent of a process, 0 once it is gone."""
    try:
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


@needs_chromium
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_after_50_browser_checks_and_the_end_of_the_daemon_no_chromium_remains(
    server: PageServer, tmp_path: Path, stop: signal.Signals
) -> None:
    documents = {
        f"doc-{n}": {"url": server.serve(f"/daemon-{n}", scripted_page(f"e{n}")), "fetch": "browser"} for n in range(8)
    }
    database = f"sqlite:///{tmp_path / 'tracker.db'}"
    config = write_config(
        tmp_path,
        database,
        server,
        documents,
        Rules(select=("main",)),
        schedule="1s",
        browser={"restart_after": 20, "timeout": 15},
        daemon={"max_concurrent_checks": 4, "shutdown_timeout": 5},
    )
    mark = uuid.uuid4().hex
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    environment.update({"TRACKER_CONFIG": str(config), "PYTHONPATH": str(REPO), "TRACKER_TEST_MARK": mark})
    log = (tmp_path / "daemon.log").open("wb")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "daemon", "--log-json"], stdout=log, stderr=log, env=environment
    )
    most_browsers = 0
    try:
        deadline = time.monotonic() + 240
        while (done := _browser_checks(database)) < 50:
            assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()[-3000:]
            assert time.monotonic() < deadline, f"only {done} browser checks in 240 s"
            most_browsers = max(most_browsers, len(chromium_processes(mark=mark, main_only=True)))
            time.sleep(0.2)
        assert chromium_processes(mark=mark), "the test cannot see the daemon's Chromium"
        daemon.send_signal(stop)
        daemon.wait(30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(10)
        log.close()
    deadline = time.monotonic() + 15
    while (left := chromium_processes(mark=mark)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == [], f"Chromium processes left behind: {left}"
    assert most_browsers == 1  # one browser for the whole daemon (restarted in place, never doubled)
    store = Store(database)
    try:
        checks = store.checks("acme", limit=1000)
    finally:
        store.close()
    succeeded = [check for check in checks if check.outcome != "failed"]
    assert len(succeeded) >= 45, [check.reason for check in checks if check.outcome == "failed"][:5]


# -- helpers --------------------------------------------------------------------------------------------------


def write_config(
    tmp_path: Path,
    database: str,
    server: PageServer,
    documents: dict[str, dict[str, str]],
    rules: Rules,
    *,
    schedule: str = "6h",
    browser: dict[str, object] | None = None,
    daemon: dict[str, object] | None = None,
) -> Path:
    # Chromium in a tracker subprocess sends every request beyond loopback to the test server as a proxy,
    # which answers none of them: nothing leaves the machine.
    proxy = [f"--proxy-server=http://127.0.0.1:{server.port}"]
    settings = {
        "database": {"url": database},
        "schedule": schedule,
        "fetch": {"retries": 0, "host_gap": 0, "browser": {"timeout": 20, "args": proxy, **(browser or {})}},
        "daemon": daemon or {},
        "services": {
            "acme": {
                "name": "Acme",
                "documents": {
                    key: {**doc, "select": list(rules.select), "remove": list(rules.remove)}
                    for key, doc in documents.items()
                },
            }
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def _browser_checks(database: str) -> int:
    store = Store(database, migrate=False)
    try:
        return sum(1 for check in store.checks("acme", limit=1000) if check.fetch_path == "browser")
    except Exception:
        return 0  # the daemon has not created the schema yet
    finally:
        store.close()


def _attempts(database: str) -> list[dict[str, object]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            [raw] = connection.execute(text("SELECT attempts FROM checks")).scalars().all()
    finally:
        engine.dispose()
    return json.loads(raw) if isinstance(raw, str) else raw
