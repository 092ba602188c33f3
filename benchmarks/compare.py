"""Print what `tracker compare` costs on two real 1 MB Meta pages, beside a peer pipeline over the same files.

    python benchmarks/compare.py [--corpus ../shared/corpus] [--runs 11]

Both run as whole processes, alternating, `--runs` times each; CPU is user + system time of the child, the
median is printed with the minimum beside it, and the load average (the machine is shared). tracker reads the
policy with Meta's shipped rules (`-s meta -d privacy-policy`), diffs it at word level and flags it; the peer
(benchmarks/peer_pipeline.py, in the style of changedetection.io) converts the whole page with inscriptis,
diffs lines with difflib and searches the added lines for AI words. The peer needs the `bench` extra
(`pip install -e '.[bench]'`). The design target: tracker at least 3 times faster. tracker's modules are
compiled first, as an install compiles them. Then what tracker pays before any work, each imported alone:
Python with click, the config (PyYAML and tracker/validation.py) loaded, rich; and the floor of any Python process
that reads the two pages (the peer's too): the interpreter alone, and lxml parsing both pages with nothing else.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAIR = (
    "facebook/privacy-policy/cote-d-ivoire/2023-06-02T043030Z.html",
    "facebook/privacy-policy/cote-d-ivoire/2023-06-21T043026Z.html",
)


# What `tracker compare -s/-d` loads before it reads a page, each alone (the config as the command loads it); then
# what any Python process that reads the two pages pays, peer and tracker alike: lxml parsing both, nothing else.
FLOORS = {
    "import click": "import click",
    "load the config (PyYAML, validation)": "from tracker.config import load_config; load_config(None)",
    "import rich.console": "import rich.console",
    "python -c pass": "pass",
    "lxml parsing the two pages alone": (
        "import sys, lxml.html\nfor path in sys.argv[1:]: lxml.html.fromstring(open(path, 'rb').read())"
    ),
}


def child_cpu_ms(command: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    old, new = (args.corpus / path for path in PAIR)
    if not old.exists():
        raise SystemExit(f"no corpus at {args.corpus}: pass --corpus PATH")
    commands = {
        "tracker compare": [sys.executable, "-m", "tracker.cli", "compare", "-s", "meta", "-d", "privacy-policy"],
        "peer (inscriptis + difflib)": [sys.executable, str(REPO / "benchmarks" / "peer_pipeline.py")],
    }
    print(f"{PAIR[0]} ({old.stat().st_size / 1e6:.1f} MB) → {Path(PAIR[1]).name} ({new.stat().st_size / 1e6:.1f} MB)")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    # With PYTHONDONTWRITEBYTECODE set (as on this machine) a checkout would compile every module on every run.
    compileall.compile_dir(REPO / "tracker", quiet=1)
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():
        child_cpu_ms([*command, str(old), str(new)])  # warm the file cache; fails here if the peer is missing
    for _ in range(args.runs):
        for name, command in commands.items():
            timings[name].append(child_cpu_ms([*command, str(old), str(new)]))
    for name, values in timings.items():
        print(f"  {name:<30} {statistics.median(values):6.0f} ms CPU (min {min(values):.0f})")
    ratio = statistics.median(timings["peer (inscriptis + difflib)"]) / statistics.median(timings["tracker compare"])
    print(f"  tracker is {ratio:.2f}x {'faster' if ratio >= 1 else 'slower'} than the peer (target: 3x faster)")
    target = statistics.median(timings["peer (inscriptis + difflib)"]) / 3
    print(f"  3x faster would be {target:.0f} ms CPU for the whole process")
    print("floor, each alone:")
    for name, code in FLOORS.items():
        values = [child_cpu_ms([sys.executable, "-c", code, str(old), str(new)]) for _ in range(max(3, args.runs // 2))]
        print(f"  {name:<34} {statistics.median(values):4.0f} ms CPU (min {min(values):.0f})")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
