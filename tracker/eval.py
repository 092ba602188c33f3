"""Measure the AI flag on labelled real history and on the generalization set: python -m tracker.eval [--json].

Each series of the corpus (one company, service, document and source) is replayed in time order the way
`check.py` sees it: extract (Markdown versions as captured; HTML snapshots where the series has them, with
the document's rules from config.yaml), recognise a known version by its text hash, screen against every
accepted version (a suspect capture is confirmed by later captures alike over `checks.confirm_span`, their
timestamps standing for the checks' times), diff against the version in force, and flag with the sentences of
earlier versions remembered. Each labelled pair is then
scored by what the replay did with its newer version: an alert is a change flagged as AI.

Precision, recall and F1 count the pairs that are neither borderline nor flip-flops. Flip-flops must come out
of the replay as returns of a known version, never as alerts. The generalization sets (tracker/generalization.py)
are written and labelled by people who had not seen the flag. Exit status: 0 when the corpus has recall 1.00 and
precision at least 0.95 on every input, and the sets together recall at least 0.98 and precision at least 0.95; 1 when
not; 2 when the corpus or a set cannot be found (what can be measured still is).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from bs4 import XMLParsedAsHTMLWarning

from tracker.config import ChecksSettings, Config, ConfigError, load_config
from tracker.diff import diff_texts
from tracker.extract import ExtractionError, Rules, extract_text
from tracker.flag import NO_FLAG, Flag, Vocabulary, flag_change, sentence_keys
from tracker.generalization import (
    DEFAULT_SETS,
    OPEN_SETS,
    SetNotFound,
    SetReport,
    evaluate_set,
    render_set,
    together,
)
from tracker.generalization import TARGET_PRECISION as SET_PRECISION
from tracker.generalization import TARGET_RECALL as SET_RECALL
from tracker.screen import Fingerprint, Suspect, confirmed, fingerprint, screen_text

REPO = Path(__file__).resolve().parents[1]
TARGET_RECALL = 1.0
TARGET_PRECISION = 0.95
# config.yaml tracks Facebook's pages as "meta"; Instagram's pages, which it does not track, are extracted
# without rules (Meta's selectors do not match their layout).
CONFIG_SERVICE = {"facebook": "meta"}


class CorpusNotFound(Exception):
    """No labels.json where the corpus was looked for."""


@dataclass(frozen=True)
class Outcome:
    """What the replay did with one capture."""

    kind: str  # first_version | changed | returned | unchanged | refused
    flag: Flag = NO_FLAG
    reason: str = ""
    flag_ms: float = 0.0

    @property
    def alert(self) -> bool:
        return self.kind == "changed" and self.flag.ai


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, expected: bool, alert: bool) -> str:
        verdict = ("tp" if expected else "fp") if alert else ("fn" if expected else "tn")
        setattr(self, verdict, getattr(self, verdict) + 1)
        return verdict

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    @property
    def met(self) -> bool:
        return self.recall >= TARGET_RECALL and self.precision >= TARGET_PRECISION


@dataclass
class Report:
    """The evaluation of one input form (Markdown versions or HTML snapshots)."""

    form: str
    pairs: int = 0
    scores: dict[str, Score] = field(default_factory=dict)
    errors: list[dict[str, object]] = field(default_factory=list)  # false positives and false negatives
    flip_flops: dict[str, int] = field(default_factory=dict)  # replay outcome -> count
    flip_flop_alerts: list[dict[str, object]] = field(default_factory=list)
    borderline: dict[str, int] = field(default_factory=dict)
    unlabelled_alerts: list[dict[str, object]] = field(default_factory=list)  # snapshots-only captures
    # Labelled changes (not flip-flops) the screen held as suspect: scored as not alerted, though a live check
    # reports them once confirmed, `checks.confirm_span` late; counted apart so that the delay is seen.
    held: list[dict[str, object]] = field(default_factory=list)
    flag_ms: list[float] = field(default_factory=list)

    @property
    def overall(self) -> Score:
        return self.scores.setdefault("overall", Score())


def find_corpus(explicit: str | None = None) -> Path:
    """--corpus, then $TRACKER_CORPUS, then ../shared/corpus from here, then from the repository."""
    if explicit:
        candidates = [Path(explicit)]
    elif env := os.environ.get("TRACKER_CORPUS"):
        candidates = [Path(env)]
    else:
        candidates = [Path.cwd().parent / "shared" / "corpus", REPO.parent / "shared" / "corpus"]
    for candidate in candidates:
        if (candidate / "labels.json").is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise CorpusNotFound(
        f"no corpus with labels.json found (looked in {looked}); pass --corpus PATH or set TRACKER_CORPUS"
    )


def evaluate(corpus: Path, config: Config, remember: bool = True) -> list[Report]:
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    vocabulary = Vocabulary.build(config.settings.flag.extra_terms)
    reports = []
    for form in ("md", "html"):
        outcomes: dict[str, Outcome] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # a few captures are XHTML
            for series in _series(manifest, form):
                rules = _rules(config, series[0])
                outcomes.update(replay(corpus, series, form, rules, vocabulary, config.settings.checks, remember))
        reports.append(_score(form, labels, manifest, outcomes))
    return reports


def _series(manifest: list[dict], form: str) -> Iterator[list[dict]]:
    """Captures grouped by company, service, document and source, in time order. Markdown: versions only;
    HTML: every snapshot (versions and snapshots-only captures) of series that have them."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for entry in manifest:
        if form == "md" and (entry["kind"] != "version" or not entry.get("path_md")):
            continue
        if form == "html" and not (entry.get("html_parts") or entry.get("path_html")):
            continue
        key = (entry["company"], entry["service"], entry["doc_type"], entry["source"])
        groups.setdefault(key, []).append(entry)
    for key in sorted(groups):
        yield sorted(groups[key], key=lambda entry: entry["timestamp"])


