"""The real `tracker daemon` over many rounds, with hostile pages beside good ones: it stays healthy.

Three good documents (real captures, tests/fixtures/README.md) at one local host, one of which gains an AI-training
sentence mid-run; eight hostile ones (tests/fault_server.py), seven at a second host and a slow drip at a third, every
round; and a good document at the drip's host, which waits for the drip without failing. After SIGTERM, what is on
record is read back through the project's own read paths (Store, `tracker status`, `tracker history --all`,
`tracker changes`): every document checked round after round, each hostile one failed with its reason and never a
version, change or alert, the one real change found and flagged, and every version backed by its raw bytes. Counts,
outcomes and order only: no assertion on how long anything took.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from conftest import PageServer, fixture_bytes, run_tracker
from fault_server import Fault, FaultServer, drip, reset, response, serving_faults
from test_daemon import Daemon, logs_of, wait_until
from test_daemon import spawn as spawn  # the fixture: starts daemons, kills what still runs afterwards

from tracker.store import Store

HTML = "text/html; charset=utf-8"
MARKDOWN = "text/markdown; charset=utf-8"
TERMS = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")
AGREEMENT = fixture_bytes("linkedin-user-agreement-2024-09-19.md.gz")
PRIVACY = fixture_bytes("neutral-policy/en.md")  # says nothing about AI (tests/fixtures/neutral-policy/README.md)
LOGIN_PAGE = fixture_bytes("login-page.html")
AI_SENTENCE = (
    "We also use the information we collect, including the content you create, to train and improve our "
    "artificial intelligence models, including generative AI models."
)
# After the paragraph that starts so, the changed privacy policy says the sentence above.
ANCHOR = b"We regularly review this Privacy Policy and make sure that we process your information in ways that comply"

MAX_BYTES = 4 * 1024 * 1024  # fetch.max_bytes here: the bomb inflates to twice that
# checks.deadline here: the slow drip ends there, every round. A check's budget also runs while it waits for another
# check to finish computing (tracker/scheduler.py, OneComputes): seconds of room for a good page on a busy machine.
DEADLINE = 6.0
SHUTDOWN_TIMEOUT = 15.0  # over DEADLINE: a drip in flight at SIGTERM ends in time
GOOD_CHECKS = 6  # each good document, at least: its first check, then unchanged ones (and the change)
HOSTILE_CHECKS = 4  # each hostile document, at least; the drip, which takes DEADLINE each time, 3


def cut_mid_word(body: bytes, share: float) -> bytes:
    """The first `share` of the bytes, moved on to the middle of a word: a transfer that stopped early."""
    at = int(len(body) * share)
    while not (body[at - 1 : at].isalpha() and body[at : at + 1].isalpha()):
        at += 1
    return body[:at]


def with_ai_sentence(policy: bytes) -> bytes:
    """The policy with AI_SENTENCE as a paragraph of its own after the one that starts with ANCHOR."""
    at = policy.index(b"\n", policy.index(ANCHOR))
    return policy[:at] + b"\n\n" + AI_SENTENCE.encode() + policy[at:]


@dataclass(frozen=True)
class Hostile:
    fault: Fault
    reason: str  # a pattern found in the reason of each of its failed checks


def hostile_pages() -> dict[str, Hostile]:
    return {
        "rate-limited": Hostile(
            response(b"Slow down", "429 Too Many Requests", Retry_After="3600"), "HTTP 429 .* asks to wait 3600 s"
        ),
        "login-wall": Hostile(response(LOGIN_PAGE), "sign-in page"),
        "captcha": Hostile(
            response(
                b"<html><head><title>Just a moment...</title></head><body><h1>www.example.com</h1><h2>Checking if "
                b"the site connection is secure</h2><p>Verifying you are human. This may take a few seconds.</p>"
                b"<p>Ray ID: 7f1a2b3c4d5e6f70</p></body></html>"
            ),
            "captcha or bot check",
        ),
        "gzip-bomb": Hostile(
            response(gzip.compress(b"\0" * (2 * MAX_BYTES)), Content_Encoding="gzip"),
            f"body larger than {MAX_BYTES} bytes",
        ),
        "empty": Hostile(response(b""), "empty body"),
        # Two fifths of the user agreement, cut mid-word: never confirmed within the default 12-hour span.
        "truncated": Hostile(response(cut_mid_word(AGREEMENT, 0.4), content_type=MARKDOWN), "looks truncated"),
        "connection-reset": Hostile(reset(), "Connection reset"),
    }


# At a host of its own, with one good neighbour. One request at a time per host: the neighbour's check comes back
# while the drip is in flight (HostBusy) rather than spend its own budget waiting and fail for want of time. The drip
# is cut by the fetch's deadline or, a moment sooner, by the daemon's (CheckDeadline), which names its budget too.
NEIGHBOUR = "neighbour"
NEIGHBOUR_CHECKS = 2  # at least: the drip holds the host most of each round
SLOW = {
    "slow-drip": Hostile(drip(every=0.2), r"ran out of time \((?:its \d+ s budget, )?checks\.deadline\) while fetching")
}
HOSTILE = hostile_pages() | SLOW
GOOD = ["terms", "agreement", "privacy"]
# The rate-limited host asked for an hour (Retry-After): it is asked once, and not again within the run.
ASKED_TO_WAIT = "rate-limited"
LEAST = (
    dict.fromkeys(GOOD, GOOD_CHECKS)
    | {name: 3 if name in SLOW else HOSTILE_CHECKS for name in HOSTILE}
    | {ASKED_TO_WAIT: 1}
    | {NEIGHBOUR: NEIGHBOUR_CHECKS}
)


def write_config(tmp_path: Path, database_url: str, pages: PageServer, faults: FaultServer, slow: FaultServer) -> Path:
    documents = {
        "terms": pages.serve("/terms", TERMS, content_type=HTML),
        "agreement": pages.serve("/agreement", AGREEMENT, content_type=MARKDOWN),
        "privacy": pages.serve("/privacy", PRIVACY, content_type=MARKDOWN),
    }
    for name, hostile in HOSTILE.items():
        documents[name] = (slow if name in SLOW else faults).add(f"/{name}", hostile.fault)
    documents[NEIGHBOUR] = slow.add(f"/{NEIGHBOUR}", response(TERMS))
    config = {
        "database": {"url": database_url},
        "schedule": "2s",
        "fetch": {
            "host_gap": 0,
            "retries": 1,
            "backoff": 0.01,
            "connect_timeout": 2,
            "read_timeout": 2,  # per read: the drip's bytes come faster, so only the deadline ends it
            "max_bytes": MAX_BYTES,
            "user_agent": "tracker-test",
        },
        "checks": {"deadline": DEADLINE},
        "daemon": {"failing_after": 2, "first_retry": "1s", "shutdown_timeout": SHUTDOWN_TIMEOUT},
        "services": {"acme": {"name": "Acme", "documents": {key: {"url": url} for key, url in documents.items()}}},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    with serving_faults() as server:
        yield server


@pytest.fixture
def slow() -> Iterator[FaultServer]:
    with serving_faults() as server:
        yield server


class Record:
    """The database as the test reads it while the daemon runs: one Store, opened once the schema exists."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.store: Store | None = None

    def checks_per_document(self) -> Counter[str]:
        self.store = self.store or Store(self.database_url, create=False)
        return Counter(check.document for check in self.store.checks("acme", limit=100_000))

    def change_of(self, document: str) -> bool:
        return bool(self.store and self.store.changes("acme", document))

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def poll(condition: Callable[[], object], timeout: float, what: str, daemon: Daemon) -> None:
    """`wait_until`, at a pace that leaves the machine to the daemon."""

    def paced() -> object:
        time.sleep(0.4)
        return condition()

    wait_until(paced, timeout, what, daemon)


