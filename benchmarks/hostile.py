"""Print the CPU time and peak memory of the worst hostile pages, each refused (or read) in a check of its own.

    python benchmarks/hostile.py [--case NAME ...]

Each case runs in a fresh process: a document is checked once against a real capture (LinkedIn's Service Terms,
tests/fixtures/), then again while the server sends the hostile page in its place, so that the diff and the flag
run too when the page gets that far. Printed per case: the second check's outcome and reason, its CPU time
(user + system, process_time) and wall time, and the process's peak RSS against its RSS before the hostile
check. The server is tests/fault_server.py on 127.0.0.1, in this (parent) process.
Target (issue 10): every hostile case refused within 5 s CPU and 300 MB RSS.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fault_server import Fault, drip, response, serving_faults  # noqa: E402

POLICY = gzip.decompress((REPO / "tests" / "fixtures" / "linkedin-service-terms-2023-03-14.html.gz").read_bytes())
MIB = 1024 * 1024


def hostile_pages() -> dict[str, Fault]:
    noise = random.Random(10).randbytes(20 * MIB - 1024)
    return {
        "million-tiny-elements": response(b"<html><body>" + b"<b>x</b>" * 1_000_000),
        "random-bytes-as-html-20MB": response(noise),
        "random-bytes-as-text-20MB": response(noise, content_type="text/plain"),
        "200k-open-brackets-text": response(b"[" * 200_000, content_type="text/plain"),
        "markdown-links-unclosed-text": response(b"[a](x(" * 100_000, content_type="text/plain"),
        "policy-words-20MB-text": response(b"we train models on data " * (20 * MIB // 24), content_type="text/plain"),
        "one-17MB-paragraph-html": response(b"<html><body><p>" + b"word " * (3_500_000) + b"</p>"),
        "nested-divs-45k": response(b"<html><body>" + b"<div>" * 45_000 + b"policy" + b"</div>" * 45_000),
        "unclosed-script-tags": response(b"<html><body>" + b"<script " * 1_000_000),
        "noscript-asks-for-javascript": response(b"<html><body><script></script>" + b"<noscript>" * 1_000_000),
        # Just under the text cap (1,000,000 characters): these reach the diff and the flag.
        "ai-sentences-950k-chars-text": response(b"We train AI. " * 73_000, content_type="text/plain"),
        "one-word-950k-chars-text": response(b"a" * 950_000, content_type="text/plain"),
        "short-lines-950k-chars-text": response(b"x\n" * 475_000, content_type="text/plain"),
        "gzip-bomb-1GB": response(gzip_bomb(1024), Content_Encoding="gzip"),
        "slow-drip-1-byte-per-s": drip(every=1.0),
    }


def gzip_bomb(mebibytes: int) -> bytes:
    """A gzip stream of zeros, compressed a mebibyte at a time (this process never holds the gigabyte)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MIB)
    return b"".join(compressor.compress(zeros) for _ in range(mebibytes)) + compressor.flush()


def peak_rss_mb() -> float:
    """VmHWM: this process image's peak resident memory (ru_maxrss would carry the parent's across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def switching(first: Fault, then: Fault) -> Fault:
    """The real capture for the first request, the hostile page for every later one."""
    served = threading.Event()

    def send(connection, stop) -> None:  # type: ignore[no-untyped-def]
        if served.is_set():
            then(connection, stop)
        else:
            served.set()
            first(connection, stop)

    return send


def run_case(url: str, deadline: float) -> dict[str, object]:
    """In the child: two checks of one document; the figures of the second."""
    from tracker.check import check_document
    from tracker.config import ChecksSettings, Document, FetchSettings
    from tracker.fetch import Fetcher
    from tracker.store import Store

    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/tracker.db")
        document = Document("bench", "policy", url, "Bench", "Policy")
        checks = ChecksSettings(deadline=deadline)
        with Fetcher(FetchSettings(retries=0, host_gap=0)) as fetcher:
            first = check_document(document, store, fetcher, checks)
            rss_before = peak_rss_mb()
            cpu, wall = time.process_time(), time.monotonic()
            second = check_document(document, store, fetcher, checks)
            cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        store.close()
    return {
        "first": first.outcome,
        "outcome": second.outcome,
        "reason": second.reason,
        "cpu": cpu,
        "wall": wall,
        "rss_before": rss_before,
        "rss_peak": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", help="only these cases (default: all)")
    parser.add_argument("--deadline", type=float, default=30.0, help="checks.deadline in seconds (default 30)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(run_case(arguments.child, arguments.deadline)))
        return
    pages = hostile_pages()
    names = arguments.case or list(pages)
    print(f"load average {os.getloadavg()[0]:.1f}; checks.deadline {arguments.deadline:.0f} s; target 5 s CPU, 300 MB")
    print(f"{'case':<32} {'outcome':<8} {'CPU s':>6} {'wall s':>7} {'RSS MB':>7} {'before':>7}  reason")
    with serving_faults() as server:
        for name in names:
            url = server.add(f"/{name}", switching(response(POLICY), pages[name]))
            child = subprocess.run(
                [sys.executable, __file__, "--child", url, "--deadline", str(arguments.deadline)],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
            if child.returncode != 0:
                print(f"{name:<32} crashed: {child.stderr.strip().splitlines()[-1:]}")
                continue
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            print(
                f"{name:<32} {figures['outcome']:<8} {figures['cpu']:>6.2f} {figures['wall']:>7.1f} "
                f"{figures['rss_peak']:>7.0f} {figures['rss_before']:>7.0f}  {(figures['reason'] or '')[:90]}"
            )


if __name__ == "__main__":
    main()
