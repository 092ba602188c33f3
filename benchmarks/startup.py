"""Print what the light commands cost as whole processes: `tracker --help`, and `tracker status` on 10 documents.

    python benchmarks/startup.py [--runs 11]

CPU is user + system time of the child process (what a cron job or a script pays), the median of `--runs` runs
of each command, alternating; the minimum is printed beside it, the load average before and after (the machine
is shared). The database holds ten documents checked once from a local server. tracker's modules are compiled
first, as an install compiles them. Then what no change inside tracker's commands can remove: Python with
click, SQLAlchemy's ORM and tracker's config (PyYAML and tracker/validation.py) imported alone. Then the modules
that the `status` process imports, heaviest first, from `python -X importtime`.
Targets: --help <= 150 ms CPU, status <= 250 ms CPU.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRACKER = [sys.executable, "-m", "tracker.cli"]
# The libraries `tracker status` cannot do without, each imported alone (config: loaded as the commands load it).
FLOORS = {
    "import click": "import click",
    "import sqlalchemy.orm": "import sqlalchemy.orm",
    "load the config (PyYAML, validation)": "from tracker.config import load_config; load_config(None)",
}
PAGE = (
    "<html><body><main><h1>Privacy Policy</h1>"
    + "".join(f"<p>Clause {i}: we process your data lawfully and keep it safe.</p>" for i in range(60))
    + "</main></body></html>"
).encode()


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


def child_cpu_ms(command: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def heaviest_imports(command: list[str], env: dict[str, str], count: int) -> list[tuple[int, str]]:
    """The top-level imports of the command (and of tracker's own modules), by cumulative import time."""
    result = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], env=env, capture_output=True, text=True)
    found = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match and (len(match.group(2)) <= 3 or match.group(3).startswith("tracker")):
            found.append((int(match.group(1)) // 1000, match.group(3)))
    return sorted(found, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.yaml"
        documents = "\n".join(
            f"      doc-{i}: {{url: 'http://127.0.0.1:{server.server_address[1]}/doc/{i}'}}" for i in range(10)
        )
        config.write_text(
            f"database:\n  url: sqlite:///{folder}/tracker.db\nservices:\n  bench:\n    name: Bench\n"
            f"    documents:\n{documents}\n"
        )
        env = {**os.environ, "TRACKER_CONFIG": str(config)}
        env.pop("TRACKER_DATABASE_URL", None)
        # With PYTHONDONTWRITEBYTECODE set (as on this machine) a checkout would compile every module on every run.
        compileall.compile_dir(REPO / "tracker", quiet=1)
        subprocess.run([*TRACKER, "check"], env=env, check=True, stdout=subprocess.DEVNULL)
        commands = {"tracker --help": [*TRACKER, "--help"], "tracker status (10 documents)": [*TRACKER, "status"]}
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
        timings: dict[str, list[float]] = {name: [] for name in commands}
        child_cpu_ms([sys.executable, "-c", "pass"], env)  # warm the file cache
        baseline = [child_cpu_ms([sys.executable, "-c", "pass"], env) for _ in range(args.runs)]
        for _ in range(args.runs):
            for name, command in commands.items():
                timings[name].append(child_cpu_ms(command, env))
        print(f"{'command':<32} {'median ms CPU':>14} {'min':>6}")
        print(f"{'python -c pass':<32} {statistics.median(baseline):>14.0f} {min(baseline):>6.0f}")
        for name, values in timings.items():
            print(f"{name:<32} {statistics.median(values):>14.0f} {min(values):>6.0f}")
        print("floor, each alone:")
        for name, code in FLOORS.items():
            values = [child_cpu_ms([sys.executable, "-c", code], env) for _ in range(max(3, args.runs // 2))]
            print(f"  {name:<36} {statistics.median(values):>8.0f} {min(values):>6.0f}")
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print("\nWhat `tracker status` imports (ms, cumulative, one run):")
        for milliseconds, module in heaviest_imports(commands["tracker status (10 documents)"], env, 12):
            print(f"  {milliseconds:>5}  {module}")
    server.shutdown()


if __name__ == "__main__":
    main()
