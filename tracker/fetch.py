"""httpx fetching for a change tracker: bounded, polite, retried, conditional, and honest about failures."""

from __future__ import annotations

import email.utils
import errno
import random
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import urlsplit

import brotli
import httpx

from tracker.config import FetchSettings

# Statuses worth another try: the server (or its CDN: 52x) is overloaded or asks us to slow down. A 404 or 403 will not
# change in the next few seconds; it is recorded as a failed check and tried on the next schedule.
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
USABLE_STATUSES = frozenset({200, 203, 304})
DEADLINE_PASSED = "the check ran out of time (checks.deadline) while fetching"


@dataclass(frozen=True)
class Attempt:
    """One HTTP request and how it ended."""

    status: int | None
    error: str | None
    duration: float


@dataclass(frozen=True)
class FetchResult:
    """What a fetch brought back. `body` is the decompressed payload, None when nothing usable arrived."""

    url: str
    final_url: str
    status: int | None
    headers: dict[str, str]
    body: bytes | None
    fetched_at: datetime
    duration: float
    attempts: tuple[Attempt, ...] = ()
    error: str | None = None
    rendered: bool = False  # the body is the DOM after the page's scripts ran (tracker/browser.py), not as served

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and self.status in USABLE_STATUSES

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked us to wait before asking again (Retry-After on a 429 or a 503), if it said."""
        if self.status not in (429, 503) or not (value := self.headers.get("retry-after")):
            return None
        return parse_retry_after(value)


@dataclass(frozen=True)
class Validators:
    """What the last good capture told us, so an unchanged page costs a 304 instead of a download."""

    etag: str | None = None
    last_modified: str | None = None


class ResponseRefused(Exception):
    """A response we will not take, said in one line: the check records it as failed and the run goes on."""


class BodyRefused(ResponseRefused):
    """A body we will not take: too large once decompressed, cut short, or in an encoding we do not read."""


class DeadlinePassed(ResponseRefused):
    """The whole check ran out of time (a server trickling bytes, retries that would wait too long)."""


class HostBusy(Exception):
    """The host is answering another request of ours, which may run to its deadline (a slow page): a check that
    should not wait in its thread for it (the daemon's) comes back later. Nothing was asked of the host."""


# How long an impatient request waits for another request to its host to end: most end in milliseconds, and a
# check that gave its thread back for each of them would come back a second later for nothing; a slow page is
# left to run, and its neighbours come back when it is done.
BUSY_HOST_PATIENCE = 0.5


class BoundedDecoder:
    """Undoes one Content-Encoding with a hard cap on the output, and knows whether the stream really ended."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding.strip().lower()
        self.limit = limit
        self.size = 0
        self._zlib = None
        self._brotli = None
        if self.encoding in ("gzip", "x-gzip", "deflate"):
            self._zlib = zlib.decompressobj(wbits=31 if "gzip" in self.encoding else 15)
        elif self.encoding == "br":
            self._brotli = brotli.Decompressor()
        elif self.encoding not in ("", "identity"):
            raise BodyRefused(f"unsupported Content-Encoding: {encoding}")

    def feed(self, data: bytes) -> bytes:
        try:
            return self._feed(data)
        except (zlib.error, brotli.error) as exc:
            raise self._not_encoded(exc) from None

    def _not_encoded(self, exc: Exception) -> BodyRefused:
        # Servers that label a plain body gzip exist; reading it as plain would guess what they meant.
        return BodyRefused(f"the body is not valid {self.encoding} though Content-Encoding says so ({exc})")

    def _feed(self, data: bytes) -> bytes:
        if self._zlib is not None:
            out = bytearray()
            while data and not self._zlib.eof:
                out += self._count(self._zlib.decompress(data, self._room()))
                data = self._zlib.unconsumed_tail
            return bytes(out)
        if self._brotli is not None:
            out = bytearray(self._count(self._brotli.process(data, output_buffer_limit=self._room())))
            while not self._brotli.can_accept_more_data():
                out += self._count(self._brotli.process(b"", output_buffer_limit=self._room()))
            return bytes(out)
        return self._count(data)

    def finish(self) -> bytes:
        if self._zlib is not None:
            try:
                tail = self._count(self._zlib.flush())
            except zlib.error as exc:
                raise self._not_encoded(exc) from None
            if not self._zlib.eof:
                raise BodyRefused(f"the {self.encoding} body was cut short (its compressed stream does not end)")
            return tail
        if self._brotli is not None and not self._brotli.is_finished():
            raise BodyRefused("the br body was cut short (its compressed stream does not end)")
        return b""

    def _room(self) -> int:
        return self.limit - self.size + 1  # one byte more than allowed is enough to know it is too much

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise BodyRefused(f"body larger than {self.limit} bytes (after decompression)")
        return data


@dataclass
class _HostGate:
    # Waiting for the host (its gap, or a request in flight) is a wait on this condition, which holds no lock:
    # the thread that waits blocks no one else, and every other host goes on at once.
    ready: threading.Condition = field(default_factory=threading.Condition)
    busy: bool = False
    last_request: float = 0.0


class Fetcher:
    """One per process: shares connections and keeps one request at a time per host, `host_gap` apart."""

    def __init__(
        self,
        settings: FetchSettings,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            # Redirects are followed by _request, one hop at a time, each through its own host's gate.
            follow_redirects=False,
            headers={
                "User-Agent": settings.user_agent,
                "Accept": "text/html,text/plain;q=0.9,*/*;q=0.5",
                "Accept-Language": settings.accept_language,
                "Accept-Encoding": "gzip, deflate, br",
            },
            transport=transport,
            trust_env=False,
            event_hooks={"response": [_refuse_redirects_off_the_web]},
        )
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        validators: Validators = Validators(),
        extra_headers: Iterable[tuple[str, str]] = (),
        deadline: float | None = None,
        wait_for_host: bool = True,
    ) -> FetchResult:
        """`extra_headers`: the document's own (a variant's Accept-Language, a cookie choosing a region).
        `deadline` (time.monotonic()) ends the fetch, retries and waits included, however the server behaves.
        `wait_for_host=False`: raise HostBusy rather than wait more than BUSY_HOST_PATIENCE for another request to the
        host in flight (the first request only: a retry or a redirect of a fetch under way waits its turn)."""
        fetched_at = datetime.now(UTC)
        started = time.monotonic()
        attempts: list[Attempt] = []
        headers = dict(extra_headers)
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        last: tuple[int | None, str, dict[str, str], bytes | None, str | None] = (None, url, {}, None, None)
        for attempt_number in range(self.settings.retries + 1):
            attempt_started = time.monotonic()
            delay: float | None = None
            try:
                impatient = not wait_for_host and attempt_number == 0
                status, final_url, response_headers, body = self._request(url, headers, deadline, impatient)
                # 206 (a part), 204 (nothing) or a redirect without a target is no page either.
                error = None if status in USABLE_STATUSES else _describe_status(status, final_url)
                last = (status, final_url, response_headers, body, error)
                if status in RETRIED_STATUSES:
                    delay = self._retry_delay(attempt_number, response_headers.get("retry-after"))
            except ResponseRefused as exc:
                last = (None, url, {}, None, f"{exc} (from {_host(url)})")
            except httpx.InvalidURL as exc:
                last = (None, url, {}, None, f"a redirect from {_host(url)} names no usable URL: {exc}")
            except httpx.TooManyRedirects:
                last = (None, url, {}, None, f"more than {self.settings.max_redirects} redirects from {_host(url)}")
            except httpx.DecodingError as exc:
                last = (None, url, {}, None, _describe_transport_error(exc))
            except httpx.TransportError as exc:
                if _past(deadline):
                    last = (None, url, {}, None, f"{DEADLINE_PASSED} (from {_host(url)})")
                    attempts.append(Attempt(None, last[4], time.monotonic() - attempt_started))
                    break
                last = (None, url, {}, None, _describe_transport_error(exc))
                if _worth_retrying(exc):
                    delay = self._retry_delay(attempt_number, None)
            status, final_url, response_headers, body, error = last
            attempts.append(Attempt(status, error, time.monotonic() - attempt_started))
            if delay is None or attempt_number == self.settings.retries:
                break
            if delay > self.settings.max_retry_after:
                last = (*last[:4], f"{error}; server asks to wait {delay:.0f} s, longer than we wait in a check")
                break
            if deadline is not None and time.monotonic() + delay >= deadline:
                last = (*last[:4], f"{error}; a retry in {delay:.0f} s would end after the check's deadline")
                break
            self._sleep(delay)
        status, final_url, response_headers, body, error = last
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            headers=response_headers,
            body=body if error is None else None,
            fetched_at=fetched_at,
            duration=time.monotonic() - started,
            attempts=tuple(attempts),
            error=error,
        )

    def _request(
        self, url: str, headers: dict[str, str], deadline: float | None, impatient: bool = False
    ) -> tuple[int, str, dict[str, str], bytes]:
        for hop in range(self.settings.max_redirects + 1):
            if _past(deadline):
                raise DeadlinePassed(DEADLINE_PASSED)
            with (
                self.polite(url, wait_while_busy=not (impatient and hop == 0)),
                self._client.stream("GET", url, headers=headers, **self._timeout(deadline)) as response,
            ):
                if response.has_redirect_location:
                    url = str(response.next_request.url) if response.next_request else url
                    continue
                # We decompress ourselves: httpx decodes a whole network chunk before anyone can count the
                # bytes (a 3 KB brotli bomb grows to gigabytes), and never says when a compressed body was cut.
                decoder = BoundedDecoder(response.headers.get("content-encoding", ""), self.settings.max_bytes)
                body = bytearray()
                for chunk in response.iter_raw():
                    if _past(deadline):
                        raise DeadlinePassed(f"{DEADLINE_PASSED}, {len(body)} bytes received")
                    body.extend(decoder.feed(chunk))
                body.extend(decoder.finish())
                return (
                    response.status_code,
                    str(response.url),
                    {key.lower(): value for key, value in response.headers.items()},
                    bytes(body),
                )
        raise httpx.TooManyRedirects(f"more than {self.settings.max_redirects} redirects")

    def _timeout(self, deadline: float | None) -> dict[str, httpx.Timeout]:
        """No single read or connect may outlast the deadline: a silent server is cut there too."""
        if deadline is None:
            return {}
        left = max(0.01, deadline - time.monotonic())
        settings = self.settings
        return {"timeout": httpx.Timeout(min(settings.read_timeout, left), connect=min(settings.connect_timeout, left))}

    def polite(self, url: str, wait_while_busy: bool = True) -> _PoliteSlot:
        """Hold this while talking to the URL's host: one request at a time per host, `host_gap` apart.
        `wait_while_busy=False`: HostBusy if a request to the host in flight outlasts BUSY_HOST_PATIENCE (a gap is
        waited out)."""
        host = urlsplit(url).netloc.lower()
        with self._gates_lock:
            gate = self._gates.setdefault(host, _HostGate())
        return _PoliteSlot(gate, self.settings.host_gap, host, wait_while_busy)

    def host_wait(self, url: str) -> float:
        """Seconds before a request to the URL's host could start without waiting: what is left of its gap, or
        one gap while a request to it is in flight. The daemon runs another host's check meanwhile."""
        with self._gates_lock:
            gate = self._gates.get(urlsplit(url).netloc.lower())
        if gate is None:
            return 0.0
        with gate.ready:
            if gate.busy:
                return self.settings.host_gap
            return max(0.0, gate.last_request + self.settings.host_gap - time.monotonic())

    def _retry_delay(self, attempt_number: int, retry_after: str | None) -> float:
        if retry_after and (seconds := parse_retry_after(retry_after)) is not None:
            return seconds
        # Full jitter: spreads retries of many trackers instead of synchronising them.
        return random.uniform(0, self.settings.backoff * 2**attempt_number)