def test_hostile_pages_for_many_rounds_leave_the_daemon_healthy_and_the_record_clean(
    tmp_path: Path,
    page_server: PageServer,
    faults: FaultServer,
    slow: FaultServer,
    database_url: str,
    spawn: Callable[..., Daemon],
) -> None:
    config = write_config(tmp_path, database_url, page_server, faults, slow)
    daemon = spawn(config)
    record = Record(database_url)
    try:
        wait_until(lambda: daemon.events("check"), 60, "the first check", daemon)
        poll(lambda: record.checks_per_document()["privacy"] >= 2, 60, "two checks of the privacy policy", daemon)
        page_server.serve("/privacy", with_ai_sentence(PRIVACY), content_type=MARKDOWN)
        poll(lambda: record.change_of("privacy"), 60, "the change of the privacy policy", daemon)

        def enough() -> bool:
            counts = record.checks_per_document()
            return all(counts[key] >= least for key, least in LEAST.items())

        poll(enough, 180, "enough rounds of every document", daemon)
        code, _ = daemon.stop(timeout=SHUTDOWN_TIMEOUT + 30)
    finally:
        record.close()

    # A clean stop: the checks in flight ended (the drip at its deadline), none was left behind.
    assert code == 0, logs_of(daemon)
    assert daemon.events("stop") and daemon.events("abandoned") == [], logs_of(daemon)
    assert daemon.events("check_error") == [], daemon.events("check_error")
    assert not [event for event in daemon.events("check") if event["document"] in HOSTILE and event["ai"]]
    assert len(daemon.events("check")) >= sum(LEAST.values())

    store = Store(database_url, create=False)
    try:
        assert_hostile_never_recorded(store)
        assert_the_others_went_on_while_the_drip_hung(store)
        assert_good_checked_and_the_change_flagged(store)
        assert_the_drips_neighbour_waited_its_turn(store)
        assert_every_version_backed_by_its_snapshot(store)
    finally:
        store.close()
    assert_the_read_commands_agree(config)


