"""Costs that stay flat as history grows: per-document state, the flag's sentence memory, pruning, the 304 path,
the host gate and the daemon's one computing check (real SQLite and PostgreSQL, a real HTTP server)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from conftest import PageServer, run_tracker
from sqlalchemy import create_engine, text
from test_store import a_change, new_check

from tracker.check import check_document
from tracker.config import Document, FetchSettings
from tracker.fetch import Fetcher
from tracker.flag import dropped_sentences, sentence_key, sentence_keys
from tracker.scheduler import OneComputes
from tracker.store import NewCheck, NewImport, Store, migrate
from tracker.store.memory import pack_keys

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TEXTS = [
    "We collect your name. We keep it for a year. You may ask us to delete it.",
    "We collect your name and email. We keep it for a year. You may ask us to delete it.",
    "We collect your name and email. We keep it for two years.",  # the deletion sentence goes
    "We collect your name and email. We keep it for two years. You may ask us to delete it.",  # and comes back
]


def checked(document: str, when: datetime, outcome: str, text: str | None = None) -> NewCheck:
    """A check of acme/DOCUMENT: `outcome` as recorded, with a text for the outcomes that store one."""
    base = new_check(text, when, outcome, a_change() if outcome == "changed" else None)
    return NewCheck(**{**vars(base), "document": document, "etag": f'"{when:%H%M%S}"' if outcome != "failed" else None})


def record_history(store: Store) -> None:
    """Three documents: one failing after a success, one never successful, one with checks recorded late."""
    store.record_check(checked("steady", T0, "first_version", TEXTS[0]))
    for hour in range(1, 6):
        store.record_check(checked("steady", T0 + timedelta(hours=hour), "unchanged"))
    store.record_check(checked("steady", T0 + timedelta(hours=6), "changed", TEXTS[1]))
    store.record_check(checked("steady", T0 + timedelta(hours=7), "failed"))
    store.record_check(checked("steady", T0 + timedelta(hours=8), "failed"))
    for hour in range(3):
        store.record_check(checked("broken", T0 + timedelta(hours=hour), "failed"))
    # `tracker check` beside the daemon: a success and a failure recorded after newer checks.
    store.record_check(checked("late", T0 + timedelta(hours=2), "first_version", TEXTS[0]))
    store.record_check(checked("late", T0 + timedelta(hours=5), "failed"))
    store.record_check(checked("late", T0 + timedelta(hours=3), "unchanged"))
    store.record_check(checked("late", T0 + timedelta(hours=1), "failed"))
    store.record_check(checked("late", T0 + timedelta(hours=4), "failed"))


def scanned(store: Store) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], tuple]]:
    """What the health queries computed before the state table: a scan of every check (newest first)."""
    checks = store.checks("acme", limit=10_000)
    latest: dict[tuple[str, str], int] = {}
    streaks: dict[tuple[str, str], tuple] = {}
    for key in {(check.service, check.document) for check in checks}:
        mine = [check for check in checks if (check.service, check.document) == key]
        latest[key] = max(mine, key=lambda check: (check.started_at, check.id)).id
        successes = [check.started_at for check in mine if check.outcome != "failed"]
        last_success = max(successes, default=None)
        failures = sum(
            1
            for check in mine
            if check.outcome == "failed" and (last_success is None or check.started_at > last_success)
        )
        streaks[key] = (min(check.started_at for check in mine), last_success, failures)
    return latest, streaks


def test_health_read_from_the_state_equals_a_scan_of_every_check(database_url: str) -> None:
    store = Store(database_url)
    record_history(store)
    latest, streaks = scanned(store)
    assert {key: check.id for key, check in store.latest_checks().items()} == latest
    assert store.check_streaks() == streaks
    assert store.check_streaks(document="late")[("acme", "late")] == (
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=3),
        2,
    )
    # The next check sends the validators of the newest success, recorded late or not.
    assert store.document_state("acme", "steady").etag == f'"{T0 + timedelta(hours=6):%H%M%S}"'
    assert store.document_state("acme", "late").etag == f'"{T0 + timedelta(hours=3):%H%M%S}"'
    store.close()


def archived(ref: str, observed_at: datetime, text: str) -> NewImport:
    """A Wayback capture of acme/steady, imported."""
    return NewImport(
        service="acme",
        document="steady",
        url="http://127.0.0.1/privacy",
        origin="wayback",
        ref=ref,
        source="http://127.0.0.1/wayback",
        observed_at=observed_at,
        outcome="first_version",
        provenance={},
        text=text,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def memory_rebuilt(store: Store, document: str) -> tuple[frozenset[str], frozenset[str]]:
    versions = sorted(store.versions("acme", document), key=lambda version: (version.first_seen_at, version.id))
    texts = [store.version_text(version.id) for version in versions]
    return frozenset().union(*map(sentence_keys, texts)), dropped_sentences(texts)


def test_the_sentence_memory_equals_one_rebuilt_from_every_text(database_url: str) -> None:
    store = Store(database_url)
    for hour, body in enumerate(TEXTS):
        store.record_check(checked("steady", T0 + timedelta(hours=hour), "changed" if hour else "first_version", body))
    store.record_check(checked("steady", T0 + timedelta(hours=9), "returned", TEXTS[0]))
    known, dropped = store.sentence_memory("acme", "steady")
    assert (known, dropped) == memory_rebuilt(store, "steady")
    assert sentence_keys("You may ask us to delete it.") <= dropped
    # An archive's older capture comes in after: it changes what came after it, and the memory says so.
    older = "We collect nothing. We keep nothing at all, ever."
    store.record_import(archived("20251201000000", T0 - timedelta(days=30), older))
    assert store.sentence_memory("acme", "steady") == memory_rebuilt(store, "steady")
    # A text already stored, seen by an archive before anyone: its first sighting moves, and the order with it.
    store.record_import(archived("20251101000000", T0 - timedelta(days=60), TEXTS[2]))
    assert store.sentence_memory("acme", "steady") == memory_rebuilt(store, "steady")
    assert store.sentence_memory("acme", "nothing-stored") == (frozenset(), frozenset())
    store.close()


def test_an_upgrade_from_0008_fills_the_state_and_the_memory_from_the_history(database_url: str) -> None:
    store = Store(database_url)
    record_history(store)
    for hour, body in enumerate(TEXTS[1:], start=7):
        store.record_check(checked("steady", T0 + timedelta(hours=hour), "changed", body))
    latest, streaks = scanned(store)
    memory = store.sentence_memory("acme", "steady")
    engine = create_engine(database_url)
    migrate.downgrade(engine, "0008")  # the history as an 0008 database holds it: no state, no memory
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM checks")).scalar() == 20
    migrate.upgrade(engine)
    engine.dispose()
    assert {key: check.id for key, check in store.latest_checks().items()} == latest
    assert store.check_streaks() == streaks
    assert store.sentence_memory("acme", "steady") == memory == memory_rebuilt(store, "steady")
    assert store.document_state("acme", "late").etag == f'"{T0 + timedelta(hours=3):%H%M%S}"'
    store.close()


def test_an_upgrade_to_0013_rebuilds_the_memory_with_the_keys_of_today(database_url: str) -> None:
    """Keys made before 0013 dropped single digits: a memory of them would not know today's keys of its own
    sentences ("kept for 3 years"), so 0013 rebuilds every document's memory from its history."""
    store = Store(database_url)
    store.record_check(checked("digits", T0, "first_version", "We keep your chats for 3 years. We sell nothing."))
    store.record_check(checked("digits", T0 + timedelta(hours=1), "changed", "We keep your chats for 5 years."))
    rebuilt = memory_rebuilt(store, "digits")
    assert store.sentence_memory("acme", "digits") == rebuilt
    engine = create_engine(database_url)
    migrate.downgrade(engine, "0012")
    stale = pack_keys(frozenset({"chats keep years"}))  # as the old keys had it: no digit
    with engine.begin() as connection:
        connection.execute(text("UPDATE sentence_memory SET known = :stale, dropped = :stale"), {"stale": stale})
    migrate.upgrade(engine)
    engine.dispose()
    assert store.sentence_memory("acme", "digits") == rebuilt
    assert sentence_key("We keep your chats for 3 years.") != sentence_key("We keep your chats for 5 years.")
    store.close()


