"""The web view and the feeds: pages, escaping, the token, the headers, the JSON of the CLI, valid Atom.

The app runs over a real database filled by real checks of pages served on 127.0.0.1 (Starlette's TestClient
drives it in-process); `tracker serve` and `tracker feed` run as subprocesses. The browser test is in
tests/test_web_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import httpx
import pytest
import yaml
from conftest import REPO, PageServer, assert_no_traceback, run_tracker, serving_pages
from starlette.testclient import TestClient

from tracker.check import check_document
from tracker.config import Config, load_config
from tracker.fetch import Fetcher
from tracker.store import NewCheck, Store
from tracker.web import allowed_hosts, create_app

# Page text a hostile (or careless) page may hold: markup as text, and a right-to-left override.
HOSTILE = "&lt;script&gt;alert(1)&lt;/script&gt; \u202eelif.exe"
AI_SENTENCE = "We use the posts you share to train our artificial intelligence models"


def policy_page(*extra: str) -> str:
    clauses = "".join(
        f"<p>Clause {n}. We collect the information you give us and how you use the service, and we use it to "
        "provide, improve and protect the service.</p>"
        for n in range(6)
    )
    return f"<html><body><main><h1>Terms</h1>{clauses}{''.join(f'<p>{e}</p>' for e in extra)}</main></body></html>"


def write_config(folder: Path, server: PageServer, database: str) -> Path:
    config = {
        "database": {"url": database},
        "fetch": {"retries": 0, "host_gap": 0},
        "services": {
            "acme": {"name": "Acme", "documents": {"terms": {"name": "Terms", "url": server.url("/acme/terms")}}},
            "globex": {
                "name": "Globex",
                "documents": {"privacy": {"name": "Privacy", "url": server.url("/globex/privacy")}},
            },
        },
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@dataclass
class Recorded:
    config: Config
    server: PageServer
    writer: Store  # the checks' store; the app gets its own, read-only

    def check(self, service: str, document: str, page: str, when: datetime | None = None) -> int | None:
        path = "/acme/terms" if service == "acme" else "/globex/privacy"
        self.server.serve(path, page)
        with Fetcher(self.config.settings.fetch) as fetcher:
            result = check_document(self.config.document(service, document), self.writer, fetcher, now=when)
        assert result.outcome != "failed", result.reason
        return result.change_id


def _recorded(folder: Path, server: PageServer, database: str) -> Iterator[Recorded]:
    config = load_config(write_config(folder, server, database))
    writer = Store(config.database.url)
    recorded = Recorded(config, server, writer)
    recorded.check("acme", "terms", policy_page(), datetime(2024, 1, 5, tzinfo=UTC))
    recorded.check("acme", "terms", policy_page(f"{AI_SENTENCE}, {HOSTILE}."), datetime(2024, 2, 5, tzinfo=UTC))
    recorded.check("globex", "privacy", policy_page("Globex edition one."), datetime(2024, 3, 1, tzinfo=UTC))
    recorded.check("globex", "privacy", policy_page("Globex edition two, with a new address."))
    yield recorded
    writer.close()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    """One database for the tests that only read (the app cannot write to it anyway)."""
    folder = tmp_path_factory.mktemp("web")
    with serving_pages() as server:
        yield from _recorded(folder, server, f"sqlite:///{folder / 'tracker.db'}")


@pytest.fixture
def fresh(tmp_path: Path, page_server: PageServer) -> Iterator[Recorded]:
    """A database of the test's own, for a test that checks more pages into it."""
    yield from _recorded(tmp_path, page_server, f"sqlite:///{tmp_path / 'tracker.db'}")


@contextmanager
def client_of(recorded: Recorded) -> Iterator[TestClient]:
    store = Store(recorded.config.database.url, create=False, read_only=True)
    with TestClient(create_app(recorded.config, store)) as test_client:
        yield test_client
    store.close()


@pytest.fixture(scope="module")
def client(recorded: Recorded) -> Iterator[TestClient]:
    with client_of(recorded) as test_client:
        yield test_client


