"""`tracker import wayback`: recorded CDX answers and real captures served on 127.0.0.1 as the Wayback Machine."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import fixture_bytes, run_tracker

from tracker.config import Document, FetchSettings, WaybackSettings
from tracker.fetch import Fetcher
from tracker.sources import import_history
from tracker.sources.wayback import WaybackMachine
from tracker.store import Store

ORIGINAL = "https://www.linkedin.com/legal/l/service-terms"
# Real captures (tests/fixtures/README.md): LinkedIn's Service Terms of 10 Nov 2022, Instagram's error page,
# then the Service Terms of 1 Feb 2023.
CAPTURES = {
    "20230314113122": fixture_bytes("linkedin-service-terms-2023-03-14.html.gz"),
    "20230320000000": fixture_bytes("instagram-error-page.html"),
    "20230406223136": fixture_bytes("linkedin-service-terms-2023-04-06.html.gz"),
}
GAP = 0.2


@dataclass
class FakeWayback:
    """The Wayback Machine's two endpoints, as recorded: the CDX API and raw `id_` captures."""

    port: int = 0
    cdx_status: int = 200
    cdx_body: bytes = b""
    captures: dict[str, bytes] = field(default_factory=dict)
    failing: dict[str, int] = field(default_factory=dict)  # timestamp: the status served instead
    requests: list[tuple[float, str]] = field(default_factory=list)
    cdx_queries: list[dict[str, list[str]]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def record_cdx(self, timestamps: list[str]) -> None:
        rows = [["timestamp", "original", "mimetype", "statuscode", "digest"]]
        rows += [[ts, ORIGINAL, "text/html", "200", f"DIGEST{ts}"] for ts in timestamps]
        self.cdx_body = json.dumps(rows).encode()


@pytest.fixture
def wayback() -> Iterator[FakeWayback]:
    fake = FakeWayback(captures=dict(CAPTURES))
    fake.record_cdx(sorted(CAPTURES))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append((time.monotonic(), self.path))
            parts = urlsplit(self.path)
            if parts.path == "/cdx/search/cdx":
                fake.cdx_queries.append(parse_qs(parts.query))
                self._answer(fake.cdx_status, fake.cdx_body, "application/json")
                return
            timestamp = parts.path.removeprefix("/web/").split("id_/", 1)[0]
            if timestamp in fake.failing:
                self._answer(fake.failing[timestamp], b"busy", "text/plain")
            elif timestamp in fake.captures:
                self._answer(200, fake.captures[timestamp], "text/html; charset=utf-8")
            else:
                self._answer(404, b"not archived", "text/plain")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


DOC = Document("linkedin", "service-terms", ORIGINAL, "LinkedIn", "Service Terms", select=("main",))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'tracker.db'}")
    yield store
    store.close()


def machine(wayback: FakeWayback, **dates: object) -> WaybackMachine:
    fetcher = Fetcher(FetchSettings(retries=1, backoff=0.01, host_gap=GAP))
    return WaybackMachine(WaybackSettings(url=wayback.url, request_gap=GAP), fetcher, **dates)  # type: ignore[arg-type]


def test_captures_become_versions_the_error_page_is_refused_and_the_rate_is_kept(
    wayback: FakeWayback, store: Store
) -> None:
    summary = import_history(DOC, store, machine(wayback))
    assert not summary.failed and summary.imported == 3 and summary.versions == 2
    assert (
        len(summary.refused) == 1 and "20230320000000" in summary.refused[0] and "not the policy" in summary.refused[0]
    )
    versions = store.versions("linkedin")
    assert [v.first_seen_at for v in versions] == [
        datetime(2023, 3, 14, 11, 31, 22, tzinfo=UTC),
        datetime(2023, 4, 6, 22, 31, 36, tzinfo=UTC),
    ]
    assert versions[1].origin == "wayback"
    assert versions[1].provenance == {
        "timestamp": "20230406223136",
        "original": ORIGINAL,
        "digest": "DIGEST20230406223136",
        "capture_url": f"{wayback.url}/web/20230406223136id_/{ORIGINAL}",
    }
    [change] = store.changes("linkedin")
    assert change.origin == "wayback" and change.detected_at == versions[1].first_seen_at
    assert store.snapshot_body(versions[0].snapshot_id) == CAPTURES["20230314113122"]  # type: ignore[arg-type]
    [query] = wayback.cdx_queries
    assert query["output"] == ["json"] and query["filter"] == ["statuscode:200"] and query["collapse"] == ["digest"]
    assert query["url"] == [ORIGINAL]
    times = [moment for moment, _ in wayback.requests]
    assert len(times) == 4 and all(later - earlier >= GAP * 0.95 for earlier, later in itertools.pairwise(times))


