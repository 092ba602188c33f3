"""Storage on real databases (SQLite and PostgreSQL): versions, returns, atomic checks, migrations."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tracker.store import NewChange, NewCheck, NewSnapshot, SchemaError, Store, migrate

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def sha(value: str | bytes) -> str:
    return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()


def new_check(text: str | None, when: datetime, outcome: str, change: NewChange | None = None) -> NewCheck:
    body = f"<html><body><p>{text}</p></body></html>".encode() if text else None
    return NewCheck(
        service="acme",
        document="privacy",
        url="http://127.0.0.1/privacy",
        started_at=when,
        duration=0.1,
        outcome=outcome,
        final_url="http://127.0.0.1/privacy",
        http_status=200,
        attempts=[{"status": 200, "error": None, "duration": 0.1}],
        text=text,
        text_sha256=sha(text) if text else None,
        snapshot=NewSnapshot(
            url="http://127.0.0.1/privacy",
            final_url="http://127.0.0.1/privacy",
            status=200,
            headers={"content-type": "text/html"},
            content_type="text/html",
            body=body,
            raw_sha256=sha(body),
            fetched_at=when,
        )
        if body
        else None,
        change=change,
    )


def a_change(kind: str = "change") -> NewChange:
    return NewChange(kind, False, 0.0, "none", [], [], 3, 2)


def test_the_revisions_read_without_alembic_are_alembics() -> None:
    # Opening a store reads the migration files itself (importing Alembic costs a third of a second per command).
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate._alembic_config())
    assert migrate.known_revisions() == {s.revision: s.down_revision for s in scripts.walk_revisions()}
    assert migrate.head_revision() == scripts.get_current_head()


def test_a_store_opens_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    Store(url).close()  # creates the schema (Alembic runs)
    script = f"import sys; from tracker.store import Store; Store({url!r}).close(); print('alembic' in sys.modules)"
    opened = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert opened.stdout == "False\n"


def test_an_empty_database_gets_its_schema_on_first_use(database_url: str) -> None:
    store = Store(database_url)
    assert {"documents", "snapshots", "versions", "changes", "checks"} <= set(inspect(store.engine).get_table_names())
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    store.close()


def test_a_version_keeps_its_raw_capture_and_hashes(database_url: str) -> None:
    store = Store(database_url)
    saved = store.record_check(new_check("We collect data.", T0, "first_version"))
    [version] = store.versions("acme")
    assert version.id == saved.version_id and version.text_sha256 == sha("We collect data.")
    snapshot = store.snapshot(version.snapshot_id)
    body = store.snapshot_body(version.snapshot_id)
    assert snapshot.raw_sha256 == sha(body) and snapshot.raw_size == len(body)
    assert b"We collect data." in body and snapshot.fetched_at == T0
    assert store.version_text(version.id) == "We collect data."
    store.close()


def test_an_unchanged_check_moves_last_seen_and_adds_no_version(database_url: str) -> None:
    store = Store(database_url)
    store.record_check(new_check("Text A.", T0, "first_version"))
    later = T0 + timedelta(hours=6)
    store.record_check(new_check(None, later, "unchanged"))
    [version] = store.versions("acme")
    assert version.first_seen_at == T0 and version.last_seen_at == later
    assert len(store.checks("acme")) == 2
    store.close()


def test_a_text_seen_before_is_a_return_not_a_new_version(database_url: str) -> None:
    store = Store(database_url)
    store.record_check(new_check("Text A.", T0, "first_version"))
    store.record_check(new_check("Text B.", T0 + timedelta(hours=1), "changed", a_change()))
    returned = store.record_check(
        new_check("Text A.", T0 + timedelta(hours=2), "returned", a_change("return_of_known_version"))
    )
    versions = store.versions("acme")
    assert len(versions) == 2
    assert returned.version_id == versions[0].id
    state = store.document_state("acme", "privacy")
    assert state.latest is not None and state.latest.id == versions[0].id and state.latest_text == "Text A."
    kinds = [change.kind for change in store.changes("acme")]
    assert kinds == ["return_of_known_version", "change"]
    store.close()


def test_a_check_that_fails_halfway_leaves_nothing_behind(database_url: str) -> None:
    store = Store(database_url)
    store.record_check(new_check("Text A.", T0, "first_version"))
    # A change the database refuses (its CHECK constraint) after the version and snapshot rows were written.
    with pytest.raises(IntegrityError):
        store.record_check(new_check("Text B.", T0 + timedelta(hours=1), "changed", a_change("bogus")))
    assert [v.text_sha256 for v in store.versions("acme")] == [sha("Text A.")]
    assert len(store.checks("acme")) == 1 and store.changes("acme") == []
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM snapshots")).scalar() == 1
    store.close()


def test_migrations_upgrade_downgrade_and_upgrade_again(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert "versions" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_a_database_behind_or_ahead_of_the_code_says_which(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    with pytest.raises(SchemaError, match="tracker db upgrade"):
        Store(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    engine.dispose()
    with pytest.raises(SchemaError, match="migrated by a newer tracker"):
        Store(database_url)


def test_times_come_back_in_utc(database_url: str) -> None:
    store = Store(database_url)
    store.record_check(new_check("Text A.", T0, "first_version"))
    [version] = store.versions("acme")
    assert version.first_seen_at.tzinfo is not None and version.first_seen_at == T0
    store.close()
