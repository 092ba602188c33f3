"""Word-level diffs of policy texts (diff-match-patch, C++) and their renderings: terminal, plain text, HTML, JSON.

Character-mode diff-match-patch gives up on policy-sized texts (its timeout returns "delete everything,
insert everything"), so the diff runs in passes: paragraphs first, each encoded as one character, then the
sentences of replaced paragraphs, then the words of replaced sentences. Every pass is cleaned up
semantically so that a reworded sentence reads as one deletion and one insertion, not as confetti.

The passes run the C++ port of diff-match-patch (fast-diff-match-patch): the same algorithm as Google's Python
one, giving the same diffs, 10-50 times faster, so that its time limits (which coarsen a diff when they fire)
are reached only by rewrites far beyond anything seen in the corpus (docs/decisions/0010-fast-extraction-and-diff.md).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import fast_diff_match_patch

DELETE, EQUAL, INSERT = -1, 0, 1
_OPS = {"-": DELETE, "=": EQUAL, "+": INSERT}
OP_NAMES = {DELETE: "delete", EQUAL: "equal", INSERT: "insert"}

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
_PARAGRAPH = re.compile(r"[^\n]*\n*")
_SENTENCE = re.compile(r"[^.!?;:\n]*(?:[.!?;:]+\s*|\n+|$)")
CONTEXT_WORDS = 20


@dataclass(frozen=True)
class Segment:
    op: int
    text: str


@dataclass(frozen=True)
class TextDiff:
    segments: tuple[Segment, ...]

    @property
    def changed(self) -> bool:
        return any(segment.op != EQUAL for segment in self.segments)

    @property
    def inserted_words(self) -> int:
        return sum(len(_WORD.findall(s.text)) for s in self.segments if s.op == INSERT)

    @property
    def deleted_words(self) -> int:
        return sum(len(_WORD.findall(s.text)) for s in self.segments if s.op == DELETE)


@dataclass(frozen=True)
class Hunk:
    """A run of changes with a little unchanged text around it, as a reader wants to see it."""

    segments: tuple[Segment, ...]
    leading_gap: bool  # text was left out before this hunk
    trailing_gap: bool
    # Where the hunk's text starts in the old and in the new text: what lets a page mark evidence inside it.
    old_start: int = 0
    new_start: int = 0


def diff_texts(old: str, new: str) -> TextDiff:
    return TextDiff(tuple(_merge(_diff_units(old, new, level=0))))


def _paragraphs(text: str) -> list[str]:
    # Blank lines ride with the paragraph before them: as units of their own they would match everywhere.
    return [unit for unit in _PARAGRAPH.findall(text) if unit]


def _sentences(text: str) -> list[str]:
    return [unit for unit in _SENTENCE.findall(text) if unit]


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text)


# Paragraphs, then sentences inside replaced paragraphs, then words inside replaced sentences: each pass
# diffs a short sequence, so even a rewrite stays fast, and a pass cut short by its time limit only hands
# a larger block to the next, finer pass. A time limit above zero also enables dmp's half-match speed-up.
_LEVELS: tuple[tuple[Callable[[str], list[str]], float], ...] = (
    (_paragraphs, 1.0),
    (_sentences, 0.5),
    (_words, 0.2),
)


def _diff_units(old: str, new: str, level: int) -> list[Segment]:
    split, timeout = _LEVELS[level]
    old_units, new_units, decoding = _encode([split(old), split(new)])
    # On encoded text every character is a whole unit, so the semantic clean-up never splits a word.
    diffs = fast_diff_match_patch.diff(
        old_units, new_units, timelimit=timeout, checklines=False, cleanup="Semantic", counts_only=False
    )
    segments: list[Segment] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        old_text, new_text = "".join(deleted), "".join(inserted)
        deleted.clear()
        inserted.clear()
        # A block that only gained (or lost) text at one end, the rest shared, is that text inserted (or deleted): a
        # paragraph followed by a section appended at a document's end differs from itself by the blank line that
        # rides with it, and was read as a paragraph replaced.
        head = _shared_head(old_text, new_text) if old_text and new_text else 0
        tail = _shared_head(old_text[head:][::-1], new_text[head:][::-1]) if old_text and new_text else 0
        old_mid, new_mid = old_text[head : len(old_text) - tail], new_text[head : len(new_text) - tail]
        if old_text and new_text and not (old_mid and new_mid):
            segments.append(Segment(EQUAL, old_text[:head]))
            segments.append(Segment(DELETE, old_mid) if old_mid else Segment(INSERT, new_mid))
            segments.append(Segment(EQUAL, old_text[len(old_text) - tail :]))
        elif old_text and new_text and level + 1 < len(_LEVELS) and _alike(old_text, new_text):
            segments.extend(_diff_units(old_text, new_text, level + 1))
        else:
            segments.extend(_replacement(old_text, new_text))

    for symbol, encoded in diffs:
        op = _OPS[symbol]
        text = encoded.translate(decoding)
        if op == EQUAL:
            flush()
            segments.append(Segment(EQUAL, text))
        else:
            (deleted if op == DELETE else inserted).append(text)
    flush()
    return segments


def _replacement(old: str, new: str) -> list[Segment]:
    """Old text replaced by new; the whitespace both share at the ends stays unchanged (never part of a word)."""
    prefix = _shared_whitespace(old, new)
    suffix = _shared_whitespace(old[prefix:][::-1], new[prefix:][::-1])
    return [
        Segment(EQUAL, old[:prefix]),
        Segment(DELETE, old[prefix : len(old) - suffix]),
        Segment(INSERT, new[prefix : len(new) - suffix]),
        Segment(EQUAL, old[len(old) - suffix :]),
    ]


def _shared_head(old: str, new: str) -> int:
    """How much of their beginning two texts share, ending between words (never inside one)."""
    # The longest shared beginning by halves: slices compare in C, a rewrite's block can be a megabyte.
    low, high = 0, min(len(old), len(new))
    while low < high:
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    head = low
    while head and not (_between_words(old, head) and _between_words(new, head)):
        head -= 1
    return head


def _between_words(text: str, at: int) -> bool:
    return at == len(text) or text[at - 1].isspace() or text[at].isspace()


def _shared_whitespace(old: str, new: str) -> int:
    count = 0
    for old_char, new_char in zip(old, new, strict=False):
        if old_char != new_char or not old_char.isspace():
            break
        count += 1
    return count


def _alike(old: str, new: str) -> bool:
    """Worth a finer diff? Two rewrites share only "the" and "of": a word diff of them is confetti, and slow."""
    old_words, new_words = Counter(_WORD.findall(old.lower())), Counter(_WORD.findall(new.lower()))
    shared = sum((old_words & new_words).values())
    return shared >= _ALIKE * max(sum(old_words.values()), sum(new_words.values()), 1)


_ALIKE = 0.5
_FIRST_CODE = 0x100  # stay clear of control characters, which diff-match-patch treats specially
_SURROGATES = range(0xD800, 0xE000)


def _encode(sequences: list[list[str]]) -> tuple[str, str, dict[int, str]]:
    """Map each distinct token to one character (skipping the surrogate range), dmp's `linesToChars` idea.

    Returns both sequences encoded and the table that `str.translate` decodes them with."""
    index: dict[str, str] = {}
    encoded: list[str] = []
    for tokens in sequences:
        chars = []
        for token in tokens:
            char = index.get(token)
            if char is None:
                code = _FIRST_CODE + len(index)
                if code >= _SURROGATES.start:
                    code += len(_SURROGATES)
                char = chr(code)
                index[token] = char
            chars.append(char)
        encoded.append("".join(chars))
    return encoded[0], encoded[1], {ord(char): token for token, char in index.items()}


def _merge(segments: list[Segment]) -> Iterator[Segment]:
    """Join neighbours with the same op and drop empty segments."""
    current: Segment | None = None
    for segment in segments:
        if not segment.text:
            continue
        if current is not None and current.op == segment.op:
            current = Segment(current.op, current.text + segment.text)
            continue
        if current is not None:
            yield current
        current = segment
    if current is not None:
        yield current


# -- hunks ------------------------------------------------------------------------------------------------


def hunks(diff: TextDiff, context_words: int = CONTEXT_WORDS) -> list[Hunk]:
    """Group the changes with `context_words` of unchanged text on each side; close changes share a hunk."""
    segments = diff.segments
    changed = [index for index, segment in enumerate(segments) if segment.op != EQUAL]
    if not changed:
        return []
    groups = [[changed[0]]]
    for index in changed[1:]:
        between = segments[groups[-1][-1] + 1 : index]
        if sum(len(_WORD.findall(s.text)) for s in between) <= 2 * context_words:
            groups[-1].append(index)
        else:
            groups.append([index])
    old_at, new_at = [0], [0]  # where each segment starts in the old and in the new text
    for segment in segments:
        old_at.append(old_at[-1] + (len(segment.text) if segment.op != INSERT else 0))
        new_at.append(new_at[-1] + (len(segment.text) if segment.op != DELETE else 0))
    result = []
    for group in groups:
        start, end = group[0], group[-1]
        parts = list(segments[start : end + 1])
        leading_gap = trailing_gap = False
        old_start, new_start = old_at[start], new_at[start]
        if start > 0:
            tokens = _TOKEN.findall(segments[start - 1].text)
            kept = "".join(_tail(tokens, context_words))
            leading_gap = len(kept) < len(segments[start - 1].text) or start > 1
            parts.insert(0, Segment(EQUAL, kept))
            old_start, new_start = old_start - len(kept), new_start - len(kept)
        if end < len(segments) - 1:
            tokens = _TOKEN.findall(segments[end + 1].text)
            kept = _head(tokens, context_words)
            trailing_gap = len(kept) < len(tokens) or end < len(segments) - 2
            parts.append(Segment(EQUAL, "".join(kept)))
        result.append(Hunk(tuple(s for s in parts if s.text), leading_gap, trailing_gap, old_start, new_start))
    return result


def locate_sentence(diff: TextDiff, op: str, sentence: str) -> tuple[int, int] | None:
    """Where an evidence sentence is on its side of the diff (the new text for "insert", the old one for
    "delete"), as (start, end): the first occurrence that overlaps a change, else the first; None if absent."""
    changed_op = INSERT if op == "insert" else DELETE
    side, changed, at = [], [], 0
    for segment in diff.segments:
        if segment.op in (EQUAL, changed_op):
            if segment.op == changed_op:
                changed.append((at, at + len(segment.text)))
            side.append(segment.text)
            at += len(segment.text)
    text = "".join(side)
    first = None
    position = text.find(sentence)
    while position >= 0:
        first = position if first is None else first
        if any(a < position + len(sentence) and b > position for a, b in changed):
            first = position
            break
        position = text.find(sentence, position + 1)
    return None if first is None else (first, first + len(sentence))


def _head(tokens: list[str], words: int) -> list[str]:
    seen = 0
    for index, token in enumerate(tokens):
        if _WORD.fullmatch(token):
            seen += 1
            if seen > words:
                return tokens[:index]
    return tokens


def _tail(tokens: list[str], words: int) -> list[str]:
    return list(reversed(_head(list(reversed(tokens)), words)))


# -- renderings -------------------------------------------------------------------------------------------


def render_text(diff: TextDiff, context_words: int = CONTEXT_WORDS) -> str:
    """Plain text in wdiff's notation, [-deleted-] {+inserted+}, one block per hunk: for logs and email."""
    blocks = []
    for hunk in hunks(diff, context_words):
        parts = []
        for segment in hunk.segments:
            if segment.op == DELETE:
                parts.append(f"[-{segment.text}-]")
            elif segment.op == INSERT:
                parts.append(f"{{+{segment.text}+}}")
            else:
                parts.append(segment.text)
        body = "".join(parts).strip("\n")
        blocks.append(("… " if hunk.leading_gap else "") + body + (" …" if hunk.trailing_gap else ""))
    return "\n\n@@\n\n".join(blocks)