def test_an_upgrade_to_0014_rebuilds_the_memory_with_numbers_read_as_digits(database_url: str) -> None:
    """Keys made before 0014 kept "thirty" as a word: a memory of them would not know that "for 30 days" is an
    earlier version's sentence, so 0014 rebuilds every document's memory from its history."""
    store = Store(database_url)
    store.record_check(checked("numbers", T0, "first_version", "We keep your chats for thirty days. We sell nothing."))
    store.record_check(checked("numbers", T0 + timedelta(hours=1), "changed", "We keep your chats for 5 days."))
    rebuilt = memory_rebuilt(store, "numbers")
    assert sentence_key("We keep your chats for 30 days.") in rebuilt[0]
    engine = create_engine(database_url)
    migrate.downgrade(engine, "0013")
    stale = pack_keys(frozenset({"chats days keep thirty"}))  # as the old keys had it
    with engine.begin() as connection:
        connection.execute(text("UPDATE sentence_memory SET known = :stale, dropped = :stale"), {"stale": stale})
    migrate.upgrade(engine)
    engine.dispose()
    assert store.sentence_memory("acme", "numbers") == rebuilt
    store.close()


def test_prune_keeps_failures_firsts_changes_and_one_unchanged_check_a_day(database_url: str) -> None:
    store = Store(database_url)
    events = [(0, "first_version", TEXTS[0]), (20, "failed", None), (30, "changed", TEXTS[1])]
    events += [(32, "returned", TEXTS[0]), (5 * 24, "unchanged", None)]  # the newest: kept whatever its age
    events += [(hour, "unchanged", None) for hour in range(1, 48, 2)]  # two days of unchanged checks
    for hour, outcome, body in sorted(events, key=lambda event: event[0]):  # in order, as one tracker records them
        store.record_check(checked("steady", T0 + timedelta(hours=hour), outcome, body))
    before = store.checks("acme", limit=1000)
    health = (store.latest_checks(), store.check_streaks())
    dry = store.prune_checks(T0 + timedelta(days=30), dry_run=True)
    assert store.checks("acme", limit=1000) == before
    done = store.prune_checks(T0 + timedelta(days=30))
    after = store.checks("acme", limit=1000)
    assert dry.deleted == done.deleted == len(before) - len(after) > 0
    gone = {check.id for check in before} - {check.id for check in after}
    assert all(check.outcome == "unchanged" for check in before if check.id in gone)
    assert {check.outcome for check in after} == {"first_version", "unchanged", "failed", "changed", "returned"}
    unchanged_days = [check.started_at.date() for check in after if check.outcome == "unchanged"]
    assert sorted(unchanged_days) == sorted(set(unchanged_days)) and len(unchanged_days) == 4
    assert (store.latest_checks(), store.check_streaks()) == health
    assert store.prune_checks(T0 + timedelta(days=30)).deleted == 0
    store.close()