def _rules(config: Config, entry: dict) -> Rules:
    service = CONFIG_SERVICE.get(entry["service"], entry["service"])
    for document in config.documents(service, entry["doc_type"]):
        return Rules(document.select, document.remove)
    return Rules()


def replay(
    corpus: Path,
    series: list[dict],
    form: str,
    rules: Rules,
    vocabulary: Vocabulary,
    checks: ChecksSettings,
    remember: bool = True,
) -> dict[str, Outcome]:
    """What check.py would have done with each capture of one series, keyed by the capture's path_md.
    `remember`: pass the flag the sentences of earlier versions (flag_change's known and dropped sentences)."""
    outcomes: dict[str, Outcome] = {}
    in_force: str | None = None
    seen: set[str] = set()
    versions: list[Fingerprint] = []  # what the screen judges by: every accepted version, as check.py does
    suspects: list[Suspect] = []  # suspect captures since the last accepted one, newest first
    known: set[str] = set()  # flag_change's known_sentences: every earlier version's sentence keys
    dropped: set[str] = set()  # its dropped_sentences: keys a later version went without (see dropped_sentences())
    for entry in series:
        key = entry["path_md"] or entry["path_html"]
        try:
            text = _extract(corpus, entry, form, rules)
        except ExtractionError as exc:
            outcomes[key] = Outcome("refused", reason=f"not the policy page: {exc}")
            continue
        digest = hashlib.sha256(text.encode()).hexdigest()
        captured = datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
        if (
            text != in_force
            and digest not in seen
            and (refusal := screen_text(text, "", versions, checks, in_force=in_force))
        ):
            print_ = fingerprint(text)
            if not (refusal.confirmable and confirmed(digest, print_, captured, suspects, checks)):
                outcomes[key] = Outcome("refused", reason=refusal.message)
                suspects.insert(0, Suspect(captured, digest, print_))
                continue
        suspects.clear()
        if in_force is None:
            outcomes[key] = Outcome("first_version")
        elif text == in_force:
            outcomes[key] = Outcome("unchanged")
        elif digest in seen:
            outcomes[key] = Outcome("returned", reason="return of a known version")
        else:
            diff = diff_texts(in_force, text)
            started = time.perf_counter()
            flag = flag_change(diff, vocabulary, *((known, dropped) if remember else ()))
            outcomes[key] = Outcome("changed", flag, flag.reason, (time.perf_counter() - started) * 1000)
        in_force = text
        if digest not in seen:
            seen.add(digest)
            versions.append(fingerprint(text))
            if remember:
                keys = sentence_keys(text)
                dropped |= known - keys
                known |= keys
    return outcomes


def _extract(corpus: Path, entry: dict, form: str, rules: Rules) -> str:
    if form == "md":
        return extract_text((corpus / entry["path_md"]).read_bytes(), "text/markdown")
    parts = [part["path"] for part in entry.get("html_parts") or []] or [entry["path_html"]]
    return "\n\n".join(extract_text((corpus / part).read_bytes(), "text/html", rules) for part in parts)


