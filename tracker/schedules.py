"""`schedule:` strings (30s, 15m, 6h, 1d, cron, 'daily 08:00') and when checks are due; pure, no clock, no I/O."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.config import Config, ConfigError

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

# Jitter delays each run by up to this share of the period, capped: enough to spread documents that fell on
# the same second, never enough to matter to a 6-hour schedule.
JITTER_SHARE = 0.1
MAX_JITTER = timedelta(minutes=15)
# A daemon back from downtime runs the overdue documents once each, spread over at most this window.
MAX_CATCH_UP_WINDOW = timedelta(minutes=10)
# The first retry of a failed check (daemon.first_retry); each further failure doubles it, up to the period.
FIRST_RETRY = timedelta(minutes=5)
# Durations beyond ten years are typing errors (and, far enough, beyond what a date can hold); the demo sets
# blind_after: 1000d so that its old captures never make a document "blind".
MAX_DURATION = timedelta(days=3653)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
# crontab counts weekdays from Sunday (0 and 7); APScheduler 3 counts from Monday. Names mean the same in both.
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DIGEST = re.compile(r"^\s*(?:daily|weekly\s+(mon|tue|wed|thu|fri|sat|sun)[a-z]*)\s+(\d{1,2}):(\d{2})\s*$", re.I)

K = TypeVar("K")


class ScheduleError(ValueError):
    """A schedule string that means nothing; the message shows what would."""


@dataclass(frozen=True)
class Schedule:
    """Either a fixed interval or cron fields (minute, hour, day, month, day_of_week in APScheduler's terms)."""

    text: str
    interval: timedelta | None = None
    cron: tuple[str, str, str, str, str] | None = None
    timezone: str = "UTC"

    def cron_trigger(self, jitter: float | None = None) -> CronTrigger:
        from apscheduler.triggers.cron import CronTrigger  # only cron schedules need APScheduler

        assert self.cron is not None
        minute, hour, day, month, day_of_week = self.cron
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=day_of_week,
            timezone=ZoneInfo(self.timezone),
            jitter=jitter,
        )

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after `moment`."""
        if self.interval is not None:
            return moment + self.interval
        fire = self.cron_trigger().get_next_fire_time(None, moment + timedelta(microseconds=1))
        assert fire is not None  # a valid cron expression always fires again
        return fire.astimezone(UTC)

    @cached_property
    def period(self) -> timedelta:
        """The interval, or the longest gap between the next dozen cron slots (a weekday cron has a 3-day one)."""
        if self.interval is not None:
            return self.interval
        fires = [self.next_after(datetime.now(UTC))]
        for _ in range(12):
            fires.append(self.next_after(fires[-1]))
        return max(later - earlier for earlier, later in pairwise(fires))

    @property
    def jitter(self) -> float:
        """Seconds by which a run may be delayed at random."""
        return min(self.period * JITTER_SHARE, MAX_JITTER).total_seconds()


def parse_duration(text: str) -> timedelta:
    """'30s', '15m', '6h', '1d', '2w' → timedelta."""
    match = _DURATION.match(text)
    if not match:
        raise ScheduleError(f"'{text}' is not a duration: write a number and a unit, e.g. 30s, 15m, 6h, 1d")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ScheduleError(f"'{text}' is not a positive duration")
    if seconds > MAX_DURATION.total_seconds():
        raise ScheduleError(
            f"'{text}' is longer than ten years ({MAX_DURATION.days}d); for a yearly check write @yearly"
        )
    return timedelta(seconds=seconds)


def parse_schedule(text: str) -> Schedule:
    """An interval ('6h') or a crontab expression ('0 */6 * * *', in UTC; weekday 0 or 7 is Sunday; @daily)."""
    stripped = text.strip()
    if _DURATION.match(stripped):
        return Schedule(text=stripped, interval=parse_duration(stripped))
    expression = _MACROS.get(stripped.lower(), stripped)
    fields = expression.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"'{text}' is neither an interval (30s, 15m, 6h, 1d) nor a cron expression with 5 fields "
            "(minute hour day month weekday, e.g. '0 */6 * * *')"
        )
    minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        # crontab fires when either field matches, APScheduler only when both do: refuse rather than surprise.
        raise ScheduleError(
            f"'{text}' restricts both the day of the month and the weekday, which crontab and tracker read "
            "differently; use one of the two (or two documents' worth of schedules)"
        )
    schedule = Schedule(text=stripped, cron=(minute, hour, day, month, _crontab_weekdays(weekday, text)))
    try:
        fires = _fires(schedule.cron)
    except ValueError as exc:
        raise ScheduleError(f"'{text}' is not a valid cron expression: {exc}") from exc
    if not fires:
        raise ScheduleError(
            f"'{text}' never fires (no such date, e.g. 31 February): the document would never be checked"
        )
    return schedule


@cache
def _fires(cron: tuple[str, str, str, str, str]) -> bool:
    """Whether these cron fields name a moment that comes (Feb 30 never does); cached, configs repeat them."""
    return Schedule(text="", cron=cron).cron_trigger().get_next_fire_time(None, datetime.now(UTC)) is not None


def _crontab_weekdays(weekday: str, text: str) -> str:
    """Crontab weekday numbers (0 and 7: Sunday) as names, which APScheduler 3 reads as crontab does."""
    days: list[str] = []
    for item in weekday.split(","):
        base, _, step = item.partition("/")
        if not re.fullmatch(r"\*|\d+(?:-\d+)?", base) or item == "*":
            days.append(item)  # names (mon-fri) and '*' mean the same to both
            continue
        first, _, last = base.partition("-")
        low, high = (0, 6) if base == "*" else (int(first), int(last) if last else (6 if step else int(first)))
        if high > 7 or low > high or (step and not step.isdigit()) or step == "0":
            raise ScheduleError(f"'{text}': '{item}' is not a weekday field (0-7, 0 and 7 are Sunday)")
        days.extend(_WEEKDAYS[day] for day in range(low, high + 1, int(step or 1)))
    return ",".join(dict.fromkeys(days))


def parse_digest_schedule(text: str, timezone: str) -> Schedule:
    """'daily HH:MM' or 'weekly DAY HH:MM' (DAY: mon..sun) in `timezone`."""
    match = _DIGEST.match(text)
    if not match:
        raise ScheduleError(f"'{text}' is not a digest schedule: write 'daily 08:00' or 'weekly mon 08:00'")
    day, hour, minute = match.group(1), int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ScheduleError(f"'{text}': {hour:02d}:{minute:02d} is not a time of day")
    weekday = day.lower() if day else "*"
    return Schedule(text=text, cron=(str(minute), str(hour), "*", "*", weekday), timezone=timezone)


def document_schedules(config: Config) -> dict[tuple[str, str], Schedule]:
    """Every document's schedule, parsed; a bad one is a config error naming its key."""
    schedules = {}
    for document in config.documents():
        try:
            schedules[document.service, document.key] = parse_schedule(document.schedule)
        except ScheduleError as exc:
            own = config.settings.services[document.service].documents[document.key].schedule is not None
            key = f"services.{document.service}.documents.{document.key}.schedule" if own else "schedule"
            raise ConfigError(config.path, str(exc), key=key) from exc
    return schedules


