"""Print how many requests a second `tracker serve` answers for a change page, over a 10,000-change database.

    python benchmarks/web.py [--changes 10000] [--workers 2] [--seconds 10] [--connections 16] [--database FILE]

The database (built once into FILE, or a temporary folder) holds 100 documents, each a real policy text
(the first 20,000 characters of LinkedIn's Privacy Policy as shipped in tracker/demo_data) in 101 versions with
their raw captures, one sentence rewritten per version; every tenth change is about AI training, with its
evidence. `tracker serve --workers N` serves it; a client in another process (httpx, asyncio, --connections at
once) fetches for --seconds each:
  one page    the same change page again and again (a link sent round a newsroom)
  any page    a different change each request, across all of them (each one diffed and rendered on first sight)
Printed: requests/second, median and 95th-percentile latency, errors, and the load average before and after
(the machine may be shared: the client runs on the same cores as the server). Target: 200 requests/second for
a change page on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DOCUMENTS = 100
TEXT_CHARS = 20_000
AI_SENTENCE = "We may use your personal data to develop and train artificial intelligence models, edition {n}."


def build_database(path: Path, changes: int) -> None:
    """Rows of the shape tracker writes, inserted in bulk (checking 10,100 pages one by one would take an hour)."""
    from sqlalchemy import insert

    from tracker.store import Store
    from tracker.store.models import ChangeRow, DocumentRow, SnapshotRow, VersionRow

    base = gzip.decompress((REPO / "tracker/demo_data/linkedin-privacy-policy-2024-09-19.md.gz").read_bytes())
    sentences = base.decode()[:TEXT_CHARS].split(". ")
    store = Store(f"sqlite:///{path}")
    per_document = changes // DOCUMENTS
    start = datetime(2020, 1, 1, tzinfo=UTC)
    version_id = snapshot_id = change_id = 0
    with store.engine.begin() as connection:
        for document in range(1, DOCUMENTS + 1):
            url = f"https://example.org/policy/{document}"
            connection.execute(
                insert(DocumentRow).values(
                    id=document, service=f"s{document % 10}", key=f"d{document}", url=url, created_at=start
                )
            )
            snapshots, versions, rows = [], [], []
            previous = None
            for edition in range(per_document + 1):
                edited = list(sentences)
                spot = (edition * 7) % len(edited)
                ai = edition % 10 == 0 and edition > 0
                edited[spot] = AI_SENTENCE.format(n=edition)[:-1] if ai else f"{edited[spot]} (revision {edition})"
                text = ". ".join(edited)
                seen = start + timedelta(hours=document * 1000 + edition)
                body = f"<html><body><main>{text}</main></body></html>".encode()
                snapshot_id += 1
                version_id += 1
                snapshots.append(
                    {
                        "id": snapshot_id,
                        "document_id": document,
                        "url": url,
                        "final_url": url,
                        "status": 200,
                        "headers": {},
                        "content_type": "text/html",
                        "body_gzip": gzip.compress(body, 6, mtime=0),
                        "raw_sha256": hashlib.sha256(body).hexdigest(),
                        "raw_size": len(body),
                        "fetched_at": seen,
                        "fetch_path": "http",
                    }
                )
                versions.append(
                    {
                        "id": version_id,
                        "document_id": document,
                        "snapshot_id": snapshot_id,
                        "text": text,
                        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
                        "size": len(text),
                        "first_seen_at": seen,
                        "last_seen_at": seen,
                        "origin": "check",
                        "stated_dates": [],
                    }
                )
                if previous is not None:
                    change_id += 1
                    evidence = (
                        [
                            {
                                "op": "insert",
                                "text": AI_SENTENCE.format(n=edition),
                                "category": "training",
                                "concept": "model_training",
                                "rule": "model-training",
                                "terms": ["train", "artificial intelligence", "models"],
                                "says": "AI or machine-learning models are trained",
                            }
                        ]
                        if ai
                        else []
                    )
                    rows.append(
                        {
                            "id": change_id,
                            "document_id": document,
                            "from_version_id": previous,
                            "to_version_id": version_id,
                            "detected_at": seen,
                            "kind": "change",
                            "ai": ai,
                            "score": 0.95 if ai else 0.0,
                            "category": "training" if ai else "none",
                            "terms": ["train", "artificial intelligence", "models"] if ai else [],
                            "evidence": evidence,
                            "inserted_words": 12,
                            "deleted_words": 10,
                            "origin": "check",
                        }
                    )
                previous = version_id
            connection.execute(insert(SnapshotRow), snapshots)
            connection.execute(insert(VersionRow), versions)
            connection.execute(insert(ChangeRow), rows)
    store.close()


def run_client(paths: list[str], port: int, seconds: float, connections: int, results: multiprocessing.Queue) -> None:
    """A bare HTTP/1.1 keep-alive client: a few microseconds a request, so that the server is what is measured."""

    async def connection(offset: int, stop: float, latencies: list[float]) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        errors, index = 0, offset
        while time.monotonic() < stop:
            path = paths[index % len(paths)]
            index += connections
            began = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - began)
            if not head.startswith(b"HTTP/1.1 200") or not body.rstrip().endswith(b"</html>"):
                errors += 1
        writer.close()
        return errors

    async def main() -> tuple[list[float], int]:
        latencies: list[float] = []
        stop = time.monotonic() + seconds
        errors = await asyncio.gather(*(connection(n, stop, latencies) for n in range(connections)))
        return latencies, sum(errors)

    results.put(asyncio.run(main()))


def cpu_seconds(pid: int) -> float:
    """User and system time of the server and its worker processes so far."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measure(label: str, paths: list[str], server: int, port: int, seconds: float, connections: int) -> None:
    results: multiprocessing.Queue = multiprocessing.Queue()
    client = multiprocessing.Process(target=run_client, args=(paths, port, seconds, connections, results))
    cpu_before = cpu_seconds(server)
    client.start()
    latencies, errors = results.get()
    client.join()
    cpu = cpu_seconds(server) - cpu_before
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else 0.0
    print(
        f"{label:<9} {len(latencies) / seconds:6.0f} requests/s  median {statistics.median(latencies) * 1000:5.1f} ms  "
        f"p95 {p95 * 1000:6.1f} ms  {errors} errors;  server CPU {cpu / len(latencies) * 1000:.2f} ms a request: "
        f"{2 * len(latencies) / cpu:.0f} requests/s on 2 cores of its own"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database", type=Path, help="Build the database here once and reuse it afterwards.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = args.database or Path(folder) / "tracker.db"
        if not database.exists():
            began = time.monotonic()
            build_database(database, args.changes)
            print(f"built {database} ({database.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - began:.0f} s")
        config = Path(folder) / "config.yaml"
        config.write_text(f"database:\n  url: sqlite:///{database.absolute()}\nservices: {{}}\n")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        environment.update({"TRACKER_CONFIG": str(config), "PYTHONPATH": str(REPO)})
        command = [sys.executable, "-m", "tracker.cli", "serve", "--port", str(port), "--workers", str(args.workers)]
        server = subprocess.Popen(command, env=environment, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            import httpx

            for _ in range(300):
                try:
                    if httpx.get(f"{base}/changes/1").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())} ({os.cpu_count()} cores)")
            print(f"tracker serve --workers {args.workers}, {args.changes:,} changes, {args.connections} connections")
            ids = list(range(1, args.changes + 1))
            random.Random(7).shuffle(ids)
            one = [f"/changes/{args.changes // 2}"]
            measure("one page", one, server.pid, port, args.seconds, args.connections)
            measure("any page", [f"/changes/{n}" for n in ids], server.pid, port, args.seconds, args.connections)
            print(f"load average after:  {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
