"""Notice and opt-out of every labelled AI change of the corpus, checked: python benchmarks/story.py [--corpus P].

For each pair of labels.json marked `ai: true`, the series (company, document, source) is read in time
order from its Markdown versions, as `tracker check` would have stored them: each version's stated dates
(tracker.notice), the change's notice against the versions before it, the AI flag's evidence and the page's
opt-out statements with the links of the Markdown itself (tracker.optout). It prints one row per change and
then compares with benchmarks/story_checked.json, the answers read by hand from the texts:

- dates: the stated effective date (null where the text states none) and notice_days, right or wrong;
- opt-out: every pointer must be a sentence of the page and its link a link of the page (checked here by
  machine: "invented" must be 0); whether one was expected where none was found is in the hand file.

It also prints what reading the dates costs per document. Exit status 0 when dates are right on at least 95 %
and nothing is invented, 1 otherwise, 2 without the corpus. A benchmark script, not a test: the corpus is not
part of the package, and the figures are for people to read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tracker.diff import diff_texts
from tracker.extract import extract_text
from tracker.flag import flag_change
from tracker.notice import StatedDate, change_notice, stated_dates
from tracker.optout import opt_out_pointers, page_links

HERE = Path(__file__).resolve().parent
TARGET = 0.95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    parser.add_argument("--json", action="store_true", help="one JSON object per change instead of the table")
    args = parser.parse_args()
    if not (args.corpus / "labels.json").exists():
        print(f"no corpus at {args.corpus} (labels.json missing)", file=sys.stderr)
        return 2
    labels = json.loads((args.corpus / "labels.json").read_text())
    manifest = json.loads((args.corpus / "manifest.json").read_text())
    checked = json.loads((HERE / "story_checked.json").read_text())
    series: dict[tuple[str, str, str], list[dict]] = {}
    for entry in manifest:
        if entry["kind"] == "version":
            series.setdefault((entry["service"], entry["doc_type"], entry["source"]), []).append(entry)
    texts: dict[str, tuple[str, bytes]] = {}
    timings: list[float] = []

    def read(path: str) -> tuple[str, bytes]:
        if path not in texts:
            raw = (args.corpus / path).read_bytes()
            texts[path] = (extract_text(raw, "text/markdown"), raw)
        return texts[path]

    def dates_of(path: str) -> tuple[StatedDate, ...]:
        started = time.perf_counter()
        found = stated_dates(read(path)[0])
        timings.append(time.perf_counter() - started)
        return found

    rows = []
    for label in labels:
        if label.get("ai") is not True:
            continue
        versions = sorted(series[(label["service"], label["doc_type"], label["source"])], key=lambda e: e["timestamp"])
        earlier = [(_at(v["timestamp"]), dates_of(v["path_md"])) for v in versions if v["timestamp"] < label["to_ts"]]
        old_text, _ = read(label["from_md"])
        new_text, new_raw = read(label["to_md"])
        notice = change_notice(
            dates_of(label["from_md"]), dates_of(label["to_md"]), _at(label["to_ts"]), earlier, _at(label["from_ts"])
        )
        flag = flag_change(diff_texts(old_text, new_text))
        links = page_links(new_raw, "text/markdown", "https://example.invalid/")
        evidence = [e.text for e in flag.evidence if e.op == "insert"]
        pointers = opt_out_pointers(new_text, evidence, links) if flag.ai else ()
        flat = " ".join(new_text.split())
        invented = [
            p
            for p in pointers
            if p.text.removesuffix(" …") not in flat or (p.url and p.url not in {x.url for x in links})
        ]
        hand = checked.get(label["to_md"], {})
        rows.append(
            {
                "change": label["to_md"],
                "flagged": flag.ai,
                "stated_effective": notice.stated_effective.isoformat() if notice.stated_effective else None,
                "basis": notice.basis,
                "first_seen": label["to_ts"],
                "notice_days": notice.notice_days,
                "announced_at": notice.announced_at.isoformat() if notice.announced_at else None,
                "opt_out": [p.as_json() for p in pointers],
                "invented": len(invented),
                "expected_effective": hand.get("stated_effective", "?"),
                "expected_notice_days": hand.get("notice_days", "?"),
                "opt_out_expected": hand.get("opt_out", "?"),
                "note": hand.get("note", ""),
            }
        )
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        _table(rows)
    return _summary(rows, timings)


def _at(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(UTC)


def _table(rows: list[dict]) -> None:
    print(
        f"{'change (to version)':<62} {'stated_eff.':<11} {'basis':<9} {'first_seen':<10} {'notice':>6}  dates  opt-out"
    )
    for row in rows:
        right = (
            row["stated_effective"] == row["expected_effective"] and row["notice_days"] == row["expected_notice_days"]
        )
        pointer = row["opt_out"][0] if row["opt_out"] else None
        shown = (
            f"{pointer['where']}: {pointer['text'][:70]}" + (f" <{pointer['url']}>" if pointer["url"] else "")
            if pointer
            else "-"
        )
        days = row["notice_days"] if row["notice_days"] is not None else "-"
        print(
            f"{row['change']:<62} {row['stated_effective'] or '-':<11} {row['basis']:<9} {row['first_seen'][:10]:<10} "
            f"{days:>6}  {'right' if right else 'WRONG':<5}  {shown}"
        )


def _summary(rows: list[dict], timings: list[float]) -> int:
    dated = [r for r in rows if r["expected_effective"] != "?"]
    right = sum(
        r["stated_effective"] == r["expected_effective"] and r["notice_days"] == r["expected_notice_days"]
        for r in dated
    )
    missing = sum(r["stated_effective"] is None and r["expected_effective"] is not None for r in dated)
    wrong = len(dated) - right - missing
    invented = sum(r["invented"] for r in rows)
    flagged = [r for r in rows if r["flagged"]]
    found = sum(bool(r["opt_out"]) for r in flagged)
    expected = sum(r["opt_out_expected"] == "found" for r in flagged)
    missed = sum(r["opt_out_expected"] == "found" and not r["opt_out"] for r in flagged)
    spurious = sum(r["opt_out_expected"] == "none" and bool(r["opt_out"]) for r in flagged)
    share = right / len(dated) if dated else 0.0
    print()
    print(f"labelled AI changes: {len(rows)}; checked by hand: {len(dated)}")
    print(f"dates (stated_effective and notice_days): right {right}, wrong {wrong}, missing {missing} ({share:.0%})")
    print(
        f"opt-out, on the {len(flagged)} changes the flag raises: pointer found on {found}; hand check: {expected} "
        f"have one, missed {missed}, pointer where the text has none {spurious}; invented {invented}"
    )
    timings.sort()
    print(
        f"reading dates: {len(timings)} documents, median {timings[len(timings) // 2] * 1000:.1f} ms, "
        f"max {timings[-1] * 1000:.1f} ms"
    )
    return 0 if share >= TARGET and invented == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
