"""`tracker diff --format html`: one standalone HTML page of changes, with the AI flag, its evidence and headings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from tracker.diff import DELETE, EQUAL, INSERT, OP_NAMES, Segment, TextDiff, hunks, locate_sentence
from tracker.resources import template_environment
from tracker.store import ChangeRecord

# What the extractor writes at the start of a heading's line (extract.py keeps headings as Markdown `#` lines).
_HEADING = re.compile(r"^(#{1,6})[ \t]+")
_UNDERLINE = re.compile(r"^(?:={3,}|-{3,})$")
# Bidirectional controls in page text could reorder what a reader sees around <del> and <ins>.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

_TEMPLATES = template_environment()


@dataclass(frozen=True)
class Piece:
    op: str  # equal | delete | insert
    text: str
    evidence: bool = False  # part of a sentence the AI flag quotes: highlighted in the diff


@dataclass(frozen=True)
class Quote:
    """An evidence sentence, and why the flag counted it (its meaning, rule and words), when it says."""

    op: str
    text: str
    why: str = ""


@dataclass(frozen=True)
class Block:
    """One line of a hunk: a paragraph, or a heading of `level` (1-6) with its `#` marks taken off."""

    level: int
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class PageHunk:
    blocks: tuple[Block, ...]
    leading_gap: bool
    trailing_gap: bool


@dataclass(frozen=True)
class PageChange:
    change: ChangeRecord
    title: str
    header: str
    url: str | None
    evidence: tuple[Quote, ...]
    hunks: tuple[PageHunk, ...]
    story: tuple[str, ...] = ()  # the notice, the opt-out statements, the variants without the change


def page_change(
    change: ChangeRecord,
    title: str,
    header: str,
    url: str | None,
    diff: TextDiff,
    context_words: int,
    story: Sequence[tuple[str, str]] = (),
) -> PageChange:
    evidence = quotes(change)
    old, new = _evidence_spans(diff, change)
    shown = tuple(
        PageHunk(
            _blocks(_marked(hunk.segments, hunk.old_start, hunk.new_start, old, new)),
            hunk.leading_gap,
            hunk.trailing_gap,
        )
        for hunk in hunks(diff, context_words)
    )
    told = tuple(visible(line.strip()) for _, line in story)
    return PageChange(change, title, header, url, evidence, shown, told)


def render_diff_page(changes: Sequence[PageChange], title: str, generated_at: datetime) -> str:
    """A complete HTML document (UTF-8, its own styles, no scripts, no remote resources)."""
    return _TEMPLATES.get_template("diff.html.j2").render(
        changes=changes, title=title, generated_at=generated_at.strftime("%Y-%m-%d %H:%M UTC")
    )


def quotes(change: ChangeRecord) -> tuple[Quote, ...]:
    """The flag's evidence sentences, each with why it counted, bidi controls shown: for pages and feeds."""
    return tuple(Quote(item["op"], visible(item["text"]), _why(item)) for item in change.evidence)


def _why(evidence: dict[str, Any]) -> str:
    """'AI or machine-learning models are trained (rule model-training: train, AI, models)'; '' when not recorded."""
    says, rule, terms = evidence.get("says") or "", evidence.get("rule") or "", ", ".join(evidence.get("terms") or ())
    counted = f"rule {rule}: {terms}" if rule and terms else f"rule {rule}" if rule else ""
    return visible(f"{says} ({counted})" if says and counted else says or counted)


Spans = tuple[tuple[int, int], ...]


def _evidence_spans(diff: TextDiff, change: ChangeRecord) -> tuple[Spans, Spans]:
    """Where the flag's evidence sentences are: in the old text (deleted ones) and in the new text (inserted)."""
    old, new = [], []
    for item in change.evidence:
        found = locate_sentence(diff, item["op"], item["text"])
        if found is not None:
            (new if item["op"] == "insert" else old).append(found)
    return tuple(old), tuple(new)


def _marked(segments: Sequence[Segment], old_at: int, new_at: int, old: Spans, new: Spans) -> list[Piece]:
    """A hunk's segments as pieces, cut where an evidence sentence starts or ends so that it can be highlighted."""
    pieces = []
    for segment in segments:
        size = len(segment.text)
        # Each side a segment belongs to, with where it starts on that side.
        sides = [
            (spans, at) for spans, at, op in ((old, old_at, DELETE), (new, new_at, INSERT)) if segment.op in (EQUAL, op)
        ]
        cuts = {0, size}
        for spans, at in sides:
            cuts.update(min(max(edge - at, 0), size) for span in spans for edge in span)
        for a, b in pairwise(sorted(cuts)):
            quoted = any(s < at + b and e > at + a for spans, at in sides for s, e in spans)
            pieces.append(Piece(OP_NAMES[segment.op], segment.text[a:b], quoted))
        if segment.op != INSERT:
            old_at += size
        if segment.op != DELETE:
            new_at += size
    return pieces


def _blocks(marked: Sequence[Piece]) -> tuple[Block, ...]:
    """Pieces cut at line ends into blocks; a line whose first piece starts with `#` marks is a heading."""
    lines: list[list[Piece]] = [[]]
    for fragment in marked:
        op = fragment.op
        for index, part in enumerate(fragment.text.split("\n")):
            # A heading inserted in place of a deleted line starts a line of its own, as it does in the new text.
            replaced = lines[-1] and all(piece.op == "delete" for piece in lines[-1])
            if index or (op == "insert" and replaced and _HEADING.match(part)):
                lines.append([])
            if part:
                lines[-1].append(Piece(op, visible(part), fragment.evidence))
    blocks: list[Block] = []
    for pieces in lines:
        text = "".join(piece.text for piece in pieces).strip()
        if not text:
            continue
        if _UNDERLINE.match(text) and blocks and not blocks[-1].level and all(p.op == "equal" for p in pieces):
            # A Markdown heading underlined with === or --- (text/markdown pages): the line above is the heading.
            blocks[-1] = Block(1 if text[0] == "=" else 2, blocks[-1].pieces)
            continue
        level = 0
        if match := _HEADING.match(pieces[0].text):
            level = len(match.group(1))
            pieces[0] = Piece(pieces[0].op, pieces[0].text[match.end() :], pieces[0].evidence)
        blocks.append(Block(level, tuple(pieces)))
    return tuple(blocks)


def visible(text: str) -> str:
    """Each bidirectional control shown as a placeholder (`⟦U+202E⟧`): page text cannot reorder what a reader sees."""
    return _BIDI_CONTROLS.sub(lambda match: f"⟦U+{ord(match.group()):04X}⟧", text)
