"""The email digest over real parts: real captures through `tracker check`, a real SMTP server (aiosmtpd) on
127.0.0.1, SQLite and PostgreSQL, and Debian's chromium for the HTML part."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import PageServer, fixture_bytes, run_tracker
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tracker.check import check_document
from tracker.config import Config, ConfigError, load_config
from tracker.diff import diff_texts
from tracker.digest import (
    EXCERPT_CHARS,
    EXCERPT_HUNKS,
    Digest,
    DigestChange,
    Evidence,
    FailingEntry,
    Marked,
    excerpt,
    mark_sentence,
    render_digest,
    retry_digests,
    run_digest,
    subject_line,
)
from tracker.fetch import Fetcher
from tracker.store import NewDigest, Outbox, Store, migrate
from tracker.store.outbox import retry_delay

GOOGLE_BEFORE = fixture_bytes("google-privacy-policy-2023-01-19.md.gz")
GOOGLE_AI = fixture_bytes("google-privacy-policy-2023-06-29.md.gz")
LINKEDIN_V1 = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")
LINKEDIN_V2 = fixture_bytes("linkedin-service-terms-2023-04-06.html.gz")
MARKDOWN = "text/markdown; charset=utf-8"
PLAIN = "text/plain; charset=utf-8"

# A page of our own whose new text contains markup as text: the digest must show it, never obey it.
ACME_V1 = (
    "Acme Terms of Service\n\n"
    + "These terms govern your use of the Acme service and say what you may and may not do with it. " * 4
    + "\n\nWe may change these terms at any time and will tell you when we do.\n"
)
ACME_V2 = ACME_V1.replace(
    "We may change", "Text such as <b>bold</b> and <script>alert(1)</script> is shown as typed. We may change"
)
RECIPIENT = "reader@example.org"
SUBJECT = "[tracker] Google Privacy Policy: AI training change (+2 other changes)"


# -- a real SMTP server ------------------------------------------------------------------------------------


def free_port() -> int:
    """aiosmtpd 1.4.6 cannot listen on port 0 (its readiness probe connects to it): pick a free port first."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message; `answers` are given to DATA first (e.g. a 451).

    `delays` (seconds) are waited before answering DATA, one per message; `on_data` is called as DATA arrives.
    """

    def __init__(
        self,
        answers: tuple[str, ...] = (),
        delays: tuple[float, ...] = (),
        on_data: Callable[[], None] | None = None,
    ) -> None:
        self.answers = list(answers)
        self.delays = list(delays)
        self.on_data = on_data
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str], LoginPassword | None]] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.on_data:
            self.on_data()
        if self.delays:
            await asyncio.sleep(self.delays.pop(0))
        if self.answers:
            return self.answers.pop(0)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), session.auth_data))
        return "250 OK"


@contextmanager
def smtp_server(port: int | None = None, inbox: Inbox | None = None, **parameters: Any) -> Iterator[Inbox]:
    inbox = inbox or Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port(), **parameters)
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    """A certificate for 127.0.0.1 from a throwaway CA: the server's context and the CA file for the client."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return server_context, ca_file


# -- configs and real changes ------------------------------------------------------------------------------

SERVICES = {
    "google": ("Google", "privacy-policy", "Privacy Policy", "/google/privacy"),
    "linkedin": ("LinkedIn", "service-terms", "Service Terms", "/linkedin/terms"),
    "acme": ("Acme", "terms", "Terms", "/acme/terms"),
}


