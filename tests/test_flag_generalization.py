"""The AI flag on the generalization set: clauses and edits written and labelled by someone who had not seen it.

tests/generalization/README.md says how the set was written; tracker/generalization.py how an item is judged.
The labels are never edited here.
"""

from __future__ import annotations

from pathlib import Path

from tracker.flag import judge_sentence
from tracker.generalization import (
    DEFAULT_SETS,
    OPEN_SETS,
    TARGET_PRECISION,
    TARGET_RECALL,
    evaluate_set,
    item_texts,
    neutral_policy,
    together,
)

NEUTRAL = Path(__file__).resolve().parent / "fixtures" / "neutral-policy"


def test_the_generalization_sets_together_meet_the_acceptance() -> None:
    """One blind set written in batches (tests/generalization/README.md): the acceptance is on every item."""
    reports = [evaluate_set(path) for path in DEFAULT_SETS]
    assert [report.items for report in reports] == [377, 200, 160, 150, 150, 120, 150, 150, 150, 120, 120, 120]
    total = together(reports)
    assert total.recall >= TARGET_RECALL and total.precision >= TARGET_PRECISION, [r.errors for r in reports]


def test_the_open_batches_stay_at_or_above_their_floor() -> None:
    """Open batches are outside the acceptance until their misses are fixed (tracker/generalization.py), but the flag
    must not get worse on them."""
    for path, (recall, precision) in OPEN_SETS.items():
        overall = evaluate_set(path).overall
        assert overall.recall >= recall and overall.precision >= precision, (path.name, overall)


def test_the_neutral_policy_texts_say_nothing_about_ai() -> None:
    for path in sorted(NEUTRAL.glob("[a-z][a-z].md")):  # en, fr, de (not the README)
        for line in path.read_text(encoding="utf-8").splitlines():
            assert judge_sentence(line).score == 0, (path.name, line)


def test_a_clause_is_a_new_paragraph_and_an_edit_replaces_one_in_the_same_place() -> None:
    neutral = neutral_policy("en")
    old, new = item_texts({"kind": "clause", "text": "We train our AI on your posts."}, neutral)
    assert old.strip() == neutral.strip() and "\n\nWe train our AI on your posts.\n\n" in new
    old, new = item_texts({"kind": "edit", "old": "A b c.", "new": "A b d."}, neutral)
    assert old.replace("A b c.", "A b d.") == new