def test_a_second_import_asks_only_the_cdx_api_and_adds_nothing(wayback: FakeWayback, store: Store) -> None:
    import_history(DOC, store, machine(wayback))
    asked = len(wayback.requests)
    again = import_history(DOC, store, machine(wayback))
    assert again.imported == 0 and again.already_imported == 3
    assert [path.split("?")[0] for _, path in wayback.requests[asked:]] == ["/cdx/search/cdx"]


def test_a_capture_the_archive_fails_to_serve_is_read_by_the_next_import(wayback: FakeWayback, store: Store) -> None:
    wayback.failing["20230406223136"] = 503
    first = import_history(DOC, store, machine(wayback))
    assert first.failed and first.unavailable and first.imported == 2
    wayback.failing.clear()
    second = import_history(DOC, store, machine(wayback))
    assert not second.failed and second.imported == 1 and len(store.changes("linkedin")) == 1


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (429, b"slow down", "HTTP 429"),
        (503, b"down", "HTTP 503"),
        (200, b"<html>not json</html>", "did not answer JSON"),
        (200, b'{"rows": 1}', "unexpected shape"),
        (200, b'[["timestamp","original"],["2023","x"]]', "bad timestamp"),
    ],
)
def test_a_cdx_api_that_fails_or_answers_garbage_is_a_clear_failed_import(
    wayback: FakeWayback, store: Store, status: int, body: bytes, message: str
) -> None:
    wayback.cdx_status, wayback.cdx_body = status, body
    summary = import_history(DOC, store, machine(wayback))
    assert summary.failed and message in (summary.error or "")
    assert store.versions("linkedin") == []


def test_a_429_on_a_capture_stops_the_import_and_keeps_what_was_imported(wayback: FakeWayback, store: Store) -> None:
    wayback.failing["20230320000000"] = 429
    summary = import_history(DOC, store, machine(wayback))
    assert summary.failed and "HTTP 429" in (summary.error or "") and summary.imported == 1
    assert len(store.versions("linkedin")) == 1
    del wayback.failing["20230320000000"]
    resumed = import_history(DOC, store, machine(wayback))
    assert resumed.already_imported == 1 and resumed.imported == 2


def test_the_command_imports_with_the_configured_archive_and_prints_json(wayback: FakeWayback, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 'cli.db'}'}}\n"
        f"wayback: {{url: '{wayback.url}', request_gap: {GAP}}}\n"
        "fetch: {retries: 0, host_gap: 0}\n"
        f"services:\n  linkedin:\n    documents:\n      service-terms: {{url: '{ORIGINAL}', select: main}}\n"
    )
    done = run_tracker(
        "import", "wayback", "linkedin", "--from", "2023-01-01", "--to", "2023-12-31", "--json", config=config
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["origin"] == "wayback" and summary["new_versions"] == 2 and len(summary["refused"]) == 1
    assert wayback.cdx_queries[0]["from"] == ["20230101"] and wayback.cdx_queries[0]["to"] == ["20231231"]
    listed = run_tracker("changes", "linkedin", "--origin", "wayback", "--json", config=config)
    [change] = json.loads(listed.stdout)
    assert change["origin"] == "wayback" and change["observed_at"] == "2023-04-06T22:31:36+00:00"
    assert json.loads(run_tracker("changes", "--origin", "check", "--json", config=config).stdout) == []
