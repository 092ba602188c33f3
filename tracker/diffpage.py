"""`tracker diff --format html`: one standalone HTML page of changes, with the AI flag, its evidence and headings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from tracker.diff import OP_NAMES, Segment, TextDiff, hunks
from tracker.store import ChangeRecord

# What the extractor writes at the start of a heading's line (extract.py keeps headings as Markdown `#` lines).
_HEADING = re.compile(r"^(#{1,6})[ \t]+")
_UNDERLINE = re.compile(r"^(?:={3,}|-{3,})$")
# Bidirectional controls in page text could reorder what a reader sees around <del> and <ins>.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

_TEMPLATES = Environment(
    loader=PackageLoader("tracker", "templates"),
    # Every piece of page text reaches the page through an escaping {{ }}: a captured page cannot add markup.
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Piece:
    op: str  # equal | delete | insert
    text: str


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
    evidence: tuple[Piece, ...]
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
    evidence = tuple(Piece(item["op"], _visible(item["text"])) for item in change.evidence)
    shown = tuple(
        PageHunk(_blocks(hunk.segments), hunk.leading_gap, hunk.trailing_gap) for hunk in hunks(diff, context_words)
    )
    told = tuple(_visible(line.strip()) for _, line in story)
    return PageChange(change, title, header, url, evidence, shown, told)


def render_diff_page(changes: Sequence[PageChange], title: str, generated_at: datetime) -> str:
    """A complete HTML document (UTF-8, its own styles, no scripts, no remote resources)."""
    return _TEMPLATES.get_template("diff.html.j2").render(
        changes=changes, title=title, generated_at=generated_at.strftime("%Y-%m-%d %H:%M UTC")
    )


def _blocks(segments: Sequence[Segment]) -> tuple[Block, ...]:
    """Segments cut at line ends into blocks; a line whose first piece starts with `#` marks is a heading."""
    lines: list[list[Piece]] = [[]]
    for segment in segments:
        op = OP_NAMES[segment.op]
        for index, part in enumerate(segment.text.split("\n")):
            # A heading inserted in place of a deleted line starts a line of its own, as it does in the new text.
            replaced = lines[-1] and all(piece.op == "delete" for piece in lines[-1])
            if index or (op == "insert" and replaced and _HEADING.match(part)):
                lines.append([])
            if part:
                lines[-1].append(Piece(op, _visible(part)))
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
            pieces[0] = Piece(pieces[0].op, pieces[0].text[match.end() :])
        blocks.append(Block(level, tuple(pieces)))
    return tuple(blocks)


def _visible(text: str) -> str:
    return _BIDI_CONTROLS.sub(lambda match: f"⟦U+{ord(match.group()):04X}⟧", text)
