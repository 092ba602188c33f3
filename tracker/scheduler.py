"""`tracker daemon`: APScheduler wiring, one leader among several daemons, bounded polite checks, clean shutdown.

The life of a daemon: validate the config; wait until it holds the leader lock (a PostgreSQL advisory lock, or
a lock file beside a SQLite database); plan each document's first check from the last check in the database;
run the checks on their schedules in a bounded thread pool until SIGTERM or SIGINT; then stop scheduling, let
the checks in flight finish for up to `daemon.shutdown_timeout` seconds, and exit 0.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn
from urllib.parse import urlsplit

import httpx
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tracker.browser import BrowserFetcher
from tracker.check import CheckResult, check_document
from tracker.config import Config, Document, FetchSettings
from tracker.digest import DigestRunResult, email_settings, retry_digests, run_digest, smtp_password
from tracker.fetch import Fetcher, HostBusy
from tracker.flag import Vocabulary
from tracker.leader import LEADER_POLL, LeaderLock, holder_or_unknown, leader_lock, whoami
from tracker.logs import fields
from tracker.notify.sending import check_targets, log_run, send_notifications
from tracker.schedules import (
    Schedule,
    blind_after,
    digest_schedule,
    document_schedules,
    first_retry,
    parse_duration,
    plan_first_runs,
)
from tracker.status import DocumentHealth, describe_duration, document_health
from tracker.store import Outbox, Store

log = logging.getLogger("tracker.daemon")

Schedules = dict[tuple[str, str], Schedule]

# A digest late by up to this many seconds (the daemon was restarting at 08:00) still goes out.
DIGEST_GRACE = 6 * 3600
# How often digests the mail server did not accept are offered again (the outbox spaces out the retries).
DIGEST_RETRY_EVERY = 300
# How often the notification outbox is looked at; a check that stores a change sends its messages at once.
NOTIFY_EVERY = 60
NOTIFY_JOB = "notify"


# -- the daemon -----------------------------------------------------------------------------------------------


def run_daemon(config: Config) -> int:
    """Check every document on its schedule until SIGTERM or SIGINT; the exit code (0: a clean stop).

    A check still running when `shutdown_timeout` runs out is left to die with the process: it writes in one
    transaction, which then never commits, so nothing half-written is ever visible.
    """
    schedules = document_schedules(config)
    blind_after(config)
    first_retry(config)
    if digest_schedule(config) is not None:
        smtp_password(config, email_settings(config))  # a missing password stops the start, not every digest
    check_targets(config)  # a notify URL Apprise cannot use stops the start, not every message
    config.database.make_folder()  # the lock file lives beside a SQLite database
    lock = leader_lock(config)
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        # Set from another thread: the handler runs in the main thread, which may be holding the event's lock.
        threading.Thread(target=stop.set, name=f"signal {signum}").start()

    previous_handlers = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    store: Store | None = None
    log.info(
        "tracker daemon starting (%s): %s, database %s",
        whoami(),
        _count(len(schedules), "document"),
        f"{config.database.shown} ({config.database.source})",
        extra=fields(event="start", documents=len(schedules)),
    )
    try:
        while not stop.is_set():
            if not _wait_to_lead(lock, stop):
                break
            # Opened by the leader only, so that two daemons never race to create the schema.
            store = store or Store(config.database_url)
            if not _lead(config, store, lock, stop, schedules):
                _exit_now(0 if stop.is_set() else 1)
    finally:
        lock.close()
        if store is not None:
            store.close()
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
    log.info("tracker daemon stopped", extra=fields(event="stop"))
    return 0


def _wait_to_lead(lock: LeaderLock, stop: threading.Event) -> bool:
    """Block until this daemon holds the leader lock (True) or is told to stop (False)."""
    announced = False
    while not lock.acquire():
        # A database that does not answer is no reason to think another daemon leads: the lock said so.
        if not announced and not lock.unreachable:
            log.info(
                "standby: %s is the leader; trying to take over every %.0f s",
                holder_or_unknown(lock),
                LEADER_POLL,
                extra=fields(event="standby"),
            )
            announced = True
        if stop.wait(LEADER_POLL):
            return False
    log.info("leader: %s runs the checks", whoami(), extra=fields(event="leader"))
    return True


def _lead(config: Config, store: Store, lock: LeaderLock, stop: threading.Event, schedules: Schedules) -> bool:
    """Run the checks until `stop` is set or the lock is lost. False when checks in flight outlived the timeout."""
    settings = config.settings
    draining = threading.Event()
    deadline = CheckDeadline(min(check_budget(settings.fetch), settings.checks.deadline))
    fetcher = Fetcher(settings.fetch, transport=deadline)
    # One Chromium for the daemon, started by the first document that needs it (tracker/browser.py).
    browser = BrowserFetcher(settings.fetch, polite=fetcher.polite)
    runner = CheckRunner(config, store, fetcher, deadline, draining, browser)
    scheduler = runner.scheduler = BackgroundScheduler(
        timezone=UTC,
        executors={
            "default": ThreadPoolExecutor(settings.daemon.max_concurrent_checks),
            "digest": ThreadPoolExecutor(1),
            NOTIFY_JOB: ThreadPoolExecutor(1),
        },
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    now = datetime.now(UTC)
    health = runner.start(now)
    first_runs = plan_first_runs(
        schedules,
        {(h.service, h.document): h.last_attempt for h in health},
        now,
        failures={(h.service, h.document): h.consecutive_failures for h in health},
        retry=first_retry(config),
    )
    for h in health:  # a server that asked us to wait (Retry-After, kept with the check) is not asked sooner now
        if h.consecutive_failures and h.next_check > first_runs[h.service, h.document]:
            first_runs[h.service, h.document] = h.next_check
    for document in config.documents():
        key = (document.service, document.key)
        scheduler.add_job(
            runner.check,
            _trigger(schedules[key], first_runs[key]),
            args=[document],
            id=_job_id(document),
            name=document.title,
            next_run_time=first_runs[key],
            # Late by less than one period (a busy pool, a slow neighbour): still run. Later: the next slot.
            misfire_grace_time=max(1, int(schedules[key].period.total_seconds())),
        )
    schedule_digest(scheduler, config, store)
    schedule_notifications(scheduler, config, store)
    schedule_prune(scheduler, config, store)
    scheduler.start()
    _log_plan(health, first_runs, now)
    while not stop.wait(LEADER_POLL):
        if not lock.held():
            log.error(
                "lost the leader lock (the database connection broke?): stopping the checks, then waiting to lead",
                extra=fields(event="lost_leadership"),
            )
            break
    draining.set()
    finished = _stop_scheduler(scheduler, settings.daemon.shutdown_timeout)
    if finished:
        fetcher.close()
        browser.close()
    else:
        # Left to the process's exit: Chromium's pipe to its driver, and the driver's to us, close with it.
        log.warning(
            "still running after %.0f s: %s; leaving them (their transactions roll back, nothing is half-written)",
            settings.daemon.shutdown_timeout,
            ", ".join(f"{service}/{key}" for service, key in runner.in_flight()),
            extra=fields(event="abandoned", documents=[f"{s}/{k}" for s, k in runner.in_flight()]),
        )
    return finished


def _job_id(document: Document) -> str:
    return f"check {document.service}/{document.key}"


def _trigger(schedule: Schedule, first_run: datetime) -> BaseTrigger:
    jitter = schedule.jitter or None
    if schedule.interval is not None:
        return IntervalTrigger(
            seconds=schedule.interval.total_seconds(), start_date=first_run, timezone=UTC, jitter=jitter
        )
    return schedule.cron_trigger(jitter=jitter)


def _stop_scheduler(scheduler: BackgroundScheduler, timeout: float) -> bool:
    """Stop scheduling and wait up to `timeout` seconds for the checks in flight; True when they all ended."""
    stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, name="shutdown", daemon=True)
    stopper.start()
    stopper.join(timeout)
    return not stopper.is_alive()


def _exit_now(code: int) -> NoReturn:
    """Leave without waiting for threads that cannot be interrupted (a check stuck in a request)."""
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)


def _log_plan(health: list[DocumentHealth], first_runs: dict[tuple[str, str], datetime], now: datetime) -> None:
    never = [h for h in health if h.last_attempt is None]
    overdue = [h for h in health if h.last_attempt is not None and h.next_check <= now]
    soonest = min(first_runs.values(), default=now)
    parts = []
    if never:
        parts.append(f"{len(never)} never checked, checked now")
    if overdue:
        last = max(first_runs[h.service, h.document] for h in overdue)
        spread = f", spread over {describe_duration(last - now)}" if len(overdue) > 1 else ""
        parts.append(f"{len(overdue)} overdue{spread}")
    if not parts:
        parts.append(f"none due now, the first in {describe_duration(max(soonest - now, timedelta(0)))}")
    log.info(
        "%s scheduled; %s",
        _count(len(health), "document"),
        "; ".join(parts),
        extra=fields(event="scheduled", documents=len(health), due_now=len(never) + len(overdue)),
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# -- one check --------------------------------------------------------------------------------------------------


class CheckRunner:
    """What APScheduler runs for a document: one check, one log line, a warning when the document goes blind."""

    def __init__(
        self,
        config: Config,
        store: Store,
        fetcher: Fetcher,
        deadline: CheckDeadline,
        draining: threading.Event,
        browser: BrowserFetcher | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.browser = browser
        self.deadline = deadline
        self.draining = draining
        self.vocabulary = Vocabulary.build(config.settings.flag.extra_terms)
        self.scheduler: BackgroundScheduler | None = None  # set by the leader once its jobs exist
        self._failing: dict[tuple[str, str], bool] = {}
        self._running: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.computing = OneComputes()
        self._deferred: dict[tuple[str, str], str] = {}  # documents waiting out their host's gap, and the host

    def start(self, now: datetime) -> list[DocumentHealth]:
        """The health of every document as leadership begins; the failing ones are said again in the log."""
        health = document_health(self.config, self.store, now=now)
        for item in health:
            self._failing[item.service, item.document] = item.failing
            if item.failing:
                _log_failing(item)
        return health

    def in_flight(self) -> list[tuple[str, str]]:
        with self._lock:
            return sorted(self._running)

    def check(self, document: Document, deferred: bool = False) -> None:
        if self.draining.is_set():
            return  # queued behind the pool when shutdown began: the next daemon checks it
        if self._defer_for_host(document, deferred):
            return
        key = (document.service, document.key)
        with self._lock:
            if key in self._running:
                return  # its check begun from its host's queue still runs: this slot is that check's
            self._running.add(key)
        try:
            with self.deadline.running(), self.computing:
                settings = self.config.settings
                result = check_document(
                    document,
                    self.store,
                    self.computing.waiting_on(self.fetcher),  # type: ignore[arg-type]
                    settings.checks,
                    self.vocabulary,
                    browser=self.computing.waiting_on(self.browser) if self.browser else None,  # type: ignore[arg-type]
                    notify=settings.notify,
                    # Behind another request to its host (a slow page may run to its deadline) a check would
                    # hold a worker and spend its own budget waiting: it comes back instead.
                    wait_for_host=self.scheduler is None,
                )
            # `document=` also matches a document's variants (privacy-policy@eu): keep this series only.
            health = next(
                h
                for h in document_health(self.config, self.store, service=document.service, document=document.key)
                if h.document == document.key
            )
        except HostBusy:
            if self.draining.is_set():
                return
            with self._lock:
                self._running.discard(key)
                host = urlsplit(document.url).netloc.lower()
                wait = self._queue_wait(host, max(self.fetcher.settings.host_gap, BUSY_HOST_RECHECK))
                self._deferred[key] = host
            self._come_back(document, wait)
            return
        except Exception:
            log.exception(
                "%s/%s: the check crashed; it is tried again at its next slot",
                document.service,
                document.key,
                extra=fields(event="check_error", service=document.service, document=document.key),
            )
            return
        finally:
            with self._lock:
                self._running.discard(key)
        self._report(document, result, health)
        if result.change_id is not None and self.scheduler is not None and not self.draining.is_set():
            with suppress(JobLookupError):  # its messages go out now, not at the next round of the outbox
                self.scheduler.modify_job(NOTIFY_JOB, next_run_time=datetime.now(UTC))

    def _report(self, document: Document, result: CheckResult, health: DocumentHealth) -> None:
        message = f"{document.service}/{document.key} {result.outcome} in {result.duration:.2f}s"
        if result.version_id is not None:
            message += f" version {result.version_id}"
        if result.change_id is not None:
            message += f" change {result.change_id}"
        if result.flag.ai:
            message += f" AI: {result.flag.category}"
        next_check = health.next_check  # no sooner than the server asked (Retry-After), as recorded with the check
        if result.failed:
            retry = describe_duration(next_check - (health.last_attempt or result.started_at))
            message += f" ({health.consecutive_failures} in a row; next try in {retry}): {result.reason}"
            self._retry_at(document, next_check)
        log.log(
            logging.WARNING if result.failed or health.failing else logging.INFO,
            message,
            extra=fields(
                event="check",
                service=document.service,
                document=document.key,
                outcome=result.outcome,
                duration=round(result.duration, 3),
                version_id=result.version_id,
                change_id=result.change_id,
                ai=result.flag.ai,
                reason=result.reason,
                consecutive_failures=health.consecutive_failures,
                failing=health.failing,
                next_check=next_check.isoformat(),
            ),
        )
        key = (document.service, document.key)
        if health.failing and not self._failing.get(key):
            _log_failing(health)
        elif self._failing.get(key) and not health.failing:
            log.info(
                "%s/%s recovered: checked successfully again",
                document.service,
                document.key,
                extra=fields(event="recovered", service=document.service, document=document.key),
            )
        self._failing[key] = health.failing

    def _defer_for_host(self, document: Document, deferred: bool) -> bool:
        """A check whose host is in its gap gives its thread back and comes back when the host is free.

        Waiting in the thread would hold a worker that another host's check could use: four checks of one
        host would stop the pool for four gaps. Checks waiting for one host come back a gap apart.
        """
        key, host = (document.service, document.key), urlsplit(document.url).netloc.lower()
        with self._lock:
            if deferred:
                self._deferred.pop(key, None)
            elif key in self._deferred:
                return True  # already waiting for its host: that job checks it
            if key in self._running:
                # Its check begun from its host's queue still runs (a slow page): this slot is that check's. Queued
                # now, under the running job's id, it would be skipped by APScheduler and never checked again.
                return True
            wait = self.fetcher.host_wait(document.url)
            # Back at its turn, a check waits out what is left of a gap: no second round. A request still in flight
            # then is the check's to find (HostBusy): it comes back again.
            if wait <= 0 or self.scheduler is None or (deferred and wait <= self.fetcher.settings.host_gap):
                return False
            wait = self._queue_wait(host, wait)
            self._deferred[key] = host
        self._come_back(document, wait)
        return True

    def _queue_wait(self, host: str, wait: float) -> float:
        """Checks waiting for one host come back a gap apart (called holding self._lock)."""
        return wait + self.fetcher.settings.host_gap * sum(1 for other in self._deferred.values() if other == host)

    def _come_back(self, document: Document, wait: float) -> None:
        """Check the document again in `wait` seconds, as a one-off job: this thread goes back to the pool."""
        assert self.scheduler is not None
        self.scheduler.add_job(
            self.check,
            DateTrigger(datetime.now(UTC) + timedelta(seconds=wait), timezone=UTC),
            args=[document, True],
            id=f"{_job_id(document)} after its host's gap",
            name=document.title,
            replace_existing=True,
            misfire_grace_time=None,
        )

    def _retry_at(self, document: Document, moment: datetime) -> None:
        """Bring the next check forward to the retry time (APScheduler had planned it one period on)."""
        if self.scheduler is None or self.draining.is_set():
            return
        with suppress(JobLookupError):
            self.scheduler.modify_job(_job_id(document), next_run_time=moment)


# How often a check whose host is busy with another of our requests (a slow page) looks again, when host_gap is
# shorter: often enough to follow a fast host, rarely enough to cost nothing while a page drips to its deadline.
BUSY_HOST_RECHECK = 1.0


class OneComputes:
    """One check computes at a time (extract, diff, flag, store); the others wait on the network meanwhile.

    Python threads share one interpreter lock: four checks extracting at once each run four times slower and
    finish no sooner, while their pages wait in memory. So a check holds this gate, as the interpreter's lock
    is held, from start to end, and lets go of it only while it waits for a page (`waiting_on` a fetcher): the
    pool's threads fetch in parallel, and what they fetched is worked on one page at a time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()

    def waiting_on(self, fetcher: Any) -> _Waiting:
        """The fetcher (HTTP or browser) as seen from inside the gate: its `fetch` lets go of the gate."""
        return _Waiting(fetcher, self._lock)


