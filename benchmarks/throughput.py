"""Print how many documents a minute tracker checks, its CPU and peak memory, on SQLite and on PostgreSQL.

    python benchmarks/throughput.py [--corpus ../shared/corpus] [--documents 1000] [--workers 4]
                                    [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

A local server (its own process, bound to 127.0.0.1) serves the corpus's real HTML captures, each under as many
URLs as needed for `--documents` distinct documents; each document carries the shipped rules of its series
(Meta's for Facebook, none for Instagram, which config.yaml does not track). Checks run as the daemon runs them:
`check_document` in a pool of `--workers` threads sharing one store and one fetcher. Three rounds:

- first checks (every document new: fetch, extract, screen, store the snapshot and the version);
- the same pages again, served without validators (same bytes: hashed, not extracted);
- the same pages with their markup churned (script bodies and a nonce differ, the text does not: extracted).

Then one check of a churned 1.5 MB Meta page, alone, in CPU milliseconds (the design target: <= 50 ms).

With `--pools`, instead: the daemon's pool against one thread on churned markup (every check extracts), on
SQLite, in both orders: `--workers` threads of which one computes at a time (the daemon's OneComputes), one
thread, and `--workers` threads all computing at once (the pool before). Then the host gate: 60 documents
spread over four hosts (127.0.0.1 to 127.0.0.4) with a 2 s `host_gap`, in the pool and in one thread.
Figures, not assertions: the machine is shared; the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The corpus's services and the config.yaml service whose rules their pages follow.
CONFIG_SERVICE = {"facebook": "meta", "linkedin": "linkedin", "google": "google"}
CONFIG_DOCUMENT = {("linkedin", "service-terms"): "user-agreement"}
_SCRIPT = re.compile(rb"(<script\b[^>]*>)", re.IGNORECASE)
# A light policy page, for the host gate's figures: what is measured there is waiting, not extracting.
SMALL_PAGE = ("<main>" + "".join(f"<p>Clause {i}: we keep your data safe.</p>" for i in range(60)) + "</main>").encode()


def churned(page: bytes, round_number: int) -> bytes:
    """The same page as a later fetch gives it: new script bodies and nonces, the same text."""
    return _SCRIPT.sub(lambda m: m.group(1) + b"/*" + str(round_number).encode() + b"*/", page).replace(
        b"<body", f'<meta name="nonce" content="{round_number}"><body'.encode(), 1
    )


# -- the server, in a process of its own -------------------------------------------------------------------


def serve(
    pages: list[bytes], port: multiprocessing.Value, churn: multiprocessing.Value, host: str = "127.0.0.1"
) -> None:  # type: ignore[valid-type]
    cache: dict[tuple[int, int], bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            index = int(self.path.rsplit("/", 1)[1]) % len(pages)
            round_number = churn.value
            body = (
                SMALL_PAGE
                if self.path.startswith("/small/")
                else pages[index]
                if round_number == 0
                else cache.setdefault((index, round_number), churned(pages[index], round_number))
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    port.value = server.server_address[1]
    server.serve_forever()


# -- the checks ----------------------------------------------------------------------------------------------


def captures(corpus: Path) -> list[dict]:
    manifest = json.loads((corpus / "manifest.json").read_text())
    return [e for e in manifest if e["path_html"]]


def documents_for(entries: list[dict], count: int, port: int) -> list:
    from tracker.config import Document, load_config

    config = load_config(REPO / "config.yaml")
    documents = []
    for number in range(count):
        entry = entries[number % len(entries)]
        select: tuple[str, ...] = ()
        remove: tuple[str, ...] = ()
        service = CONFIG_SERVICE.get(entry["service"])
        if service:
            key = CONFIG_DOCUMENT.get((entry["service"], entry["doc_type"]), entry["doc_type"])
            for found in config.documents(service, key):
                select, remove = found.select, found.remove
        documents.append(
            Document(
                service=f"{entry['service']}-{number // len(entries)}",
                key=f"{entry['doc_type']}-{number % len(entries)}",
                url=f"http://127.0.0.1:{port}/doc/{number}",
                service_name=entry["service"],
                name=entry["doc_type"],
                select=select,
                remove=remove,
            )
        )
    return documents


def daemon_config(folder: Path, documents: list, schedule: str, host_gap: float = 0, workers: int = 4) -> Path:
    """A config.yaml for `tracker daemon` over these documents, with a SQLite database in `folder`."""
    import yaml

    services: dict[str, dict] = {}
    for document in documents:
        entry: dict[str, object] = {"url": document.url}
        if document.select:
            entry["select"] = list(document.select)
        if document.remove:
            entry["remove"] = list(document.remove)
        services.setdefault(document.service, {"documents": {}})["documents"][document.key] = entry
    config = {
        "database": {"url": f"sqlite:///{folder}/daemon.db"},
        "schedule": schedule,
        "fetch": {"host_gap": host_gap, "retries": 0, "read_timeout": 120},
        "daemon": {"max_concurrent_checks": workers},
        "services": services,
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def daemon_checks(documents: list, host_gap: float, workers: int, seconds: float) -> int:
    """Run `tracker daemon` (in this process) for `seconds` over the documents; the checks it recorded."""
    import signal
    import sqlite3
    import threading

    from tracker.config import load_config
    from tracker.scheduler import run_daemon

    with tempfile.TemporaryDirectory() as folder:
        config = load_config(daemon_config(Path(folder), documents, "1h", host_gap, workers))
        threading.Timer(seconds, os.kill, args=(os.getpid(), signal.SIGTERM)).start()
        run_daemon(config)
        with sqlite3.connect(Path(folder) / "daemon.db") as connection:
            return connection.execute("SELECT count(*) FROM checks").fetchone()[0]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_round(
    documents: list, store: object, fetcher: object, workers: int, one_computes: bool = False
) -> tuple[float, float, Counter]:
    from tracker.check import check_document
    from tracker.scheduler import OneComputes

    computing = OneComputes()

    def check(document: object) -> object:
        if not one_computes:
            return check_document(document, store, fetcher)
        with computing:  # as CheckRunner.check runs it
            return check_document(document, store, computing.waiting_on(fetcher))

    started, cpu = time.monotonic(), cpu_seconds()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(check, documents))
    return time.monotonic() - started, cpu_seconds() - cpu, Counter(result.outcome for result in results)


def compare_pools(documents: list, workers: int, churn: multiprocessing.Value, hosts: list[list]) -> None:  # type: ignore[valid-type]
    from tracker.config import FetchSettings
    from tracker.fetch import Fetcher
    from tracker.store import Store

    pools = {
        "one thread": (1, False),
        f"daemon's pool ({workers} threads, one computing)": (workers, True),
        f"{workers} threads all computing (before)": (workers, False),
    }
    with tempfile.TemporaryDirectory() as folder, Fetcher(FetchSettings(host_gap=0, retries=0, read_timeout=120)) as f:
        store = Store(f"sqlite:///{folder}/pools.db")
        run_round(documents, store, f, workers)
        print(f"\nChurned markup (every check extracts), {len(documents)} documents, SQLite")
        order = list(pools) + list(reversed(pools))
        for round_number, name in enumerate(order, start=1):
            churn.value = round_number
            threads, one_computes = pools[name]
            wall, cpu, outcomes = run_round(documents, store, f, threads, one_computes)
            print(
                f"  {name:<42} {len(documents) / wall * 60:>6,.0f} checks/minute  {wall:6.1f} s wall  "
                f"{cpu / len(documents) * 1000:5.1f} ms CPU a check  {dict(outcomes)}"
            )
        store.close()
    grouped = [document for group in hosts for document in group]
    print(
        f"\nHost gate: tracker daemon for 60 s over {len(grouped)} small pages on {len(hosts)} hosts (each host's "
        "in a row, all due at once), host_gap 2 s: one host alone allows 30 checks a minute, four 120"
    )
    for threads in (workers, 1):
        print(f"  max_concurrent_checks {threads}: {daemon_checks(grouped, 2, threads, 60)} checks in the minute")


def measure(database_url: str, documents: list, workers: int, churn: multiprocessing.Value) -> None:  # type: ignore[valid-type]
    from tracker.config import FetchSettings
    from tracker.fetch import Fetcher
    from tracker.store import Store

    store = Store(database_url)
    with Fetcher(FetchSettings(host_gap=0, retries=0, read_timeout=120)) as fetcher:
        for label, round_number in (("first checks", 0), ("same bytes", 0), ("churned markup", 1)):
            churn.value = round_number
            wall, cpu, outcomes = run_round(documents, store, fetcher, workers, one_computes=True)
            per_minute = len(documents) / wall * 60
            print(
                f"  {label:<15} {per_minute:>7,.0f} documents/minute  {wall:6.1f} s wall  {cpu:6.1f} s CPU "
                f"({cpu / len(documents) * 1000:5.1f} ms a document)  {dict(outcomes)}"
            )
    store.close()


def churned_meta_check(corpus: Path, entries: list[dict], port: int, churn: multiprocessing.Value, runs: int) -> None:  # type: ignore[valid-type]
    from tracker.check import check_document
    from tracker.config import FetchSettings
    from tracker.fetch import Fetcher
    from tracker.store import Store

    meta = [e for e in entries if e["service"] == "facebook" and e["kind"] == "version"]
    biggest = max(meta, key=lambda e: (corpus / e["path_html"]).stat().st_size)
    # The server answers /doc/N with the Nth capture: this page's own number, not the first capture's.
    document = replace(
        documents_for([biggest], 1, port)[0], url=f"http://127.0.0.1:{port}/doc/{entries.index(biggest)}"
    )
    size = (corpus / biggest["path_html"]).stat().st_size
    with tempfile.TemporaryDirectory() as folder, Fetcher(FetchSettings(host_gap=0, retries=0)) as fetcher:
        store = Store(f"sqlite:///{folder}/churn.db")
        check_document(document, store, fetcher)
        cpu_ms, wall_ms = [], []
        for round_number in range(1, runs + 1):
            churn.value = round_number  # new script bodies and nonce: new bytes, the same text
            started, cpu = time.monotonic(), cpu_seconds()
            result = check_document(document, store, fetcher)
            wall_ms.append((time.monotonic() - started) * 1000)
            cpu_ms.append((cpu_seconds() - cpu) * 1000)
            assert result.outcome == "unchanged", result
        store.close()
    print(
        f"\nA check of a churned Meta page ({biggest['path_html']}, {size / 1e6:.1f} MB; same text, new markup), "
        f"median of {runs}:\n  {statistics.median(cpu_ms):.1f} ms CPU, {statistics.median(wall_ms):.1f} ms wall "
        "(target <= 50 ms CPU)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4, help="threads, as daemon.max_concurrent_checks")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TRACKER_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pools", action="store_true", help="the daemon's pool against one thread, and the host gate")
    args = parser.parse_args()
    if not (args.corpus / "manifest.json").exists():
        raise SystemExit(f"no corpus at {args.corpus}: pass --corpus PATH")
    entries = captures(args.corpus)
    pages = [(args.corpus / e["path_html"]).read_bytes() for e in entries]
    port, churn = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    server = multiprocessing.get_context("fork").Process(target=serve, args=(pages, port, churn), daemon=True)
    server.start()
    while not port.value:
        time.sleep(0.01)
    if args.pools:
        hosts = []
        for number in range(2, 5):  # three more loopback hosts, each with its own server
            other_port = multiprocessing.Value("i", 0)
            multiprocessing.get_context("fork").Process(
                target=serve, args=(pages, other_port, churn, f"127.0.0.{number}"), daemon=True
            ).start()
            while not other_port.value:
                time.sleep(0.01)
            hosts.append((f"127.0.0.{number}", other_port.value))
        del pages
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
        documents = documents_for(entries, args.documents, port.value)
        on_hosts = [
            [
                replace(
                    d,
                    service=f"{d.service}-h{index}",
                    url=d.url.replace(f"127.0.0.1:{port.value}/doc/", f"{host}:{p}/small/"),
                    select=(),
                    remove=(),
                )
                for d in documents_for(entries, 40, port.value)
            ]
            for index, (host, p) in enumerate([("127.0.0.1", port.value), *hosts])
        ]
        compare_pools(documents, args.workers, churn, on_hosts)
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        server.terminate()
        return
    del pages
    print(f"{len(entries)} real captures served, {args.documents} documents, {args.workers} threads", end="")
    print(f", {os.cpu_count()} cores")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    churned_meta_check(args.corpus, entries, port.value, churn, args.runs)
    documents = documents_for(entries, args.documents, port.value)
    with tempfile.TemporaryDirectory() as folder:
        print("\nSQLite")
        measure(f"sqlite:///{folder}/bench.db", documents, args.workers, churn)
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
            print("\nPostgreSQL")
            try:
                measure(f"{args.postgres}?options=-csearch_path%3D{schema}", documents, args.workers, churn)
            finally:
                with engine.begin() as connection:
                    connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the checking process: {peak:.0f} MiB (target <= 200 MiB)")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    server.terminate()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
