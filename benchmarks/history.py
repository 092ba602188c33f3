"""Print what long histories cost: `tracker status` over a million checks, and a changed check of a document
with 200 stored versions against one with 2.

    python benchmarks/history.py [--documents 100] [--checks 1000000] [--versions 200] [--runs 5]
                                 [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--corpus PATH]

Status: `--documents` documents are checked once from a local server, then the database is taken back to
revision 0008 (before per-document state), filled with synthetic unchanged checks up to `--checks` rows in all,
and upgraded: the upgrade's backfill is timed. `tracker status` then runs as a whole process, `--runs` times;
its CPU beyond start-up is its CPU minus that of `tracker status` on the same documents with one check each
(the median of each). On PostgreSQL the server's own CPU is not the client's: wall time is printed beside it.

Changed check: the biggest Meta privacy policy of the corpus (Meta's rules from config.yaml), one document with 2
stored versions and one with `--versions`, each changed again `--runs` times (one word edited); the CPU of the
checking thread, median of the runs. Figures, not assertions: the machine is shared; the load is printed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import TRACKER, child_cpu_ms

REPO = Path(__file__).resolve().parents[1]
PAGES: dict[str, bytes] = {}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path, b"<main><p>" + b"Clause: we keep your data safe. " * 40 + b"</p></main>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# -- tracker status over a long history --------------------------------------------------------------------


def fill_checks(database_url: str, total: int) -> None:
    """Unchanged checks, a minute apart, before each document's first one, up to `total` rows in all."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as connection:
        documents = connection.execute(text("SELECT count(*) FROM documents")).scalar() or 1
        existing = connection.execute(text("SELECT count(*) FROM checks")).scalar() or 0
        per_document = max(0, (total - existing) // documents)
        if engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
                    "INSERT INTO checks (document_id, started_at, duration, outcome, url, attempts, fetch_path) "
                    "SELECT d.id, strftime('%Y-%m-%d %H:%M:%S', '2024-01-01', '+' || n.i || ' minutes') || '.000000',"
                    " 0.1, 'unchanged', d.url, '[]', 'http' FROM documents d CROSS JOIN n"
                ),
                {"count": per_document},
            )
        else:
            connection.execute(
                text(
                    "INSERT INTO checks (document_id, started_at, duration, outcome, url, attempts, fetch_path) "
                    "SELECT d.id, timestamptz '2024-01-01 00:00+00' + i * interval '1 minute', 0.1, 'unchanged',"
                    " d.url, '[]', 'http' FROM documents d CROSS JOIN generate_series(1, :count) AS i"
                ),
                {"count": per_document},
            )
    engine.dispose()


def measure_status(label: str, database_url: str, documents: int, checks: int, runs: int, port: int) -> None:
    from sqlalchemy import create_engine, text

    from tracker.store import migrate

    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.yaml"
        lines = "\n".join(f"      doc-{i}: {{url: 'http://127.0.0.1:{port}/doc/{i}'}}" for i in range(documents))
        config.write_text(f"services:\n  bench:\n    name: Bench\n    documents:\n{lines}\n")
        env = {**os.environ, "TRACKER_CONFIG": str(config), "TRACKER_DATABASE_URL": database_url}
        subprocess.run([*TRACKER, "check"], env=env, check=True, stdout=subprocess.DEVNULL)
        status = [*TRACKER, "status"]
        short = [child_cpu_ms(status, env) for _ in range(runs)]
        engine = create_engine(database_url)
        migrate.downgrade(engine, "0008")
        started = time.monotonic()
        fill_checks(database_url, checks)
        filled = time.monotonic() - started
        started = time.monotonic()
        migrate.upgrade(engine)
        upgraded = time.monotonic() - started
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT count(*) FROM checks")).scalar()
        engine.dispose()
        long, walls = [], []
        for _ in range(runs):
            started = time.monotonic()
            long.append(child_cpu_ms(status, env))
            walls.append((time.monotonic() - started) * 1000)
        beyond = statistics.median(long) - statistics.median(short)
        health = in_process_health(config, database_url, runs)
        print(
            f"\n{label}: {documents} documents, {rows:,} check rows (filled in {filled:.1f} s; the upgrade from 0008 "
            f"backfilled state and memory in {upgraded:.1f} s)\n"
            f"  tracker status, one check a document: {statistics.median(short):6.0f} ms CPU (median of {runs})\n"
            f"  tracker status, {rows:,} checks:   {statistics.median(long):6.0f} ms CPU, "
            f"{statistics.median(walls):.0f} ms wall\n"
            f"  beyond start-up (the difference):    {beyond:6.0f} ms CPU (target <= 250 ms)\n"
            f"  the health of every document, in process (what status and the daemon compute): {health:.0f} ms CPU"
        )