def _score(form: str, labels: list[dict], manifest: list[dict], outcomes: dict[str, Outcome]) -> Report:
    report = Report(form)
    labelled = set()
    for label in labels:
        outcome = outcomes.get(label["to_md"])
        if outcome is None or label["from_md"] not in outcomes:
            continue  # this input form does not have both captures of the pair
        labelled.add(label["to_md"])
        report.pairs += 1
        report.flag_ms.append(outcome.flag_ms)
        if outcome.kind == "refused" and not label["flip_flop"]:
            report.held.append(_pair(label, outcome))
        if label["flip_flop"]:
            report.flip_flops[outcome.kind] = report.flip_flops.get(outcome.kind, 0) + 1
            if outcome.alert:
                report.flip_flop_alerts.append(_pair(label, outcome))
            continue
        if label["borderline"]:
            flagged = "flagged" if outcome.alert else "not flagged"
            report.borderline[flagged] = report.borderline.get(flagged, 0) + 1
            continue
        report.scores.setdefault(label["company"], Score()).add(label["ai"], outcome.alert)
        verdict = report.overall.add(label["ai"], outcome.alert)
        if verdict in ("fp", "fn"):
            report.errors.append({"verdict": verdict.upper(), **_pair(label, outcome)})
    for entry in manifest:
        key = entry["path_md"] or entry["path_html"]
        if key not in labelled and (outcome := outcomes.get(key)) is not None and outcome.alert:
            report.unlabelled_alerts.append({"capture": key, "kind": entry["kind"], **_flag_json(outcome.flag)})
    return report


def _pair(label: dict, outcome: Outcome) -> dict[str, object]:
    return {
        "pair": label["pair_index"],
        "company": label["company"],
        "series": f"{label['service']}/{label['doc_type']}/{label['source']}",
        "from": label["from_ts"],
        "to": label["to_ts"],
        "replay": outcome.kind,
        "labelled_ai": label["ai"],
        "labelled_evidence": label["evidence"],
        "note": label["note"],
        **_flag_json(outcome.flag),
        "why": outcome.reason,
    }


def _flag_json(flag: Flag) -> dict[str, object]:
    return {
        "ai": flag.ai,
        "score": flag.score,
        "category": flag.category,
        "terms": list(flag.terms),
        "evidence": flag.evidence_json(),
    }


# -- printing -------------------------------------------------------------------------------------------------

FORM_NAMES = {"md": "Markdown versions", "html": "HTML snapshots (with config.yaml's extraction rules)"}


def render(reports: Iterable[Report], corpus: Path, remember: bool = True) -> str:
    memory = "remembers earlier versions' sentences" if remember else "judges each change alone (--without-memory)"
    lines = [f"AI flag evaluation on {corpus / 'labels.json'}; the flag {memory}"]
    for report in reports:
        lines += ["", f"== {FORM_NAMES[report.form]}: {report.pairs} labelled pairs replayed"]
        lines.append(
            f"   {'':<10} {'pairs':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4} {'precision':>9} {'recall':>6} {'F1':>5}"
        )
        for name in sorted(report.scores, key=lambda n: (n == "overall", n)):
            s = report.scores[name]
            lines.append(
                f"   {name:<10} {s.tp + s.fp + s.fn + s.tn:>5} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.tn:>4} "
                f"{s.precision:>9.2f} {s.recall:>6.2f} {s.f1:>5.2f}"
            )
        lines.append("   (not borderline, not flip-flop; an alert is a change the replay flagged as AI)")
        for error in report.errors:
            lines += _render_error(error)
        if not report.errors:
            lines.append("   no false positive, no false negative")
        if refused := sum(error["verdict"] == "FN" and error["replay"] == "refused" for error in report.errors):
            lines.append(f"   {refused} of the misses never reached the flag: the screen refused the capture")
        if report.held:
            ai = sum(1 for held in report.held if held["labelled_ai"])
            lines.append(
                f"   held as suspect by the screen (a live check reports them when confirmed, confirm_span late): "
                f"{len(report.held)} labelled changes, {ai} of them labelled AI"
            )
            lines += [f"      pair {held['pair']} {held['series']} {held['to']}: {held['why']}" for held in report.held]
        outcomes = ", ".join(f"{kind} {count}" for kind, count in sorted(report.flip_flops.items()))
        total = sum(report.flip_flops.values())
        returned = report.flip_flops.get("returned", 0)
        lines.append(
            f"   flip-flops: {total}; returns of a known version {returned}; alerts {len(report.flip_flop_alerts)}"
            f" (replay: {outcomes or 'none'})"
        )
        for alert in report.flip_flop_alerts:
            lines += _render_error({"verdict": "FLIP-FLOP ALERT", **alert})
        if report.borderline:
            lines.append(
                "   borderline (not scored): " + ", ".join(f"{k} {v}" for k, v in sorted(report.borderline.items()))
            )
        for alert in report.unlabelled_alerts:
            lines.append(f"   unlabelled capture alerted: {alert['capture']} ({alert['kind']}): {alert['category']}")
        timed = [ms for ms in report.flag_ms if ms]
        if timed:
            lines.append(f"   flag time per change: median {statistics.median(timed):.1f} ms, max {max(timed):.1f} ms")
    return "\n".join(lines)


