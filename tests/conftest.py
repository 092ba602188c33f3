"""Shared test parts: a real HTTP server on 127.0.0.1, real databases (SQLite and PostgreSQL), a network guard."""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO_DATA = REPO / "tracker" / "demo_data"
POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def corpus_dir() -> Path | None:
    """The shared corpus of real captures, when this machine has it."""
    candidates = [os.environ.get("TRACKER_CORPUS"), REPO.parent / "shared" / "corpus"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "manifest.json").exists():
            return Path(candidate)
    return None


def fixture_bytes(name: str) -> bytes:
    path = FIXTURES / name if (FIXTURES / name).exists() else DEMO_DATA / name
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


# -- no network beyond this machine ---------------------------------------------------------------------


def _is_local(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # a Unix socket path
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _network_guard() -> Iterator[None]:
    """Any attempt to reach a host beyond 127.0.0.1 fails the test that made it."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        if not _is_local(address):
            raise AssertionError(f"test tried to reach {address!r}: tests must stay on 127.0.0.1")
        return original_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if not _is_local(address):
            raise AssertionError(f"test tried to reach {address!r}: tests must stay on 127.0.0.1")
        return original_connect_ex(self, address)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = original_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True, scope="session")
def _own_user_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default database lives in the user data folder: tests get their own, never the developer's."""
    previous = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("user-data"))
    yield
    if previous is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = previous


# -- a real HTTP server ------------------------------------------------------------------------------------


@dataclass
class Page:
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # answer If-None-Match with 304 when the body is unchanged


@dataclass
class PageServer:
    """Serves `pages[path]`; tests swap pages between checks and read `requests` afterwards."""

    host: str
    port: int
    pages: dict[str, Page] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def serve(self, path: str, body: bytes | str, **options: object) -> str:
        self.pages[path] = Page(body.encode() if isinstance(body, str) else body, **options)  # type: ignore[arg-type]
        return self.url(path)

    def count(self, path: str) -> int:
        return sum(1 for requested, _ in self.requests if requested == path)


def _handler(server: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path
            server.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
            page = server.pages.get(path)
            if page is None:
                self.send_error(404)
                return
            etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
            if page.etag and page.status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            if page.etag:
                self.send_header("ETag", etag)
            for name, value in page.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(page.body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serving_pages() -> Iterator[PageServer]:
    """A PageServer on 127.0.0.1 for the length of the block (the `page_server` fixture, for any scope)."""
    pages = PageServer("127.0.0.1", 0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pages))
    # A client that gives up between the server's select and its accept left accept() blocking for good, and the
    # fixture's shutdown waiting on it (seen once in a full CI run): accept now gives up too, and the loop goes on.
    httpd.socket.settimeout(0.5)
    pages.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield pages
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    with serving_pages() as pages:
        yield pages


# -- real databases ------------------------------------------------------------------------------------------


def skip_without_postgres() -> None:
    """Skip with the reason, or fail where PostgreSQL is required (CI sets TRACKER_REQUIRE_POSTGRES=1)."""
    if reason := _postgres_unavailable():
        if os.environ.get("TRACKER_REQUIRE_POSTGRES"):
            pytest.fail(f"TRACKER_REQUIRE_POSTGRES is set but {reason}")
        pytest.skip(reason)


def _postgres_unavailable() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return f"no PostgreSQL server answers at {POSTGRES_URL} ({str(exc).strip().splitlines()[0]})"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    skip_without_postgres()
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


# -- running the real command ------------------------------------------------------------------------------


def run_tracker(
    *args: str, config: Path | None, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`tracker ARGS` in a subprocess, as a user would run it (in the config's folder unless `cwd` is given;
    without TRACKER_CONFIG when `config` is None).

    Whatever the command does, it never prints a traceback: every CLI test checks that here.
    """
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    # PYTHONPATH makes a plain checkout work too; an installed tracker is found either way.
    environment.update({"NO_COLOR": "1", "COLUMNS": "200", "PYTHONPATH": str(REPO)})
    if config is not None:
        environment["TRACKER_CONFIG"] = str(config)
    environment.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "tracker.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=cwd or (config.parent if config else None),
    )
    assert_no_traceback(result.stdout + result.stderr)
    return result


def assert_no_traceback(output: str) -> None:
    """Errors reach people as one line with an exit code; a traceback is a bug (or an error not yet explained)."""
    assert "Traceback (most recent call last)" not in output, output[-3000:]
