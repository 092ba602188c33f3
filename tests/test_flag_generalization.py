"""The AI flag on the generalization set: clauses and edits written and labelled by someone who had not seen it.

tests/generalization/README.md says how the set was written; tracker/generalization.py how an item is judged.
The labels are never edited here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.flag import judge_sentence
from tracker.generalization import (
    DEFAULT_SETS,
    TARGET_PRECISION,
    TARGET_RECALL,
    evaluate_set,
    item_texts,
    neutral_policy,
)

NEUTRAL = Path(__file__).resolve().parent / "fixtures" / "neutral-policy"


@pytest.mark.parametrize(
    ("path", "least"),
    [(DEFAULT_SETS[0], 300), (DEFAULT_SETS[1], 200), (DEFAULT_SETS[2], 160)],
    ids=["first", "second", "third"],
)
def test_each_generalization_set_meets_its_acceptance(path: Path, least: int) -> None:
    report = evaluate_set(path)
    assert report.items >= least
    assert report.overall.recall >= TARGET_RECALL and report.overall.precision >= TARGET_PRECISION, report.errors


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
