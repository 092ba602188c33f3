"""Print the import rate (versions per second) of a 1,000-commit Open Terms Archive repository.

    python benchmarks/import_rate.py [--commits 1000] [--database-url URL]

A figure, not an assertion: the machines are shared and noisy. Each commit edits a few sentences of a
40 KB policy (as real archives do); every tenth is a technical upgrade. The import runs through the whole
pipeline (extract, screen, diff, flag, store) into a fresh SQLite database unless --database-url is given.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker.config import Document
from tracker.sources import import_history
from tracker.sources.ota import OpenTermsArchive, open_repository
from tracker.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from archives import Commit, build_ota_repository


def commits(count: int) -> list[Commit]:
    clauses = [f"Clause {i}: we process the data of our members to provide the Services lawfully." for i in range(400)]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    history = []
    for number in range(count):
        clauses[(number * 7) % len(clauses)] = f"Clause {number}: revised wording number {number} of this section."
        technical = number % 10 == 9
        subject = "Apply technical or declaration upgrade on" if technical else "Record new changes of"
        text = "# Privacy Policy\n\n" + "\n\n".join(clauses) + "\n"
        history.append(Commit("Acme/Privacy Policy.md", text.encode(), start + timedelta(hours=6 * number), subject))
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        built = time.perf_counter()
        repository = build_ota_repository(Path(scratch) / "acme-versions", commits(args.commits))
        print(f"built a {args.commits}-commit repository in {time.perf_counter() - built:.1f} s")
        store = Store(args.database_url or f"sqlite:///{Path(scratch) / 'tracker.db'}")
        document = Document(
            "acme", "privacy", "https://acme.example/privacy", "Acme", "Privacy", ota="Acme/Privacy Policy"
        )
        started, cpu = time.perf_counter(), time.process_time()
        summary = import_history(document, store, OpenTermsArchive(open_repository(str(repository))))
        wall, used = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"imported {summary.imported} commits: {summary.versions} versions, {len(summary.changes)} changes, "
            f"{summary.technical} technical, in {wall:.1f} s ({used:.1f} s CPU in this process)"
        )
        print(f"import rate: {summary.versions / wall:.0f} versions per second")
        started = time.perf_counter()
        again = import_history(document, store, OpenTermsArchive(open_repository(str(repository))))
        print(f"second import (adds nothing: {again.imported} imported) in {time.perf_counter() - started:.2f} s")
        store.close()


if __name__ == "__main__":
    main()
