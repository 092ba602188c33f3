"""Print how long each stage takes on the largest real captures, and the cost of an unchanged check.

    python benchmarks/pipeline.py [--corpus ../shared/corpus] [--runs 5]

Figures, not assertions: the machines are shared and noisy. Targets the design aims for:
an unchanged 1.5 MB page checked in <= 50 ms of CPU after the fetch; a 100 KB change diffed and flagged
in <= 30 ms.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tracker.check import check_document
from tracker.config import Document, FetchSettings, load_config
from tracker.diff import diff_texts
from tracker.extract import Rules, extract_text
from tracker.fetch import Fetcher
from tracker.flag import flag_change
from tracker.store import Store

REPO = Path(__file__).resolve().parents[1]
CONFIG_SERVICE = {"facebook": "meta", "instagram": "meta"}


def median_ms(function: Callable[[], object], runs: int, clock: Callable[[], float] = time.perf_counter) -> float:
    times = []
    for _ in range(runs):
        started = clock()
        function()
        times.append(clock() - started)
    return statistics.median(times) * 1000


def rules_for(service: str, doc_type: str) -> Rules:
    config = load_config(REPO / "config.yaml")
    for document in config.documents(CONFIG_SERVICE.get(service, service), doc_type):
        return Rules(document.select, document.remove)
    return Rules()


def largest_html(corpus: Path, count: int) -> list[dict]:
    manifest = json.loads((corpus / "manifest.json").read_text())
    with_html = [e for e in manifest if e.get("path_html")]
    with_html.sort(key=lambda e: (corpus / e["path_html"]).stat().st_size, reverse=True)
    with_html = [e for e in with_html if e["kind"] == "version"]
    return with_html[:count]


def stage_figures(corpus: Path, runs: int) -> None:
    print("Per stage, largest real captures (median of", runs, "runs)")
    print(f"{'capture':<62} {'bytes':>9} {'text':>7} {'extract ms':>10}")
    for entry in largest_html(corpus, 4):
        raw = (corpus / entry["path_html"]).read_bytes()
        rules = rules_for(entry["service"], entry["doc_type"])
        text = extract_text(raw, "text/html", rules)
        elapsed = median_ms(lambda raw=raw, rules=rules: extract_text(raw, "text/html", rules), runs)
        print(f"{entry['path_html']:<62} {len(raw):>9,} {len(text):>7,} {elapsed:>10.1f}")


def change_figures(corpus: Path, runs: int) -> None:
    labels = json.loads((corpus / "labels.json").read_text())
    pairs = sorted(
        (p for p in labels if p["ai"] and not p["borderline"]),
        key=lambda p: (corpus / p["to_md"]).stat().st_size,
        reverse=True,
    )[:3]
    print("\nDiff and flag of real AI changes (Markdown versions; median of", runs, "runs)")
    print(f"{'pair':<62} {'KB':>5} {'diff ms':>8} {'flag ms':>8} {'both ms':>8}")
    for pair in pairs:
        old = extract_text((corpus / pair["from_md"]).read_bytes(), "text/markdown")
        new = extract_text((corpus / pair["to_md"]).read_bytes(), "text/markdown")
        diff = diff_texts(old, new)
        diff_ms = median_ms(lambda old=old, new=new: diff_texts(old, new), runs)
        flag_ms = median_ms(lambda diff=diff: flag_change(diff), runs)
        print(f"{pair['to_md']:<62} {len(new) / 1000:>5.0f} {diff_ms:>8.1f} {flag_ms:>8.1f} {diff_ms + flag_ms:>8.1f}")


class _Pages(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def hundred_kb_change_figures(corpus: Path, runs: int) -> None:
    """The design target's case: a 100 KB policy with one sentence in twenty reworded."""
    labels = json.loads((corpus / "labels.json").read_text())
    english = [p for p in labels if p["source"] == "pga"]  # the English series
    largest = max(english, key=lambda p: (corpus / p["to_md"]).stat().st_size)
    text = extract_text((corpus / largest["to_md"]).read_bytes(), "text/markdown")
    old = text[: text.rfind("\n\n", 0, 100_000)]
    sentences = old.split(". ")
    new = ". ".join(s + " and to train our AI models" if i % 20 == 10 else s for i, s in enumerate(sentences))
    diff = diff_texts(old, new)
    diff_ms = median_ms(lambda: diff_texts(old, new), runs)
    flag_ms = median_ms(lambda: flag_change(diff), runs)
    print(f"\n100 KB of {largest['to_md']}, 5 % of sentences edited ({len(old):,} characters):")
    print(f"  diff {diff_ms:.1f} ms, flag {flag_ms:.1f} ms, both {diff_ms + flag_ms:.1f} ms (target <= 30 ms)")


