"""Run the daemon for an hour (or `--minutes`) and print its memory every minute, with tracemalloc's top growth.

    nohup python benchmarks/soak.py [--corpus ../shared/corpus] [--documents 200] [--minutes 60] > soak-output.txt &

A local server (its own process, bound to 127.0.0.1) serves the corpus's real HTML captures, one per document,
with new markup every minute (script bodies and a nonce change: every check extracts) and, every five minutes, a
new sentence in one document out of ten (a changed check: diff, flag, a new version, the sentence memory). The
daemon runs in this process as `tracker daemon` runs it (`run_daemon`, its default pool, a SQLite database in a
temporary folder), every document on a one-minute schedule.

Every minute: RSS, the memory tracemalloc traces (Python's own allocations: a leak grows here; allocator growth
shows in RSS only), and the checks recorded. Snapshots after warm-up, in the middle and at the end: the lines
whose allocations grew most between them. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import REPO, captures, churned, daemon_config, documents_for

CHANGE_EVERY = 5  # minutes between two text changes of a changing document
CHANGING_SHARE = 10  # one document in this many changes its text


def changed_words(pages: list[bytes], documents: list) -> dict[int, bytes]:
    """Per changing document, a long word from the middle of its text: the server edits that word's sentences."""
    from tracker.extract import Rules, extract_text

    words = {}
    for number in range(0, len(documents), CHANGING_SHARE):
        document = documents[number]
        text = extract_text(pages[number % len(pages)], "text/html", Rules(document.select, document.remove))
        words[number] = re.findall(r"[A-Za-z]{9,}", text[len(text) // 2 :])[0].encode()
    return words


def serve(pages: list[bytes], words: dict[int, bytes], port: multiprocessing.Value, started: float, every: int) -> None:  # type: ignore[valid-type]
    cache: dict[tuple[int, int], bytes] = {}  # this minute's pages
    cache_minute = [-1]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            number = int(self.path.rsplit("/", 1)[1])
            minute = int((time.time() - started) // 60)
            edition = minute // every if number in words else 0
            if minute != cache_minute[0]:
                cache.clear()
                cache_minute[0] = minute
            key = (number, edition)
            if key not in cache:
                page = churned(pages[number % len(pages)], minute + 1)
                if edition:
                    # Every sentence with this word gains two: inside the policy whatever the rules select.
                    page = page.replace(words[number], words[number] + f" revised{edition}".encode())
                cache[key] = page
            body = cache[key]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port.value = server.server_address[1]
    server.serve_forever()


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def recorded(database: Path) -> tuple[int, int]:
    """Checks and versions in the database so far."""
    import sqlite3

    with sqlite3.connect(database, timeout=30) as connection:
        checks = connection.execute("SELECT count(*) FROM checks").fetchone()[0]
        versions = connection.execute("SELECT count(*) FROM versions").fetchone()[0]
    return checks, versions


def top_growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, label: str, count: int = 12) -> None:
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
    ]
    stats = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "lineno")
    total = sum(stat.size_diff for stat in stats)
    print(f"\ntracemalloc, {label}: {total / 2**20:+.1f} MiB traced in all; the lines that changed most:", flush=True)
    for stat in stats[:count]:
        frame = stat.traceback[0]
        where = frame.filename.replace(str(REPO) + "/", "").split("site-packages/")[-1]
        print(f"  {stat.size_diff / 2**10:+9.0f} KiB {stat.count_diff:+7d} blocks  {where}:{frame.lineno}", flush=True)


def monitor(database: Path, minutes: int, stop: threading.Event) -> None:
    started = time.monotonic()
    snapshots: dict[str, Path] = {}
    marks = {3: "warm", max(4, minutes // 2): "middle", minutes: "end"}
    previous = 0
    print(" min   RSS MiB  traced MiB  checks/min  checks in all  versions", flush=True)
    for minute in range(1, minutes + 1):
        if stop.wait(started + 60 * minute - time.monotonic()):
            return
        traced, _peak = tracemalloc.get_traced_memory()
        checks, versions = recorded(database)
        print(
            f"{minute:4d}  {rss_mib():8.1f}  {traced / 2**20:10.1f}  {checks - previous:10d}  {checks:13d}"
            f"  {versions:8d}",
            flush=True,
        )
        previous = checks
        if minute in marks:
            # On disk, not in memory: a snapshot is tens of MiB that tracemalloc does not trace, and kept in the
            # process it would show in the RSS column as a step the daemon did not take.
            snapshots[marks[minute]] = database.with_name(f"{marks[minute]}.tracemalloc")
            snapshot = tracemalloc.take_snapshot()
            snapshot.dump(str(snapshots[marks[minute]]))
            del snapshot
    if "warm" in snapshots and "middle" in snapshots:
        warm, middle, end = (tracemalloc.Snapshot.load(str(snapshots[mark])) for mark in ("warm", "middle", "end"))
        top_growth(warm, middle, f"minute 3 to minute {max(4, minutes // 2)}")
        top_growth(middle, end, f"minute {max(4, minutes // 2)} to minute {minutes}")
        top_growth(warm, end, f"minute 3 to minute {minutes}")
    os.kill(os.getpid(), signal.SIGTERM)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--schedule", default="1m")
    parser.add_argument("--change-every", type=int, default=CHANGE_EVERY, help="minutes between two text changes")
    args = parser.parse_args()
    if not (args.corpus / "manifest.json").exists():
        raise SystemExit(f"no corpus at {args.corpus}: pass --corpus PATH")
    entries = captures(args.corpus)[: args.documents]
    pages = [(args.corpus / e["path_html"]).read_bytes() for e in entries]
    port = multiprocessing.Value("i", 0)
    documents = documents_for(entries, args.documents, 0)
    words = changed_words(pages, documents)
    server = multiprocessing.get_context("fork").Process(
        target=serve, args=(pages, words, port, time.time(), args.change_every), daemon=True
    )
    server.start()
    while not port.value:
        time.sleep(0.01)
    del pages
    from tracker.config import load_config
    from tracker.scheduler import run_daemon

    logging.basicConfig(level=logging.ERROR)  # one line a check would drown the figures
    print(
        f"soak: {args.documents} documents ({len(entries)} real captures) on a {args.schedule} schedule, "
        f"{args.minutes} minutes, {os.cpu_count()} cores; code at {git_head()}; pid {os.getpid()}",
        flush=True,
    )
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        documents = documents_for(entries, args.documents, port.value)
        config = load_config(daemon_config(Path(folder), documents, args.schedule))
        tracemalloc.start()
        stop = threading.Event()
        watcher = threading.Thread(target=monitor, args=(Path(folder) / "daemon.db", args.minutes, stop), daemon=True)
        watcher.start()
        code = run_daemon(config)
        stop.set()
        watcher.join(timeout=120)
        print(f"\ndaemon exit code {code}; load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    server.terminate()


def git_head() -> str:
    import subprocess

    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "tracker"], capture_output=True, text=True)
    return head.stdout.strip() + (" (with uncommitted changes to tracker/)" if dirty.stdout.strip() else "")


if __name__ == "__main__":
    main()
