"""Document health (last attempt, last success, failures in a row, failing or not, next check), from the checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tracker.config import Config, Document
from tracker.schedules import FIRST_RETRY, Schedule, blind_after, document_schedules, first_retry, next_due
from tracker.store.sql_reads import CheckRecord, Streak


class CheckReader(Protocol):
    """Where health comes from: the Store, or `tracker status`'s plain reads of a SQLite file (SqlReads)."""

    def latest_checks(
        self, service: str | None = None, document: str | None = None
    ) -> dict[tuple[str, str], CheckRecord]: ...

    def check_streaks(
        self, service: str | None = None, document: str | None = None
    ) -> dict[tuple[str, str], Streak]: ...


@dataclass(frozen=True)
class DocumentHealth:
    """What `tracker status` shows for one document, and what the digest reports when it is failing."""

    service: str
    document: str
    title: str
    url: str
    schedule: str
    last_attempt: datetime | None
    last_outcome: str | None
    last_reason: str | None
    last_success: datetime | None
    consecutive_failures: int
    failing: bool
    failing_reason: str | None
    next_check: datetime

    def as_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "service": self.service,
            "document": self.document,
            "title": self.title,
            "url": self.url,
            "schedule": self.schedule,
            "last_attempt": iso(self.last_attempt),
            "last_outcome": self.last_outcome,
            "last_reason": self.last_reason,
            "last_success": iso(self.last_success),
            "consecutive_failures": self.consecutive_failures,
            "failing": self.failing,
            "failing_reason": self.failing_reason,
            "next_check": iso(self.next_check),
        }


def assess(
    document: Document,
    schedule: Schedule,
    latest: CheckRecord | None,
    streak: Streak | None,
    *,
    failing_after: int,
    blind_after: timedelta,
    now: datetime,
    first_retry: timedelta = FIRST_RETRY,
    confirm_within: timedelta = timedelta(hours=12),
) -> DocumentHealth:
    """The health of one document from its newest check and its streak (first check, last success, failures since).

    Failing: a document never checked successfully, from its first failed check (nothing of it is on record:
    there is no "still fine" to assume); `failing_after` failed checks in a row; or no successful check for
    longer than `blind_after` (never less than two periods of the document's schedule, so that a weekly
    document is not failing between two good checks). A document never checked is not failing. A success
    clears it. A document with a version in force whose newest check is held (awaiting confirmation) is failing only
    when blind too long.
    A failed check is tried again after `retry_delay` (from `first_retry`), not a period later, and no sooner than
    its server asked (Retry-After on a 429 or 503, up to MAX_ASKED_WAIT).
    """
    first_attempt, last_success, failures = streak if streak else (None, None, 0)
    reason = None
    last = f" (last: {latest.reason})" if latest and latest.reason else ""
    # A held capture (a rewrite, a cut that checks over `checks.confirm_span` may confirm) of a document with a
    # version in force is the page seen and kept, awaiting confirmation: failing only once blind too long. A document
    # never checked successfully has nothing in force: its held first captures are failing as any other failure.
    # Held longer than a confirmation takes (confirm_span after the first sighting, at most a period, or a day, after
    # the last success) is no longer awaiting it: a page that keeps being held, or failed before it was, is failing.
    held = (
        latest is not None
        and latest.held
        and failures > 0
        and last_success is not None
        and now - last_success <= confirm_within + min(schedule.period, HELD_SLACK)
    )
    if failures and last_success is None and not held:
        last = f"; last: {latest.reason}" if latest and latest.reason else ""
        reason = f"never checked successfully ({_count(failures, 'failed check')}{last})"
    elif failures >= failing_after and not held:
        reason = f"{failures} failed checks in a row{last}"
    elif first_attempt is not None:
        seen = last_success or first_attempt
        limit = max(blind_after, 2 * schedule.period)
        # Blind only if checks kept being tried past the limit: a daemon that was simply not running for a
        # while has seen nothing fail, and says so by its last attempt, not by calling everything failing.
        tried_since = latest is not None and latest.started_at - seen > limit
        if now - seen > limit and tried_since:
            since = f"since {seen:%Y-%m-%d %H:%M} UTC" if last_success else "ever"
            reason = f"no successful check {since} (more than {describe_duration(limit)})"
    next_check = next_due(schedule, latest.started_at if latest else None, now, failures, first_retry)
    if latest is not None and latest.outcome == "failed" and (asked := asked_to_wait(latest)) is not None:
        next_check = max(next_check, asked)
    return DocumentHealth(
        service=document.service,
        document=document.key,
        title=document.title,
        url=document.url,
        schedule=schedule.text,
        last_attempt=latest.started_at if latest else None,
        # A failed check whose page was kept as evidence is a suspect capture (docs/decisions/0014).
        last_outcome=("held" if held else "suspect" if latest.suspect else latest.outcome) if latest else None,
        last_reason=latest.reason if latest else None,
        last_success=last_success,
        consecutive_failures=failures,
        failing=reason is not None,
        failing_reason=reason,
        next_check=next_check,
    )


HELD_SLACK = timedelta(days=1)  # the most a held capture may come after the last success and still await confirmation

# A Retry-After is honoured up to a day: beyond that it is junk or a ban, and a day later we ask again.
MAX_ASKED_WAIT = timedelta(days=1)


def asked_to_wait(check: CheckRecord) -> datetime | None:
    """The earliest the server asked us to come back after this check (Retry-After on a 429 or 503): a
    rate-limited host asked again at the first retry, or after a restart, would only extend its ban."""
    if check.retry_after is None:
        return None
    wait = min(timedelta(seconds=check.retry_after), MAX_ASKED_WAIT)
    return check.started_at + timedelta(seconds=check.duration) + wait


def document_health(
    config: Config,
    checks: CheckReader,
    *,
    now: datetime | None = None,
    service: str | None = None,
    document: str | None = None,
) -> list[DocumentHealth]:
    """The health of every configured document (or one), in config order."""
    now = now or datetime.now(UTC)
    schedules = document_schedules(config)
    limit = blind_after(config)
    retry = first_retry(config)
    failing_after = config.settings.daemon.failing_after
    latest = checks.latest_checks(service, document)
    streaks = checks.check_streaks(service, document)
    return [
        assess(
            doc,
            schedules[doc.service, doc.key],
            latest.get((doc.service, doc.key)),
            streaks.get((doc.service, doc.key)),
            failing_after=failing_after,
            blind_after=limit,
            now=now,
            first_retry=retry,
            confirm_within=config.settings.checks.confirm_after,
        )
        for doc in config.documents(service, document)
    ]


def failing_documents(config: Config, checks: CheckReader, *, now: datetime | None = None) -> list[DocumentHealth]:
    """The documents tracker cannot see right now: for the digest, the daemon's warnings and `tracker status`."""
    return [health for health in document_health(config, checks, now=now) if health.failing]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def describe_duration(duration: timedelta) -> str:
    """3 d 4 h, 5 h 12 min, 40 s: two units at most, for people."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
        if len(parts) == 2:
            break
    return " ".join(parts)
