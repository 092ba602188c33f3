"""Sentences of a policy text: where they start and end, what a reader sees of them, and their keys.

A sentence's key is its content words, normalised and sorted: two wordings with the same key make the same
statement (moved, re-punctuated, re-spelled, re-ordered). The flag never counts a sentence whose key the other
version (or an earlier one) holds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from tracker.flag.language import (
    ABBREVIATIONS,
    COMPOUND_HINTS,
    COMPOUND_NUMBER,
    SPELLINGS,
    STOPWORDS,
    THRESHOLDS,
    WRITTEN_NUMBERS,
    WRITTEN_OUT,
    compound_number,
)

WORD = re.compile(r"\w+")
# A section's or a list item's number ("4.2 ", "3. ", "2) ", "4 AI features"): not a quantity ("30 days after you
# delete a chat, ..." is not "90 days after ...").
_LEADING_NUMBER = re.compile(r"^\W*\d+(?:\.\d+)*(?:[.)]|(?=\s+[A-ZÀ-ÖØ-Þ])|\s*$)\s*")
# Sentence bounds: line breaks, <br> (Markdown tables keep them), table cells, a full stop, question or
# exclamation mark (closing quotes and brackets allowed) before a space, and the end of a bold lead-in
# ("**Use and develop advanced technologies:** We use ..."). The lookahead is only for speed.
_BOUNDARY = re.compile(r"(?=[\n<|.!?:])(?:\n+|<br\s*/?>|\|(?=[ \t])|(?P<stop>[.!?][\"'”’»)\]*]*|:\*\*)(?=[ \t]))")
_MARKUP = re.compile(r"<br\s*/?>|\*\*|__|^[\s>*·•|#-]+|\s*\|\s*$")
_HEADING_UNDERLINE = re.compile(r"^\s*(?:=+|-+)\s*$")
TITLE_WORDS = 12  # a first line longer than this is not a title
TITLE_LINES = 12  # the title is looked for among so many first lines
_BOLD_LINE = re.compile(r"^[*_]{2}[^*_]+[*_]{2}$")
# After a full stop, a capitalised word of two letters or more: what begins a sentence, not an initial's partner.
_NEXT_SENTENCE = re.compile(r"[ \t]+[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]")


def clean(sentence: str) -> str:
    """The sentence as a reader reads it: no Markdown emphasis, bullets, heading marks or table pipes."""
    return " ".join(_MARKUP.sub(" ", sentence).split())


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text[start:end], trimmed; `start` and `end` must be sentence bounds."""
    spans = []
    at = start
    for match in _BOUNDARY.finditer(text, start, end):
        cut = match.start()
        if match.group("stop"):
            if _is_abbreviation(text, cut):
                continue
            cut = match.end("stop")
        if text[at:cut].strip():
            spans.append(_trim(text, at, cut))
        at = match.end()
    if text[at:end].strip():
        spans.append(_trim(text, at, end))
    return spans


def _is_abbreviation(text: str, at: int) -> bool:
    """Is the full stop at text[at] part of an abbreviation, an initial or a section number ("e.g.", "J.",
    "7.1." at the start of a line)? A number ending a sentence ("in 2024.") is not."""
    if text[at] != ".":
        return False
    written = re.split(r"[\s(\[]", text[max(0, at - 12) : at])[-1].strip("*_")
    word = written.lower()
    if len(word) == 1 and written.islower() and _NEXT_SENTENCE.match(text, at + 1):
        return False  # a unit ends the sentence ("de 22 h à 7 h. Les parents ..."); not "z. B." nor "d. h."
    if len(word) <= 1 or word in ABBREVIATIONS:
        return True
    if not word.replace(".", "").isdigit():
        return False
    line_head = text[text.rfind("\n", 0, at) + 1 : at]
    return line_head.strip(" \t*_#>·•|-") == word


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def content_words(text: str) -> list[str]:
    """The words that carry meaning, in order: lower-cased, contractions and numbers written out, one spelling
    each."""
    text = text.lower()
    for hint, pattern, replacement in WRITTEN_OUT:
        if hint in text:
            text = pattern.sub(replacement, text)
    if any(hint in text for hint in COMPOUND_HINTS):
        text = COMPOUND_NUMBER.sub(compound_number, text)
    words = WORD.findall(text)
    if not WRITTEN_NUMBERS.keys().isdisjoint(words):
        words = _numbers_as_digits(words)
    return [_spelling(word) for index, word in enumerate(words) if _carries_meaning(words, index)]