def assert_hostile_never_recorded(store: Store) -> None:
    for name, hostile in HOSTILE.items():
        checks = store.checks("acme", name, limit=100_000)
        assert len(checks) >= LEAST[name], (name, len(checks))
        if name == ASKED_TO_WAIT:
            assert len(checks) == 1, [check.started_at for check in checks]
        for check in checks:
            assert check.outcome == "failed" and re.search(hostile.reason, check.reason or ""), (name, check)
            assert check.version_id is None and check.change_id is None, (name, check)
        assert store.versions("acme", name) == [] and store.changes("acme", name) == [], name


def assert_the_others_went_on_while_the_drip_hung(store: Store) -> None:
    """Each hanging check of the drip (but the last, which SIGTERM may have cut into) saw good documents checked."""
    good = [check.started_at for name in GOOD for check in store.checks("acme", name, limit=100_000)]
    [*hung, _last] = reversed(store.checks("acme", "slow-drip", limit=100_000))
    for drip_check in hung:
        ended = drip_check.started_at + timedelta(seconds=drip_check.duration)
        assert any(drip_check.started_at < started < ended for started in good), drip_check


def assert_good_checked_and_the_change_flagged(store: Store) -> None:
    for name in GOOD:
        outcomes = Counter(check.outcome for check in store.checks("acme", name, limit=100_000))
        assert sum(outcomes.values()) >= GOOD_CHECKS and outcomes["failed"] == 0, (name, outcomes)
        assert outcomes["first_version"] == 1 and outcomes["changed"] == (name == "privacy"), (name, outcomes)
    assert [len(store.versions("acme", name)) for name in GOOD] == [1, 1, 2]
    assert store.changes("acme", "terms") == store.changes("acme", "agreement") == []
    [change] = store.changes("acme")
    assert change.document == "privacy" and change.ai and change.category == "training", change
    assert any(AI_SENTENCE in item["text"] for item in change.evidence if item["op"] == "insert"), change.evidence
    assert AI_SENTENCE in store.version_text(change.to_version_id)
    assert AI_SENTENCE not in store.version_text(change.from_version_id)


def assert_the_drips_neighbour_waited_its_turn(store: Store) -> None:
    """Checked, never failed, and never begun while the drip held the host: it came back instead of waiting there.

    The drip holds its host from the start of its check (a state read before the fetch) until its deadline, cut
    then; a second and a half inside either end leaves room for a loaded machine and the neighbour's patience (half
    a second, BUSY_HOST_PATIENCE)."""
    checks = store.checks("acme", NEIGHBOUR, limit=100_000)
    outcomes = Counter(check.outcome for check in checks)
    assert sum(outcomes.values()) >= NEIGHBOUR_CHECKS and outcomes["failed"] == 0, outcomes
    assert outcomes["first_version"] == 1 and len(store.versions("acme", NEIGHBOUR)) == 1, outcomes
    margin = timedelta(seconds=1.5)
    for drip_check in store.checks("acme", "slow-drip", limit=100_000):
        held = (drip_check.started_at + margin, drip_check.started_at + timedelta(seconds=DEADLINE) - margin)
        assert not [check for check in checks if held[0] < check.started_at < held[1]], drip_check


