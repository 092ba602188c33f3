"""Word-level diffs: exact, readable, bounded on policy-sized texts, safe to put in HTML."""

from __future__ import annotations

import json
import random

import pytest
from conftest import corpus_dir

import tracker.diff as diff_module
from tracker.diff import DELETE, EQUAL, INSERT, TextDiff, diff_texts, hunks, render_html, render_json, render_text


def sides(diff: TextDiff) -> tuple[str, str]:
    old = "".join(s.text for s in diff.segments if s.op != INSERT)
    new = "".join(s.text for s in diff.segments if s.op != DELETE)
    return old, new


def test_a_diff_rebuilds_both_texts_exactly() -> None:
    old = "We collect data.\n\nWe share it with partners.\n"
    new = "We collect data.\n\nWe share it with affiliates and partners.\n\nWe train AI models.\n"
    assert sides(diff_texts(old, new)) == (old, new)


def test_changes_are_whole_words() -> None:
    diff = diff_texts("We may use your information.", "We will use your informations.")
    changed = [s.text for s in diff.segments if s.op != EQUAL]
    assert changed == ["may", "will", "information", "informations"]
    assert diff.inserted_words == 2 and diff.deleted_words == 2


def test_identical_texts_have_no_change() -> None:
    diff = diff_texts("Same.\nText.", "Same.\nText.")
    assert not diff.changed and hunks(diff) == []


def policy(paragraphs: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = "data information process share partners services account content use legal rights".split()
    return [" ".join(rng.choice(words) for _ in range(60)) + "." for _ in range(paragraphs)]


def test_a_400kb_policy_with_scattered_edits_gives_a_small_diff_not_everything() -> None:
    paragraphs = policy(1000, seed=1)  # about 400 KB
    edited = list(paragraphs)
    for index in range(0, len(edited), 20):  # 5 % of paragraphs reworded
        edited[index] = edited[index].replace("data", "AI training data", 1)
    old, new = "\n\n".join(paragraphs), "\n\n".join(edited)
    assert len(old) > 300_000
    diff = diff_texts(old, new)
    assert sides(diff) == (old, new)
    changed = sum(len(s.text) for s in diff.segments if s.op != EQUAL)
    assert changed < 0.02 * len(old)  # far from "delete everything, insert everything"


def test_a_vocabulary_past_the_surrogate_range_still_round_trips() -> None:
    old = " ".join(f"w{i}" for i in range(60_000))
    new = old.replace("w59999", "changed")
    assert sides(diff_texts(old, new)) == (old, new)


def test_hunks_show_context_and_mark_what_was_left_out() -> None:
    before = " ".join(f"a{i}" for i in range(100))
    after = " ".join(f"b{i}" for i in range(100))
    diff = diff_texts(f"{before} old words {after}", f"{before} new words {after}")
    [hunk] = hunks(diff, context_words=5)
    assert hunk.leading_gap and hunk.trailing_gap
    rendered = render_text(diff, context_words=5)
    assert rendered.startswith("… ") and rendered.endswith(" …")
    assert "[-old-]{+new+}" in rendered and "a99" in rendered and "a90" not in rendered


def test_html_rendering_escapes_page_text() -> None:
    diff = diff_texts("Safe text.", "Safe <script>alert(1)</script> <b>text</b>.")
    rendered = render_html(diff)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered and "&lt;b&gt;" in rendered
    assert "<ins" in rendered


def test_json_rendering_names_the_operations() -> None:
    [hunk] = render_json(diff_texts("a b c", "a x c"))
    assert [s["op"] for s in hunk["segments"]] == ["equal", "delete", "insert", "equal"]


# -- the C++ diff-match-patch gives Google's Python diffs -------------------------------------------------------


def _python_dmp(old: str, new: str, timelimit: float, **_options: object) -> list[tuple[str, str]]:
    """The pure-Python diff-match-patch, as diff.py ran it before, with time limits too long to be reached."""
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    dmp.Diff_Timeout = timelimit * 50  # above zero: the same half-match speed-up as the C++ port
    diffs = dmp.diff_main(old, new, False)
    dmp.diff_cleanupSemantic(diffs)
    return [("-=+"[op + 1], text) for op, text in diffs]


def _labelled_pairs(count: int) -> list[tuple[str, str]]:
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("the shared corpus of real captures is not on this machine")
    labels = json.loads((corpus / "labels.json").read_text())
    # Every n-th labelled pair (small edits, reorders), and Meta's June 2023 rewrite, the heaviest diff.
    chosen = labels[:: max(1, len(labels) // count)]
    chosen += [p for p in labels if p["to_md"] == "facebook/privacy-policy/pga/2023-06-15T183022Z.md"]
    return [((corpus / p["from_md"]).read_text(), (corpus / p["to_md"]).read_text()) for p in chosen]


def test_the_cpp_diff_is_the_python_diff_on_real_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = _labelled_pairs(12)
    fast = [diff_texts(old, new) for old, new in pairs]
    monkeypatch.setattr(diff_module.fast_diff_match_patch, "diff", _python_dmp)
    assert [diff_texts(old, new) for old, new in pairs] == fast


def test_the_cpp_diff_is_the_python_diff_on_random_edits(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    pairs = []
    for seed in range(8):
        old = policy(12, seed)
        new = [
            p if rng.random() < 0.7 else p.replace(rng.choice(p.split()), rng.choice(["AI", "models", ""])) for p in old
        ]
        pairs.append(("\n\n".join(old), "\n\n".join(rng.sample(new, len(new)) if seed == 0 else new)))
    fast = [diff_texts(old, new) for old, new in pairs]
    monkeypatch.setattr(diff_module.fast_diff_match_patch, "diff", _python_dmp)
    assert [diff_texts(old, new) for old, new in pairs] == fast


def test_a_section_appended_at_the_end_is_an_insertion_and_nothing_else() -> None:
    """A user's test: a section appended to a page showed its last paragraph deleted and inserted again (+23/-10
    where 13 words were added): that paragraph's blank line rides with it only in the new text."""
    old = "# Policy\n\nWe collect data.\n\nContact privacy@acme.example or write to Acme Corporation, Springfield."
    added = "\n\n## 10. Generative AI\n\nWe use your posts to train our generative AI models."
    diff = diff_texts(old, old + added)
    assert (diff.inserted_words, diff.deleted_words) == (13, 0)
    assert [(s.op, s.text) for s in diff.segments] == [(EQUAL, old), (INSERT, added)]
    removed = diff_texts(old + added, old)
    assert (removed.inserted_words, removed.deleted_words) == (0, 13)