class _Waiting:
    def __init__(self, inner: Any, lock: threading.Lock) -> None:
        self._inner, self._lock = inner, lock

    def fetch(self, *args: Any, **kwargs: Any) -> Any:
        self._lock.release()
        try:
            return self._inner.fetch(*args, **kwargs)
        finally:
            self._lock.acquire()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _log_failing(health: DocumentHealth) -> None:
    log.warning(
        "%s/%s is failing: %s (tracker status lists it; the next digest reports it)",
        health.service,
        health.document,
        health.failing_reason,
        extra=fields(
            event="failing",
            service=health.service,
            document=health.document,
            reason=health.failing_reason,
            consecutive_failures=health.consecutive_failures,
        ),
    )


def check_budget(fetch: FetchSettings) -> float:
    """The longest a check may take under its fetch settings: every attempt at its timeouts, every wait at its
    longest. Only a server that trickles bytes forever gets there."""
    attempts = fetch.retries + 1
    waits = fetch.retries * max(fetch.max_retry_after, fetch.backoff * 2**fetch.retries)
    return attempts * (fetch.connect_timeout + fetch.read_timeout + fetch.host_gap) + waits


_check_deadline = threading.local()


class CheckDeadline(httpx.BaseTransport):
    """An httpx transport that ends the requests of a check past its budget: a per-check timeout.

    httpx's read timeout is per read, so a server sending a byte every few seconds would hold a pool thread
    forever; this cuts it with a read timeout that the check records as a failure.
    """

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self._inner = httpx.HTTPTransport(trust_env=False)

    @contextmanager
    def running(self) -> Iterator[None]:
        """The requests made in this block by this thread share one deadline, `budget` seconds from now."""
        _check_deadline.at = time.monotonic() + self.budget
        try:
            yield
        finally:
            _check_deadline.at = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline: float | None = getattr(_check_deadline, "at", None)
        if deadline is None:
            return self._inner.handle_request(request)
        self._enforce(deadline, request)
        response = self._inner.handle_request(request)
        response.stream = _DeadlineStream(response.stream, lambda: self._enforce(deadline, request))  # type: ignore[arg-type]
        return response

    def _enforce(self, deadline: float, request: httpx.Request) -> None:
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout(
                f"the check ran out of time (its {self.budget:.0f} s budget, checks.deadline) while fetching",
                request=request,
            )

    def close(self) -> None:
        self._inner.close()