def render_html(diff: TextDiff, context_words: int = CONTEXT_WORDS) -> str:
    """HTML with inline styles (mail clients drop <style>), every piece of fetched text escaped."""
    blocks = []
    for hunk in hunks(diff, context_words):
        parts = []
        for segment in hunk.segments:
            text = html.escape(segment.text).replace("\n", "<br>")
            if segment.op == DELETE:
                parts.append(f'<del style="background:#ffe0e0;color:#a00000">{text}</del>')
            elif segment.op == INSERT:
                parts.append(f'<ins style="background:#ddffdd;color:#006000;text-decoration:none">{text}</ins>')
            else:
                parts.append(text)
        gap_before = "… " if hunk.leading_gap else ""
        gap_after = " …" if hunk.trailing_gap else ""
        blocks.append(
            '<p style="font-family:Georgia,serif;line-height:1.5;margin:0 0 1em 0">'
            f"{gap_before}{''.join(parts)}{gap_after}</p>"
        )
    return "\n".join(blocks)


def render_json(diff: TextDiff, context_words: int = CONTEXT_WORDS) -> list[dict[str, object]]:
    return [
        {
            "leading_gap": hunk.leading_gap,
            "trailing_gap": hunk.trailing_gap,
            "segments": [{"op": OP_NAMES[s.op], "text": s.text} for s in hunk.segments],
        }
        for hunk in hunks(diff, context_words)
    ]
