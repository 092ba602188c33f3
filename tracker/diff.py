"""Word-level diffs of policy texts (diff-match-patch) and their renderings: terminal, plain text, HTML, JSON.

Character-mode diff-match-patch gives up on policy-sized texts (its timeout returns "delete everything,
insert everything"), so the diff runs in two passes: paragraphs first, each encoded as one character, then
words inside the paragraphs that were replaced. Both passes are cleaned up semantically so that a reworded
sentence reads as one deletion and one insertion, not as confetti.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

DELETE, EQUAL, INSERT = -1, 0, 1
OP_NAMES = {DELETE: "delete", EQUAL: "equal", INSERT: "insert"}

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
_WORD_PASS_TIMEOUT = 0.5  # seconds for one replaced block; past it dmp returns a coarser but correct diff
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


def diff_texts(old: str, new: str) -> TextDiff:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0  # the paragraph pass works on a few hundred symbols: never slow, never cut short
    old_lines, new_lines, paragraphs = _encode([old.splitlines(keepends=True), new.splitlines(keepends=True)])
    coarse = dmp.diff_main(old_lines, new_lines, False)
    dmp.diff_cleanupSemantic(coarse)
    segments: list[Segment] = []
    pending_delete: list[str] = []
    pending_insert: list[str] = []

    def flush() -> None:
        if pending_delete and pending_insert:
            segments.extend(_diff_words("".join(pending_delete), "".join(pending_insert)))
        elif pending_delete:
            segments.append(Segment(DELETE, "".join(pending_delete)))
        elif pending_insert:
            segments.append(Segment(INSERT, "".join(pending_insert)))
        pending_delete.clear()
        pending_insert.clear()

    for op, encoded in coarse:
        text = "".join(paragraphs[ord(char) - _FIRST_CODE] for char in _codes(encoded))
        if op == EQUAL:
            flush()
            segments.append(Segment(EQUAL, text))
        elif op == DELETE:
            pending_delete.append(text)
        else:
            pending_insert.append(text)
    flush()
    return TextDiff(tuple(_merge(segments)))


def _diff_words(old: str, new: str) -> list[Segment]:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = _WORD_PASS_TIMEOUT
    old_tokens, new_tokens, tokens = _encode([_TOKEN.findall(old), _TOKEN.findall(new)])
    diffs = dmp.diff_main(old_tokens, new_tokens, False)
    # On encoded text every character is a whole word, so the clean-up can never split a word.
    dmp.diff_cleanupSemantic(diffs)
    return [Segment(op, "".join(tokens[ord(c) - _FIRST_CODE] for c in _codes(text))) for op, text in diffs]


_FIRST_CODE = 0x100  # stay clear of control characters, which diff-match-patch treats specially
_SURROGATES = range(0xD800, 0xE000)


def _encode(sequences: list[list[str]]) -> tuple[str, str, list[str]]:
    """Map each distinct token to one character (skipping the surrogate range), dmp's `linesToChars` idea."""
    vocabulary: list[str] = []
    index: dict[str, str] = {}
    encoded: list[str] = []
    for tokens in sequences:
        chars = []
        for token in tokens:
            char = index.get(token)
            if char is None:
                code = _FIRST_CODE + len(vocabulary)
                if code >= _SURROGATES.start:
                    code += len(_SURROGATES)
                char = chr(code)
                index[token] = char
                vocabulary.append(token)
            chars.append(char)
        encoded.append("".join(chars))
    # Decoding undoes the surrogate skip: see _codes.
    return encoded[0], encoded[1], vocabulary


def _codes(encoded: str) -> Iterator[str]:
    for char in encoded:
        code = ord(char)
        yield chr(code - len(_SURROGATES)) if code >= _SURROGATES.stop else char


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
    result = []
    for group in groups:
        start, end = group[0], group[-1]
        parts = list(segments[start : end + 1])
        leading_gap = trailing_gap = False
        if start > 0:
            tokens = _TOKEN.findall(segments[start - 1].text)
            kept = _tail(tokens, context_words)
            leading_gap = len(kept) < len(tokens) or start > 1
            parts.insert(0, Segment(EQUAL, "".join(kept)))
        if end < len(segments) - 1:
            tokens = _TOKEN.findall(segments[end + 1].text)
            kept = _head(tokens, context_words)
            trailing_gap = len(kept) < len(tokens) or end < len(segments) - 2
            parts.append(Segment(EQUAL, "".join(kept)))
        result.append(Hunk(tuple(s for s in parts if s.text), leading_gap, trailing_gap))
    return result


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