def ai_change_id(client: TestClient) -> int:
    [change] = [c for c in client.get("/api/changes").json() if c["ai"]]
    return change["id"]


# -- pages ---------------------------------------------------------------------------------------------------


def test_every_page_renders_and_page_text_is_shown_inert(client: TestClient) -> None:
    change_id = ai_change_id(client)
    for path in ("/", "/changes", "/changes?ai=1", f"/changes/{change_id}", "/history/acme/terms", "/history/acme"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "<script" not in page.text and "\u202e" not in page.text, path
    shown = client.get(f"/changes/{change_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "⟦U+202E⟧elif.exe" in shown


def test_the_change_page_highlights_the_evidence_and_says_why(client: TestClient) -> None:
    page = client.get(f"/changes/{ai_change_id(client)}").text
    assert "AI flag: training" in page
    assert f"<mark><ins>{AI_SENTENCE}" in page  # in the word diff, the sentence the flag quotes is marked
    assert '<span class="why">Why: AI or machine-learning models are trained (rule model-training:' in page
    assert "The page states no date of effect" in page  # the notice
    assert "/snapshots/" in page and "sha256" in page


def test_ai_changes_come_first_then_every_change_newest_first(client: TestClient) -> None:
    page = client.get("/changes").text
    titles = [line.split('">')[1].split("</a>")[0] for line in page.splitlines() if 'class="change-link"' in line]
    # The AI change of February leads; the table of all changes then starts with Globex's newer plain change.
    assert titles[0].startswith("Acme Terms, change")
    assert titles[1].startswith("Globex Privacy, change") and titles[2].startswith("Acme Terms, change")


def test_the_json_is_the_clis_byte_for_byte(recorded: Recorded, client: TestClient) -> None:
    change_id = ai_change_id(client)
    path = recorded.config.path
    cli = {
        f"/api/changes/{change_id}": ["diff", "acme", "--change", str(change_id), "--format", "json"],
        "/changes?format=json&service=globex": ["changes", "globex", "--json"],
        "/history/acme/terms?format=json": ["history", "acme", "-d", "terms", "--json"],
    }
    for url, arguments in cli.items():
        served = client.get(url)
        assert served.status_code == 200 and served.headers["content-type"] == "application/json", url
        assert served.text == run_tracker(*arguments, config=path).stdout, url
    # The same JSON under /api/ and with ?format=json.
    assert client.get(f"/changes/{change_id}?format=json").text == client.get(f"/api/changes/{change_id}").text
    assert client.get("/history/globex?format=json").text == client.get("/api/history/globex").text
    assert client.get("/changes?ai=1&format=json").json() == [c for c in client.get("/api/changes").json() if c["ai"]]


def test_a_raw_capture_is_a_download_of_the_stored_bytes(recorded: Recorded, client: TestClient) -> None:
    [version] = [v for v in recorded.writer.versions("acme", "terms") if v.id == 1]
    snapshot = recorded.writer.snapshot(version.snapshot_id or 0)
    served = client.get(f"/snapshots/{snapshot.id}")
    assert served.status_code == 200
    assert served.content == recorded.writer.snapshot_body(snapshot.id) == policy_page().encode()
    assert hashlib.sha256(served.content).hexdigest() == snapshot.raw_sha256
    assert served.headers["content-type"] == "application/octet-stream"  # never text/html: the page cannot run
    assert served.headers["content-disposition"] == f'attachment; filename="snapshot-{snapshot.id}.html"'
    assert served.headers["x-content-type-options"] == "nosniff"
    digest = base64.b64encode(bytes.fromhex(snapshot.raw_sha256)).decode()
    assert served.headers["repr-digest"] == f"sha-256=:{digest}:"
    assert snapshot.raw_sha256 in client.get("/history/acme/terms").text


def test_unknown_things_are_404_pages(client: TestClient) -> None:
    for path in ("/changes/9999", "/snapshots/9999", "/history/nobody", "/history/acme/nothing", "/nobody/feed.atom"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "<script" not in answer.text
    missing = client.get("/api/changes/9999")
    assert missing.status_code == 404 and missing.json() == {"error": "No change 9999."}
    assert client.get("/changes?page=0").status_code == 400
    assert client.post("/changes").status_code == 405  # read-only: nothing but GET and HEAD


def test_every_answer_carries_a_strict_policy(client: TestClient) -> None:
    for path in ("/", "/changes/9999", "/feed.atom", "/snapshots/1", "/static/tracker.css"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src" not in policy and "default-src 'none'" in policy, path
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    policy = client.get("/").headers["content-security-policy"]
    for directive in ("style-src 'self'", "img-src 'self'", "form-action 'none'", "frame-ancestors 'none'"):
        assert directive in policy


def test_a_token_is_required_on_every_request_when_one_is_set(recorded: Recorded) -> None:
    store = Store(recorded.config.database.url, create=False, read_only=True)
    try:
        with TestClient(create_app(recorded.config, store, token="s3cret-token")) as guarded:
            for path in ("/", "/feed.atom", "/snapshots/1", "/static/tracker.css", "/api/changes"):
                refused = guarded.get(path)
                assert refused.status_code == 401, path
                assert refused.headers["www-authenticate"].startswith("Basic")
                assert "default-src 'none'" in refused.headers["content-security-policy"]
            assert guarded.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert guarded.get("/", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
            assert guarded.get("/", auth=("anyone", "s3cret-token")).status_code == 200
            assert guarded.get("/", auth=("anyone", "wrong")).status_code == 401
    finally:
        store.close()


def test_without_a_token_it_answers_only_to_its_own_names(recorded: Recorded) -> None:
    """A page elsewhere cannot read the view through a DNS name of its own pointed at 127.0.0.1 (DNS rebinding)."""
    store = Store(recorded.config.database.url, create=False, read_only=True)
    app = create_app(recorded.config, store, hosts=allowed_hosts(recorded.config, None))
    try:
        with TestClient(app, base_url="http://127.0.0.1:8080") as local:
            assert local.get("/").status_code == 200
            assert local.get("/", headers={"Host": "localhost:8080"}).status_code == 200
            rebound = local.get("/", headers={"Host": "rebound.example:8080"})
            assert rebound.status_code == 421 and "default-src 'none'" in rebound.headers["content-security-policy"]
        assert allowed_hosts(recorded.config, "a-token") is None  # with a token, the token guards every name
    finally:
        store.close()


def test_the_web_store_cannot_write(database_url: str, tmp_path: Path, page_server: PageServer) -> None:
    for recorded in _recorded(tmp_path, page_server, database_url):
        store = Store(database_url, create=False, read_only=True)
        try:
            with TestClient(create_app(recorded.config, store)) as client:
                assert client.get(f"/changes/{ai_change_id(client)}").status_code == 200
            check = NewCheck("acme", "terms", "http://x/", datetime.now(UTC), 0.1, "failed", reason="test")
            with pytest.raises(Exception, match=r"(?i)read.only|readonly"):
                store.record_check(check)
        finally:
            store.close()


# -- feeds ---------------------------------------------------------------------------------------------------


def test_feeds_are_valid_atom_with_the_evidence(client: TestClient) -> None:
    change_id = ai_change_id(client)
    for path, count in (("/feed.atom", 2), ("/ai.atom", 1), ("/acme/feed.atom", 1), ("/globex/feed.atom", 1)):
        served = client.get(path)
        assert served.headers["content-type"] == "application/atom+xml; charset=utf-8"
        feed = feedparser.parse(served.content)
        assert not feed.bozo, (path, feed.get("bozo_exception"))
        assert feed.version == "atom10" and feed.feed.id == f"http://testserver{path}"
        assert feed.feed.updated and feed.feed.author == "tracker"
        assert len(feed.entries) == count, path
    [entry] = feedparser.parse(client.get("/ai.atom").content).entries
    assert entry.link == f"http://testserver/changes/{change_id}" == entry.id
    assert entry.title.startswith("Acme Terms: AI training (score 0.")
    assert entry.tags[0].term == "training"
    content = entry.content[0].value
    assert AI_SENTENCE in content and "Why: AI or machine-learning models are trained" in content
    assert "<script" not in client.get("/ai.atom").text  # the page's markup is text in the feed, too
    assert "⟦U+202E⟧" in content


def test_a_subscriber_to_the_ai_feed_sees_a_new_ai_change_after_a_check(fresh: Recorded) -> None:
    with client_of(fresh) as client:
        before = feedparser.parse(client.get("/ai.atom").content)
        seen = {entry.id for entry in before.entries}
        change_id = fresh.check("globex", "privacy", policy_page("Globex may use generative AI to train its models."))
        after = feedparser.parse(client.get("/ai.atom").content)
    new = [entry for entry in after.entries if entry.id not in seen]
    assert [entry.link for entry in new] == [f"http://testserver/changes/{change_id}"]
    assert "Globex may use generative AI to train its models." in new[0].content[0].value
    assert after.feed.updated_parsed >= before.feed.updated_parsed


def test_tracker_feed_writes_a_static_feed_with_links_to_the_published_view(recorded: Recorded) -> None:
    result = run_tracker("feed", "--ai", "--base-url", "https://news.example.org/tos/", config=recorded.config.path)
    assert result.returncode == 0, result.stderr
    feed = feedparser.parse(result.stdout.encode())
    assert not feed.bozo and feed.feed.id == "https://news.example.org/tos/ai.atom"
    [entry] = feed.entries
    assert entry.link.startswith("https://news.example.org/tos/changes/")
    assert "warning" not in result.stderr
    # Without a published address, the links lead to this machine's own: said, since the file goes elsewhere.
    local = run_tracker("feed", "--ai", config=recorded.config.path)
    assert local.returncode == 0 and "warning: the feed's links start with http://127.0.0.1:" in local.stderr
    unknown = run_tracker("feed", "nobody", config=recorded.config.path)
    assert unknown.returncode == 2 and "no service 'nobody'" in unknown.stderr


# -- tracker serve ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


Serve = Callable[..., tuple[subprocess.Popen[str], int]]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """`tracker serve ARGS` as a subprocess, stopped with SIGTERM after the test."""
    started: list[subprocess.Popen[str]] = []

    def start(config: Path, *arguments: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], int]:
        port = free_port()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        environment.update({"PYTHONPATH": str(REPO), "TRACKER_CONFIG": str(config), **(env or {})})
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker.cli", "serve", "--port", str(port), *arguments],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        return process, port

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
        assert_no_traceback(
            (process.stdout.read() if process.stdout else "") + (process.stderr.read() if process.stderr else "")
        )


def test_serve_beyond_loopback_needs_a_token_and_then_asks_for_it(recorded: Recorded, serve: Serve) -> None:
    refused = run_tracker("serve", "--host", "0.0.0.0", config=recorded.config.path)
    assert refused.returncode == 2 and "without a token" in refused.stderr and "TRACKER_WEB_TOKEN" in refused.stderr
    process, port = serve(recorded.config.path, "--host", "0.0.0.0", env={"TRACKER_WEB_TOKEN": "t0ken"})
    assert process.poll() is None
    url = f"http://127.0.0.1:{port}/changes"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer t0ken"}).status_code == 200


def test_serve_never_creates_a_database(tmp_path: Path, page_server: PageServer) -> None:
    config = write_config(tmp_path, page_server, "sqlite:///absent.db")
    result = run_tracker("serve", config=config)
    assert result.returncode == 3 and "no database at" in result.stderr
    assert not (tmp_path / "absent.db").exists()


def test_serve_answers_from_a_real_process(recorded: Recorded, serve: Serve) -> None:
    process, port = serve(recorded.config.path)
    page = httpx.get(f"http://127.0.0.1:{port}/changes/{ai_change_id_over_http(port)}")
    assert page.status_code == 200 and "AI flag: training" in page.text
    assert "server" not in page.headers  # no software banner
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) in (0, -signal.SIGTERM)  # uvicorn ends by the signal once it has shut down


def ai_change_id_over_http(port: int) -> int:
    return next(c["id"] for c in httpx.get(f"http://127.0.0.1:{port}/api/changes").json() if c["ai"])