def test_tracker_db_prune_says_what_it_did_and_exits_clearly(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "database:\n  url: sqlite:///tracker.db\n  keep_unchanged_checks: 1d\n"
        "services:\n  acme:\n    documents:\n      steady:\n        url: http://127.0.0.1:9/p\n"
    )
    store = Store(f"sqlite:///{tmp_path / 'tracker.db'}")
    old = datetime.combine((datetime.now(UTC) - timedelta(days=3)).date(), time(12), UTC)
    store.record_check(checked("steady", old, "first_version", TEXTS[0]))
    for minutes in range(1, 6):
        store.record_check(checked("steady", old + timedelta(minutes=minutes), "unchanged"))
    store.record_check(checked("steady", datetime.now(UTC), "unchanged"))
    store.close()
    dry = run_tracker("db", "prune", "--dry-run", "--json", config=config)
    assert dry.returncode == 0 and json.loads(dry.stdout)["deleted"] == 4 and json.loads(dry.stdout)["dry_run"]
    done = run_tracker("db", "prune", config=config)
    assert (
        done.returncode == 0
        and "deleted 4" in done.stdout
        and "document 1 of 1: deleted 4 check rows so far" in done.stderr
    )
    bad = run_tracker("db", "prune", "--older-than", "soon", config=config)
    assert bad.returncode == 2 and "not a duration" in bad.stderr


