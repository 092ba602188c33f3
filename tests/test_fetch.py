"""Fetching against a real HTTP server on 127.0.0.1: retries, Retry-After, size caps, redirects, politeness."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import brotli
import httpx
import pytest
from conftest import PageServer

from tracker.config import FetchSettings
from tracker.fetch import Fetcher, Validators, parse_retry_after


def fast_settings(**overrides: object) -> FetchSettings:
    values = {"retries": 2, "backoff": 0.01, "host_gap": 0, "connect_timeout": 2, "read_timeout": 2}
    values.update(overrides)
    return FetchSettings(**values)


class RecordingSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def test_a_page_is_fetched_with_an_honest_user_agent(page_server: PageServer) -> None:
    url = page_server.serve("/p", "<html><body>policy</body></html>")
    with Fetcher(fast_settings()) as fetcher:
        result = fetcher.fetch(url)
    assert result.ok and result.status == 200 and result.body == b"<html><body>policy</body></html>"
    assert result.content_type == "text/html; charset=utf-8"
    assert "tracker" in page_server.requests[0][1]["user-agent"]
    assert len(result.attempts) == 1 and result.attempts[0].status == 200


def test_503_is_retried_and_a_lasting_503_is_a_failure_with_every_attempt_recorded(page_server: PageServer) -> None:
    url = page_server.serve("/p", "busy", status=503)
    sleep = RecordingSleep()
    with Fetcher(fast_settings(retries=2), sleep=sleep) as fetcher:
        result = fetcher.fetch(url)
    assert not result.ok and result.error == f"HTTP 503 Service Unavailable from {page_server.host}:{page_server.port}"
    assert result.body is None
    assert [a.status for a in result.attempts] == [503, 503, 503]
    assert page_server.count("/p") == 3 and len(sleep.calls) == 2


def test_429_retry_after_in_seconds_is_honoured(page_server: PageServer) -> None:
    url = page_server.serve("/p", "slow down", status=429, headers={"Retry-After": "7"})
    sleep = RecordingSleep()
    with Fetcher(fast_settings(retries=1), sleep=sleep) as fetcher:
        result = fetcher.fetch(url)
    assert sleep.calls == [7.0]
    assert result.error == f"HTTP 429 Too Many Requests from 127.0.0.1:{page_server.port}"


def test_a_retry_after_longer_than_we_wait_ends_the_check_at_once(page_server: PageServer) -> None:
    url = page_server.serve("/p", "come back tomorrow", status=429, headers={"Retry-After": "86400"})
    sleep = RecordingSleep()
    with Fetcher(fast_settings(retries=3, max_retry_after=60), sleep=sleep) as fetcher:
        result = fetcher.fetch(url)
    assert sleep.calls == [] and page_server.count("/p") == 1
    assert "86400" in (result.error or "")


def test_retry_after_as_an_http_date() -> None:
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= (parse_retry_after(in_a_minute) or 0) <= 60
    assert parse_retry_after("not a date") is None


def test_a_server_that_recovers_is_fetched_on_retry(page_server: PageServer) -> None:
    url = page_server.serve("/p", "busy", status=503)
    sleep_calls = []

    def sleep_then_recover(seconds: float) -> None:
        sleep_calls.append(seconds)
        page_server.serve("/p", "<p>back</p>")

    with Fetcher(fast_settings(), sleep=sleep_then_recover) as fetcher:
        result = fetcher.fetch(url)
    assert result.ok and result.body == b"<p>back</p>" and len(result.attempts) == 2


def test_a_404_is_not_retried(page_server: PageServer) -> None:
    with Fetcher(fast_settings()) as fetcher:
        result = fetcher.fetch(page_server.url("/missing"))
    assert (
        result.error == f"HTTP 404 Not Found from 127.0.0.1:{page_server.port}" and page_server.count("/missing") == 1
    )


def test_a_gzip_bomb_is_refused_by_its_decompressed_size(page_server: PageServer) -> None:
    bomb = gzip.compress(b"A" * (5 * 1024 * 1024))  # 5 KB on the wire, 5 MB unpacked
    url = page_server.serve("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    with Fetcher(fast_settings(max_bytes=1024 * 1024)) as fetcher:
        result = fetcher.fetch(url)
    assert not result.ok and "larger than 1048576 bytes" in (result.error or "")
    assert result.body is None


def test_redirects_are_followed_and_bounded(page_server: PageServer) -> None:
    page_server.serve("/old", b"", status=301, headers={"Location": "/new"})
    page_server.serve("/new", "<p>moved here</p>")
    page_server.serve("/loop", b"", status=302, headers={"Location": "/loop"})
    with Fetcher(fast_settings(max_redirects=3)) as fetcher:
        moved = fetcher.fetch(page_server.url("/old"))
        loop = fetcher.fetch(page_server.url("/loop"))
    assert moved.ok and moved.final_url == page_server.url("/new")
    assert not loop.ok and "more than 3 redirects" in (loop.error or "")


def test_an_unchanged_page_costs_a_304(page_server: PageServer) -> None:
    url = page_server.serve("/p", "<p>policy</p>")
    with Fetcher(fast_settings()) as fetcher:
        first = fetcher.fetch(url)
        second = fetcher.fetch(url, Validators(etag=first.headers["etag"]))
    assert second.not_modified and second.ok and second.body == b""
    assert page_server.requests[-1][1]["if-none-match"] == first.headers["etag"]


def test_a_refused_connection_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleep = RecordingSleep()
    with Fetcher(fast_settings(retries=1), sleep=sleep) as fetcher:
        result = fetcher.fetch(f"http://127.0.0.1:{port}/p")
    assert not result.ok and result.status is None and result.error == f"127.0.0.1:{port} refused the connection"
    assert len(result.attempts) == 2 and len(sleep.calls) == 1


def test_a_body_cut_short_is_a_failure_not_a_page() -> None:
    """The server promises 10 000 bytes and closes after 100: a truncated capture must never be stored."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]

    def serve_truncated() -> None:
        for _ in range(3):
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.recv(4096)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10000\r\n\r\n" + b"x" * 100
            )
            connection.close()

    threading.Thread(target=serve_truncated, daemon=True).start()
    with Fetcher(fast_settings(retries=0)) as fetcher:
        result = fetcher.fetch(f"http://127.0.0.1:{port}/p")
    listener.close()
    assert not result.ok and result.body is None
    assert "truncated" in (result.error or "") or "protocol" in (result.error or "")


