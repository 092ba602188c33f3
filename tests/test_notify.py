"""Notifications over real parts: real captures through `tracker check` and the daemon, Apprise posting to a real
HTTP receiver on 127.0.0.1 (a `json://` webhook and a Slack-compatible Mattermost hook), SQLite and PostgreSQL.

Why Mattermost for "Slack-compatible": Apprise's `slack://` always posts to hooks.slack.com (its host is fixed in
the plugin), so it cannot be pointed at a local receiver. Mattermost's incoming webhooks take Slack's payload
(`{"text": …}` POSTed to /hooks/<token>), and Apprise's `mmost://host:port/token` posts exactly that to any host.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from apscheduler.schedulers.background import BackgroundScheduler
from conftest import PageServer, run_tracker
from sqlalchemy import create_engine, inspect
from test_daemon import Daemon, policy, spawn, wait_until  # noqa: F401  (spawn is a fixture)
from test_digest import CHROMIUM, record_changes, serve

from tracker.check import check_document
from tracker.config import ConfigError, load_config
from tracker.fetch import Fetcher
from tracker.notify import DeliveryError, Message, masked_target_url, scrub
from tracker.notify.apprise_sender import check_url, send_message
from tracker.notify.message import build_message, message_body, quoted
from tracker.notify.sending import LEASE, send_notifications
from tracker.scheduler import NOTIFY_JOB, schedule_notifications
from tracker.store import ChangeRecord, NotificationOutbox, Store, migrate

SLACK_TOKEN = "slackcompatibletoken"


# -- a local receiver ---------------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Receiver:
    """Takes every POST; while `down`, answers 503 (and keeps a count of the refused attempts)."""

    port: int = 0
    down: bool = False
    taken: list[Received] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, scheme: str, path: str) -> str:
        return f"{scheme}://127.0.0.1:{self.port}/{path}"

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.taken if r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                if state.down:
                    state.refused += 1
                    self.send_response(503)
                else:
                    state.taken.append(Received(self.path, dict(self.headers), json.loads(body)))
                    self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


WEBHOOK = "/hook"
SLACK = f"/hooks/{SLACK_TOKEN}"


def notify_targets(receiver: Receiver) -> list[dict[str, Any]]:
    return [
        {"name": "webhook", "url": receiver.url("json", "hook"), "ai_only": False},
        {"name": "newsroom", "url": receiver.url("mmost", SLACK_TOKEN)},  # ai_only: true by default
    ]


def with_targets(config: Path, targets: list[dict[str, Any]], **more: Any) -> None:
    settings = yaml.safe_load(config.read_text())
    settings.update(notify=targets, **more)
    config.write_text(yaml.safe_dump(settings, allow_unicode=True))


def digest_config(
    tmp_path: Path,
    pages: PageServer,
    database_url: str,
    receiver: Receiver,
    services: tuple[str, ...] = ("google", "linkedin", "acme"),
) -> Path:
    """The digest tests' documents (Google's AI change, two others), no email, and the two targets."""
    from test_digest import write_config

    config = write_config(tmp_path, pages, database_url, {"port": 9}, services)
    settings = yaml.safe_load(config.read_text())
    del settings["email"]
    config.write_text(yaml.safe_dump(settings, allow_unicode=True))
    with_targets(config, notify_targets(receiver), web={"base_url": "https://tracker.example.org/"})
    return config


def record_in_process(config_path: Path, pages: PageServer, services: tuple[str, ...]) -> None:
    """The real check of each document, twice (first versions, then the changed ones), without a subprocess."""
    config = load_config(config_path)
    store = Store(config.database_url)
    with Fetcher(config.settings.fetch) as fetcher:
        for version in (0, 1):
            serve(pages, version, services)
            for document in config.documents():
                check_document(document, store, fetcher, config.settings.checks, notify=config.settings.notify)
    store.close()


def pending(database_url: str) -> dict[str, int]:
    store = Store(database_url)
    try:
        return {b.target: b.pending for b in NotificationOutbox(store).backlog()}
    finally:
        store.close()


# -- acceptance ----------------------------------------------------------------------------------------------


def test_each_change_is_posted_once_to_each_target_that_wants_it(
    tmp_path: Path, page_server: PageServer, receiver: Receiver
) -> None:
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    config = digest_config(tmp_path, page_server, database_url, receiver)
    record_changes(config, page_server)  # the real `tracker check`, twice
    assert pending(database_url) == {"webhook": 3, "newsroom": 1}

    waiting = run_tracker("status", "--json", config=config)
    shown = {t["target"]: t for t in json.loads(waiting.stdout)["pending_notifications"]}
    assert shown["webhook"]["pending"] == 3 and shown["newsroom"]["pending"] == 1
    assert shown["newsroom"]["url"] == f"mmost://127.0.0.1:{receiver.port}/…"  # the token is never shown
    assert SLACK_TOKEN not in waiting.stdout

    sent = run_tracker("notify", "send", config=config)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.count("notified webhook") == 3 and sent.stdout.count("notified newsroom") == 1

    [slack] = receiver.at(SLACK)
    assert "Google Privacy Policy changed — AI: training" in slack.body["text"]
    assert "https://tracker.example.org/changes/" in slack.body["text"]
    webhook = receiver.at(WEBHOOK)
    titles = sorted(r.body["title"] for r in webhook)
    assert titles == [
        "Acme Terms changed",
        "Google Privacy Policy changed — AI: training",
        "LinkedIn Service Terms changed",
    ]
    [ai] = [r for r in webhook if "AI" in r.body["title"]]
    assert "“" in ai.body["message"] and "tracker diff google --change" in ai.body["message"]
    keys = {r.headers["Idempotency-Key"] for r in webhook}
    assert len(keys) == 3 and all(k.startswith("tracker-change-") for k in keys)

    again = run_tracker("notify", "send", config=config)
    assert again.returncode == 0 and "nothing to send" in again.stdout
    assert len(receiver.at(WEBHOOK)) == 3 and len(receiver.at(SLACK)) == 1
    assert pending(database_url) == {}


def test_messages_wait_while_the_receiver_is_down_and_go_once_after_a_daemon_restart(
    tmp_path: Path,
    page_server: PageServer,
    receiver: Receiver,
    spawn: Callable[..., Daemon],  # noqa: F811
) -> None:
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    from test_daemon import write_config

    terms = page_server.serve("/terms", policy("first"))
    config = write_config(tmp_path, database_url, {"terms": terms})
    with_targets(config, [{**notify_targets(receiver)[0]}])
    receiver.down = True

    first = spawn(config, "first")
    wait_until(lambda: first.events("check"), 30, "the first version", first)
    page_server.serve("/terms", policy("second"))
    wait_until(lambda: first.events("notify_failed"), 30, "a refused attempt", first)
    assert first.stop()[0] == 0
    assert pending(database_url) == {"webhook": 1} and receiver.taken == []

    receiver.down = False
    second = spawn(config, "second")
    wait_until(lambda: second.events("notified"), 30, "the message sent after the restart", second)
    # Two more checks of the unchanged page: no new change, nothing sent again.
    wait_until(lambda: len(second.events("check")) >= 2, 30, "two more checks", second)
    assert second.stop()[0] == 0
    # A restart sends what waits at once: what was sent does not wait.
    third = spawn(config, "third")
    wait_until(lambda: len(third.events("check")) >= 2, 30, "two checks after another restart", third)
    assert third.stop()[0] == 0

    [message] = receiver.at(WEBHOOK)
    assert message.body["title"] == "Acme Terms changed"
    assert receiver.refused >= 1 and pending(database_url) == {}
    assert len(second.events("notified")) == 1 and third.events("notified") == []
    assert "/hook" not in first.log_path.read_text()  # the log names the target, never its URL


def test_a_service_that_is_down_is_retried_with_backoff_and_loses_nothing(
    tmp_path: Path, page_server: PageServer, database_url: str, receiver: Receiver
) -> None:
    config_path = digest_config(tmp_path, page_server, database_url, receiver)
    record_in_process(config_path, page_server, ("google", "linkedin", "acme"))
    config = load_config(config_path)
    store = Store(database_url)
    clock = [datetime.now(UTC)]
    receiver.down = True

    down = send_notifications(config, store, now=lambda: clock[0])
    # One attempt per target and run while it is down: the rest of its queue waits untouched.
    assert [f.target for f in down.failed] == ["webhook", "newsroom"] and down.sent == []
    assert "503" in down.failed[0].error and SLACK_TOKEN not in down.failed[1].error
    assert receiver.refused == 2
    status = run_tracker("status", config=config_path)
    webhook = f"json://127.0.0.1:{receiver.port}/…"
    assert f"Notifications to webhook ({webhook}): 3 waiting (1 attempt, next " in status.stdout
    assert "Notifications to newsroom" in status.stdout and SLACK_TOKEN not in status.stdout

    clock[0] += timedelta(minutes=1)
    receiver.down = False
    later = send_notifications(config, store, now=lambda: clock[0])
    # The webhook's never-tried messages are due: the first one taken shows the service is back, so the refused
    # one goes too. The newsroom's only message waits out its 5 minutes.
    assert sorted((s.target, s.retry) for s in later.sent) == [("webhook", False)] * 2 + [("webhook", True)]
    assert receiver.at(SLACK) == []

    clock[0] += timedelta(minutes=5)
    due = send_notifications(config, store, now=lambda: clock[0])
    assert [(s.target, s.retry) for s in due.sent] == [("newsroom", True)]
    assert len(receiver.at(WEBHOOK)) == 3 and len(receiver.at(SLACK)) == 1

    clock[0] += timedelta(hours=7)
    assert send_notifications(config, store, now=lambda: clock[0]).sent == []
    assert NotificationOutbox(store).backlog() == []
    store.close()


def test_a_crash_after_the_service_took_a_message_posts_it_again_with_the_same_idempotency_key(
    tmp_path: Path, page_server: PageServer, receiver: Receiver
) -> None:
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    config_path = digest_config(tmp_path, page_server, database_url, receiver, ("google",))
    with_targets(config_path, [notify_targets(receiver)[0]])
    record_in_process(config_path, page_server, ("google",))
    config = load_config(config_path)
    store = Store(database_url)
    clock = [datetime.now(UTC)]

    class Crash(BaseException):
        """The process dies between the service's answer and the commit that records it."""

    def send_then_crash(url: str, message: Message, key: str) -> None:
        send_message(url, message, key)
        raise Crash

    with pytest.raises(Crash):
        send_notifications(config, store, sender=send_then_crash, now=lambda: clock[0])
    # Another run while the dead one's lease holds does not send it.
    assert send_notifications(config, store, retry_now=True, now=lambda: clock[0]).sent == []
    clock[0] += LEASE + timedelta(seconds=1)
    assert len(send_notifications(config, store, now=lambda: clock[0]).sent) == 1

    first, second = receiver.at(WEBHOOK)
    assert first.body == second.body
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]  # the receiver can drop one
    store.close()