class CountingStore(Store):
    """A real store that counts the version texts it reads."""

    texts_read = 0

    def version_text(self, version_id: int) -> str:
        self.texts_read += 1
        return super().version_text(version_id)


def test_a_304_reads_no_version_text(page_server: PageServer, tmp_path: Path) -> None:
    policy = "<main>" + "".join(f"<p>Clause {i}: we process your data lawfully.</p>" for i in range(40)) + "</main>"
    page_server.serve("/policy", policy)
    document = Document(
        service="acme", key="privacy", url=page_server.url("/policy"), service_name="Acme", name="Privacy"
    )
    store = CountingStore(f"sqlite:///{tmp_path / 'tracker.db'}")
    with Fetcher(FetchSettings(retries=0, host_gap=0)) as fetcher:
        check_document(document, store, fetcher)
        not_modified = check_document(document, store, fetcher)
        assert not_modified.reason == "304 Not Modified" and store.texts_read == 0
        page_server.serve("/policy", policy.replace("Clause 3:", "Clause three:"))
        changed = check_document(document, store, fetcher)
    assert changed.outcome == "changed" and store.texts_read == 1  # the text in force, read once to diff
    store.close()


def test_one_hosts_gap_holds_no_other_host_back(page_server: PageServer) -> None:
    page_server.serve("/p", "<p>x</p>")
    near, far = page_server.url("/p"), f"http://localhost:{page_server.port}/p"  # two hosts, one server
    done: list[str] = []
    with Fetcher(FetchSettings(retries=0, host_gap=3)) as fetcher:
        fetcher.fetch(near)  # 127.0.0.1's gap starts now

        def fetch(url: str, name: str) -> None:
            fetcher.fetch(url)
            done.append(name)

        waiting = threading.Thread(target=fetch, args=(near, "127.0.0.1 again"))
        waiting.start()  # waits out its host's gap
        other = threading.Thread(target=fetch, args=(far, "localhost"))
        other.start()
        other.join(timeout=30)
        waiting.join(timeout=30)
    # localhost went while 127.0.0.1 waited its three seconds (an order, not a speed).
    assert done == ["localhost", "127.0.0.1 again"]


def test_a_check_waiting_on_the_network_lets_another_compute() -> None:
    computing = OneComputes()
    fetch_started, fetch_may_end = threading.Event(), threading.Event()
    order: list[str] = []

    class SlowFetcher:
        def fetch(self, url: str) -> str:
            fetch_started.set()
            fetch_may_end.wait(30)
            return url

    def first() -> None:
        with computing:
            order.append(computing.waiting_on(SlowFetcher()).fetch("page"))

    thread = threading.Thread(target=first)
    thread.start()
    fetch_started.wait(30)
    with computing:  # would wait forever if the fetching check still held the gate
        order.append("other computed")
    fetch_may_end.set()
    thread.join(timeout=30)
    assert order == ["other computed", "page"]


class RecordingScheduler:
    """Stands in for APScheduler in a unit test of CheckRunner's deferral: the jobs it was given."""

    def __init__(self) -> None:
        self.jobs: list[dict[str, object]] = []

    def add_job(self, function: object, trigger: object, **options: object) -> None:
        self.jobs.append({"trigger": trigger, **options})


def test_a_check_whose_host_is_in_its_gap_gives_its_thread_back(page_server: PageServer, tmp_path: Path) -> None:
    from tracker.config import load_config
    from tracker.scheduler import CheckDeadline, CheckRunner

    page_server.serve("/a", "<main>" + "<p>We keep your data safe and never sell it.</p>" * 20 + "</main>")
    page_server.serve("/b", "<main>" + "<p>We keep your data safe and never share it.</p>" * 20 + "</main>")
    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        f"database: {{url: 'sqlite:///{tmp_path}/tracker.db'}}\nfetch: {{host_gap: 30, retries: 0}}\nservices:\n"
        f"  acme:\n    documents:\n      a: {{url: '{page_server.url('/a')}'}}\n"
        f"      b: {{url: '{page_server.url('/b')}'}}\n"
        f"      far: {{url: 'http://localhost:{page_server.port}/a'}}\n"
    )
    config = load_config(config_path)
    a, b, far = config.documents()
    store = Store(config.database_url)
    with Fetcher(config.settings.fetch) as fetcher:
        runner = CheckRunner(config, store, fetcher, CheckDeadline(60), threading.Event())
        scheduler = runner.scheduler = RecordingScheduler()  # type: ignore[assignment]
        runner.check(a)
        runner.check(b)  # 127.0.0.1 was just asked: b waits as a job, not in this thread
        runner.check(b)  # due again meanwhile: it is waiting already
        runner.check(far)  # another host goes at once
    assert [check.document for check in store.checks("acme")] == ["far", "a"]
    [deferred] = scheduler.jobs
    assert deferred["args"] == [b, True]
    assert deferred["trigger"].run_date > datetime.now(UTC) + timedelta(seconds=20)  # type: ignore[attr-defined]
    store.close()