class _DeadlineStream(httpx.SyncByteStream):
    def __init__(self, inner: Any, enforce: Callable[[], None]) -> None:
        self._inner, self._enforce = inner, enforce

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._enforce()
            yield chunk

    def close(self) -> None:
        self._inner.close()


# -- retention ----------------------------------------------------------------------------------------------------

PRUNE_EVERY = timedelta(days=1)


def schedule_prune(scheduler: BackgroundScheduler, config: Config, store: Store) -> None:
    """Once a day, in the leader, the unchanged checks past `database.keep_unchanged_checks` are thinned (as
    `tracker db prune` does), so that the checks table grows with the changes, not with the days."""
    keep = parse_duration(config.settings.database.keep_unchanged_checks)
    scheduler.add_job(
        _prune,
        IntervalTrigger(seconds=PRUNE_EVERY.total_seconds(), timezone=UTC),
        args=[store, keep],
        id="prune",
        name="prune",
        executor="digest",  # one thread for the housekeeping: never beside a digest being sent
        next_run_time=datetime.now(UTC) + timedelta(minutes=10),  # after the start-up's first checks
        misfire_grace_time=int(PRUNE_EVERY.total_seconds()),
    )


def _prune(store: Store, keep: timedelta) -> None:
    try:
        result = store.prune_checks(datetime.now(UTC) - keep)
    except Exception:
        log.exception("thinning old unchanged checks failed; tried again tomorrow", extra=fields(event="prune"))
        return
    log.info(
        "thinned %d unchanged checks older than %s (one a day per document kept)",
        result.deleted,
        describe_duration(keep),
        extra=fields(event="prune", deleted=result.deleted, checks=result.checks),
    )