def test_notify_test_sends_a_test_message_and_names_a_missing_target(tmp_path: Path, receiver: Receiver) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database: {{url: 'sqlite:///{tmp_path / 't.db'}'}}\n")
    with_targets(config, notify_targets(receiver))

    sent = run_tracker("notify", "test", "newsroom", config=config)
    assert sent.returncode == 0, sent.stderr
    assert f"sent a test message to newsroom (mmost://127.0.0.1:{receiver.port}/…)" in sent.stdout
    [message] = receiver.at(SLACK)
    assert "tracker: test message" in message.body["text"]

    missing = run_tracker("notify", "test", "slack", config=config)
    assert missing.returncode == 2 and "no notify target named 'slack' (targets: webhook, newsroom)" in missing.stderr

    receiver.down = True
    refused = run_tracker("notify", "test", "webhook", config=config)
    assert refused.returncode == 1 and "the test message to webhook did not go through" in refused.stderr


def test_a_url_apprise_cannot_use_stops_the_daemon_before_it_starts(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 't.db'}'}}\n"
        "services: {acme: {documents: {terms: {url: 'http://127.0.0.1:9/'}}}}\n"
        "notify:\n  - url: nosuchservice://secret-token-123456/room\n"
    )
    result = run_tracker("daemon", config=config, timeout=60)
    assert result.returncode == 2
    assert "key 'notify.0.url'" in result.stderr and "nosuchservice://sec…/…" in result.stderr
    assert "secret-token-123456" not in result.stderr


