"""What one edition of a document says that another does not: sentences compared by their content words.

Pure. Two variants of a policy (the global one and the EU one, two languages of one page) are compared
sentence by sentence with the flag's sentence keys, so that re-punctuated or re-spaced sentences count as
the same statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tracker.flag import sentence_key, sentence_keys

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(\[]?[A-ZÀ-Ý0-9])|\n+")
MIN_WORDS = 4  # headings and buttons are not statements


def sentences(text: str) -> list[str]:
    """The statements of a text, in order (headings, list bullets and short fragments left out)."""
    found = []
    for part in _SENTENCE_END.split(text):
        part = part.strip().lstrip("#-*> ").strip()
        if len(part.split()) >= MIN_WORDS:
            found.append(part)
    return found


def only_in(text: str, other: str) -> list[str]:
    """The sentences of `text` that `other` does not hold (by content words), in the order of `text`."""
    known = sentence_keys(other)
    return [s for s in dict.fromkeys(sentences(text)) if (key := sentence_key(s)) and key not in known]


def absent(statements: Iterable[str], other: str) -> bool:
    """True when none of the statements is in `other`: they are this variant's alone."""
    keys = [key for statement in statements if (key := sentence_key(statement))]
    known = sentence_keys(other)
    return bool(keys) and not any(key in known for key in keys)
