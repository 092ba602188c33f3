"""`tracker demo`: the real pipeline on real AI-training changes, offline, in a few seconds.

Real captures of LinkedIn's Privacy Policy and User Agreement (August to November 2024) and of Google's
Privacy Policy (January and June 2023), shipped in tracker/demo_data, are served from a local HTTP server on
127.0.0.1 and checked into a temporary SQLite database exactly as `tracker check` checks the live pages, each
at the time it was captured: the notice each change gave is the one the page really gave.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from tracker.check import CheckResult, check_document
from tracker.config import Config, load_config
from tracker.digest import RenderedDigest, preview_digest
from tracker.fetch import Fetcher
from tracker.notice import StatedDate, version_dates
from tracker.resources import demo_data_path
from tracker.store import ChangeRecord, Store


@dataclass(frozen=True)
class Capture:
    service: str
    document: str
    file: str
    captured_at: datetime

    @property
    def label(self) -> str:
        return f"{self.captured_at:%d %B %Y}".lstrip("0")


def _at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


# Act 1, LinkedIn; act 2, Google. Each document's captures in the order they were made.
CAPTURES = (
    Capture("linkedin", "privacy-policy", "linkedin-privacy-policy-2024-08-01.md.gz", _at("2024-08-01T00:32:53")),
    Capture("linkedin", "user-agreement", "linkedin-user-agreement-2024-09-19.md.gz", _at("2024-09-19T00:32:13")),
    Capture("linkedin", "privacy-policy", "linkedin-privacy-policy-2024-09-19.md.gz", _at("2024-09-19T00:32:21")),
    Capture("linkedin", "user-agreement", "linkedin-user-agreement-2024-11-21.md.gz", _at("2024-11-21T00:32:34")),
    Capture("google", "privacy-policy", "google-privacy-policy-2023-01-19.md.gz", _at("2023-01-19T06:43:23")),
    Capture("google", "privacy-policy", "google-privacy-policy-2023-06-29.md.gz", _at("2023-06-29T18:34:22")),
)
PATHS = {
    ("linkedin", "privacy-policy"): "/legal/privacy-policy",
    ("linkedin", "user-agreement"): "/legal/user-agreement",
    ("google", "privacy-policy"): "/intl/en/policies/privacy",
}

DEMO_CONFIG = """\
# Written by `tracker demo`: three documents, served from this machine (the server stopped with the demo).
# tracker --config THIS-FILE changes (or history linkedin, diff linkedin ...) reads the demo's database, beside it.
database:
  url: sqlite:///tracker.db
fetch:
  host_gap: 0
  retries: 0
daemon:
  blind_after: 1000d  # the replay spans two years in seconds: a document is not failing for not being re-read
services:
  linkedin:
    name: LinkedIn
    documents:
      privacy-policy:
        name: Privacy Policy
        url: {base}/legal/privacy-policy
      user-agreement:
        name: User Agreement
        url: {base}/legal/user-agreement
  google:
    name: Google
    documents:
      privacy-policy:
        name: Privacy Policy
        url: {base}/intl/en/policies/privacy
email:
  smtp: {{host: 127.0.0.1, port: 25, security: none}}
  from: tracker@localhost
  to: you@example.org
"""


@dataclass(frozen=True)
class DemoStep:
    """One capture checked: what the check found, and the terms to come that a first version announces."""

    capture: Capture
    title: str
    result: CheckResult
    announced: tuple[StatedDate, ...] = ()


@dataclass(frozen=True)
class DemoResult:
    config: Config
    store: Store
    checks: tuple[CheckResult, ...]
    changes: tuple[ChangeRecord, ...]  # oldest first: LinkedIn's, then Google's
    digest: RenderedDigest | None
    workdir: Path


class _CapturePages(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, bytes]] = {}  # each server gets a subclass with its own dict

    def do_GET(self) -> None:
        body = self.pages.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/markdown; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _local_server() -> Iterator[tuple[dict[str, bytes], str]]:
    pages: dict[str, bytes] = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("DemoPages", (_CapturePages,), {"pages": pages}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield pages, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _announced(store: Store, capture: Capture, result: CheckResult) -> tuple[StatedDate, ...]:
    """The dates of entry into force still to come that a newly stored version states."""
    if result.outcome != "first_version":
        return ()
    for version_id, _, dates in store.version_dates(capture.service, capture.document):
        if version_id == result.version_id:
            stated = [StatedDate.from_json(item) for item in dates or ()]
            return version_dates(stated, capture.captured_at.date()).upcoming
    return ()


@contextmanager
def run_demo(
    progress: Callable[[str], None], on_check: Callable[[DemoStep], None], keep: bool = False
) -> Iterator[DemoResult]:
    """Run the demo; the result is valid inside the `with` block, then the temporary folder goes away."""
    workdir = Path(tempfile.mkdtemp(prefix="tracker-demo-"))
    store: Store | None = None
    try:
        with _local_server() as (pages, base):
            config_path = workdir / "config.yaml"
            config_path.write_text(DEMO_CONFIG.format(base=base))
            config = load_config(config_path)
            # The file the config names, never $TRACKER_DATABASE_URL: the demo must not write into a real database.
            store = Store(f"sqlite:///{workdir / 'tracker.db'}")
            checks = []
            with Fetcher(config.settings.fetch) as fetcher:
                for step, capture in enumerate(CAPTURES, start=1):
                    document = config.document(capture.service, capture.document)
                    path = PATHS[(capture.service, capture.document)]
                    pages[path] = gzip.decompress((demo_data_path() / capture.file).read_bytes())
                    progress(f"[{step}/{len(CAPTURES)}] Serving {document.title} as captured on {capture.label}")
                    result = check_document(document, store, fetcher, config.settings.checks, now=capture.captured_at)
                    checks.append(result)
                    on_check(DemoStep(capture, document.title, result, _announced(store, capture, result)))
            changes = tuple(sorted(store.changes(), key=lambda change: change.id))
            last = max(capture.captured_at for capture in CAPTURES)
            digest = preview_digest(config, store, "you@example.org", now=last)
            yield DemoResult(config, store, tuple(checks), changes, digest, workdir)
    finally:
        if store is not None:
            store.close()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