class _PoliteSlot:
    """One request to the host at a time, `gap` seconds after the previous one ended; waits hold no lock."""

    def __init__(self, gate: _HostGate, gap: float, host: str = "", wait_while_busy: bool = True) -> None:
        self.gate, self.gap, self.host, self.wait_while_busy = gate, gap, host, wait_while_busy

    def __enter__(self) -> None:
        patience = None if self.wait_while_busy else time.monotonic() + BUSY_HOST_PATIENCE
        with self.gate.ready:
            while True:
                wait = self.gate.last_request + self.gap - time.monotonic()
                if not self.gate.busy and wait <= 0:
                    self.gate.busy = True
                    return
                if self.gate.busy and patience is not None:
                    if (left := patience - time.monotonic()) <= 0:
                        raise HostBusy(f"a request to {self.host} is in flight")
                    self.gate.ready.wait(left)
                    continue
                # Woken early when a request ends; otherwise when the gap has run.
                self.gate.ready.wait(None if self.gate.busy else wait)

    def __exit__(self, _type: object, error: object, _traceback: object) -> None:
        with self.gate.ready:
            # A request that never left this machine (the host name did not resolve) cost the host nothing.
            if not (isinstance(error, httpx.ConnectError) and isinstance(_os_error(error), socket.gaierror)):
                self.gate.last_request = time.monotonic()
            self.gate.busy = False
            self.gate.ready.notify_all()