def in_process_health(config: Path, database_url: str, runs: int) -> float:
    """CPU milliseconds (this thread: the client's side) of `document_health` for every document, median."""
    from tracker.config import load_config
    from tracker.status import document_health
    from tracker.store import Store

    os.environ["TRACKER_DATABASE_URL"] = database_url
    loaded = load_config(config)
    store = Store(database_url)
    cpu = []
    for _ in range(runs):
        started = time.thread_time()
        document_health(loaded, store)
        cpu.append((time.thread_time() - started) * 1000)
    store.close()
    del os.environ["TRACKER_DATABASE_URL"]
    return statistics.median(cpu)


# -- a changed check with a long history -------------------------------------------------------------------


def meta_page(corpus: Path) -> tuple[bytes, tuple[str, ...], tuple[str, ...]]:
    import json

    from tracker.config import load_config

    manifest = json.loads((corpus / "manifest.json").read_text())
    meta = [e for e in manifest if e["path_html"] and e["service"] == "facebook" and e["doc_type"] == "privacy-policy"]
    biggest = max(meta, key=lambda e: (corpus / e["path_html"]).stat().st_size)
    [rules] = load_config(REPO / "config.yaml").documents("meta", "privacy-policy")
    return (corpus / biggest["path_html"]).read_bytes(), rules.select, rules.remove


def measure_changed_check(corpus: Path, versions: int, runs: int, port: int) -> None:
    from tracker.check import check_document
    from tracker.config import Document, FetchSettings
    from tracker.extract import Rules, extract_text
    from tracker.fetch import Fetcher
    from tracker.store import Store

    page, select, remove = meta_page(corpus)
    text = extract_text(page, "text/html", Rules(select, remove))
    # Words the text and the page hold once: each edit changes one sentence, as a real revision does.
    counts = Counter(re.findall(r"[A-Za-z]{6,}", text))
    words = [word for word, count in counts.items() if count == 1]
    with tempfile.TemporaryDirectory() as folder, Fetcher(FetchSettings(host_gap=0, retries=0)) as fetcher:
        store = Store(f"sqlite:///{folder}/versions.db")
        documents = {
            stored: Document(
                service="meta",
                key=f"privacy-{stored}",
                url=f"http://127.0.0.1:{port}/meta/{stored}",
                service_name="Meta",
                name="Privacy Policy",
                select=select,
                remove=remove,
            )
            for stored in (2, versions)
        }
        started = time.monotonic()
        for stored, document in documents.items():
            for number in range(stored):  # each version one edited word on from the last
                PAGES[f"/meta/{stored}"] = page.replace(words[number % len(words)].encode(), f"v{number}".encode())
                check_document(document, store, fetcher)
        print(f"  seeded in {time.monotonic() - started:.0f} s")
        cpu: dict[int, list[float]] = {stored: [] for stored in documents}
        for run in range(runs):  # the two documents in turn, so that the machine's load falls on both alike
            for stored, document in documents.items():
                edit = words[-1 - run].encode()
                PAGES[f"/meta/{stored}"] = page.replace(edit, edit + f" changed{run}".encode())
                started_cpu = time.thread_time()
                result = check_document(document, store, fetcher)
                cpu[stored].append((time.thread_time() - started_cpu) * 1000)
                assert result.outcome == "changed", result
        for stored, values in cpu.items():
            print(
                f"  {stored:>4} stored versions: {statistics.median(values):6.0f} ms CPU a changed check "
                f"(median of {runs}; min {min(values):.0f})"
            )
        store.close()
    ratio = statistics.median(cpu[versions]) / statistics.median(cpu[2]) - 1
    print(f"  {versions} against 2: {ratio:+.1%} (target within 10 %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--checks", type=int, default=1_000_000)
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TRACKER_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--skip", choices=["status", "changed"], action="append", default=[])
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    print(f"{os.cpu_count()} cores; load average before: {load()}")
    if "changed" not in args.skip:
        print(f"\nA changed check of Meta's privacy policy, {args.versions} stored versions against 2 (SQLite)")
        measure_changed_check(args.corpus, args.versions, args.runs, port)
    if "status" not in args.skip:
        with tempfile.TemporaryDirectory() as folder:
            measure_status("SQLite", f"sqlite:///{folder}/status.db", args.documents, args.checks, args.runs, port)
        if args.postgres:
            from sqlalchemy import create_engine, text

            schema = f"bench_{os.getpid()}"
            engine = create_engine(args.postgres)
            try:
                with engine.begin() as connection:
                    connection.execute(text(f"CREATE SCHEMA {schema}"))
            except Exception as exc:  # no server: the SQLite figures stand alone
                print(f"\nPostgreSQL: not measured ({str(exc).splitlines()[0]})")
            else:
                try:
                    url = f"{args.postgres}?options=-csearch_path%3D{schema}"
                    measure_status("PostgreSQL", url, args.documents, args.checks, args.runs, port)
                finally:
                    with engine.begin() as connection:
                        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()
    print(f"\nload average after: {load()}")
    server.shutdown()


if __name__ == "__main__":
    main()