@contextmanager
def one_policy_under_a_daemon(page_server: PageServer, tmp_path: Path) -> Iterator[tuple[Any, RecordingScheduler]]:
    """The daemon's CheckRunner (host_gap 0) over one policy at 127.0.0.1, its jobs recorded instead of run."""
    from tracker.config import load_config
    from tracker.scheduler import CheckDeadline, CheckRunner

    page_server.serve("/b", "<main>" + "<p>We keep your data safe and never share it.</p>" * 20 + "</main>")
    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        f"database: {{url: 'sqlite:///{tmp_path}/tracker.db'}}\nfetch: {{host_gap: 0, retries: 0}}\nservices:\n"
        f"  acme:\n    documents:\n      b: {{url: '{page_server.url('/b')}'}}\n"
    )
    config = load_config(config_path)
    store = Store(config.database_url)
    try:
        with Fetcher(config.settings.fetch) as fetcher:
            runner = CheckRunner(config, store, fetcher, CheckDeadline(60), threading.Event())
            runner.scheduler = RecordingScheduler()  # type: ignore[assignment]
            yield runner, runner.scheduler  # type: ignore[misc]
    finally:
        store.close()


def test_a_check_whose_host_is_answering_another_request_comes_back_instead_of_waiting(
    page_server: PageServer, tmp_path: Path
) -> None:
    """Behind a slow page on its host (a drip runs to its deadline), a check waiting in its thread would hold a
    worker and spend its own budget there, then fail "ran out of time" through no fault of its page."""
    from tracker.scheduler import BUSY_HOST_RECHECK

    with one_policy_under_a_daemon(page_server, tmp_path) as (runner, scheduler):
        [b] = runner.config.documents()
        with runner.fetcher.polite(page_server.url("/slow")):  # another check's request to 127.0.0.1, in flight
            checking = threading.Thread(target=runner.check, args=(b,))
            checking.start()
            checking.join(timeout=30)
            assert not checking.is_alive(), "the check waited in its thread for the host"
        assert runner.store.checks("acme") == []  # the host was not asked: nothing to put on record
        [deferred] = scheduler.jobs
        assert deferred["args"] == [b, True]
        run_date = deferred["trigger"].run_date  # type: ignore[attr-defined]
        assert run_date <= datetime.now(UTC) + timedelta(seconds=BUSY_HOST_RECHECK)
        runner.check(b, True)  # back when the host is free
        [check] = runner.store.checks("acme")
    assert check.outcome == "first_version"


def test_a_request_in_flight_that_ends_within_the_patience_is_waited_for(
    page_server: PageServer, tmp_path: Path
) -> None:
    """Most requests end in milliseconds: a check behind one waits for it rather than come back a second later."""
    with one_policy_under_a_daemon(page_server, tmp_path) as (runner, scheduler):
        [b] = runner.config.documents()
        in_flight = threading.Event()

        def a_short_request() -> None:
            with runner.fetcher.polite(page_server.url("/other")):
                in_flight.set()
                threading.Event().wait(0.05)  # a request of 50 ms

        other = threading.Thread(target=a_short_request)
        other.start()
        in_flight.wait(10)
        runner.check(b)
        other.join(10)
        outcomes = [check.outcome for check in runner.store.checks("acme")]
    assert scheduler.jobs == [] and outcomes == ["first_version"]
