"""Schedules, first runs after a (re)start, the leader locks and the per-check deadline, without a daemon."""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from conftest import POSTGRES_URL, skip_without_postgres

from tracker.config import ConfigError, FetchSettings, parse_config
from tracker.fetch import Fetcher, FetchResult
from tracker.leader import FileLeaderLock, leader_lock
from tracker.leader_postgres import PostgresLeaderLock
from tracker.logs import SkippedRun
from tracker.scheduler import (
    CheckDeadline,
    _OncePerSlot,
    check_budget,
    schedule_digest,
)
from tracker.schedules import (
    MAX_CATCH_UP_WINDOW,
    ScheduleError,
    digest_schedule,
    next_due,
    parse_digest_schedule,
    parse_duration,
    parse_schedule,
    plan_first_runs,
    spread_overdue,
)
from tracker.store import Store

NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)  # a Wednesday


# -- schedules -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("15m", 900), ("6h", 21600), ("1d", 86400), ("1.5h", 5400), (" 2w ", 1209600)]
)
def test_intervals_are_a_number_and_a_unit(text: str, seconds: int) -> None:
    schedule = parse_schedule(text)
    assert schedule.interval == timedelta(seconds=seconds)
    assert schedule.next_after(NOW) == NOW + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "text", ["6", "6x", "every 6h", "0s", "0 8 * *", "0 25 * * *", "0 8 * * 9", "0 8 * * 5-2", "0 0 1 * 1"]
)
def test_a_schedule_that_means_nothing_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ScheduleError, match=r"'") as error:
        parse_schedule(text)
    assert text.strip() in str(error.value)


def test_cron_weekdays_count_from_sunday_as_in_crontab() -> None:
    monday_8am = parse_schedule("0 8 * * 1")
    assert monday_8am.next_after(NOW) == datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    weekdays = parse_schedule("0 8 * * 1-5")
    assert weekdays.next_after(datetime(2025, 3, 7, 9, 0, tzinfo=UTC)) == datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    assert parse_schedule("0 8 * * 0").next_after(NOW) == parse_schedule("0 8 * * 7").next_after(NOW)
    assert parse_schedule("0 8 * * 0").next_after(NOW).strftime("%A") == "Sunday"
    assert parse_schedule("@daily").next_after(NOW) == datetime(2025, 3, 6, 0, 0, tzinfo=UTC)


def test_a_weekday_cron_has_the_period_of_its_longest_gap() -> None:
    assert parse_schedule("0 8 * * 1-5").period == timedelta(days=3)
    assert parse_schedule("*/10 * * * *").period == timedelta(minutes=10)


def test_jitter_is_a_tenth_of_the_period_capped_at_a_quarter_hour() -> None:
    assert parse_schedule("2s").jitter == pytest.approx(0.2)
    assert parse_schedule("30m").jitter == 180
    assert parse_schedule("6h").jitter == 900
    assert parse_schedule("1d").jitter == 900


def test_durations() -> None:
    assert parse_duration("2d") == timedelta(days=2)
    with pytest.raises(ScheduleError, match="30s, 15m, 6h, 1d"):
        parse_duration("two days")


def test_a_bad_document_schedule_is_a_config_error_naming_its_key_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 5, key 'services\.acme\.documents\.terms\.schedule'.*'soon'"):
        parse_config(
            "schedule: 6h\nservices:\n  acme:\n    documents:\n      terms: {url: 'http://x/', schedule: 'soon'}\n",
            tmp_path / "config.yaml",
        )
    with pytest.raises(ConfigError, match=r"key 'schedule'"):
        parse_config("schedule: weekly\nservices:\n  acme:\n    documents:\n      terms: {url: 'http://x/'}\n")


def test_the_digest_schedule_is_daily_or_weekly_in_its_time_zone() -> None:
    paris = parse_digest_schedule("daily 08:00", "Europe/Paris")
    assert paris.next_after(NOW) == datetime(2025, 3, 6, 7, 0, tzinfo=UTC)  # 08:00 in Paris is 07:00 UTC in March
    monday = parse_digest_schedule("weekly monday 08:30", "UTC")
    assert monday.next_after(NOW) == datetime(2025, 3, 10, 8, 30, tzinfo=UTC)
    for bad in ("hourly", "daily 8am", "daily 24:00", "weekly 08:00"):
        with pytest.raises(ScheduleError):
            parse_digest_schedule(bad, "UTC")
    email = "email: {from: t@example.org, to: me@example.org, timezone: Mars/Olympus}\n"
    with pytest.raises(ConfigError, match=r"email\.timezone"):
        digest_schedule(parse_config(email))


# -- when checks run after a (re)start --------------------------------------------------------------------------


def test_a_document_never_checked_is_due_now_and_then_one_period_after_its_last_check() -> None:
    schedule = parse_schedule("6h")
    assert next_due(schedule, None, NOW) == NOW
    assert next_due(schedule, NOW - timedelta(hours=1), NOW) == NOW + timedelta(hours=5)