def assert_every_version_backed_by_its_snapshot(store: Store) -> None:
    served = {
        "terms": {TERMS},
        "agreement": {AGREEMENT},
        "privacy": {PRIVACY, with_ai_sentence(PRIVACY)},
        NEIGHBOUR: {TERMS},
    }
    versions = store.versions("acme")
    assert {version.document for version in versions} == {*GOOD, NEIGHBOUR}
    for version in versions:
        assert version.snapshot_id is not None, version
        snapshot, body = store.snapshot(version.snapshot_id), store.snapshot_body(version.snapshot_id)
        assert snapshot.raw_sha256 == hashlib.sha256(body).hexdigest() and snapshot.raw_size == len(body), version
        assert body in served[version.document], version
        assert hashlib.sha256(store.version_text(version.id).encode()).hexdigest() == version.text_sha256, version
    # The pages the screen held back are kept as evidence too, each with bytes that match their record.
    for check in store.checks("acme", limit=100_000):
        if check.suspect:
            assert check.snapshot_id is not None
            snapshot, body = store.snapshot(check.snapshot_id), store.snapshot_body(check.snapshot_id)
            assert snapshot.raw_sha256 == hashlib.sha256(body).hexdigest(), check


def assert_the_read_commands_agree(config: Path) -> None:
    status = run_tracker("status", "--json", config=config)
    assert status.returncode == 1, status.stdout + status.stderr
    report = json.loads(status.stdout)
    assert report["leader"] == {"active": False, "holder": None}
    health = {document["document"]: document for document in report["documents"]}
    assert {key for key, document in health.items() if document["failing"]} == set(HOSTILE), health
    for name, hostile in HOSTILE.items():
        assert re.search(hostile.reason, health[name]["failing_reason"] or ""), health[name]
        assert health[name]["last_success"] is None and health[name]["consecutive_failures"] >= LEAST[name]
    text = run_tracker("status", config=config)
    assert text.returncode == 1
    for name in HOSTILE:
        assert f"Acme {name.replace('-', ' ').title()} is failing: never checked successfully" in text.stdout

    history = json.loads(run_tracker("history", "acme", "--all", "--json", config=config).stdout)
    assert Counter(version["document"] for version in history["versions"]) == {
        "terms": 1,
        "agreement": 1,
        "privacy": 2,
        NEIGHBOUR: 1,
    }
    suspects = Counter(capture["document"] for capture in history["suspect_captures"])
    assert set(suspects) == {"login-wall", "captcha", "truncated"}, suspects

    changes = json.loads(run_tracker("changes", "--json", config=config).stdout)
    [change] = changes
    assert change["document"] == "privacy" and change["ai"] and change["category"] == "training"
    assert any(AI_SENTENCE in item["text"] for item in change["evidence"])


def test_a_page_trickling_past_its_next_slot_among_neighbours_at_its_host_is_checked_again_and_again(
    tmp_path: Path, page_server: PageServer, slow: FaultServer, spawn: Callable[..., Daemon]
) -> None:
    """The drip's check, begun from its host's queue (host_gap), still runs at its next slot: that slot is skipped.
    It was queued again under the running job's id, which APScheduler skipped, and the document stayed 'waiting
    for its host' for good: one check in three minutes (found by this file's first version)."""
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    documents = {"terms": page_server.serve("/terms", TERMS, content_type=HTML)}
    documents["slow-drip"] = slow.add("/slow-drip", SLOW["slow-drip"].fault)
    for n in range(3):
        documents[f"neighbour-{n}"] = slow.add(f"/neighbour-{n}", response(AGREEMENT, content_type=MARKDOWN))
    config = {
        "database": {"url": database_url},
        "schedule": "2s",
        "fetch": {"host_gap": 1, "retries": 0, "read_timeout": 2, "user_agent": "tracker-test"},
        "checks": {"deadline": DEADLINE},
        "daemon": {"max_concurrent_checks": 2, "first_retry": "1s", "shutdown_timeout": SHUTDOWN_TIMEOUT},
        "services": {"acme": {"name": "Acme", "documents": {key: {"url": url} for key, url in documents.items()}}},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    daemon = spawn(path)
    record = Record(database_url)
    try:
        wait_until(lambda: daemon.events("check"), 60, "the first check", daemon)
        poll(lambda: record.checks_per_document()["slow-drip"] >= 4, 180, "four checks of the drip", daemon)
        counts = record.checks_per_document()
        code, _ = daemon.stop(timeout=SHUTDOWN_TIMEOUT + 30)
    finally:
        record.close()

    assert code == 0 and daemon.events("abandoned") == [] and daemon.events("check_error") == [], logs_of(daemon)
    assert all(counts[key] >= 2 for key in documents), counts
