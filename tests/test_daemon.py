"""The real `tracker daemon` in subprocesses, against a local HTTP server, with schedules of seconds.

Every wait has a hard timeout, every daemon is killed in teardown, and time is only ever asserted as a bound.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, PageServer, assert_no_traceback, run_tracker

from tracker.store import Store

INTERVAL = 2.0  # seconds: the schedule of most tests here


def policy(edition: str) -> str:
    """A page that passes the screens (long enough, no wall phrases); `edition` changes its text."""
    clauses = "".join(
        f"<p>Clause {n}. We collect information you give us and information about how you use the service, "
        f"and we use it to provide, improve and protect the service ({edition} edition).</p>"
        for n in range(6)
    )
    return f"<html><body><main><h1>Terms of Service</h1>{clauses}</main></body></html>"


def write_config(
    tmp_path: Path,
    database_url: str,
    documents: dict[str, str],
    *,
    name: str = "config.yaml",
    schedule: str = "2s",
    user_agent: str = "tracker-test",
    **daemon: Any,
) -> Path:
    config = {
        "database": {"url": database_url},
        "schedule": schedule,
        "fetch": {"host_gap": 0, "retries": 0, "backoff": 0.01, "read_timeout": 60, "user_agent": user_agent},
        "daemon": {"failing_after": 2, "shutdown_timeout": 5, **daemon},
        "services": {"acme": {"name": "Acme", "documents": {key: {"url": url} for key, url in documents.items()}}},
    }
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config))
    return path


@dataclass
class Daemon:
    process: subprocess.Popen[bytes]
    log_path: Path

    def events(self, event: str | None = None) -> list[dict[str, Any]]:
        """The JSON log lines so far (the daemons here run with --log-json)."""
        lines = [json.loads(line) for line in self.log_path.read_text().splitlines() if line.startswith("{")]
        return [line for line in lines if event is None or line.get("event") == event]

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 10) -> tuple[int, float]:
        """Send `sig`; the exit code and the seconds it took to exit."""
        started = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout)
        return code, time.monotonic() - started


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Daemon]]:
    """Starts `tracker daemon --log-json` subprocesses; kills whichever still runs at the end of the test."""
    started: list[Daemon] = []

    def start(config: Path, name: str = "daemon") -> Daemon:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        environment.update({"TRACKER_CONFIG": str(config), "NO_COLOR": "1", "PYTHONPATH": str(REPO)})
        log_path = tmp_path / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tracker.cli", "daemon", "--log-json", "--log-level", "DEBUG"],
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=environment,
                cwd=config.parent,
            )
        daemon = Daemon(process, log_path)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        if daemon.process.poll() is None:
            daemon.process.kill()
            daemon.process.wait(10)
    for daemon in started:
        assert_no_traceback(daemon.log_path.read_text())


def wait_until(condition: Callable[[], Any], timeout: float, what: str, *daemons: Daemon) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            logs = "\n".join(d.log_path.read_text()[-3000:] for d in daemons)
            raise AssertionError(f"not within {timeout} s: {what}\n{logs}")
        for daemon in daemons:
            if daemon.process.poll() is not None:
                raise AssertionError(f"daemon exited ({daemon.process.returncode}) before {what}\n{logs_of(daemon)}")
        time.sleep(0.1)
    return result


def logs_of(daemon: Daemon) -> str:
    return daemon.log_path.read_text()[-3000:]


def checks(database_url: str, document: str | None = None) -> list[Any]:
    """The recorded checks, oldest first."""
    store = Store(database_url)
    try:
        return list(reversed(store.checks("acme", document, limit=1000)))
    finally:
        store.close()


def assert_one_check_per_slot(database_url: str, documents: list[str]) -> None:
    """No document was checked twice in one slot: consecutive checks are at least half an interval apart."""
    for document in documents:
        started = [check.started_at for check in checks(database_url, document)]
        gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(started)]
        assert all(gap >= INTERVAL / 2 for gap in gaps), (document, gaps)


# -- acceptance ---------------------------------------------------------------------------------------------


def test_the_daemon_checks_each_document_on_schedule_and_a_page_change_becomes_a_change(
    tmp_path: Path, page_server: PageServer, database_url: str, spawn: Callable[..., Daemon]
) -> None:
    terms = page_server.serve("/terms", policy("first"))
    privacy = page_server.serve("/privacy", policy("privacy"))
    daemon = spawn(write_config(tmp_path, database_url, {"terms": terms, "privacy": privacy}))

    wait_until(lambda: len(checks(database_url, "terms")) >= 1, 30, "the first check of terms", daemon)
    page_server.serve("/terms", policy("second"))
    wait_until(lambda: any(c.change_id for c in checks(database_url, "terms")), 20, "a change of terms", daemon)
    wait_until(lambda: len(checks(database_url, "privacy")) >= 3, 20, "three checks of privacy", daemon)
    code, seconds = daemon.stop()

    assert code == 0 and seconds < 10, logs_of(daemon)
    outcomes = [c.outcome for c in checks(database_url, "terms")]
    assert outcomes[0] == "first_version" and "changed" in outcomes
    assert {c.outcome for c in checks(database_url, "privacy")} == {"first_version", "unchanged"}
    assert_one_check_per_slot(database_url, ["terms", "privacy"])
    # One log line per check, with what an operator greps for.
    lines = daemon.events("check")
    assert len(lines) == len(checks(database_url))
    changed = next(line for line in lines if line["outcome"] == "changed")
    assert changed["service"] == "acme" and changed["document"] == "terms"
    assert changed["version_id"] and changed["duration"] >= 0 and changed["level"] == "info"
    assert all(line.startswith("{") for line in daemon.log_path.read_text().splitlines())


def test_sigterm_mid_check_exits_0_and_nothing_is_half_written(
    tmp_path: Path, page_server: PageServer, database_url: str, spawn: Callable[..., Daemon]
) -> None:
    # Two checks in flight at SIGTERM: one that ends within the shutdown timeout, one that never would.
    release = threading.Event()
    page_server.pages = SlowPages(page_server.pages, {"/slow": 2.0, "/stuck": 120.0}, release)
    slow = page_server.serve("/slow", policy("slow"))
    # Another host name for the same server: the fetcher keeps one request at a time per host.
    stuck = page_server.serve("/stuck", policy("stuck")).replace("127.0.0.1", "localhost")
    config = write_config(tmp_path, database_url, {"slow": slow, "stuck": stuck}, shutdown_timeout=4)
    daemon = spawn(config)
    try:
        wait_until(lambda: page_server.count("/slow") and page_server.count("/stuck"), 30, "both requests", daemon)
        code, seconds = daemon.stop()
    finally:
        release.set()

    assert code == 0 and seconds < 10, logs_of(daemon)
    [finished] = checks(database_url, "slow")
    assert finished.outcome == "first_version" and finished.version_id
    assert checks(database_url, "stuck") == []
    store = Store(database_url)
    try:
        assert [v.document for v in store.versions("acme")] == ["slow"]  # nothing of the stuck check
        [version] = store.versions("acme")
        assert version.snapshot_id and store.snapshot(version.snapshot_id).url == slow
    finally:
        store.close()
    [abandoned] = daemon.events("abandoned")
    assert abandoned["documents"] == ["acme/stuck"]


def test_two_daemons_one_leads_and_the_standby_takes_over_after_sigkill(
    tmp_path: Path, page_server: PageServer, database_url: str, spawn: Callable[..., Daemon]
) -> None:
    documents = {
        "terms": page_server.serve("/terms", policy("t")),
        "privacy": page_server.serve("/privacy", policy("p")),
    }
    leader = spawn(write_config(tmp_path, database_url, documents, name="a.yaml", user_agent="daemon-a"), "a")
    wait_until(lambda: leader.events("leader"), 30, "the first daemon leads", leader)
    standby = spawn(write_config(tmp_path, database_url, documents, name="b.yaml", user_agent="daemon-b"), "b")
    wait_until(lambda: standby.events("standby"), 30, "the second daemon waits", standby)
    assert str(leader.process.pid) in standby.events("standby")[0]["message"]

    wait_until(lambda: len(page_server.requests) >= 4, 30, "two rounds of checks", leader, standby)
    status = run_tracker("status", "--json", config=tmp_path / "b.yaml")
    assert status.returncode == 0, status.stderr
    leadership = json.loads(status.stdout)["leader"]
    assert leadership["active"] and str(leader.process.pid) in leadership["holder"]
    if database_url.startswith("sqlite"):
        assert Path(database_url.removeprefix("sqlite:///") + ".lock").exists()

    leader.process.kill()  # SIGKILL: no goodbye, the lock goes with the process (or its connection)
    killed_at, served_before = time.monotonic(), len(page_server.requests)
    assert leader.process.wait(10) == -signal.SIGKILL
    assert {headers["user-agent"] for _, headers in page_server.requests[:served_before]} == {"daemon-a"}

    def checked_by_standby() -> set[str]:
        return {path for path, headers in page_server.requests if headers["user-agent"] == "daemon-b"}

    wait_until(lambda: standby.events("leader"), 30, "the standby takes over", standby)
    wait_until(checked_by_standby, 30, "a check by the new leader", standby)
    assert time.monotonic() - killed_at < 30
    wait_until(lambda: checked_by_standby() == {"/terms", "/privacy"}, 30, "a round by the new leader", standby)
    code, _ = standby.stop()
    assert code == 0, logs_of(standby)
    assert_one_check_per_slot(database_url, list(documents))
    after = run_tracker("status", "--json", config=tmp_path / "b.yaml")
    assert json.loads(after.stdout)["leader"] == {"active": False, "holder": None}


def test_a_restart_right_after_a_check_does_not_fetch_again_before_the_interval(
    tmp_path: Path, page_server: PageServer, spawn: Callable[..., Daemon]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    # 12 s: longer than a daemon takes to start on a busy two-core machine (4 s was not, at times).
    config = write_config(tmp_path, database_url, {"terms": page_server.serve("/terms", policy("t"))}, schedule="12s")
    first = spawn(config, "first")
    wait_until(lambda: checks(database_url), 30, "the first check", first)
    assert first.stop()[0] == 0

    second = spawn(config, "second")
    wait_until(lambda: second.events("scheduled"), 30, "the restarted daemon plans its checks", second)
    assert second.events("scheduled")[0]["due_now"] == 0
    wait_until(lambda: len(checks(database_url)) >= 2, 45, "the check one interval later", second)
    assert second.stop()[0] == 0

    earlier, later = checks(database_url)[:2]
    assert (later.started_at - earlier.started_at).total_seconds() >= 12 - 0.1
    assert page_server.count("/terms") == 2


def test_a_document_answering_503_becomes_failing_and_clears_when_the_page_is_back(
    tmp_path: Path, page_server: PageServer, spawn: Callable[..., Daemon]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    terms = page_server.serve("/terms", "Service Unavailable", status=503)
    config = write_config(tmp_path, database_url, {"terms": terms}, failing_after=2)
    daemon = spawn(config)
    wait_until(lambda: daemon.events("failing"), 30, "the document is failing", daemon)

    status = run_tracker("status", "--json", config=config)
    assert status.returncode == 1 and status.stdout, status.stderr
    report = json.loads(status.stdout)
    assert report["leader"]["active"] and report["pending_digests"] == []
    [document] = report["documents"]
    # Never checked successfully: failing from the first failed check, whatever `failing_after` says.
    assert document["failing"] and document["consecutive_failures"] >= 1 and document["last_outcome"] == "failed"
    assert document["failing_reason"].startswith("never checked successfully (")
    assert f"last: HTTP 503 Service Unavailable from 127.0.0.1:{page_server.port})" in document["failing_reason"]
    assert document["last_success"] is None and document["next_check"]
    text = run_tracker("status", config=config)
    assert text.returncode == 1 and "Acme Terms is failing: never checked successfully (" in text.stdout
    [warning] = daemon.events("failing")
    assert warning["level"] == "warning" and warning["document"] == "terms"
    assert all(check["level"] == "warning" for check in daemon.events("check") if check["outcome"] == "failed")

    page_server.serve("/terms", policy("back"))
    wait_until(lambda: daemon.events("recovered"), 30, "the document recovers", daemon)
    healthy = run_tracker("status", "--json", config=config)
    assert healthy.returncode == 0, healthy.stdout
    [document] = json.loads(healthy.stdout)["documents"]
    assert not document["failing"] and document["consecutive_failures"] == 0 and document["last_success"]
    assert daemon.stop()[0] == 0


def test_a_failed_check_is_retried_after_minutes_not_a_period_and_then_follows_its_schedule(
    tmp_path: Path, page_server: PageServer, spawn: Callable[..., Daemon]
) -> None:
    """An hourly document whose first check fails is tried again after `daemon.first_retry` (1 s here, then 2 s,
    4 s ...), not an hour later; once it succeeds, its next check is an hour on."""
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    terms = page_server.serve("/terms", "Service Unavailable", status=503)
    config = write_config(tmp_path, database_url, {"terms": terms}, schedule="1h", first_retry="1s")
    daemon = spawn(config)
    wait_until(lambda: len(checks(database_url)) >= 2, 30, "a retry of the failed check", daemon)
    first, second = checks(database_url)[:2]
    assert first.outcome == second.outcome == "failed"
    assert (second.started_at - first.started_at).total_seconds() < 60
    [failed, *_] = daemon.events("check")
    assert failed["level"] == "warning" and "(1 in a row; next try in 1 s)" in failed["message"]

    # Back, as XHTML with an XML prolog: bs4 would warn about it; the JSON log must stay JSON lines only.
    page_server.serve("/terms", '<?xml version="1.0" encoding="utf-8"?>\n' + policy("back"))
    wait_until(lambda: daemon.events("recovered"), 30, "the document recovers", daemon)
    time.sleep(3 * INTERVAL)
    assert checks(database_url)[-1].outcome == "first_version"  # no more retries once it succeeded
    assert all(line.startswith("{") for line in daemon.log_path.read_text().splitlines()), logs_of(daemon)
    [document] = json.loads(run_tracker("status", "--json", config=config).stdout)["documents"]
    assert document["failing"] is False
    assert datetime.fromisoformat(document["next_check"]) - datetime.fromisoformat(document["last_attempt"]) == (
        timedelta(hours=1)
    )
    assert daemon.stop()[0] == 0


def test_a_restarted_daemon_does_not_ask_again_a_host_that_asked_for_an_hour(
    tmp_path: Path, page_server: PageServer, spawn: Callable[..., Daemon]
) -> None:
    """A 429 with Retry-After: 3600 ends the first daemon's check; the next daemon, started at once, plans that
    document's next try an hour on (as `tracker status` says), and checks the document beside it meanwhile."""
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    limited = page_server.serve("/limited", "Slow down", status=429, headers={"Retry-After": "3600"})
    config = write_config(tmp_path, database_url, {"limited": limited}, first_retry="1s")
    daemon = spawn(config)
    wait_until(lambda: checks(database_url, "limited"), 30, "the rate-limited check", daemon)
    assert daemon.stop()[0] == 0

    other = page_server.serve("/other", policy("first"))
    config = write_config(tmp_path, database_url, {"limited": limited, "other": other}, first_retry="1s")
    daemon = spawn(config, name="restarted")
    wait_until(lambda: len(checks(database_url, "other")) >= 3, 30, "three checks of the other document", daemon)
    assert daemon.stop()[0] == 0
    assert page_server.count("/limited") == 1  # asked once, by the first daemon
    [document] = [
        d
        for d in json.loads(run_tracker("status", "--json", config=config).stdout)["documents"]
        if d["document"] == "limited"
    ]
    waited = datetime.fromisoformat(document["next_check"]) - datetime.fromisoformat(document["last_attempt"])
    assert timedelta(hours=1) <= waited < timedelta(hours=1, minutes=1)


