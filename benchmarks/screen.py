"""What screening against history costs on a check: python benchmarks/screen.py [--corpus P] [--runs N].

Uses Instagram's Privacy Policy series of the corpus (Markdown versions, 34 captures, 29 characters to 633 K):
the time to fingerprint one text (done once per version, when it is stored), to screen a new text against every
accepted version's fingerprint, to read those fingerprints back from a SQLite store, and their stored size.
Medians of --runs runs; figures for people to read, no assertion.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker.extract import extract_text
from tracker.screen import fingerprint, screen_text
from tracker.store import NewCheck, Store

HERE = Path(__file__).resolve().parent
SERIES = "instagram/privacy-policy/pga/"


def median_ms(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    manifest_path = args.corpus / "manifest.json"
    if not manifest_path.is_file():
        print(f"no corpus at {args.corpus} (--corpus PATH)", file=sys.stderr)
        return 2
    entries = [e for e in json.loads(manifest_path.read_text()) if (e["path_md"] or "").startswith(SERIES)]
    texts = [
        extract_text((args.corpus / e["path_md"]).read_bytes(), "text/markdown")
        for e in sorted(entries, key=lambda e: e["timestamp"])
    ]
    texts = list(dict.fromkeys(texts))
    largest = max(texts, key=len)
    typical = sorted(texts, key=len)[len(texts) // 2]
    prints = [fingerprint(text) for text in texts if text is not largest and len(text) > 1000]
    print(f"{SERIES}: {len(texts)} distinct texts; typical {len(typical):,} characters, largest {len(largest):,}")
    uncached = fingerprint.__wrapped__  # the cache serves the same text's fingerprint to the screen and the store
    print(f"fingerprint, typical text:     {median_ms(lambda: uncached(typical), args.runs):7.1f} ms")
    print(f"fingerprint, largest text:     {median_ms(lambda: uncached(largest), args.runs):7.1f} ms")
    print(
        f"screen a new typical text against {len(prints)} versions: "
        f"{median_ms(lambda: screen_text(typical + ' Amended.', '', prints), args.runs):7.1f} ms"
    )
    print(
        f"screen the largest text against {len(prints)} versions:     "
        f"{median_ms(lambda: screen_text(largest, '', prints), args.runs):7.1f} ms"
    )
    stored = sum(len(json.dumps(p.as_json())) for p in prints)
    print(
        f"stored fingerprints: {stored / 1024:,.0f} KB for {len(prints)} versions "
        f"({stored / len(prints) / 1024:.1f} KB each)"
    )
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/tracker.db")
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for number, text in enumerate(texts):
            check = NewCheck("acme", "privacy", "https://acme.example/privacy", start + timedelta(hours=number), 0.1,
                             "changed", text=text, text_sha256=str(number))  # fmt: skip
            store.record_check(check)
        read = median_ms(lambda: store.version_fingerprints("acme", "privacy"), args.runs)
        print(f"read {len(texts)} fingerprints back from SQLite:  {read:7.1f} ms")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