def unchanged_check_figures(corpus: Path, runs: int) -> None:
    entry = next(e for e in largest_html(corpus, 200) if _snapshot_only_of_same_document(corpus, e))
    churn = _snapshot_only_of_same_document(corpus, entry)
    raw = (corpus / entry["path_html"]).read_bytes()
    rules = rules_for(entry["service"], entry["doc_type"])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/page"
    document = Document("bench", "page", url, "Bench", "Page", rules.select, rules.remove)
    print(f"\nA whole check against a local server, {entry['path_html']} ({len(raw):,} bytes)")
    with tempfile.TemporaryDirectory() as folder, Fetcher(FetchSettings(host_gap=0, retries=0)) as fetcher:
        store = Store(f"sqlite:///{folder}/bench.db")
        _Pages.body = raw
        check_document(document, store, fetcher)
        wall = median_ms(lambda: check_document(document, store, fetcher), runs)
        cpu = median_ms(lambda: check_document(document, store, fetcher), runs, time.process_time)
        print(f"  same bytes again (download, hash, no extraction):  {wall:7.1f} ms wall, {cpu:7.1f} ms CPU")
        if churn is not None:
            variants = [raw, churn.read_bytes()]

            def churned_check() -> None:
                variants.reverse()
                _Pages.body = variants[0]
                check_document(document, store, fetcher)

            wall = median_ms(churned_check, runs)
            cpu = median_ms(churned_check, runs, time.process_time)
            print(f"  page churn, same text (extraction needed):          {wall:7.1f} ms wall, {cpu:7.1f} ms CPU")
        store.close()
    server.shutdown()


def _snapshot_only_of_same_document(corpus: Path, entry: dict) -> Path | None:
    folder = (corpus / entry["path_html"]).parent / "snapshots-only"
    candidates = sorted(folder.glob("*.html")) if folder.exists() else []
    return candidates[0] if candidates else None


def memory_figures(corpus: Path) -> None:
    entry = largest_html(corpus, 1)[0]
    raw = (corpus / entry["path_html"]).read_bytes()
    rules = rules_for(entry["service"], entry["doc_type"])
    tracemalloc.start()
    text = extract_text(raw, "text/html", rules)
    flag_change(diff_texts(text, text.replace(".", ". AI models.", 20)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nPeak memory: {peak / 2**20:.1f} MiB traced in extract+diff+flag of the largest page; "
        f"process max RSS {rss:.0f} MiB"
    )


def hostile_text_figures() -> None:
    """The flag on texts a hostile or broken page could bring past the screens (one run each, CPU seconds)."""
    line = " ".join(
        f"Our AI model computes a match score for vacancy {i}. Your match score is shown to recruiters."
        for i in range(4000)
    )
    word = "a" * 50_000
    joined = "We use your prompts to train our AI models, and we bill your card monthly; " * 8000
    cases = {
        "one line, 4,000 AI sentences each taken up, all edited": (line, line.replace("recruiters", "employers")),
        "one 50,000-letter word in an AI sentence": (
            f"We use AI to train our models on {word} data.",
            f"We use AI to train our models on {word} info.",
        ),
        "one sentence of 8,000 joined statements": (joined + "and we charge fees via Stripe.", joined + "via Adyen."),
    }
    print("\nThe flag on hostile texts (one run each; CPU):")
    for name, (old, new) in cases.items():
        text_diff = diff_texts(old, new)
        started = time.process_time()
        flag_change(text_diff)
        print(f"  {name:<58} {len(new):>9,} chars {time.process_time() - started:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (args.corpus / "manifest.json").exists():
        raise SystemExit(f"no corpus at {args.corpus}: pass --corpus PATH")
    stage_figures(args.corpus, args.runs)
    change_figures(args.corpus, args.runs)
    hundred_kb_change_figures(args.corpus, args.runs)
    unchanged_check_figures(args.corpus, args.runs)
    memory_figures(args.corpus)
    hostile_text_figures()


if __name__ == "__main__":
    main()