# -- the digest ---------------------------------------------------------------------------------------------------


def schedule_digest(scheduler: BackgroundScheduler, config: Config, store: Store) -> None:
    """The digest runs in the leader only, so that several daemons never send it twice."""
    schedule = digest_schedule(config)
    if schedule is None:
        return
    now = datetime.now(UTC)
    # A slot missed while no daemon led (a restart at 08:05 for 'daily 08:00') is sent now, within the grace.
    missed = schedule.next_after(now - timedelta(seconds=DIGEST_GRACE))
    catch_up = missed <= now and _no_digest_since(config, store, missed)
    scheduler.add_job(
        _OncePerSlot(run_digest, schedule.period / 2),
        schedule.cron_trigger(),
        args=[config, store, "digest"],
        id="digest",
        name="digest",
        executor="digest",
        misfire_grace_time=DIGEST_GRACE,
        **({"next_run_time": now} if catch_up else {}),
    )
    scheduler.add_job(
        _send_digest,
        IntervalTrigger(seconds=DIGEST_RETRY_EVERY, timezone=UTC),
        args=[retry_digests, config, store, "digest retry"],
        id="digest retry",
        name="digest retry",
        executor="digest",
        misfire_grace_time=DIGEST_RETRY_EVERY,
    )


def _no_digest_since(config: Config, store: Store, moment: datetime) -> bool:
    outbox = Outbox(store)
    email = email_settings(config)
    return any(
        (outbox.last_digest_at(recipient) or datetime.min.replace(tzinfo=UTC)) < moment for recipient in email.to
    )