def _refuse_redirects_off_the_web(response: httpx.Response) -> None:
    """A redirect to data:, javascript: or ftp: leads to no page we fetch; said before httpx tries to build it."""
    if response.has_redirect_location:
        scheme = urlsplit(response.headers["location"].strip()).scheme.lower()
        if scheme not in ("", "http", "https"):
            raise ResponseRefused(f"redirected to a {scheme}: URL, not a web page")


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def parse_retry_after(value: str) -> float | None:
    """Retry-After is either seconds or an HTTP date; anything else (junk, '²', a negative) is ignored."""
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# Cloudflare's own statuses, which http.HTTPStatus does not name.
_CDN_STATUSES = {
    520: "Web Server Returned an Unknown Error",
    521: "Web Server Is Down",
    522: "Connection Timed Out",
    523: "Origin Is Unreachable",
    524: "A Timeout Occurred",
}


def _host(url: str | httpx.URL) -> str:
    """host, or host:port when the port is not the scheme's own: what a person recognises in a message."""
    parts = urlsplit(str(url))
    host = parts.hostname or str(url)
    return f"{host}:{parts.port}" if parts.port else host


def _describe_status(status: int, url: str) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = _CDN_STATUSES.get(status, "")
    return f"HTTP {status}{' ' + phrase if phrase else ''} from {_host(url)}"


