"""Print the time and peak memory of a browser check (`fetch: browser`) of a 1.5 MB Meta page.

    python benchmarks/browser.py [--corpus ../shared/corpus] [--runs 5]

The page is the largest Facebook Privacy Policy capture in the corpus, turned into the shell a browser must
fill (its policy column put back by a script after load; tests/test_browser.py builds it the same way), served
on 127.0.0.1; every request beyond loopback is refused. Peak RSS sums this process and every process under it
(Playwright's driver, Chromium and its renderers), sampled every 50 ms. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_browser import META_RULES, loopback, scripted_capture  # noqa: E402

from tracker.browser import BrowserFetcher  # noqa: E402
from tracker.check import check_document  # noqa: E402
from tracker.config import Document, FetchSettings  # noqa: E402
from tracker.fetch import Fetcher  # noqa: E402
from tracker.store import Store  # noqa: E402


def tree(root: int) -> list[int]:
    """`root` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def tree_memory(root: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of `root` and its descendants: RSS counts pages the processes share once per process
    (an overstatement for Chromium's many processes), PSS splits them between the sharers."""
    rss = pss = 0
    for pid in tree(root):
        try:
            for line in (Path("/proc") / str(pid) / "smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


class PeakMemory:
    """Samples tree_memory(this process) in a thread; the highest sums seen."""

    def __init__(self) -> None:
        self.rss = self.pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            rss, pss = tree_memory(os.getpid())
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def largest_meta_capture(corpus: Path) -> Path:
    manifest = json.loads((corpus / "manifest.json").read_text())
    paths = [
        corpus / entry["path_html"]
        for entry in manifest
        if entry.get("path_html") and entry["service"] == "facebook" and entry["doc_type"] == "privacy-policy"
    ]
    return max(paths, key=lambda path: path.stat().st_size)


def serve(body: bytes) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/privacy/policy/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    capture = largest_meta_capture(args.corpus)
    page = scripted_capture(capture.read_bytes(), META_RULES)
    server, url = serve(page)
    size = capture.stat().st_size / 1e6
    print(f"page: {capture.relative_to(args.corpus)} ({size:.2f} MB; served as a shell of {len(page) / 1e6:.2f} MB)")
    document = Document(
        "meta", "privacy-policy", url, "Meta", "Privacy Policy", META_RULES.select, META_RULES.remove, fetch="browser"
    )
    settings = FetchSettings(host_gap=0, retries=0)
    baseline = tree_memory(os.getpid())[0]
    with tempfile.TemporaryDirectory() as directory, Fetcher(settings) as fetcher:
        store = Store(f"sqlite:///{directory}/bench.db")
        with BrowserFetcher(settings, polite=fetcher.polite, allow=loopback) as browser, PeakMemory() as memory:
            started = time.perf_counter()
            first = check_document(document, store, fetcher, browser=browser)
            cold = time.perf_counter() - started
            warm = []
            for _ in range(args.runs):
                started = time.perf_counter()
                result = check_document(document, store, fetcher, browser=browser)
                warm.append(time.perf_counter() - started)
                assert result.outcome == "unchanged", result.reason
        store.close()
    server.shutdown()
    assert first.outcome == "first_version", first.reason
    print(f"first check, Chromium started:  {cold:6.2f} s")
    spread = f"(min {min(warm):.2f}, max {max(warm):.2f})"
    print(f"warm check (median of {args.runs}):      {statistics.median(warm):6.2f} s  {spread}")
    before = f"(tracker alone before: {baseline / 2**20:.0f} MB)"
    print(f"peak RSS, tracker + driver + Chromium: {memory.rss / 2**20:6.0f} MB  {before}")
    print(f"peak PSS, the same processes:          {memory.pss / 2**20:6.0f} MB  (shared pages counted once)")


if __name__ == "__main__":
    main()