def test_the_daemon_sends_notifications_only_when_targets_are_configured(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database: {{url: 'sqlite:///{tmp_path / 't.db'}'}}\n")
    store = Store(load_config(config).database_url)
    without, with_targets_ = BackgroundScheduler(timezone=UTC), BackgroundScheduler(timezone=UTC)
    schedule_notifications(without, load_config(config), store)
    config.write_text(config.read_text() + "notify: [{url: 'json://127.0.0.1:9/x'}]\n")
    schedule_notifications(with_targets_, load_config(config), store)
    store.close()
    assert without.get_jobs() == []
    [job] = with_targets_.get_jobs()
    assert job.id == NOTIFY_JOB and job.executor == NOTIFY_JOB and job.trigger.interval == timedelta(seconds=60)


# -- config --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notify", "expected"),
    [
        ("  - url: hooks.example.org/x\n", "notify.0.url"),
        ("  - {url: 'json://a.example/x', ai_only: maybe}\n", "notify.0.ai_only"),
        ("  - {url: 'json://a.example/x', name: n}\n  - {url: 'json://b.example/y', name: n}\n", "two targets"),
        ("  - {url: 'json://a.example/x', name: 'has space'}\n", "notify.0.name"),
    ],
)
def test_notify_targets_are_checked_when_the_config_is_loaded(tmp_path: Path, notify: str, expected: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("schedule: 6h\nnotify:\n" + notify)
    with pytest.raises(ConfigError) as error:
        load_config(config)
    assert expected in str(error.value) and "line " in str(error.value)


def test_a_target_without_a_name_gets_one_that_lasts(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("notify:\n  - url: ntfy://ntfy.example.org/policy-watch\n")
    [target] = load_config(config).settings.notify
    assert target.key.startswith("ntfy-") and target.key == load_config(config).settings.notify[0].key
    assert target.ai_only is True


NOTIFY_DOC = (Path(__file__).parent.parent / "docs" / "notify.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("example", re.findall(r"```yaml\n(.*?)```", NOTIFY_DOC, re.DOTALL))
def test_every_example_in_the_notify_doc_is_a_config_apprise_can_send_with(tmp_path: Path, example: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(example)
    targets = load_config(config).settings.notify
    assert targets and all(check_url(target.url) is None for target in targets)


# -- the message, pure ---------------------------------------------------------------------------------------


def a_change(**fields: Any) -> ChangeRecord:
    defaults: dict[str, Any] = dict(
        id=42,
        service="linkedin",
        document="privacy-policy",
        from_version_id=1,
        to_version_id=2,
        detected_at=datetime(2024, 9, 19, 8, 0, tzinfo=UTC),
        kind="change",
        ai=True,
        score=0.97,
        category="training",
        terms=["generative AI"],
        evidence=[
            {
                "op": "insert",
                "text": "We may use your personal data to improve, develop, and provide products "
                "and Services, develop and train artificial intelligence (AI) models.",
            },
        ],
        inserted_words=312,
        deleted_words=40,
    )
    return ChangeRecord(**{**defaults, **fields})


def test_the_message_says_what_changed_with_the_evidence_and_a_link() -> None:
    message = build_message(
        a_change(), "LinkedIn Privacy Policy", "https://www.linkedin.com/legal/privacy-policy", "https://t.example/"
    )
    assert message.title == "LinkedIn Privacy Policy changed — AI: training"
    assert message.link == "https://t.example/changes/42"
    body = message_body(message)
    assert body.splitlines()[0] == "+312 −40 words · detected 19 Sep 2024 08:00 UTC"
    assert "“We may use your personal data" in body and "Change: https://t.example/changes/42" in body
    assert build_message(a_change(), "LinkedIn Privacy Policy").link is None  # no web view: no link
    returned = build_message(a_change(kind="return_of_known_version", ai=False), "LinkedIn Privacy Policy")
    assert returned.title == "LinkedIn Privacy Policy returned to an earlier version"  # not "changed"


def test_page_text_cannot_ping_a_room_or_reorder_what_it_shows() -> None:
    hostile = "Hello <!channel> and @here, see <https://evil.example|your bank> \u202eevil"
    shown = quoted(hostile)
    assert "<!channel>" not in shown and "@here" not in shown and "<https:" not in shown
    assert "⟦U+202E⟧" in shown and "\u202e" not in shown
    assert len(quoted("word " * 200)) <= 302


def test_urls_are_shown_without_their_secrets() -> None:
    assert masked_target_url("json://user:pw@hooks.example.org:8080/x?+Authorization=Bearer") == (
        "json://hooks.example.org:8080/…"
    )
    assert masked_target_url("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7") == "slack://T1J…/…"
    assert masked_target_url("tgram://123456789:abcdefg_hijklmnop/12315544/") == "tgram://123…/…"
    assert scrub("failed for TIiajkdnlazkcOXrIdevi7", "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7") == (
        "failed for …"
    )
    with pytest.raises(DeliveryError):
        send_message("nosuchservice://x", build_message(a_change(), "T"), "k")


def test_the_outbox_migration_upgrades_downgrades_and_upgrades_again(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine, "0009")
    assert "notifications" not in inspect(engine).get_table_names()
    migrate.upgrade(engine, "0010")
    assert "notifications" in inspect(engine).get_table_names()
    migrate.downgrade(engine, "0009")
    assert "notifications" not in inspect(engine).get_table_names() and "changes" in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


# -- the picture in the README -------------------------------------------------------------------------------


def test_the_slack_style_preview_renders_in_a_real_browser(
    tmp_path: Path, page_server: PageServer, receiver: Receiver
) -> None:
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    config = digest_config(tmp_path, page_server, database_url, receiver, ("google",))
    record_in_process(config, page_server, ("google",))
    preview = run_tracker("notify", "preview", "--format", "html", config=config)
    assert preview.returncode == 0, preview.stderr
    unknown = run_tracker("notify", "preview", "--change", "999", config=config)
    assert unknown.returncode == 2 and "no change 999 in the database" in unknown.stderr  # as for `diff --change`
    page = tmp_path / "message.html"
    page.write_text(preview.stdout, encoding="utf-8")
    assert receiver.taken == []  # a preview sends nothing

    browser = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
        "--hide-scrollbars",
    ]
    screenshot = tmp_path / "notify-slack-message.png"
    shot = subprocess.run(
        [*browser, "--window-size=760,420", f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shot.returncode == 0, shot.stderr
    assert "CONSOLE" not in shot.stderr
    image = screenshot.read_bytes()
    assert image.startswith(b"\x89PNG") and len(image) > 10_000  # docs/notify-slack-message.png is one such
