"""Document health from the checks table: failures in a row, going blind, recovering; SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker.config import Config, parse_config
from tracker.schedules import parse_schedule, retry_delay
from tracker.status import MAX_ASKED_WAIT, assess, describe_duration, document_health, failing_documents
from tracker.store import CheckRecord, NewCheck, Store
from tracker.store.sql_reads import read_sqlite

NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
CONFIG = """
schedule: 6h
daemon: {failing_after: 3, blind_after: 2d}
services:
  acme:
    name: Acme
    documents:
      terms: {url: "http://127.0.0.1:9/terms"}
      privacy: {url: "http://127.0.0.1:9/privacy", schedule: "1h"}
      cookies: {url: "http://127.0.0.1:9/cookies"}
"""


def config() -> Config:
    return parse_config(CONFIG)


def record(
    store: Store,
    document: str,
    outcome: str,
    hours_ago: float,
    reason: str | None = None,
    retry_after: float | None = None,
    fingerprint: dict[str, int] | None = None,
) -> None:
    store.record_check(
        NewCheck(
            service="acme",
            document=document,
            url=f"http://127.0.0.1:9/{document}",
            started_at=NOW - timedelta(hours=hours_ago),
            duration=0.1,
            outcome=outcome,
            reason=reason,
            # A held capture (a fingerprint for later checks to confirm it by) came with a 200.
            http_status=503 if outcome == "failed" and fingerprint is None else 200 if fingerprint else 304,
            retry_after=retry_after,
            fingerprint=fingerprint,
        )
    )


def latest(outcome: str, hours_ago: float, reason: str | None = None) -> CheckRecord:
    return CheckRecord(
        id=1,
        service="acme",
        document="terms",
        started_at=NOW - timedelta(hours=hours_ago),
        duration=0.1,
        outcome=outcome,
        reason=reason,
        refusal=None,
        http_status=None,
        text_sha256=None,
        version_id=None,
        change_id=None,
    )


def test_three_failed_checks_in_a_row_make_a_document_failing_with_the_last_reason() -> None:
    document = next(config().documents(document="terms"))
    schedule = parse_schedule("6h")
    limits = {"failing_after": 3, "blind_after": timedelta(days=2), "now": NOW}
    two = assess(document, schedule, latest("failed", 1, "HTTP 503"), (NOW - timedelta(days=9), NOW, 2), **limits)
    assert not two.failing and two.consecutive_failures == 2
    three = assess(document, schedule, latest("failed", 1, "HTTP 503"), (NOW - timedelta(days=9), NOW, 3), **limits)
    assert three.failing and three.failing_reason == "3 failed checks in a row (last: HTTP 503)"
    # Retried 20 minutes after the third failure (5, 10, 20 ...), not a whole period later.
    assert three.next_check == NOW - timedelta(hours=1) + timedelta(minutes=20)


def test_no_success_for_longer_than_blind_after_is_failing_but_never_checked_is_not() -> None:
    document = next(config().documents(document="terms"))
    limits = {"failing_after": 3, "blind_after": timedelta(days=2), "now": NOW}
    last_success = NOW - timedelta(days=3)
    blind = assess(
        document, parse_schedule("6h"), latest("failed", 1), (NOW - timedelta(days=9), last_success, 1), **limits
    )
    assert blind.failing and "no successful check since 2025-03-02 12:00 UTC (more than 2 d)" in blind.failing_reason
    # A weekly document is not blind between two good checks: the limit is at least two periods.
    weekly = assess(document, parse_schedule("1w"), latest("unchanged", 72), (NOW, last_success, 0), **limits)
    assert not weekly.failing
    never = assess(document, parse_schedule("6h"), None, None, **limits)
    assert not never.failing and never.next_check == NOW and never.last_attempt is None


def test_a_daemon_that_was_down_for_days_finds_nothing_failing_on_its_return() -> None:
    document = next(config().documents(document="terms"))
    limits = {"failing_after": 3, "blind_after": timedelta(days=2), "now": NOW}
    before_the_outage = NOW - timedelta(days=5)
    returning = assess(
        document,
        parse_schedule("6h"),
        latest("unchanged", 24 * 5),
        (NOW - timedelta(days=9), before_the_outage, 0),
        **limits,
    )
    assert not returning.failing and returning.next_check <= NOW  # overdue: checked at once


def test_health_comes_from_the_checks_and_a_success_clears_failing(database_url: str) -> None:
    store = Store(database_url)
    try:
        record(store, "terms", "unchanged", 10)
        for hours in (3, 2, 1):
            record(store, "terms", "failed", hours, "HTTP 503")
        record(store, "privacy", "failed", 5, "HTTP 503")
        record(store, "privacy", "unchanged", 4)
        record(store, "privacy", "failed", 0.5, "read timed out")

        health = {h.document: h for h in document_health(config(), store, now=NOW)}
        assert [h.document for h in failing_documents(config(), store, now=NOW)] == ["terms"]
        terms, privacy, cookies = health["terms"], health["privacy"], health["cookies"]
        assert terms.failing and terms.consecutive_failures == 3 and terms.last_outcome == "failed"
        assert terms.last_success == NOW - timedelta(hours=10) and terms.last_attempt == NOW - timedelta(hours=1)
        assert terms.failing_reason == "3 failed checks in a row (last: HTTP 503)"
        assert privacy.consecutive_failures == 1 and not privacy.failing and privacy.last_reason == "read timed out"
        assert privacy.next_check == NOW - timedelta(minutes=30) + timedelta(minutes=5)  # a retry, 5 min on
        assert cookies.last_attempt is None and not cookies.failing and cookies.consecutive_failures == 0

        record(store, "terms", "unchanged", 0.1)
        assert failing_documents(config(), store, now=NOW) == []
        [terms] = document_health(config(), store, now=NOW, service="acme", document="terms")
        assert terms.consecutive_failures == 0 and terms.last_success == NOW - timedelta(hours=0.1)
    finally:
        store.close()


def test_a_failed_check_is_tried_again_no_sooner_than_its_server_asked_even_after_a_restart(database_url: str) -> None:
    """Retry-After (a 429 or 503) is kept with the check: the health any process reads from the database (a daemon
    starting, `tracker status`) plans the next try after it, up to MAX_ASKED_WAIT, not at the first retry."""
    store = Store(database_url)
    try:
        record(store, "terms", "unchanged", 10)
        record(store, "terms", "failed", 1, "HTTP 429 Too Many Requests", retry_after=3 * 3600)
        record(store, "privacy", "failed", 1, "HTTP 503 Service Unavailable", retry_after=30 * 86400)
        record(store, "cookies", "failed", 1, "HTTP 503 Service Unavailable")
        health = {h.document: h for h in document_health(config(), store, now=NOW)}
    finally:
        store.close()
    asked_at = NOW - timedelta(hours=1) + timedelta(seconds=0.1)  # the check's start and its duration
    assert health["terms"].next_check == asked_at + timedelta(hours=3)
    assert health["privacy"].next_check == asked_at + MAX_ASKED_WAIT  # a month is junk or a ban: a day
    assert health["cookies"].next_check == NOW - timedelta(hours=1) + timedelta(minutes=5)  # its own first retry


def test_a_document_never_checked_successfully_is_failing_from_its_first_failed_check(database_url: str) -> None:
    store = Store(database_url)
    try:
        record(store, "terms", "failed", 1, "cannot resolve acme.test")
        [terms] = document_health(config(), store, now=NOW, document="terms")
        assert terms.failing and terms.last_success is None and terms.consecutive_failures == 1
        assert terms.failing_reason == "never checked successfully (1 failed check; last: cannot resolve acme.test)"
        assert terms.next_check == NOW - timedelta(hours=1) + timedelta(minutes=5)
        record(store, "terms", "failed", 0.5, "HTTP 403")
        [terms] = document_health(config(), store, now=NOW, document="terms")
        assert terms.failing_reason == "never checked successfully (2 failed checks; last: HTTP 403)"
        assert terms.next_check == NOW - timedelta(minutes=30) + timedelta(minutes=10)
        record(store, "terms", "first_version", 0.1)
        [terms] = document_health(config(), store, now=NOW, document="terms")
        assert not terms.failing and terms.next_check == NOW - timedelta(minutes=6) + timedelta(hours=6)
    finally:
        store.close()


def test_a_held_capture_awaits_confirmation_and_is_not_failing_while_one_can_come(database_url: str) -> None:
    """A user's test: a rewrite held for confirmation read as "failing, 3 failed checks in a row" in `status` and in
    the digest for hours, as if the page could not be read. A held capture is the page seen and kept."""
    store = Store(database_url)
    held = {"words": 1200}  # a fingerprint: what later checks compare a capture with to confirm it

    def hold(document: str, hours_ago: float) -> None:
        record(store, document, "failed", hours_ago, "looks like another document (held)", fingerprint=held)

    try:
        record(store, "terms", "unchanged", 10)
        for hours in (3, 2, 1):
            hold("terms", hours)
        hold("privacy", 1)  # never checked successfully: nothing in force, its held first capture is a failure
        record(store, "cookies", "unchanged", 72)
        for hours in (60, 30, 1):
            hold("cookies", hours)
        reads = [lambda: document_health(config(), store, now=NOW)]
        if database_url.startswith("sqlite"):
            path = Path(database_url.removeprefix("sqlite:///"))
            reads.append(lambda: read_sqlite(path, lambda sql: document_health(config(), sql, now=NOW)))
        for read in reads:
            health = {h.document: h for h in read()}
            terms, privacy, cookies = health["terms"], health["privacy"], health["cookies"]
            assert terms.last_outcome == "held" and not terms.failing and terms.consecutive_failures == 3
            assert privacy.last_outcome != "held" and privacy.failing
            assert privacy.failing_reason.startswith("never checked successfully")
            assert cookies.last_outcome != "held" and cookies.failing  # blind for 3 days: held or not
            assert "failed checks in a row" in cookies.failing_reason
        record(store, "terms", "failed", 0.5, "HTTP 503")
        [terms] = document_health(config(), store, now=NOW, document="terms")
        assert terms.last_outcome == "failed" and terms.failing  # a failure after held captures counts them all
        # A review: 503s for 20 hours, then one held capture, is an outage, not a page awaiting confirmation.
        record(store, "privacy", "unchanged", 21)
        for hours in range(20, 1, -2):
            record(store, "privacy", "failed", hours, "HTTP 503")
        hold("privacy", 0.2)
        [privacy] = document_health(config(), store, now=NOW, document="privacy")
        assert privacy.last_outcome != "held" and privacy.failing
    finally:
        store.close()


@pytest.mark.parametrize(
    ("failures", "period", "delay"),
    [(1, "6h", 5), (2, "6h", 10), (3, "6h", 20), (7, "6h", 320), (8, "6h", 360), (40, "6h", 360), (2, "5m", 5)],
)
def test_a_failed_check_is_retried_with_a_doubling_delay_up_to_the_period(
    failures: int, period: str, delay: int
) -> None:
    assert retry_delay(failures, parse_schedule(period)) == timedelta(minutes=delay)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(40, "40 s"), (0, "0 s"), (3600 * 5 + 720, "5 h 12 min"), (86400 * 3, "3 d"), (90061, "1 d 1 h")],
)
def test_durations_read_as_people_say_them(seconds: int, text: str) -> None:
    assert describe_duration(timedelta(seconds=seconds)) == text


def test_the_status_table_says_why_a_document_is_held() -> None:
    from io import StringIO

    from rich.console import Console

    from tracker.terminal import print_status

    document = next(config().documents(document="terms"))
    schedule = parse_schedule("6h")
    held = replace(latest("failed", 1, "looks truncated: the text stops inside a word"), held=True)
    health = assess(
        document,
        schedule,
        held,
        (NOW - timedelta(days=9), NOW - timedelta(hours=3), 2),
        failing_after=3,
        blind_after=timedelta(days=2),
        now=NOW,
    )
    out = StringIO()
    print_status(Console(file=out, width=120), [health], None, "config.yaml", "sqlite:///tracker.db")
    shown = out.getvalue()
    assert "held, awaiting confirmation" in shown and "is held: looks truncated" in shown and "failing" not in shown