def test_a_restart_right_after_a_check_waits_for_the_interval() -> None:
    schedules = {"terms": parse_schedule("6h")}
    last = NOW - timedelta(seconds=1)
    for seed in range(20):
        first = plan_first_runs(schedules, {"terms": last}, NOW, random.Random(seed))["terms"]
        assert last + timedelta(hours=6) <= first <= last + timedelta(hours=6, minutes=15)


def test_a_day_of_downtime_checks_each_overdue_document_once_spread_out() -> None:
    schedules = {f"doc{n}": parse_schedule("1h") for n in range(12)}
    last = {key: NOW - timedelta(hours=24, minutes=n) for n, key in enumerate(schedules)}
    last["doc5"] = None  # never checked: the most overdue of all, nothing of it is on record
    last["doc11"] = NOW - timedelta(minutes=30)  # checked half an hour ago: not overdue
    first = plan_first_runs(schedules, last, NOW, random.Random(1))

    assert first["doc5"] == NOW  # never checked: at once, nothing of it is on record
    overdue = sorted((moment, key) for key, moment in first.items() if key not in ("doc5", "doc11"))
    assert len({moment for moment, _ in overdue}) == 10  # one run each, none at the same moment
    assert overdue[0] == (NOW, "doc10")  # by how overdue they are
    assert all(NOW <= moment < NOW + MAX_CATCH_UP_WINDOW for moment, _ in overdue)
    gaps = {later[0] - earlier[0] for earlier, later in pairwise(overdue)}
    assert gaps == {MAX_CATCH_UP_WINDOW / 10}
    assert first["doc11"] >= NOW + timedelta(minutes=30)


def test_a_new_install_checks_every_document_at_once() -> None:
    schedules = {f"doc{n}": parse_schedule("6h") for n in range(6)}
    assert set(plan_first_runs(schedules, dict.fromkeys(schedules), NOW).values()) == {NOW}


def test_after_a_failed_check_a_restart_plans_the_retry_not_the_next_period() -> None:
    schedules = {"terms": parse_schedule("6h")}
    last = NOW - timedelta(minutes=2)
    plan = plan_first_runs(schedules, {"terms": last}, NOW, failures={"terms": 2}, retry=timedelta(minutes=5))
    assert plan == {"terms": last + timedelta(minutes=10)}


def test_overdue_documents_on_a_short_schedule_catch_up_within_one_period() -> None:
    due = {"a": NOW - timedelta(seconds=10), "b": NOW - timedelta(seconds=5), "c": NOW + timedelta(seconds=1)}
    spread = spread_overdue(due, NOW, timedelta(seconds=2))
    assert spread == {"a": NOW, "b": NOW + timedelta(seconds=1), "c": NOW + timedelta(seconds=1)}
    plan = plan_first_runs({"a": parse_schedule("2s")}, {"a": NOW - timedelta(days=1)}, NOW)
    assert plan == {"a": NOW}


# -- one leader ---------------------------------------------------------------------------------------------------