def _os_error(exc: BaseException) -> OSError | None:
    """The operating system's error under httpx's and httpcore's wrappers (a DNS failure, a refusal, TLS)."""
    seen = exc
    while seen is not None:
        if isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return None


def _worth_retrying(exc: httpx.TransportError) -> bool:
    """A DNS failure or an unreachable network will not mend in the seconds a check waits between attempts
    (offline, three retries with backoff cost every document ten seconds): the daemon's retry of the failed check,
    minutes later, is the one that can help. Refusals, resets and timeouts are often over in seconds."""
    cause = _os_error(exc)
    if isinstance(cause, socket.gaierror | ssl.SSLCertVerificationError):
        return False
    return not (cause is not None and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN))


def _describe_transport_error(exc: httpx.RequestError) -> str:
    """One line: the host, and what went wrong in words a person can act on."""
    try:
        host = _host(exc.request.url)
    except RuntimeError:  # an error raised before any request existed
        host = "the server"
    cause = _os_error(exc)
    detail = str(cause or exc).strip() or type(exc).__name__
    if isinstance(cause, socket.gaierror):
        return f"cannot resolve {host}: no network, no DNS, or no such host ({cause.strerror or detail})"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"the TLS certificate of {host} is not trusted: {cause.verify_message or detail}"
    if isinstance(cause, ssl.SSLError):
        return f"the TLS handshake with {host} failed: {detail}"
    if isinstance(cause, ConnectionRefusedError):
        return f"{host} refused the connection"
    if cause is not None and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN):
        return f"cannot reach {host}: {cause.strerror or detail} (no network?)"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"{host} did not accept the connection in time (connect timeout)"
    if isinstance(exc, httpx.ReadTimeout):
        if cause is not None or detail in ("timed out", "The read operation timed out", "ReadTimeout"):
            return f"{host} stopped sending (read timeout)"
        return f"{detail} ({host})"
    if isinstance(exc, httpx.WriteTimeout | httpx.PoolTimeout):
        return f"{host} timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} broke the HTTP exchange (truncated response?): {detail}"
    if isinstance(exc, httpx.DecodingError):
        return f"the body from {host} could not be decompressed: {detail}"
    if isinstance(exc, httpx.ConnectError | httpx.ReadError | httpx.WriteError):
        return f"the connection to {host} failed: {detail}"
    return f"{type(exc).__name__} with {host}: {detail}"