def _numbers_as_digits(words: list[str]) -> list[str]:
    """Each number written out as its digits, once: "thirty (30) days" is "30 days"."""
    digits: list[str] = []
    for index, word in enumerate(words):
        number = WRITTEN_NUMBERS.get(word)
        if number is None:
            digits.append(word)
        elif index + 1 == len(words) or words[index + 1] != number:
            digits.append(number)
    return digits


def _carries_meaning(words: list[str], index: int) -> bool:
    """A single letter is an initial or a list's marker; a single digit is a quantity ("kept for 3 years" is not
    "kept for 5 years"), and so is "under" or "over" before a number ("users under 18" is not "users over 18").
    Stored keys are rebuilt when this changes (migrations 0013, 0014)."""
    word = words[index]
    if len(word) == 1 and not word.isdigit():
        return False
    if word not in STOPWORDS:
        return True
    return word in THRESHOLDS and index + 1 < len(words) and words[index + 1].isdigit()


def spelled_words(text: str) -> list[str]:
    """Every word, in order, lower-cased and in one spelling ("personalise" and "personalize" alike)."""
    return [_spelling(word) for word in WORD.findall(text.lower().replace("ß", "ss"))]


def sentence_key(sentence: str) -> str:
    """The content words of a sentence, normalised and sorted: equal keys, same statement."""
    return " ".join(sorted(content_words(_LEADING_NUMBER.sub("", sentence, count=1))))


@functools.lru_cache(maxsize=1 << 16)
def _spelling(word: str) -> str:
    for pattern, replacement in SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


@functools.lru_cache(maxsize=64)
def sentence_keys(text: str) -> frozenset[str]:
    """The keys of every sentence of a text: what `known_sentences` remembers of a version. Cached: every change
    of a document asks again for the keys of all its versions (about a second for 20 policies of 100 KB)."""
    return frozenset(sentence_key(text[start:end]) for start, end in sentence_spans(text, 0, len(text)))


def dropped_sentences(texts: Iterable[str]) -> frozenset[str]:
    """The keys of sentences that a version went without after an earlier version had them (texts oldest first):
    what `flag_change` remembers of sections that come and go with page variants."""
    seen: set[str] = set()
    dropped: set[str] = set()
    for text in texts:
        keys = sentence_keys(text)
        dropped |= seen - keys
        seen |= keys
    return frozenset(dropped)


def letters(text: str) -> str:
    """Only the letters and digits, lower-cased: "e-mail" and "email", "Glint's" and "Glints" are alike."""
    return "".join(WORD.findall(text.lower().replace("ß", "ss")))


def title(text: str) -> str | None:
    """The document's title: its first heading among the first lines (a banner may come before it), else its
    first line when that is short and ends without a full stop."""
    lines = [line for line in text.splitlines()[:TITLE_LINES]]
    first = None
    for index, line in enumerate(lines):
        plain = clean(line)
        if not plain:
            continue
        underline = lines[index + 1] if index + 1 < len(lines) else ""
        heading = line.lstrip().startswith("#") or _BOLD_LINE.match(line.strip()) is not None
        if heading or (underline.strip() and _HEADING_UNDERLINE.match(underline)):
            return plain
        if first is None:
            first = plain
    if first and len(WORD.findall(first)) <= TITLE_WORDS and not first.endswith((".", ":", ";", ",")):
        return first
    return None


def different_titles(old: str | None, new: str | None) -> bool:
    """Do two titles name different documents? "Privacy Policy" and "Meta Privacy Policy" do not."""
    if not old or not new:
        return False
    mine, theirs = set(content_words(old)), set(content_words(new))
    return bool(mine and theirs) and not (mine <= theirs or theirs <= mine)