def test_a_lock_file_beside_the_sqlite_database_admits_one_leader(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db.lock"
    config = parse_config(f"database: {{url: 'sqlite:///{tmp_path / 'tracker.db'}'}}\n")
    first, second = leader_lock(config), FileLeaderLock(path)
    assert isinstance(first, FileLeaderLock) and first.path == path
    try:
        assert first.holder() is None
        assert first.acquire() and first.held()
        assert not second.acquire()
        assert "pid" in (second.holder() or "")
        first.close()
        assert second.acquire() and second.held()
    finally:
        first.close()
        second.close()


def test_an_in_memory_database_cannot_have_a_leader() -> None:
    with pytest.raises(ConfigError, match=r"database\.url"):
        leader_lock(parse_config("database: {url: 'sqlite://'}\n"))


@pytest.fixture
def postgres_schemas() -> Iterator[list[str]]:
    """Two fresh schemas in the test database, as two trackers sharing a PostgreSQL server would have."""
    skip_without_postgres()
    import psycopg

    dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    names = [f"test_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with psycopg.connect(dsn, autocommit=True) as connection:
        for name in names:
            connection.execute(f"CREATE SCHEMA {name}")
    yield [f"{POSTGRES_URL}?options=-csearch_path%3D{name}" for name in names]
    with psycopg.connect(dsn, autocommit=True) as connection:
        for name in names:
            connection.execute(f"DROP SCHEMA {name} CASCADE")


def test_a_postgresql_advisory_lock_admits_one_leader_per_tracker_database(postgres_schemas: list[str]) -> None:
    url, other_tracker = postgres_schemas
    first, second, elsewhere = PostgresLeaderLock(url), PostgresLeaderLock(url), PostgresLeaderLock(other_tracker)
    try:
        assert second.holder() is None
        assert first.acquire() and first.held()
        assert not second.acquire() and not second.held()
        assert "tracker daemon pid" in (second.holder() or "")
        assert elsewhere.acquire()  # another schema is another tracker: its own leader
        first.close()  # as when the leader's connection ends: the server releases the lock (within moments)
        assert wait_until(second.acquire, timeout=10) and second.held()
    finally:
        for lock in (first, second, elsewhere):
            lock.close()


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# -- a check cannot run forever -----------------------------------------------------------------------------------


def test_a_server_trickling_bytes_forever_is_cut_at_the_check_budget() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def trickle() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
            while not done.wait(0.2):
                connection.sendall(b"x")

    threading.Thread(target=trickle, daemon=True).start()
    deadline = CheckDeadline(budget=1.0)
    fetcher = Fetcher(FetchSettings(retries=0, read_timeout=5, host_gap=0), transport=deadline)
    started = time.monotonic()
    try:
        with deadline.running():
            result = fetcher.fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/terms")
    finally:
        done.set()
        fetcher.close()
        listener.close()
    assert not result.ok and "budget" in (result.error or "")
    assert time.monotonic() - started < 5


def test_the_check_budget_covers_every_attempt_and_wait() -> None:
    settings = FetchSettings(retries=2, connect_timeout=10, read_timeout=30, host_gap=2, max_retry_after=60)
    assert check_budget(settings) == 3 * 42 + 2 * 60


# -- the digest ------------------------------------------------------------------------------------------------


def test_the_daemon_schedules_the_digest_only_when_email_is_configured(tmp_path: Path) -> None:
    database = f"database: {{url: 'sqlite:///{tmp_path / 'tracker.db'}'}}\n"
    email = "email: {from: t@example.org, to: me@example.org, schedule: 'weekly mon 08:30', timezone: Europe/Paris}\n"
    store = Store(parse_config(database).database_url)
    try:
        without, with_email = BackgroundScheduler(timezone=UTC), BackgroundScheduler(timezone=UTC)
        schedule_digest(without, parse_config(database), store)
        schedule_digest(with_email, parse_config(database + email), store)
    finally:
        store.close()
    assert without.get_jobs() == []
    jobs = {job.id: job for job in with_email.get_jobs()}
    assert jobs["digest"].executor == "digest" and jobs["digest"].misfire_grace_time >= 3600
    fire = jobs["digest"].trigger.get_next_fire_time(None, NOW)
    assert fire.astimezone(UTC) == datetime(2025, 3, 10, 7, 30, tzinfo=UTC)  # 08:30 in Paris
    assert "digest retry" in jobs  # digests the mail server refused are offered again every few minutes


def test_a_digest_slot_missed_while_no_daemon_led_is_sent_at_start(tmp_path: Path) -> None:
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%H:%M")
    database = f"database: {{url: 'sqlite:///{tmp_path / 'tracker.db'}'}}\n"
    email = f"email: {{from: t@example.org, to: me@example.org, schedule: 'daily {an_hour_ago}'}}\n"
    config = parse_config(database + email)
    store = Store(config.database_url)
    try:
        scheduler = BackgroundScheduler(timezone=UTC)
        schedule_digest(scheduler, config, store)
    finally:
        store.close()
    due = scheduler.get_job("digest").next_run_time
    assert abs((due - datetime.now(UTC)).total_seconds()) < 60  # now, not tomorrow


def test_the_digest_runs_once_when_clocks_go_back_and_a_local_time_comes_twice() -> None:
    runs = []

    def run(config: object, store: object) -> SimpleNamespace:
        runs.append(1)
        return SimpleNamespace(sent=(), failed=())

    once = _OncePerSlot(run, timedelta(hours=12))
    once(None, None, "digest")
    once(None, None, "digest")  # 02:30 again, an hour later by UTC
    assert len(runs) == 1


def test_a_deleted_lock_file_is_a_lost_lock_and_is_taken_again_from_a_new_file(tmp_path: Path) -> None:
    lock = FileLeaderLock(tmp_path / "tracker.db.lock")
    try:
        assert lock.acquire()
        lock.path.unlink()
        assert not lock.held()
        assert lock.acquire() and lock.held() and lock.path.exists()
    finally:
        lock.close()


def test_retry_after_is_read_only_from_a_refusal() -> None:
    """A 429 or 503 with Retry-After: kept with the check, the next try waits for it (tests/test_status.py)."""
    started = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    def fetched(status: int, **headers: str) -> FetchResult:
        return FetchResult("https://a.test/p", "https://a.test/p", status, headers, None, started, 0.5)

    assert fetched(429, **{"retry-after": "3600"}).retry_after == 3600
    assert fetched(503, **{"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}).retry_after == 0  # a date gone by
    assert fetched(200, **{"retry-after": "3600"}).retry_after is None  # only a refusal asks us to wait
    assert fetched(429, **{"retry-after": "soon"}).retry_after is None
    assert fetched(429).retry_after is None


def test_a_run_skipped_while_a_slow_check_still_runs_is_said_in_tracker_s_words() -> None:
    """A user's test saw APScheduler's own warning in the daemon's log when a check waited on a Retry-After."""
    record = logging.LogRecord(
        "apscheduler.scheduler",
        logging.WARNING,
        __file__,
        1,
        'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
        ("Google Broken (trigger: interval[0:00:30], next run at: 2026-12-02 14:06:41 UTC)", 1),
        None,
    )
    assert SkippedRun().filter(record)
    assert record.levelno == logging.INFO
    assert record.getMessage() == "Google Broken: still running when its next check came, which is skipped"
