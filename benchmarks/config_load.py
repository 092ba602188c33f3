"""Print what loading a 1,000-document config costs: the YAML parse, the validation, and the whole load_config().

    python benchmarks/config_load.py [--documents 1000] [--runs 7]

The config is written like the shipped one, scaled up: each document has a URL, `select` and `remove` rules, and
every fourth a schedule of its own and a variant. CPU time (time.process_time) of each step, the median of
`--runs` runs in this process; the first, cold run (imports, selector compilation) is printed apart.
Target (issue 17): load_config() <= 150 ms for 1,000 documents.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from tracker.config import _SafeLoader, load_config


def write_config(path: Path, documents: int) -> None:
    services: dict[str, dict] = {}
    for number in range(documents):
        service = services.setdefault(f"service-{number // 10}", {"name": f"Service {number // 10}", "documents": {}})
        document: dict[str, object] = {
            "url": f"https://www.example-{number // 10}.test/legal/policy-{number}",
            "select": ["main", "article.policy"],
            "remove": ["nav", ".cookie-banner", "div[aria-hidden='true']"],
        }
        if number % 4 == 0:
            document["schedule"] = "0 */6 * * *" if number % 8 == 0 else "12h"
            document["variants"] = {"eu": {"accept_language": "de-DE", "url": f"https://eu.example.test/p{number}"}}
        service["documents"][f"policy-{number}"] = document
    config = {"database": {"url": "sqlite:///tracker.db"}, "schedule": "6h", "services": services}
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def cpu_ms(step: object) -> float:
    started = time.process_time()
    step()  # type: ignore[operator]
    return (time.process_time() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.yaml"
        write_config(path, arguments.documents)
        source = path.read_text()
        cold = cpu_ms(lambda: load_config(path))
        parse = [cpu_ms(lambda: yaml.load(source, Loader=_SafeLoader)) for _ in range(arguments.runs)]
        pure = [cpu_ms(lambda: yaml.load(source, Loader=yaml.SafeLoader)) for _ in range(min(3, arguments.runs))]
        total = [cpu_ms(lambda: load_config(path)) for _ in range(arguments.runs)]
    print(f"config: {arguments.documents} documents, {len(source) / 1024:.0f} KiB of YAML ({_SafeLoader.__name__})")
    print(f"YAML parse, {_SafeLoader.__name__}: median {statistics.median(parse):.0f} ms CPU (min {min(parse):.0f})")
    print(f"YAML parse, pure-Python SafeLoader, for comparison: median {statistics.median(pure):.0f} ms CPU")
    print(f"load_config() cold (first in process): {cold:.0f} ms CPU")
    print(
        f"load_config(): median {statistics.median(total):.0f} ms CPU (min {min(total):.0f}, max {max(total):.0f}) "
        f"over {arguments.runs} runs; target <= 150 ms"
    )


if __name__ == "__main__":
    main()