def test_a_document_with_a_regional_variant_is_checked_without_a_crash(
    tmp_path: Path, page_server: PageServer, spawn: Callable[..., Daemon]
) -> None:
    """`document_health(document="terms")` also returns terms@eu: the daemon reports on the series it checked."""
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    config = write_config(tmp_path, database_url, {"terms": page_server.serve("/terms", policy("one"))})
    settings = yaml.safe_load(config.read_text())
    eu = page_server.serve("/terms-eu", policy("eu"))
    settings["services"]["acme"]["documents"]["terms"]["variants"] = {"eu": {"url": eu}}
    config.write_text(yaml.safe_dump(settings))
    daemon = spawn(config)
    wait_until(lambda: len(daemon.events("check")) >= 2, 30, "a check of each series", daemon)
    assert {event["document"] for event in daemon.events("check")} == {"terms", "terms@eu"}
    assert daemon.events("check_error") == []
    assert daemon.stop()[0] == 0


def test_a_database_that_does_not_answer_is_said_so_never_taken_for_another_leader(
    tmp_path: Path, spawn: Callable[..., Daemon]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe is closed
    config = write_config(
        tmp_path, f"postgresql+psycopg://tracker:s3cret@127.0.0.1:{port}/tracker", {"terms": "http://127.0.0.1:9/"}
    )
    daemon = spawn(config)
    [warning] = wait_until(lambda: daemon.events("database_unreachable"), 30, "the unreachable database", daemon)
    assert warning["level"] == "warning"
    assert warning["message"].startswith(
        f"cannot reach the database postgresql+psycopg://tracker:***@127.0.0.1:{port}/tracker to take the leader "
        "lock (trying again every 2 s): "
    )
    time.sleep(2 * INTERVAL)
    assert daemon.events("standby") == [] and "s3cret" not in daemon.log_path.read_text()
    assert daemon.stop()[0] == 0


def test_a_schedule_that_means_nothing_stops_the_daemon_before_it_starts(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, f"sqlite:///{tmp_path / 't.db'}", {"terms": "http://127.0.0.1:9/"}, schedule="often"
    )
    result = run_tracker("daemon", config=config, timeout=30)
    assert result.returncode == 2
    assert "key 'schedule'" in result.stderr and "'often'" in result.stderr and "Traceback" not in result.stderr


class SlowPages(dict):  # type: ignore[type-arg]
    """The page server looks a page up with .get() before it answers: a delay here is a slow server.

    Waits end early when `release` is set, so that no server thread outlives its test for long.
    """

    def __init__(self, pages: dict[str, Any], delays: dict[str, float], release: threading.Event) -> None:
        super().__init__(pages)
        self.delays, self.release = delays, release

    def get(self, path: str, default: Any = None) -> Any:
        if path in self.delays:
            self.release.wait(self.delays[path])
        return super().get(path, default)