class _OncePerSlot:
    """Runs the digest at most once per half period: when clocks go back, a local 02:30 comes twice."""

    def __init__(self, run: Callable[[Config, Store], DigestRunResult], spacing: timedelta) -> None:
        self.run, self.spacing = run, spacing
        self.last: datetime | None = None

    def __call__(self, config: Config, store: Store, what: str) -> None:
        now = datetime.now(UTC)
        if self.last is not None and now - self.last < self.spacing:
            log.info("%s: skipped, the last one ran at %s", what, self.last.isoformat(), extra=fields(event="digest"))
            return
        self.last = now
        _send_digest(self.run, config, store, what)


def _send_digest(run: Callable[[Config, Store], DigestRunResult], config: Config, store: Store, what: str) -> None:
    try:
        result = run(config, store)
    except Exception:
        log.exception("%s failed; tried again at its next slot", what, extra=fields(event="digest_error"))
        return
    sent, failed = len(result.sent), len(result.failed)
    if what == "digest" or sent or failed:
        log.log(
            logging.WARNING if failed else logging.INFO,
            "%s: %d sent, %d not accepted by the mail server (kept, and retried later)",
            what,
            sent,
            failed,
            extra=fields(event="digest", sent=sent, failed=failed),
        )


# -- notifications ----------------------------------------------------------------------------------------------


def schedule_notifications(scheduler: BackgroundScheduler, config: Config, store: Store) -> None:
    """The outbox is sent by the leader only, one run at a time: at once, then every NOTIFY_EVERY seconds (and
    right after a check stores a change); the outbox's backoff decides what is due."""
    if not config.settings.notify:
        return
    scheduler.add_job(
        _NotifyRuns(),
        IntervalTrigger(seconds=NOTIFY_EVERY, timezone=UTC),
        args=[config, store],
        id=NOTIFY_JOB,
        name=NOTIFY_JOB,
        executor=NOTIFY_JOB,
        next_run_time=datetime.now(UTC),
        misfire_grace_time=NOTIFY_EVERY,
    )


class _NotifyRuns:
    """A leader's first run sends everything waiting at once, backoff or not: a daemon is often restarted after
    the fix (a token, a firewall) that the messages waited for. A target still down costs one request."""

    def __init__(self) -> None:
        self.first = True

    def __call__(self, config: Config, store: Store) -> None:
        retry_now, self.first = self.first, False
        try:
            log_run(send_notifications(config, store, retry_now=retry_now))
        except Exception:
            log.exception("notifications: the run failed; next in %d s", NOTIFY_EVERY, extra=fields(event="notify"))