def write_config(
    tmp_path: Path,
    pages: PageServer,
    database_url: str,
    smtp: dict[str, Any],
    services: tuple[str, ...] = ("google", "linkedin", "acme"),
    **email: Any,
) -> Path:
    config = {
        "database": {"url": database_url},
        "fetch": {"retries": 0, "backoff": 0.01, "host_gap": 0},
        "email": {
            "smtp": {"host": "127.0.0.1", "security": "none", "timeout": 5, **smtp},
            "from": "Tracker <tracker@example.org>",
            "to": [RECIPIENT],
            **email,
        },
        "services": {
            key: {"name": name, "documents": {doc: {"name": doc_name, "url": pages.url(path)}}}
            for key, (name, doc, doc_name, path) in SERVICES.items()
            if key in services
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def serve(pages: PageServer, version: int, services: tuple[str, ...]) -> None:
    bodies = {
        "google": ((GOOGLE_BEFORE, GOOGLE_AI), MARKDOWN),
        "linkedin": ((LINKEDIN_V1, LINKEDIN_V2), "text/html; charset=utf-8"),
        "acme": ((ACME_V1.encode(), ACME_V2.encode()), PLAIN),
    }
    for key in services:
        (versions, content_type) = bodies[key]
        pages.serve(SERVICES[key][3], versions[version], content_type=content_type)


def record_changes(config: Path, pages: PageServer, services: tuple[str, ...] = ("google", "linkedin", "acme")) -> None:
    """Two real `tracker check` runs: the first versions, then the changed ones."""
    for version in (0, 1):
        serve(pages, version, services)
        result = run_tracker("check", config=config)
        assert result.returncode == 0, result.stdout + result.stderr


def check_in_process(config: Config) -> None:
    """The real check of every document, without a subprocess (for the tests that need many)."""
    store = Store(config.database_url)
    with Fetcher(config.settings.fetch) as fetcher:
        for document in config.documents():
            check_document(document, store, fetcher, config.settings.checks)
    store.close()


def subject(message: EmailMessage) -> str:
    # Python folds "Subject:" + CRLF + " [tracker] …" when the value just overflows a line; unfolded it is the
    # usual "Subject: [tracker] …", but its parser keeps the space: strip it.
    return str(message["Subject"]).strip()


def parts(message: EmailMessage) -> tuple[str, str]:
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text_part is not None and html_part is not None
    return text_part.get_content(), html_part.get_content()


# -- acceptance ------------------------------------------------------------------------------------------


def test_the_digest_puts_the_ai_change_first_with_its_evidence_and_escapes_page_text(
    tmp_path: Path, page_server: PageServer, database_url: str
) -> None:
    with smtp_server() as inbox:
        config = write_config(tmp_path, page_server, database_url, {"port": inbox.port})
        record_changes(config, page_server)

        result = run_tracker("digest", config=config)
        assert result.returncode == 0, result.stderr
        assert f"sent digest 1 to {RECIPIENT}: {SUBJECT}" in result.stdout
        [message] = inbox.messages

        assert subject(message) == SUBJECT
        assert message["To"] == RECIPIENT and "tracker@example.org" in message["From"]
        assert message["Message-ID"] and message["Auto-Submitted"] == "auto-generated"
        assert message.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
        plain, html = parts(message)

        # The AI change comes first, with the sentence that proves it and its new words marked.
        for body in (plain, html):
            ai_at = body.index("Google Privacy Policy")
            assert ai_at < body.index("Acme Terms") and ai_at < body.index("LinkedIn Service Terms")
            assert "publicly available online or from other public sources to help train Google’s" in body
            assert "tracker diff google --change" in body and page_server.url("/google/privacy") in body
        assert "help train Google’s {+AI+} models" in plain
        assert "train Google’s <ins" in html and ">AI</ins> models" in html
        assert "[-language-]" in plain and ">language</del>" in html

        # The page's markup is text in both parts, and never markup in the HTML one.
        assert "<b>bold</b> and <script>alert(1)</script>" in plain
        assert "&lt;b&gt;bold&lt;/b&gt; and &lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script" not in html.lower() and "<b>" not in html
        assert "<img" not in html.lower() and "<link" not in html.lower()

        # The other changes carry a bounded excerpt of the real word diff.
        assert "[-10 novembre 2022-]{+1 février 2023+}" in plain
        assert "more changed passages" in plain

        again = run_tracker("digest", config=config)
        assert again.returncode == 0, again.stderr
        assert f"nothing new for {RECIPIENT}" in again.stdout
        assert len(inbox.messages) == 1


def test_a_digest_the_server_did_not_take_is_kept_and_delivered_exactly_once(
    tmp_path: Path, page_server: PageServer, database_url: str
) -> None:
    port = free_port()  # nothing listens there yet: the mail server is down
    config = write_config(tmp_path, page_server, database_url, {"port": port}, services=("google",))
    record_changes(config, page_server, ("google",))

    down = run_tracker("digest", config=config)
    assert down.returncode == 1
    assert f"127.0.0.1:{port}" in down.stderr and "connection refused" in down.stderr
    assert "kept" in down.stderr and "Traceback" not in down.stderr
    store = Store(database_url)
    [pending] = Outbox(store).pending()
    assert pending.recipient == RECIPIENT and pending.attempts == 1 and pending.changes == 1
    assert "connection refused" in (pending.last_error or "")
    assert pending.next_attempt_at > pending.last_attempt_at  # type: ignore[operator]

    with smtp_server(port) as inbox:
        up = run_tracker("digest", config=config)
        assert up.returncode == 0, up.stderr
        assert "sent again after a failed attempt" in up.stdout
        [message] = inbox.messages
        assert subject(message) == "[tracker] Google Privacy Policy: AI training change"
        assert Outbox(store).pending() == []

        third = run_tracker("digest", config=config)
        assert third.returncode == 0 and "nothing new" in third.stdout
        assert len(inbox.messages) == 1

        # Another recipient has had nothing yet: the same change goes into their own digest, once.
        other = run_tracker("digest", "--to", "second@example.org", config=config)
        assert other.returncode == 0, other.stderr
        assert [m["To"] for m in inbox.messages] == [RECIPIENT, "second@example.org"]
    store.close()


def test_smtp_auth_over_starttls(tmp_path: Path, page_server: PageServer, tls: tuple[ssl.SSLContext, Path]) -> None:
    server_context, ca_file = tls
    shutil.copy(ca_file, tmp_path / "ca.pem")

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"tracker", b"s3cret")
        return AuthResult(success=ok, handled=False, auth_data=auth_data)  # not handled: aiosmtpd answers 535

    smtp_options = dict(
        tls_context=server_context, require_starttls=True, auth_required=True, authenticator=authenticator
    )
    with smtp_server(**smtp_options) as inbox:
        smtp = {
            "port": inbox.port,
            "security": "starttls",
            "username": "tracker",
            "password_env": "TRACKER_TEST_SMTP_PASSWORD",
            "ca_file": "ca.pem",
        }
        config = write_config(tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", smtp, services=("google",))
        assert "s3cret" not in config.read_text()
        record_changes(config, page_server, ("google",))

        unset = run_tracker("digest", config=config)
        assert unset.returncode == 2 and "TRACKER_TEST_SMTP_PASSWORD is not set" in unset.stderr

        wrong = run_tracker("digest", config=config, env={"TRACKER_TEST_SMTP_PASSWORD": "guess"})
        assert wrong.returncode == 1 and "authentication failed (535" in wrong.stderr
        assert inbox.messages == []

        right = run_tracker("digest", config=config, env={"TRACKER_TEST_SMTP_PASSWORD": "s3cret"})
        assert right.returncode == 0, right.stderr
        [message] = inbox.messages
        assert inbox.envelopes[0][2] == LoginPassword(b"tracker", b"s3cret")
        assert subject(message).startswith("[tracker] Google Privacy Policy: AI training change")


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")
def test_the_html_dry_run_renders_in_a_real_browser(tmp_path: Path, page_server: PageServer) -> None:
    database_url = f"sqlite:///{tmp_path / 't.db'}"
    config = write_config(tmp_path, page_server, database_url, {"port": free_port()}, timezone="Europe/Paris")
    record_changes(config, page_server)

    preview = run_tracker("digest", "--dry-run", "--format", "html", config=config)
    assert preview.returncode == 0, preview.stderr
    assert f"Subject: {SUBJECT}" in preview.stderr
    page = tmp_path / "digest.html"
    page.write_text(preview.stdout, encoding="utf-8")
    # A dry run sends nothing and records nothing.
    store = Store(database_url)
    assert Outbox(store).last_digest_at(RECIPIENT) is None
    store.close()

    browser = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing may leave this machine
        "--enable-logging=stderr",
        "--v=0",
    ]
    dom = subprocess.run([*browser, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60)
    assert dom.returncode == 0, dom.stderr
    assert "CONSOLE" not in dom.stderr  # a script error or a blocked resource would be logged there
    assert "AI and model training" in dom.stdout and "Other changes" in dom.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom.stdout

    screenshot = tmp_path / "digest.png"
    shot = subprocess.run(
        [*browser, "--window-size=760,1500", f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shot.returncode == 0, shot.stderr
    assert "CONSOLE" not in shot.stderr
    image = screenshot.read_bytes()
    assert image.startswith(b"\x89PNG") and len(image) > 30_000  # a blank page is a few kilobytes


def test_no_email_section_says_what_to_add(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path / 't.db'}\n")
    result = run_tracker("digest", config=config)
    assert result.returncode == 2
    assert "email" in result.stderr and "from: tracker@example.org" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_preview_needs_no_email_section(tmp_path: Path, page_server: PageServer) -> None:
    config = write_config(tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", {}, services=("google",))
    settings = yaml.safe_load(config.read_text())
    del settings["email"]
    config.write_text(yaml.safe_dump(settings))
    record_changes(config, page_server, ("google",))
    result = run_tracker("digest", "--dry-run", config=config)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(
        f"{config} has no `email:` section: this is a preview only, times in UTC (the README shows the section "
        "that sends it).\nTo: you@localhost\nSubject: [tracker] Google Privacy Policy: AI training change\n"
    )
    assert "help train Google’s {+AI+} models" in result.stdout


def test_a_past_period_can_be_previewed_after_its_digest_was_sent(
    tmp_path: Path, page_server: PageServer, database_url: str
) -> None:
    with smtp_server() as inbox:
        config = write_config(tmp_path, page_server, database_url, {"port": inbox.port}, services=("google",))
        record_changes(config, page_server, ("google",))
        assert run_tracker("digest", config=config).returncode == 0 and len(inbox.messages) == 1
    nothing = run_tracker("digest", "--preview", config=config)
    assert nothing.returncode == 0 and nothing.stdout == ""
    assert nothing.stderr == f"Nothing new for {RECIPIENT}: no digest would be sent (email.send_when_empty is off).\n"

    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    again = run_tracker("digest", "--preview", "--since", yesterday, config=config)
    assert again.returncode == 0, again.stderr
    assert "Subject: [tracker] Google Privacy Policy: AI training change" in again.stderr
    start = datetime.fromisoformat(yesterday)
    assert again.stdout.splitlines()[3].startswith(f"Between {start:%a %d %b %Y}, 00:00 UTC and ")
    assert "help train Google’s {+AI+} models" in again.stdout
    html = run_tracker("digest", "--preview", "--since", yesterday, "--format", "html", config=config)
    assert "Between " in html.stdout and "<!DOCTYPE html>" in html.stdout

    before = run_tracker("digest", "--preview", "--since", "2020-01-01", "--until", "2020-02-01", config=config)
    assert (before.returncode, before.stderr) == (
        0,
        "No changes detected between 2020-01-01 00:00 and 2020-02-01 00:00 UTC.\n",
    )
    alone = run_tracker("digest", "--until", "2020-02-01", config=config)
    assert (alone.returncode, alone.stderr) == (
        2,
        "error: --until goes with --preview --since (a past period is only ever previewed)\n",
    )


# -- failures, retries and the outbox (in-process, with a real server) ------------------------------------


@pytest.mark.parametrize("answer", ["451 4.3.0 Try again later", "554 5.7.1 Message refused"])
def test_a_refused_message_stays_pending_and_is_retried_with_backoff(
    tmp_path: Path, page_server: PageServer, answer: str
) -> None:
    with smtp_server(inbox=Inbox(answers=(answer,))) as inbox:
        path = write_config(
            tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", {"port": inbox.port}, services=("google",)
        )
        config = load_config(path)
        for version in (0, 1):
            serve(page_server, version, ("google",))
            check_in_process(config)
        store = Store(config.database_url)

        first = run_digest(config, store)
        assert not first.ok and first.failed[0].error == f"SMTP server 127.0.0.1:{inbox.port}: {answer}"
        [pending] = Outbox(store).pending()
        assert pending.next_attempt_at - pending.last_attempt_at == timedelta(minutes=5)  # type: ignore[operator]

        # The daemon waits for the retry time; nothing new is made for that recipient meanwhile.
        early = retry_digests(config, store, now=pending.last_attempt_at + timedelta(minutes=1))  # type: ignore[operator]
        assert early.ok and [w.id for w in early.waiting] == [pending.id] and inbox.messages == []
        assert run_digest(config, store, now=datetime.now(UTC) + timedelta(minutes=1)).waiting

        later = retry_digests(config, store, now=pending.next_attempt_at)
        assert [d.digest_id for d in later.sent] == [pending.id] and len(inbox.messages) == 1
        assert Outbox(store).pending() == []
        assert run_digest(config, store).nothing_new == (RECIPIENT,) and len(inbox.messages) == 1
        store.close()


def recorded(tmp_path: Path, page_server: PageServer, smtp: dict[str, Any], database_url: str = "") -> Config:
    """A config for the Google document, with its real AI change recorded in-process."""
    url = database_url or f"sqlite:///{tmp_path / 't.db'}"
    config = load_config(write_config(tmp_path, page_server, url, smtp, services=("google",)))
    for version in (0, 1):
        serve(page_server, version, ("google",))
        check_in_process(config)
    return config


def test_a_server_slower_than_the_timeout_to_take_the_message_gets_it_once(
    tmp_path: Path, page_server: PageServer
) -> None:
    with smtp_server(inbox=Inbox(delays=(1.5,))) as inbox:
        config = recorded(tmp_path, page_server, {"port": inbox.port, "timeout": 0.5})
        store = Store(config.database_url)
        result = run_digest(config, store)
        assert result.ok and len(result.sent) == 1 and len(inbox.messages) == 1
        assert Outbox(store).pending() == []
        store.close()


def test_a_timeout_after_the_whole_message_is_retried_once_then_presumed_delivered(
    tmp_path: Path, page_server: PageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.digest.DATA_REPLY_TIMEOUT", 1.0)  # instead of 10 minutes
    bodies: list[None] = []
    with smtp_server(inbox=Inbox(delays=(2.5, 2.5), on_data=lambda: bodies.append(None))) as inbox:
        config = recorded(tmp_path, page_server, {"port": inbox.port, "timeout": 0.5})
        store = Store(config.database_url)
        first = run_digest(config, store)
        [failed] = first.failed
        assert failed.status == "pending" and "may have been delivered" in (failed.error or "")
        assert "no answer within 1 s to the end of the message" in (failed.error or "")

        second = run_digest(config, store, retry_now=True)
        [again] = second.failed
        assert again.status == "sent" and "presumed delivered" in (again.error or "")
        assert Outbox(store).pending() == []

        third = run_digest(config, store, retry_now=True)
        assert third.ok and third.nothing_new == (RECIPIENT,)
        # The whole message reached the server twice (at most one duplicate), never a third time.
        assert len(bodies) == 2
        store.close()


def test_a_digest_refused_three_times_for_good_fails_and_frees_its_changes(
    tmp_path: Path, page_server: PageServer
) -> None:
    refusal = "554 5.7.1 Message refused"
    with smtp_server(inbox=Inbox(answers=(refusal,) * 3)) as inbox:
        config = recorded(tmp_path, page_server, {"port": inbox.port})
        store = Store(config.database_url)
        outbox = Outbox(store)
        for _ in range(2):
            [kept] = run_digest(config, store, retry_now=True).failed
            assert kept.status == "pending" and outbox.unsent_changes(RECIPIENT) == []
        [given_up] = run_digest(config, store, retry_now=True).failed
        assert given_up.status == "failed" and "given up after 3 permanent refusals" in (given_up.error or "")
        assert refusal in (given_up.error or "")

        # `tracker status` lists it, the run no longer retries it, and its change is free for the next digest.
        [shown] = outbox.pending()
        assert shown.status == "failed" and shown.attempts == 3 and "given up" in (shown.last_error or "")
        assert outbox.pending(include_failed=False) == []
        assert len(outbox.unsent_changes(RECIPIENT)) == 1
        status = run_tracker("status", config=config.path)
        assert "given up after 3 permanent refusals" in status.stdout

        after = run_digest(config, store)
        assert after.ok and len(after.sent) == 1 and len(inbox.messages) == 1
        assert subject(inbox.messages[0]) == "[tracker] Google Privacy Policy: AI training change"
        store.close()


def test_the_outbox_lease_runs_from_the_clock_not_from_the_start_of_the_run(
    tmp_path: Path, page_server: PageServer
) -> None:
    taken_by_another_run: list[bool] = []

    def another_run_tries() -> None:
        other = Store(config.database_url)
        outbox = Outbox(other)
        [digest] = outbox.pending()
        taken_by_another_run.append(
            outbox.claim(digest.id, datetime.now(UTC), timedelta(minutes=5), due_only=False) is not None
        )
        other.close()

    with smtp_server(inbox=Inbox(on_data=another_run_tries)) as inbox:
        config = recorded(tmp_path, page_server, {"port": inbox.port})
        store = Store(config.database_url)
        # A run that started an hour ago (it waited on other recipients): its lock still holds now.
        result = run_digest(config, store, now=datetime.now(UTC) - timedelta(hours=1))
        assert result.ok and len(inbox.messages) == 1 and taken_by_another_run == [False]
        store.close()


def test_a_server_that_never_answers_times_out(tmp_path: Path, page_server: PageServer) -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never greets
    port = silent.getsockname()[1]
    try:
        path = write_config(
            tmp_path,
            page_server,
            f"sqlite:///{tmp_path / 't.db'}",
            {"port": port, "timeout": 0.5},
            services=("google",),
        )
        config = load_config(path)
        for version in (0, 1):
            serve(page_server, version, ("google",))
            check_in_process(config)
        store = Store(config.database_url)
        result = run_digest(config, store)
        assert result.failed[0].error == f"SMTP server 127.0.0.1:{port}: no answer within 0.5 s (timed out)"
        assert Outbox(store).pending()[0].attempts == 1
        store.close()
    finally:
        silent.close()


def test_implicit_tls(tmp_path: Path, page_server: PageServer, tls: tuple[ssl.SSLContext, Path]) -> None:
    server_context, ca_file = tls
    with smtp_server(ssl_context=server_context) as inbox:
        smtp = {"port": inbox.port, "security": "ssl", "ca_file": str(ca_file)}
        config = load_config(
            write_config(tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", smtp, services=("google",))
        )
        for version in (0, 1):
            serve(page_server, version, ("google",))
            check_in_process(config)
        store = Store(config.database_url)
        assert run_digest(config, store).ok and len(inbox.messages) == 1
        store.close()


def test_a_server_without_starttls_is_a_clear_failure(tmp_path: Path, page_server: PageServer) -> None:
    with smtp_server() as inbox:
        smtp = {"port": inbox.port, "security": "starttls"}
        config = load_config(
            write_config(tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", smtp, services=("google",))
        )
        for version in (0, 1):
            serve(page_server, version, ("google",))
            check_in_process(config)
        store = Store(config.database_url)
        [failed] = run_digest(config, store).failed
        assert failed.error == f"SMTP server 127.0.0.1:{inbox.port}: STARTTLS extension not supported by server."
        assert inbox.messages == [] and len(Outbox(store).pending()) == 1
        store.close()


def test_a_document_that_keeps_failing_makes_a_digest_of_its_own(tmp_path: Path, page_server: PageServer) -> None:
    with smtp_server() as inbox:
        path = write_config(
            tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", {"port": inbox.port}, services=("acme",)
        )
        config = load_config(path)
        serve(page_server, 0, ("acme",))
        check_in_process(config)
        store = Store(config.database_url)
        assert run_digest(config, store).nothing_new == (RECIPIENT,)  # a first version is not news

        page_server.serve("/acme/terms", b"", status=503)
        for _ in range(config.settings.daemon.failing_after):
            check_in_process(config)
        assert run_digest(config, store).ok
        [message] = inbox.messages
        assert subject(message) == "[tracker] 1 document failing: Acme Terms"
        plain, html = parts(message)
        assert "DOCUMENTS THE TRACKER CANNOT READ" in plain and "3 failed checks in a row" in plain
        assert "Documents the tracker cannot read" in html
        # Still failing is not news again.
        assert run_digest(config, store).nothing_new == (RECIPIENT,) and len(inbox.messages) == 1
        store.close()


def test_a_change_goes_into_one_digest_per_recipient_and_one_run_sends_it(
    tmp_path: Path, page_server: PageServer, database_url: str
) -> None:
    path = write_config(tmp_path, page_server, database_url, {"port": free_port()}, services=("acme",))
    config = load_config(path)
    for version in (0, 1):
        serve(page_server, version, ("acme",))
        check_in_process(config)
    store = Store(database_url)
    outbox = Outbox(store)
    [change] = outbox.unsent_changes(RECIPIENT)
    now = datetime.now(UTC)

    def new(recipient: str) -> NewDigest:
        return NewDigest(recipient, "s", f"<{recipient}@test>", "text", "<p>html</p>", (change.id,))

    first = outbox.create(new(RECIPIENT), now, timedelta(minutes=5))
    assert first is not None
    assert outbox.create(new(RECIPIENT), now, timedelta(minutes=5)) is None  # UNIQUE(change_id, recipient)
    assert outbox.create(new("second@example.org"), now, timedelta(minutes=5)) is not None
    assert outbox.unsent_changes(RECIPIENT) == []

    # Created locked for the run that sends it: another run cannot take it until the lease runs out.
    assert outbox.claim(first.id, now, timedelta(minutes=5), due_only=False) is None
    later = now + timedelta(minutes=6)
    assert outbox.claim(first.id, later, timedelta(minutes=5)) is not None
    assert outbox.claim(first.id, later, timedelta(minutes=5)) is None
    outbox.mark_sent(first.id, later)
    assert [p.recipient for p in outbox.pending()] == ["second@example.org"]

    with store.engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(text("UPDATE digests SET status = 'lost' WHERE id = :id"), {"id": first.id})
    store.close()


def test_the_outbox_migration_upgrades_downgrades_and_upgrades_again(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine, "0001")
    assert "digests" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert {"digests", "digest_changes"} <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "0001")
    assert "digests" not in inspect(engine).get_table_names() and "changes" in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


# -- content, pure ------------------------------------------------------------------------------------------

T = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def a_change(id: int, title: str, *, ai: bool = False, **fields: Any) -> DigestChange:
    defaults: dict[str, Any] = dict(
        service=title.split()[0].lower(),
        document="terms",
        url="https://example.org/terms",
        detected_at=T,
        kind="change",
        category="training" if ai else "none",
        score=0.95 if ai else 0.0,
        terms=("AI",) if ai else (),
        inserted_words=3,
        deleted_words=1,
    )
    return DigestChange(id=id, title=title, ai=ai, **{**defaults, **fields})


def test_the_subject_says_what_matters() -> None:
    ai = a_change(1, "LinkedIn Privacy Policy", ai=True)
    others = (a_change(2, "LinkedIn User Agreement"), a_change(3, "Google Terms"))
    digest = Digest(RECIPIENT, T, "UTC", None, ai_changes=(ai,), other_changes=others)
    assert subject_line(digest) == "[tracker] LinkedIn Privacy Policy: AI training change (+2 other changes)"
    two_ai = Digest(RECIPIENT, T, "UTC", None, ai_changes=(ai, a_change(4, "X Terms", ai=True)))
    assert subject_line(two_ai) == "[tracker] LinkedIn Privacy Policy: AI training change (+1 more AI change)"
    plain = Digest(RECIPIENT, T, "UTC", None, other_changes=others)
    assert subject_line(plain) == "[tracker] LinkedIn User Agreement changed (+1 other change)"
    failing = FailingEntry("Meta Privacy Policy", "https://example.org", "3 failed checks in a row", None)
    with_failing = Digest(RECIPIENT, T, "UTC", None, other_changes=others[:1], failing=(failing,))
    assert subject_line(with_failing) == "[tracker] LinkedIn User Agreement changed (1 document failing)"
    empty = Digest(RECIPIENT, T, "UTC", T - timedelta(days=1))
    assert subject_line(empty) == "[tracker] nothing new since 30 Apr 2024"


def test_evidence_and_excerpts_of_a_page_cannot_inject_markup() -> None:
    hostile = "<script>alert(1)</script><img src=https://evil.example/x.png>"
    evidence = Evidence("insert", (Marked("equal", "We train AI on "), Marked("insert", hostile)))
    change = a_change(1, "Evil Terms", ai=True, evidence=(evidence,), url='https://example.org/"><script>x</script>')
    other = a_change(2, "Other Terms", excerpts=(excerpt(diff_texts("a b c", f"a b {hostile} c"))[0]))
    rendered = render_digest(Digest(RECIPIENT, T, "Europe/Paris", None, ai_changes=(change,), other_changes=(other,)))
    assert "<script" not in rendered.html and "<img" not in rendered.html
    assert rendered.html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert 'href="https://example.org/&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in rendered.html
    assert f"{{+{hostile}+}}" in rendered.text
    assert "Wed 01 May 2024, 10:00 CEST" in rendered.text  # times in the configured zone


def test_an_evidence_sentence_is_marked_word_by_word() -> None:
    diff = diff_texts(
        "Intro.\n\nWe use data to improve services. End.", "Intro.\n\nWe use data to train AI models. End."
    )
    inserted = mark_sentence(diff, "insert", "We use data to train AI models.")
    assert inserted == (Marked("equal", "We use data to "), Marked("insert", "train AI models"), Marked("equal", "."))
    deleted = mark_sentence(diff, "delete", "We use data to improve services.")
    assert Marked("delete", "improve services") in deleted
    assert mark_sentence(diff, "insert", "Not in the text.") == (Marked("insert", "Not in the text."),)


def test_an_excerpt_is_bounded_and_counts_the_rest() -> None:
    unchanged = "This paragraph stays exactly as it was, word for word, " * 4
    old = "\n\n".join(f"Clause {n} applies to everyone.\n\n{unchanged}" for n in range(10))
    new = old.replace("Clause 0 applies", "Clause 0 " + "really " * 200 + "applies").replace("to everyone", "to you")
    shown, more = excerpt(diff_texts(old, new))
    assert len(shown) == EXCERPT_HUNKS and more == 10 - EXCERPT_HUNKS
    assert all(sum(len(p.text) for p in e.parts) <= EXCERPT_CHARS for e in shown)
    assert shown[0].trailing_gap  # the long insertion was cut


def test_retries_back_off_from_5_minutes_to_6_hours() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (5, 10, 20)]
    assert retry_delay(30) == timedelta(hours=6)


def test_the_failed_status_migration_upgrades_downgrades_and_upgrades_again(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine, "0003")
    with engine.begin() as connection, pytest.raises(IntegrityError), connection.begin_nested():
        connection.execute(
            text(
                "INSERT INTO digests (recipient, created_at, subject, message_id, body_text, body_html, status, "
                "attempts, next_attempt_at) VALUES ('a@example.org', :t, 's', '<m@x>', 't', 'h', 'failed', 3, :t)"
            ),
            {"t": datetime.now(UTC)},
        )
    migrate.upgrade(engine)
    assert {"refusals", "unconfirmed"} <= {c["name"] for c in inspect(engine).get_columns("digests")}
    insert = text(
        "INSERT INTO digests (recipient, created_at, subject, message_id, body_text, body_html, status, "
        "attempts, next_attempt_at) VALUES ('a@example.org', :t, 's', '<m@x>', 't', 'h', :status, 3, :t)"
    )
    with engine.begin() as connection:
        connection.execute(insert, {"t": datetime.now(UTC), "status": "failed"})  # no sent_at needed
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(insert, {"t": datetime.now(UTC), "status": "sent"})  # sent needs sent_at
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(insert, {"t": datetime.now(UTC), "status": "lost"})
    migrate.downgrade(engine, "0003")
    assert "refusals" not in {c["name"] for c in inspect(engine).get_columns("digests")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM digests")).scalar() == 0  # the failed one went
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


# -- addresses and passwords in the config -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "key", "says"),
    [
        ({"from": "a@example.org, b@example.org"}, "email.from", "exactly one email address, not 2"),
        ({"to": []}, "email.to", "at least 1 item"),
        ({"to": [RECIPIENT, "legal@example.org\r\nBcc: spy@example.org"]}, "email.to", "line break"),
        ({"to": ["nobody"]}, "email.to", "not an email address"),
    ],
)
def test_email_addresses_are_checked_when_the_config_is_loaded(
    tmp_path: Path, page_server: PageServer, email: dict[str, Any], key: str, says: str
) -> None:
    path = write_config(tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", {"port": free_port()}, **email)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert key in str(error.value) and says in str(error.value)


def test_a_to_option_that_is_not_one_address_is_refused(tmp_path: Path, page_server: PageServer) -> None:
    with smtp_server() as inbox:
        config = write_config(tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", {"port": inbox.port})
        result = run_tracker("digest", "--to", "a@example.org, b@example.org", config=config)
        assert result.returncode == 2 and "--to" in result.stderr and "exactly one email address" in result.stderr
        assert "Traceback" not in result.stderr and inbox.messages == []


def test_the_envelope_goes_to_the_recipient_only_and_a_digest_that_cannot_be_composed_fails_alone(
    tmp_path: Path, page_server: PageServer
) -> None:
    second = "Second Reader <second@example.org>"
    with smtp_server() as inbox:
        path = write_config(
            tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", {"port": inbox.port}, to=[RECIPIENT, second]
        )
        config = load_config(path)
        for version in (0, 1):
            serve(page_server, version, ("google", "linkedin", "acme"))
            check_in_process(config)
        store = Store(config.database_url)
        # A stored digest whose subject the email package refuses (a line break in a header).
        broken = NewDigest(RECIPIENT, "bad\nsubject", "<bad@test>", "text", "<p>html</p>", ())
        assert Outbox(store).create(broken, datetime.now(UTC) - timedelta(minutes=1), timedelta(0)) is not None

        result = run_digest(config, store, retry_now=True)
        [failed] = result.failed
        assert failed.recipient == RECIPIENT and "could not be composed" in (failed.error or "")
        assert [d.recipient for d in result.sent] == [second]
        assert [envelope[1] for envelope in inbox.envelopes] == [["second@example.org"]]
        store.close()


@pytest.mark.parametrize("host", ["smtp.example.org", "192.0.2.10"])
def test_a_password_over_an_unencrypted_connection_to_another_host_is_refused(
    tmp_path: Path, page_server: PageServer, host: str
) -> None:
    smtp = {"host": host, "port": 25, "security": "none", "username": "tracker", "password_env": "P"}
    path = write_config(tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", smtp)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "email.smtp.username" in str(error.value) and "in clear" in str(error.value)


def test_a_password_without_tls_to_a_relay_on_this_machine_is_allowed(
    tmp_path: Path, page_server: PageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        return AuthResult(success=True, auth_data=auth_data)

    monkeypatch.setenv("TRACKER_TEST_PW", "s3cret")
    with smtp_server(auth_require_tls=False, authenticator=authenticator) as inbox:
        smtp = {"port": inbox.port, "security": "none", "username": "tracker", "password_env": "TRACKER_TEST_PW"}
        config = recorded(tmp_path, page_server, smtp)
        store = Store(config.database_url)
        assert run_digest(config, store).ok
        assert [envelope[2] for envelope in inbox.envelopes] == [LoginPassword(b"tracker", b"s3cret")]
        store.close()
    for host in ("localhost", "::1", "[::1]"):
        load_config(write_config(tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", {**smtp, "host": host}))


# -- page text that could reorder the markers, and the caps ----------------------------------------------------

RLO, PDI = "\u202e", "\u2069"


def test_bidi_controls_in_page_text_are_shown_as_placeholders_in_both_parts(
    tmp_path: Path, page_server: PageServer
) -> None:
    hostile = ACME_V1.replace("We may change", f"Fees: {RLO}refund none{PDI} \u200fand\u061c more. We may change")
    with smtp_server() as inbox:
        path = write_config(
            tmp_path, page_server, f"sqlite:///{tmp_path / 't.db'}", {"port": inbox.port}, services=("acme",)
        )
        config = load_config(path)
        for body in (ACME_V1, hostile):
            page_server.serve("/acme/terms", body.encode(), content_type=PLAIN)
            check_in_process(config)
        store = Store(config.database_url)
        assert run_digest(config, store).ok
        [message] = inbox.messages
        for body in parts(message):
            assert "Fees: ⟦U+202E⟧refund none⟦U+2069⟧ ⟦U+200F⟧and⟦U+061C⟧ more." in body
            assert not any(control in body for control in (RLO, PDI, "\u200f", "\u061c"))
        store.close()


def test_the_ai_section_and_the_failing_documents_in_the_subject_are_capped() -> None:
    ai = tuple(a_change(n, f"Service{n} Terms", ai=True) for n in range(10))
    digest = Digest(RECIPIENT, T, "UTC", None, ai_changes=ai, more_ai_changes=5)
    rendered = render_digest(digest)
    assert rendered.subject == "[tracker] Service0 Terms: AI training change (+14 more AI changes)"
    assert "...and 5 more AI changes: see `tracker changes --ai`." in rendered.text
    assert "and 5 more AI changes: see <code" in rendered.html and ">tracker changes --ai</code>" in rendered.html
    assert "15 changes about AI or model training" in rendered.text

    failing = tuple(FailingEntry(f"Doc {n}", "https://example.org", "3 failed checks in a row", None) for n in range(5))
    assert subject_line(Digest(RECIPIENT, T, "UTC", None, failing=failing)) == (
        "[tracker] 5 documents failing: Doc 0, Doc 1 +3 more"
    )
    assert subject_line(Digest(RECIPIENT, T, "UTC", None, failing=failing[:2])) == (
        "[tracker] 2 documents failing: Doc 0, Doc 1"
    )
