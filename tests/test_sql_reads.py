"""`tracker status` on a SQLite file reads through sqlite3 alone (tracker/store/sql_reads.py), and reads what the
Store reads; anything not plain (another schema, an unusual URL, a broken file) takes the Store's path and its
messages, as before."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import run_tracker
from sqlalchemy import create_engine, text

from tracker.store import NewChange, NewCheck, NewDigest, NotificationOutbox, Outbox, Store
from tracker.store.sql_reads import SqlReads, read_sqlite

REPO = Path(__file__).resolve().parents[1]
NOW = datetime.now(UTC).replace(microsecond=654321)
CHANGE = NewChange(
    kind="change", ai=True, score=0.9, category="training", terms=["ai"], evidence=[], inserted_words=3, deleted_words=1
)
CONFIG = """
schedule: 6h
daemon: {failing_after: 3, blind_after: 2d}
notify:
  - {url: 'json://hooks.example.org/a', name: chat}
services:
  acme:
    documents:
      terms: {url: 'http://127.0.0.1:9/terms', variants: {eu: {url: 'http://127.0.0.1:9/terms-eu'}}}
      tos_x: {url: 'http://127.0.0.1:9/x'}
      tosax: {url: 'http://127.0.0.1:9/y', variants: {eu: {url: 'http://127.0.0.1:9/y-eu'}}}
      privacy: {url: 'http://127.0.0.1:9/privacy'}
