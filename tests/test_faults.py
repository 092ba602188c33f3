"""Hostile responses are normal input: each is a failed check on record with its reason, and the run goes on.

One `tracker check` runs over a config in which every hostile document is followed by a document serving a real
capture (LinkedIn's Service Terms, tests/fixtures/README.md): each case then asserts what is on record for its
pair. The server is tests/fault_server.py, which writes raw bytes where http.server would refuse to.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import brotli
import httpx
import pytest
import yaml
from conftest import PageServer, fixture_bytes, run_tracker
from fault_server import Fault, FaultServer, drip, reset, response, serving_faults

from tracker.check import check_document
from tracker.config import ChecksSettings, Document, FetchSettings
from tracker.extract import extract_text
from tracker.fetch import Fetcher
from tracker.store import Store

POLICY = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")
DEADLINE = 4.0  # checks.deadline in these configs: the slow drip ends there


@dataclass(frozen=True)
class Case:
    fault: Fault
    reason: str  # in the failed check's reason


def _cases() -> dict[str, Case]:
    bomb = b"\0" * (25 * 1024 * 1024)  # over the default max_bytes of 20 MiB once decompressed
    return {
        # Were tracebacks that stopped the run (issue 10).
        "gzip-not-compressed": Case(response(POLICY, Content_Encoding="gzip"), "not valid gzip"),
        "deflate-not-compressed": Case(response(POLICY, Content_Encoding="deflate"), "not valid deflate"),
        "br-not-compressed": Case(response(POLICY, Content_Encoding="br"), "not valid br"),
        "retry-after-superscript": Case(response(b"busy", "503 Service Unavailable", Retry_After="²"), "HTTP 503"),
        "retry-after-junk": Case(response(b"", "429 Too Many Requests", Retry_After="-1e9; soon"), "HTTP 429"),
        "redirect-to-data": Case(
            response(b"", "302 Found", Location="data:text/html,<h1>Privacy</h1>"), "redirected to a data: URL"
        ),
        "redirect-to-javascript": Case(
            response(b"", "301 Moved Permanently", Location="javascript:alert(1)"), "redirected to a javascript: URL"
        ),
        "nul-in-text": Case(
            response(b"Privacy Policy\x00\x00" + POLICY, content_type="text/plain; charset=utf-8"), "binary data"
        ),
        # Refused by the caps (tracker/extract.py) before they cost minutes and gigabytes.
        "million-elements": Case(response(b"<html><body>" + b"<b>x</b>" * 1_000_000), "tags, more than"),
        "huge-text": Case(response(b"policy " * 400_000, content_type="text/plain"), "characters of text, more than"),
        # Handled before: kept here so that they stay handled.
        "server-error": Case(response(b"oops", "500 Internal Server Error"), "HTTP 500"),
        "too-many-requests": Case(response(b"", "429 Too Many Requests", Retry_After="0"), "HTTP 429"),
        "gzip-bomb": Case(response(gzip.compress(bomb), Content_Encoding="gzip"), "larger than"),
        "brotli-bomb": Case(response(brotli.compress(bomb), Content_Encoding="br"), "larger than"),
        "gzip-cut-short": Case(response(zlib.compress(POLICY)[:5000], Content_Encoding="deflate"), "cut short"),
        "redirect-loop": Case(response(b"", "302 Found", Location="/faults/redirect-loop"), "redirects"),
        "slow-drip": Case(drip(), "ran out of time"),
        "connection-reset": Case(reset(), "127.0.0.1"),
        "body-cut-short": Case(response(POLICY[:1000], Content_Length=str(len(POLICY))), "truncated"),
    }


CASES = _cases()


@dataclass(frozen=True)
class Run:
    config: Path
    database_url: str
    returncode: int
    output: str


def _write_config(directory: Path, server: FaultServer, database_url: str, cases: dict[str, Case]) -> Path:
    documents: dict[str, dict[str, str]] = {}
    for name, case in cases.items():
        documents[name] = {"url": server.add(f"/faults/{name}", case.fault)}
        documents[f"{name}-next"] = {"url": server.add(f"/policy/{name}", response(POLICY))}
    config = {
        "database": {"url": database_url},
        "fetch": {"retries": 1, "backoff": 0.01, "host_gap": 0, "read_timeout": 2},
        "checks": {"deadline": DEADLINE},
        "services": {"hostile": {"documents": documents}},
    }
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    directory = tmp_path_factory.mktemp("faults")
    database_url = f"sqlite:///{directory / 'tracker.db'}"
    with serving_faults() as server:
        config = _write_config(directory, server, database_url, CASES)
        result = run_tracker("check", config=config, timeout=300)
    yield Run(config, database_url, result.returncode, result.stdout + result.stderr)


def _assert_refused_and_next_checked(store: Store, name: str, reason: str) -> None:
    [check] = store.checks("hostile", name)
    assert check.outcome == "failed" and reason in (check.reason or ""), (name, check.reason)
    assert store.versions("hostile", name) == [] and store.changes("hostile", name) == []
    [following] = store.checks("hostile", f"{name}-next")
    assert following.outcome == "first_version", following.reason


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_response_is_a_failed_check_with_its_reason_and_the_next_document_is_checked(
    run: Run, name: str
) -> None:
    store = Store(run.database_url, create=False)
    try:
        _assert_refused_and_next_checked(store, name, CASES[name].reason)
    finally:
        store.close()
    assert CASES[name].reason in run.output  # and printed, on the document's own line


def test_tracker_check_and_status_exit_1_after_hostile_responses(run: Run) -> None:
    assert run.returncode == 1, run.output
    status = run_tracker("status", config=run.config)
    assert status.returncode == 1, status.stdout + status.stderr


def test_a_nul_byte_in_a_text_page_is_refused_or_dropped_on_every_database(tmp_path: Path, database_url: str) -> None:
    # A NUL past the part browsers sniff: read as text, the NUL dropped (PostgreSQL's text columns refuse it).
    late_nul = b"Privacy Policy. " * 200 + b"\x00" + b"We keep your data safe. " * 50
    cases = {
        "nul-in-text": CASES["nul-in-text"],
        "late-nul": Case(response(late_nul, content_type="text/plain"), ""),
    }
    with serving_faults() as server:
        config = _write_config(tmp_path, server, database_url, cases)
        result = run_tracker("check", config=config)
    assert result.returncode == 1, result.stdout + result.stderr
    store = Store(database_url, create=False)
    try:
        _assert_refused_and_next_checked(store, "nul-in-text", "binary data")
        [late] = store.checks("hostile", "late-nul")
        assert late.outcome == "first_version", late.reason
        assert "\x00" not in (store.document_state("hostile", "late-nul").latest_text or "x\x00")
    finally:
        store.close()


def test_a_pages_terminal_escapes_never_reach_the_store_or_the_terminal(tmp_path: Path, database_url: str) -> None:
    # A page that, printed raw, would hide its new sentence (ESC[8m: concealed) and clear the screen.
    hostile = POLICY.replace(b"</p>", b"</p><p>\x1b[8mWe train AI models on your posts.\x1b[0m\x1b[2J</p>", 1)
    with serving_faults() as server:
        url = server.add("/faults/escapes", response(POLICY))
        config = _write_config(tmp_path, server, database_url, {})
        settings = yaml.safe_load(config.read_text())
        settings["services"] = {"hostile": {"documents": {"escapes": {"url": url}}}}
        config.write_text(yaml.safe_dump(settings))
        assert run_tracker("check", config=config).returncode == 0
        server.add("/faults/escapes", response(hostile))
        result = run_tracker("check", config=config)
    assert result.returncode == 0, result.stdout + result.stderr
    store = Store(database_url, create=False)
    try:
        text = store.document_state("hostile", "escapes").latest_text or ""
    finally:
        store.close()
    assert "We train AI models on your posts." in text and "\x1b" not in text
    piped = run_tracker("diff", "hostile", "-d", "escapes", config=config)
    assert piped.returncode == 0 and "We train AI models on your posts." in piped.stdout
    assert "\x1b" not in piped.stdout + piped.stderr
    coloured = run_tracker("diff", "hostile", "-d", "escapes", config=config, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert coloured.returncode == 0 and "\x1b[" in coloured.stdout  # tracker's own colours, and only those
    assert "\x1b[8m" not in coloured.stdout and "\x1b[2J" not in coloured.stdout


# -- the last resort: an error no stage expected ---------------------------------------------------------------


def _exploding(request: httpx.Request) -> httpx.Response:
    raise KeyError("a bug in a stage, not a page")


def test_an_unexpected_error_in_a_check_is_a_failed_check_naming_it(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'tracker.db'}")
    document = Document("acme", "terms", "http://127.0.0.1:9/terms", "Acme", "Terms")
    with Fetcher(FetchSettings(retries=0), transport=httpx.MockTransport(_exploding)) as fetcher:
        result = check_document(document, store, fetcher, ChecksSettings())
    assert result.failed and result.reason == "the check failed unexpectedly: KeyError: 'a bug in a stage, not a page'"
    [check] = store.checks("acme", "terms")
    assert (check.outcome, check.refusal, check.reason) == ("failed", "error", result.reason)
    store.close()


# -- linear text handling ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["[" * 200_000, "![" * 100_000, "[a](" * 50_000, "[a](x(" * 40_000])
def test_a_page_of_brackets_is_read_in_one_pass(text: str) -> None:
    # Quadratic before (267 s of CPU on 200,000 "["); this test would take minutes if it came back.
    assert extract_text(text.encode(), "text/plain") == text


# -- two processes at once -----------------------------------------------------------------------------------


def _at_once(config: Path, runs: int = 3) -> list[str]:
    """`tracker check` started `runs` times together; each must end well (run_tracker refuses tracebacks)."""
    with ThreadPoolExecutor(runs) as pool:
        results = list(pool.map(lambda _: run_tracker("check", config=config), range(runs)))
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
    return [result.stdout for result in results]


# PostgreSQL, where the race was seen (UniqueViolation); SQLite's loser waits for the winner the same way.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_checks_at_once_create_the_schema_once_and_record_one_change(
    tmp_path: Path, page_server: PageServer, database_url: str
) -> None:
    config = tmp_path / "config.yaml"
    url = page_server.serve("/terms", POLICY)
    settings = {"database": {"url": database_url}, "fetch": {"host_gap": 0}}
    config.write_text(yaml.safe_dump({**settings, "services": {"acme": {"documents": {"terms": {"url": url}}}}}))
    # An empty database: both processes create the schema (PostgreSQL: one waits on the other's lock).
    _at_once(config)
    page_server.serve("/terms", fixture_bytes("linkedin-service-terms-2023-04-06.html.gz"))
    outputs = _at_once(config)
    assert not any("change None" in output for output in outputs), outputs
    store = Store(database_url, create=False)
    try:
        assert len(store.versions("acme", "terms")) == 2 and len(store.changes("acme", "terms")) == 1
    finally:
        store.close()


def test_in_the_daemon_an_unexpected_error_makes_the_document_failing(tmp_path: Path) -> None:
    from tracker.config import parse_config
    from tracker.scheduler import CheckDeadline, CheckRunner
    from tracker.status import document_health

    config = parse_config(
        f"database: {{url: 'sqlite:///{tmp_path}/tracker.db'}}\n"
        "services: {acme: {documents: {terms: {url: 'http://127.0.0.1:9/terms'}}}}\n"
    )
    store = Store(config.database_url)
    with Fetcher(FetchSettings(retries=0), transport=httpx.MockTransport(_exploding)) as fetcher:
        runner = CheckRunner(config, store, fetcher, CheckDeadline(60), threading.Event())
        [document] = config.documents()
        runner.check(document)
    [health] = document_health(config, store)
    assert health.failing and health.consecutive_failures == 1
    assert "KeyError" in (store.checks("acme", "terms")[0].reason or "")
    store.close()