def test_one_request_at_a_time_per_host_with_a_gap(page_server: PageServer) -> None:
    url = page_server.serve("/p", "<p>x</p>")
    with Fetcher(fast_settings(host_gap=0.3)) as fetcher:
        started = time.monotonic()
        threads = [threading.Thread(target=fetcher.fetch, args=(url,)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        elapsed = time.monotonic() - started
    # Three requests with a 0.3 s gap between them cannot take less than 0.6 s (a lower bound, not a speed test).
    assert page_server.count("/p") == 3 and elapsed >= 0.6


@pytest.mark.parametrize("value", ["5", " 5 "])
def test_retry_after_in_seconds(value: str) -> None:
    assert parse_retry_after(value) == 5.0


def test_gzip_and_brotli_bodies_are_decoded(page_server: PageServer) -> None:
    page = b"<p>" + b"policy text " * 1000 + b"</p>"
    gz = page_server.serve("/gz", gzip.compress(page), headers={"Content-Encoding": "gzip"})
    br = page_server.serve("/br", brotli.compress(page), headers={"Content-Encoding": "br"})
    with Fetcher(fast_settings()) as fetcher:
        assert fetcher.fetch(gz).body == page
        assert fetcher.fetch(br).body == page
    assert "br" in page_server.requests[0][1]["accept-encoding"]


def test_a_brotli_bomb_is_stopped_at_the_cap(page_server: PageServer) -> None:
    bomb = brotli.compress(b"\0" * (32 * 1024 * 1024), quality=1)  # a few KB that unpack to 32 MB
    url = page_server.serve("/bomb", bomb, headers={"Content-Encoding": "br"})
    with Fetcher(fast_settings(max_bytes=1024 * 1024)) as fetcher:
        result = fetcher.fetch(url)
    assert not result.ok and "larger than 1048576 bytes" in (result.error or "")


def test_a_compressed_body_cut_short_is_refused(page_server: PageServer) -> None:
    packed = gzip.compress(("<p>" + "clause " * 5000 + "</p>").encode())
    url = page_server.serve("/cut", packed[: int(len(packed) * 0.7)], headers={"Content-Encoding": "gzip"})
    with Fetcher(fast_settings(retries=0)) as fetcher:
        result = fetcher.fetch(url)
    assert not result.ok and result.body is None and "cut short" in (result.error or "")


def test_stacked_or_unknown_encodings_are_refused(page_server: PageServer) -> None:
    twice = gzip.compress(gzip.compress(b"<p>x</p>"))
    url = page_server.serve("/twice", twice, headers={"Content-Encoding": "gzip, gzip"})
    with Fetcher(fast_settings(retries=0)) as fetcher:
        result = fetcher.fetch(url)
    assert not result.ok and "unsupported Content-Encoding" in (result.error or "")


def test_a_partial_response_is_not_a_page(page_server: PageServer) -> None:
    url = page_server.serve("/partial", "<p>half a pol", status=206)
    with Fetcher(fast_settings(retries=0)) as fetcher:
        result = fetcher.fetch(url)
    assert not result.ok and result.error == f"HTTP 206 Partial Content from 127.0.0.1:{page_server.port}"
    assert result.body is None


def test_each_redirect_hop_waits_its_own_hosts_gap(page_server: PageServer) -> None:
    page_server.serve("/c", "<p>c</p>")
    page_server.serve("/b", "<p>b</p>")
    page_server.serve("/a", b"", status=301, headers={"Location": page_server.url("/b")})
    via_other_host = f"http://localhost:{page_server.port}/a"
    with Fetcher(fast_settings(host_gap=0.5)) as fetcher:
        fetcher.fetch(page_server.url("/c"))
        started = time.monotonic()
        result = fetcher.fetch(via_other_host)  # localhost → 127.0.0.1, which was just asked
        elapsed = time.monotonic() - started
    assert result.ok and result.final_url == page_server.url("/b")
    assert elapsed >= 0.4  # the hop to 127.0.0.1 kept the gap (a lower bound, not a speed test)


def _failing_transport(error: Exception) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return httpx.MockTransport(handler)


def _connect_error(cause: OSError) -> httpx.ConnectError:
    error = httpx.ConnectError(str(cause))
    error.__cause__ = cause
    return error


def test_a_host_name_that_does_not_resolve_is_reported_at_once_without_retries() -> None:
    """Offline, DNS fails for every site: retrying within the check only makes `tracker check` slow."""
    sleep = RecordingSleep()
    unresolved = _connect_error(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    with Fetcher(fast_settings(retries=3, host_gap=5), transport=_failing_transport(unresolved), sleep=sleep) as f:
        first = f.fetch("https://www.example.org/privacy")
        second = f.fetch("https://www.example.org/terms")
    assert first.error == (
        "cannot resolve www.example.org: no network, no DNS, or no such host (Name or service not known)"
    )
    assert len(first.attempts) == 1 and len(second.attempts) == 1
    assert sleep.calls == []  # no backoff, and no host gap for a host that was never reached


@pytest.mark.parametrize(
    ("error", "message", "retried"),
    [
        (
            _connect_error(ConnectionRefusedError(111, "Connection refused")),
            "www.example.org refused the connection",
            True,
        ),
        (
            _connect_error(OSError(101, "Network is unreachable")),
            "cannot reach www.example.org: Network is unreachable (no network?)",
            False,
        ),
        (
            httpx.ConnectTimeout("timed out"),
            "www.example.org did not accept the connection in time (connect timeout)",
            True,
        ),
        (httpx.ReadTimeout("timed out"), "www.example.org stopped sending (read timeout)", True),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            "www.example.org broke the HTTP exchange (truncated response?): Server disconnected without sending a "
            "response.",
            True,
        ),
    ],
)
def test_every_transport_failure_names_the_host_and_the_cause_in_one_line(
    error: Exception, message: str, retried: bool
) -> None:
    sleep = RecordingSleep()
    with Fetcher(fast_settings(retries=1), transport=_failing_transport(error), sleep=sleep) as fetcher:
        result = fetcher.fetch("https://www.example.org/privacy")
    assert result.error == message and "\n" not in message
    assert len(result.attempts) == (2 if retried else 1)
