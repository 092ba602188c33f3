"""`tracker demo`: the real pipeline on a real AI-training change, offline, in a few seconds.

Two real captures of Google's Privacy Policy (January and June 2023, shipped in tracker/demo_data) are served
from a local HTTP server on 127.0.0.1 and checked twice into a temporary SQLite database, exactly as
`tracker check` would check the live page.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tracker.check import CheckResult, check_document
from tracker.config import Config, load_config
from tracker.diff import TextDiff, diff_texts
from tracker.digest import RenderedDigest, preview_digest
from tracker.fetch import Fetcher
from tracker.resources import demo_data_path
from tracker.store import ChangeRecord, Store

CAPTURES = (
    ("google-privacy-policy-2023-01-19.md.gz", "19 January 2023"),
    ("google-privacy-policy-2023-06-29.md.gz", "29 June 2023"),
)

DEMO_CONFIG = """\
# Written by `tracker demo`: one document, served from this machine.
fetch:
  host_gap: 0
  retries: 0
services:
  google:
    name: Google
    documents:
      privacy-policy:
        name: Privacy Policy
        url: {url}
email:
  smtp: {{host: 127.0.0.1, port: 25, security: none}}
  from: tracker@localhost
  to: you@example.org
"""


@dataclass(frozen=True)
class DemoResult:
    config: Config
    store: Store
    checks: tuple[CheckResult, ...]
    change: ChangeRecord | None
    diff: TextDiff | None
    digest: RenderedDigest | None
    workdir: Path


class _CapturePage(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/markdown; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _local_server() -> Iterator[tuple[ThreadingHTTPServer, str]]:
    handler = type("DemoPage", (_CapturePage,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}/intl/en/policies/privacy"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def run_demo(
    progress: Callable[[str], None], on_check: Callable[[CheckResult], None], keep: bool = False
) -> Iterator[DemoResult]:
    """Run the demo; the result is valid inside the `with` block, then the temporary folder goes away."""
    workdir = Path(tempfile.mkdtemp(prefix="tracker-demo-"))
    store: Store | None = None
    try:
        with _local_server() as (server, url):
            config_path = workdir / "config.yaml"
            config_path.write_text(DEMO_CONFIG.format(url=url))
            config = load_config(config_path)
            document = config.document("google", "privacy-policy")
            # Never $TRACKER_DATABASE_URL: the demo must not write into a real database.
            store = Store(f"sqlite:///{workdir / 'tracker.db'}")
            checks = []
            with Fetcher(config.settings.fetch) as fetcher:
                for step, (name, label) in enumerate(CAPTURES, start=1):
                    server.RequestHandlerClass.body = gzip.decompress((demo_data_path() / name).read_bytes())
                    progress(f"[{step}/{len(CAPTURES)}] Serving the Privacy Policy captured on {label} at {url}")
                    checks.append(check_document(document, store, fetcher, config.settings.checks))
                    on_check(checks[-1])
            [change] = store.changes("google", limit=1) or [None]
            diff = None
            if change is not None:
                diff = diff_texts(store.version_text(change.from_version_id), store.version_text(change.to_version_id))
            digest = preview_digest(config, store, "you@example.org")
            yield DemoResult(config, store, tuple(checks), change, diff, digest, workdir)
    finally:
        if store is not None:
            store.close()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