"""


def recorded(folder: Path) -> Path:
    """A SQLite database with every kind of row status reads: checks (variants, failures in a row), a pending and
    a failed digest, notifications waiting for a target in the config and for one gone from it."""
    database = folder / "tracker.db"
    store = Store(f"sqlite:///{database}")

    def check(document: str, outcome: str, hours: float, body: str | None = None, **extra: object) -> int | None:
        return store.record_check(
            NewCheck(
                service="acme",
                document=document,
                url=f"http://127.0.0.1:9/{document}",
                started_at=NOW - timedelta(hours=hours),
                duration=0.25,
                outcome=outcome,
                reason="HTTP 503" if outcome == "failed" else None,
                http_status=503 if outcome == "failed" else 200,
                text=body,
                text_sha256=hashlib.sha256(body.encode()).hexdigest() if body else None,
                **extra,  # type: ignore[arg-type]
            )
        ).change_id

    check("terms", "first_version", 50, "one")
    changed = check("terms", "changed", 30, "two", change=CHANGE, notify=("chat", "gone"))
    check("terms", "failed", 1)
    check("terms@eu", "first_version", 2, "eu")
    check("tos_x", "first_version", 3, "x")
    check("tosax", "first_version", 3, "y")
    check("tosax@eu", "first_version", 3, "y")
    for hours in (4, 3):
        check("privacy", "failed", hours)
    check("privacy", "failed", 2, retry_after=3600.0)  # a 429 that asked for an hour
    assert changed is not None
    outbox = Outbox(store)
    pending = outbox.create(NewDigest("a@example.org", "Changes", "<1@x>", "t", "h", (changed,)), NOW, timedelta(0))
    assert pending is not None
    outbox.mark_failed(pending.id, "421 later", NOW)
    failed = outbox.create(NewDigest("b@example.org", "Changes", "<2@x>", "t", "h", (changed,)), NOW, timedelta(0))
    assert failed is not None
    for _ in range(3):
        outbox.mark_failed(failed.id, "550 no", NOW, permanent=True)
    notifications = NotificationOutbox(store)
    waiting = notifications.next_due("chat", NOW + timedelta(days=1))
    assert waiting is not None
    notifications.mark_failed(waiting.id, "HTTP 500", NOW)
    store.close()
    config = folder / "config.yaml"
    config.write_text(f"database:\n  url: 'sqlite:///{database}'\n{CONFIG}")
    return config


def everything(reads: SqlReads) -> list[object]:
    return [
        reads.latest_checks(),
        reads.check_streaks(),
        reads.latest_checks("acme", "terms"),
        reads.check_streaks(document="tos_x"),  # `_` is no wildcard: tosax is not tos_x
        reads.latest_checks(document="tosax@eu"),
        reads.pending_digests(("pending", "failed")),
        reads.pending_digests(("pending",), recipient="a@example.org"),
        reads.notification_backlog(),
    ]


def test_sqlite3_reads_what_the_store_reads(tmp_path: Path) -> None:
    config = recorded(tmp_path)
    plain = read_sqlite(tmp_path / "tracker.db", everything)
    store = Store(f"sqlite:///{tmp_path / 'tracker.db'}", create=False)
    try:
        with store.sql_reads() as reads:
            assert plain == everything(reads)
        assert plain is not None and plain[0] == store.latest_checks() and plain[1] == store.check_streaks()
        assert plain[5] == Outbox(store).pending() and plain[7] == NotificationOutbox(store).backlog()
    finally:
        store.close()
    latest, streaks, terms, tos_x, tosax_eu, digests, of_a, backlog = plain
    assert set(terms) == {("acme", "terms"), ("acme", "terms@eu")}
    assert set(tos_x) == {("acme", "tos_x")} and set(tosax_eu) == {("acme", "tosax@eu")}
    assert latest["acme", "terms"].started_at == NOW - timedelta(hours=1)  # aware UTC, microseconds kept
    assert streaks["acme", "privacy"] == (NOW - timedelta(hours=4), None, 3)
    assert latest["acme", "privacy"].retry_after == 3600 and latest["acme", "terms"].retry_after is None
    assert [(d.recipient, d.status, d.changes) for d in digests] == [
        ("a@example.org", "pending", 1),
        ("b@example.org", "failed", 0),
    ]
    assert [d.recipient for d in of_a] == ["a@example.org"]
    assert [(b.target, b.pending, b.last_error) for b in backlog] == [("chat", 1, "HTTP 500"), ("gone", 1, None)]
    assert config.exists()


def test_status_on_sqlite_loads_no_sqlalchemy_and_says_what_the_store_path_says(tmp_path: Path) -> None:
    config = recorded(tmp_path)
    probe = (
        "import sys\nfrom tracker.cli import cli\n"
        "try:\n    cli(['status', '--json'], prog_name='tracker')\nexcept SystemExit as exit:\n    code = exit.code\n"
        "print(code, sorted(m for m in sys.modules if m.startswith('sqlalchemy')))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({"PYTHONPATH": str(REPO), "TRACKER_CONFIG": str(config)})
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    *report, last = result.stdout.splitlines()
    assert last == "1 []"  # failing (privacy never succeeded), and no SQLAlchemy loaded
    light = json.loads("\n".join(report))
    assert [d["document"] for d in light["documents"] if d["failing"]] == ["privacy"]
    # The same database through the Store: a URL with a query string is no plain file to sqlite3.
    unusual = {"TRACKER_DATABASE_URL": f"{_url(tmp_path)}?timeout=30"}
    store_path = run_tracker("status", "--json", config=config, env=unusual)
    assert store_path.returncode == 1, store_path.stderr
    through_store = json.loads(store_path.stdout)
    assert through_store.pop("database")["source"] == "$TRACKER_DATABASE_URL"
    light.pop("database")
    assert through_store == light
    text_light, text_store = run_tracker("status", config=config), run_tracker("status", config=config, env=unusual)
    assert "Acme Privacy is failing" in text_light.stdout and "Digest 2 to b@example.org" in text_light.stdout
    assert _without_source(text_light.stdout) == _without_source(text_store.stdout)


def test_a_database_not_plainly_at_the_head_revision_gets_the_stores_answer(tmp_path: Path) -> None:
    config = recorded(tmp_path)
    engine = create_engine(_url(tmp_path))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0010'"))
    engine.dispose()
    behind = run_tracker("status", config=config)
    assert behind.returncode == 3 and "run `tracker db upgrade`" in behind.stderr, behind.stderr

    (tmp_path / "tracker.db").write_bytes(b"")  # an empty file: SQLite reads it as a database without tables
    empty = run_tracker("status", config=config)
    assert empty.returncode == 3 and "holds no tracker records yet" in empty.stderr, empty.stderr

    (tmp_path / "tracker.db").write_bytes(b"not a database, not at all" * 100)
    broken = run_tracker("status", config=config)
    assert broken.returncode == 3 and "file is not a database" in broken.stderr, broken.stderr

    (tmp_path / "tracker.db").unlink()
    missing = run_tracker("status", config=config)
    assert missing.returncode == 3 and "no database at" in missing.stderr, missing.stderr
    assert not (tmp_path / "tracker.db").exists()


def test_a_symlinked_database_names_the_leader_of_its_real_file(tmp_path: Path) -> None:
    """The lock file is found from the resolved path, without SQLAlchemy's URL parsing: a daemon on the real
    file and status through a symlink agree on who leads."""
    import fcntl

    config = recorded(tmp_path)
    link = tmp_path / "link.db"
    link.symlink_to(tmp_path / "tracker.db")
    lock = os.open(tmp_path / "tracker.db.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(lock, b"pid 12345 on elsewhere since 2025-01-01 00:00:00 UTC\n")
        status = run_tracker("status", "--json", config=config, env={"TRACKER_DATABASE_URL": f"sqlite:///{link}"})
    finally:
        os.close(lock)
    assert json.loads(status.stdout)["leader"] == {
        "active": True,
        "holder": "pid 12345 on elsewhere since 2025-01-01 00:00:00 UTC",
    }


def _without_source(output: str) -> list[str]:
    return [line for line in output.splitlines() if not line.startswith("Database:")]


def _url(folder: Path) -> str:
    return f"sqlite:///{folder / 'tracker.db'}"