def blind_after(config: Config) -> timedelta:
    try:
        return parse_duration(config.settings.daemon.blind_after)
    except ScheduleError as exc:
        raise ConfigError(config.path, str(exc), key="daemon.blind_after") from exc


def digest_schedule(config: Config) -> Schedule | None:
    """The digest's schedule from `email.schedule` and `email.timezone`; None without an `email` section."""
    email = config.settings.email
    if email is None:
        return None
    try:
        ZoneInfo(email.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        message = f"'{email.timezone}' is not a time zone (e.g. UTC, Europe/Paris)"
        raise ConfigError(config.path, message, key="email.timezone") from exc
    try:
        return parse_digest_schedule(email.schedule, email.timezone)
    except ScheduleError as exc:
        raise ConfigError(config.path, str(exc), key="email.schedule") from exc


def next_due(
    schedule: Schedule,
    last_attempt: datetime | None,
    now: datetime,
    failures: int = 0,
    first_retry: timedelta = FIRST_RETRY,
) -> datetime:
    """When the next check is due: the first slot after the last attempt, sooner after failed checks (see
    `retry_delay`); now for a document never checked."""
    if last_attempt is None:
        return now
    if failures:
        return min(last_attempt + retry_delay(failures, schedule, first_retry), schedule.next_after(last_attempt))
    return schedule.next_after(last_attempt)


def retry_delay(failures: int, schedule: Schedule, first_retry: timedelta = FIRST_RETRY) -> timedelta:
    """How long after its `failures`-th failed check in a row a document is tried again: `first_retry` (5 min),
    then twice that, four times ... up to the document's own period. A page that fails is seen again within
    minutes (an outage of a few minutes costs no six-hour gap), and a page that keeps failing costs its host
    one request per period at most, as before."""
    return min(first_retry * 2 ** min(failures - 1, 20), schedule.period)


def first_retry(config: Config) -> timedelta:
    try:
        return parse_duration(config.settings.daemon.first_retry)
    except ScheduleError as exc:
        raise ConfigError(config.path, str(exc), key="daemon.first_retry") from exc


def catch_up_window(periods: list[timedelta]) -> timedelta:
    """Overdue documents are spread over the shortest of their periods, at most MAX_CATCH_UP_WINDOW."""
    return min([*periods, MAX_CATCH_UP_WINDOW])


def spread_overdue(due: Mapping[K, datetime], now: datetime, window: timedelta) -> dict[K, datetime]:
    """Keep the times still to come; run each overdue one once, evenly spaced over `window`, most overdue first.

    A daemon back from a day of downtime then checks each document once, not in a burst and not once per
    missed slot.
    """
    overdue = sorted((moment, index) for index, moment in enumerate(due.values()) if moment <= now)
    keys = list(due)
    planned = dict(due)
    step = window / max(len(overdue), 1)
    for position, (_, index) in enumerate(overdue):
        planned[keys[index]] = now + step * position
    return planned


def with_jitter(moment: datetime, schedule: Schedule, rng: random.Random | None = None) -> datetime:
    return moment + timedelta(seconds=(rng or random).uniform(0, schedule.jitter))


def plan_first_runs(
    schedules: Mapping[K, Schedule],
    last_attempts: Mapping[K, datetime | None],
    now: datetime,
    rng: random.Random | None = None,
    failures: Mapping[K, int] | None = None,
    retry: timedelta = FIRST_RETRY,
) -> dict[K, datetime]:
    """When each document is first checked after a (re)start, from its last check in the database.

    One slot after the last check (plus jitter) when that is still to come, so that a restart re-checks
    nothing early (a document whose last checks failed: its retry time); the overdue ones once each, spread
    over the catch-up window. A document never checked is checked at once: nothing of it is on record, and a
    new install (or a document just added) should show within seconds whether it can be read. The host gate
    and the pool keep those first checks polite.
    """
    failures = failures or {}
    due = {
        key: next_due(schedule, last, now, failures.get(key, 0), retry)
        for key, schedule in schedules.items()
        if (last := last_attempts.get(key))
    }
    window = catch_up_window([schedules[key].period for key, moment in due.items() if moment <= now])
    planned = spread_overdue(due, now, window)
    # Jitter spreads regular slots; a retry keeps its time (jitter of a 6h schedule could delay it 15 minutes).
    first = {
        key: moment if due[key] <= now or failures.get(key) else with_jitter(moment, schedules[key], rng)
        for key, moment in planned.items()
    }
    return {key: first.get(key, now) for key in schedules}