def _render_error(error: dict) -> list[str]:
    lines = [
        f"   {error['verdict']} pair {error['pair']} {error['company']} {error['series']} "
        f"{error['from']} -> {error['to']} (replay: {error['replay']}; flag: {error['category']} {error['score']})",
        f"      label note: {error['note']}",
    ]
    if error["labelled_evidence"]:
        lines.append(f"      labelled evidence: {error['labelled_evidence']}")
    if error["why"]:
        lines.append(f"      flag: {error['why']}")
    for evidence in error["evidence"]:
        sign = "+" if evidence["op"] == "insert" else "-"
        lines.append(f"      {sign} {evidence['text']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="the corpus folder (default: $TRACKER_CORPUS, else ../shared/corpus)")
    parser.add_argument(
        "--generalization",
        type=Path,
        action="append",
        help="a generalization set; repeat for several (default: "
        + " and ".join(str(path) for path in DEFAULT_SETS)
        + ")",
    )
    parser.add_argument("--config", help="config.yaml for extraction rules and extra terms (default: as tracker)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--without-memory",
        action="store_true",
        help="flag each change without the sentences of earlier versions (flag_change's known_sentences)",
    )
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"tracker.eval: {exc}", file=sys.stderr)
        return 2
    vocabulary = Vocabulary.build(config.settings.flag.extra_terms)
    missing = []
    try:
        corpus: Path | None = find_corpus(args.corpus)
    except CorpusNotFound as exc:
        corpus, reports = None, []
        missing.append(str(exc))
    else:
        reports = evaluate(corpus, config, remember=not args.without_memory)
    generalization: list[SetReport] = []
    for path in args.generalization or DEFAULT_SETS:
        try:
            generalization.append(evaluate_set(path, vocabulary))
        except SetNotFound as exc:
            missing.append(str(exc))
    blind = together(generalization)
    met = all(report.overall.met for report in reports) and (not generalization or blind.met)
    open_batches: list[SetReport] = []
    for path in () if args.generalization else OPEN_SETS:
        try:
            open_batches.append(evaluate_set(path, vocabulary))
        except SetNotFound as exc:
            missing.append(str(exc))
    if args.json:
        payload = {
            "corpus": str(corpus) if corpus else None,
            "met": met and not missing,
            "forms": [
                {
                    **asdict(report),
                    "scores": {
                        name: {**asdict(s), "precision": s.precision, "recall": s.recall, "f1": s.f1}
                        for name, s in report.scores.items()
                    },
                }
                for report in reports
            ],
            "generalization": {
                "sets": [_set_json(report) for report in generalization],
                "together": {**asdict(blind), "precision": blind.precision, "recall": blind.recall},
                "met": blind.met,
                "open": [_set_json(report) for report in open_batches],
            },
            "missing": missing,
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        lines = [render(reports, corpus, remember=not args.without_memory)] if corpus else []
        for report in generalization:
            lines.append("\n".join(["", *render_set(report)]))
        if len(generalization) > 1:
            items = blind.tp + blind.fp + blind.fn + blind.tn
            lines.append(
                f"\n== The generalization sets together: {items} items, TP {blind.tp} FP {blind.fp} FN {blind.fn} "
                f"TN {blind.tn}, precision {blind.precision:.2f}, recall {blind.recall:.2f}"
            )
        for report in open_batches:
            lines.append("\n(An open batch: measured, outside the acceptance until its misses are read and fixed.)")
            lines.append("\n".join(render_set(report)))
        lines.append(
            f"\nAcceptance: corpus recall {TARGET_RECALL:.2f} and precision >= {TARGET_PRECISION:.2f} on every input; "
            f"generalization sets together recall >= {SET_RECALL:.2f} and precision >= {SET_PRECISION:.2f}: "
            + ("met" if met and not missing else "NOT met")
        )
        print("\n".join(lines))
    for problem in missing:
        print(f"tracker.eval: {problem}", file=sys.stderr)
    if missing:
        return 2
    return 0 if met else 1


def _set_json(report: SetReport) -> dict[str, object]:
    return {
        "path": str(report.path),
        "items": report.items,
        "met": report.overall.met,
        "counts": {
            name: {**asdict(c), "precision": c.precision, "recall": c.recall} for name, c in report.counts.items()
        },
        "errors": report.errors,
    }


if __name__ == "__main__":
    sys.exit(main())
