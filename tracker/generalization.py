"""The generalization sets: clauses and edits written and labelled blind, judged the way a change reaches the flag.

tests/generalization/ holds twenty-one sets (generalization.jsonl, then second- to twenty-first-set.jsonl), each
written by someone who had not seen the flag (their README says how). The acceptance is on the first ten, the
thirteenth and the seventeenth together: one blind set written in batches, each batch printed on its own. The
eleventh, twelfth, fourteenth, fifteenth, sixteenth and eighteenth to twenty-first are open batches (OPEN_SETS):
measured and printed, not yet met.
A `clause` item is inserted as a new paragraph into a neutral policy text of its language; an `edit` item's `old`
and `new` paragraphs stand in the same place of that text. The neutral texts are real policy passages that say
nothing about AI (tests/fixtures/neutral-policy/README.md names their sources). The flag judges the diff of the
two texts without memory, as `tracker compare` does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tracker.diff import diff_texts
from tracker.flag import Flag, Vocabulary, flag_change

REPO = Path(__file__).resolve().parents[1]
SETS = REPO / "tests" / "generalization"
DEFAULT_SETS = tuple(
    SETS / name
    for name in (
        "generalization.jsonl",
        "second-set.jsonl",
        "third-set.jsonl",
        "fourth-set.jsonl",
        "fifth-set.jsonl",
        "sixth-set.jsonl",
        "seventh-set.jsonl",
        "eighth-set.jsonl",
        "ninth-set.jsonl",
        "tenth-set.jsonl",
        "thirteenth-set.jsonl",
        "seventeenth-set.jsonl",
    )
)
# Batches measured blind whose misses are not yet read and fixed: printed on their own by the eval, outside the
# acceptance, each with the floor its figures last stood at (tests keep them from falling below it). A batch joins
# DEFAULT_SETS once the flag meets the acceptance with it. (recall, precision) floors:
OPEN_SETS = {
    SETS / "eleventh-set.jsonl": (0.75, 0.95),
    SETS / "twelfth-set.jsonl": (0.93, 0.91),
    SETS / "fourteenth-set.jsonl": (0.92, 0.95),
    SETS / "fifteenth-set.jsonl": (0.83, 0.90),
    SETS / "sixteenth-set.jsonl": (0.87, 0.97),
    SETS / "eighteenth-set.jsonl": (0.92, 0.90),
    SETS / "nineteenth-set.jsonl": (0.80, 0.97),
    SETS / "twentieth-set.jsonl": (0.40, 0.95),
    SETS / "twenty-first-set.jsonl": (0.57, 0.93),
}
NEUTRAL = REPO / "tests" / "fixtures" / "neutral-policy"
TARGET_RECALL = 0.98
TARGET_PRECISION = 0.95


class SetNotFound(Exception):
    """No generalization set, or no neutral text for one of its languages."""


@dataclass
class Counts:
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
    def met(self) -> bool:
        return self.recall >= TARGET_RECALL and self.precision >= TARGET_PRECISION


@dataclass
class SetReport:
    path: Path
    items: int = 0
    counts: dict[str, Counts] = field(default_factory=dict)  # "overall", then per language and per kind
    errors: list[dict[str, object]] = field(default_factory=list)

    @property
    def overall(self) -> Counts:
        return self.counts.setdefault("overall", Counts())


def evaluate_set(path: Path = DEFAULT_SETS[0], vocabulary: Vocabulary | None = None) -> SetReport:
    if not path.is_file():
        raise SetNotFound(f"no generalization set at {path}; pass --generalization PATH")
    vocabulary = vocabulary or Vocabulary.build()
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    neutral = {lang: neutral_policy(lang) for lang in sorted({item["lang"] for item in items})}
    report = SetReport(path)
    for item in items:
        old, new = item_texts(item, neutral[item["lang"]])
        flag = flag_change(diff_texts(old, new), vocabulary)
        report.items += 1
        for group in ("overall", item["lang"], item["kind"]):
            verdict = report.counts.setdefault(group, Counts()).add(item["ai"], flag.ai)
        if verdict in ("fp", "fn"):
            report.errors.append(_error(item, verdict, flag))
    return report


def neutral_policy(lang: str) -> str:
    path = NEUTRAL / f"{lang}.md"
    if not path.is_file():
        raise SetNotFound(f"no neutral policy text for language {lang!r} at {path}")
    return path.read_text(encoding="utf-8")


def item_texts(item: dict, neutral: str) -> tuple[str, str]:
    """The old and new text of an item: the neutral policy, with the item's paragraphs in its middle."""
    paragraphs = neutral.strip().split("\n\n")
    middle = len(paragraphs) // 2

    def with_paragraph(paragraph: str | None) -> str:
        inserted = [paragraph] if paragraph else []
        return "\n\n".join([*paragraphs[:middle], *inserted, *paragraphs[middle:]]) + "\n"

    if item["kind"] == "clause":
        return with_paragraph(None), with_paragraph(item["text"])
    return with_paragraph(item["old"]), with_paragraph(item["new"])


def _error(item: dict, verdict: str, flag: Flag) -> dict[str, object]:
    return {
        "verdict": verdict.upper(),
        "id": item["id"],
        "lang": item["lang"],
        "kind": item["kind"],
        "label_why": item.get("why", ""),
        "flag": flag.reason,
        "evidence": flag.evidence_json(),
    }


def together(reports: Iterable[SetReport]) -> Counts:
    """The counts of several sets as one: the acceptance is on every blind item, each set printed on its own."""
    total = Counts()
    for report in reports:
        for name in ("tp", "fp", "fn", "tn"):
            setattr(total, name, getattr(total, name) + getattr(report.overall, name))
    return total


def render_set(report: SetReport) -> list[str]:
    lines = [f"== Generalization set: {report.items} items ({report.path})"]
    lines.append(f"   {'':<10} {'items':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4} {'precision':>9} {'recall':>6}")
    order = ("en", "fr", "de", "clause", "edit", "overall")
    for name in sorted(report.counts, key=lambda n: (order.index(n) if n in order else 0, n)):
        c = report.counts[name]
        lines.append(
            f"   {name:<10} {c.tp + c.fp + c.fn + c.tn:>5} {c.tp:>4} {c.fp:>4} {c.fn:>4} {c.tn:>4} "
            f"{c.precision:>9.2f} {c.recall:>6.2f}"
        )
    lines.append("   (clauses inserted into a neutral policy text, edits diffed in place; no memory)")
    lines += [line for error in report.errors for line in _render_error(error)]
    if not report.errors:
        lines.append("   no false positive, no false negative")
    return lines


def _render_error(error: dict) -> Iterable[str]:
    yield f"   {error['verdict']} {error['id']} ({error['lang']} {error['kind']}): {error['label_why']}"
    yield f"      flag: {error['flag']}"
    for evidence in error["evidence"]:  # type: ignore[union-attr]
        sign = "+" if evidence["op"] == "insert" else "-"
        yield f"      {sign} {evidence['text']}"
