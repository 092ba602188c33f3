"""Is a word a word? A typo fixed in an AI sentence ("artifical" -> "artificial") says nothing new, but one letter
can also change what a sentence says ("retain" -> "retrain", "utilisions" -> "utilisons", "nutzten" -> "nutzen"):
only a dictionary tells the two apart. A typo is a spelling that no dictionary of the flag's languages holds, one
edit away from one that a dictionary holds.

The word lists are pyspellchecker's (MIT; built from OpenSubtitles and cleaned by hand). Each is kept as the text of
its file, one `"word": count,` a line in the words' order, and a word is found by a binary search of its lines: about
15 MB for the three lists (0.2 s to read, once), against the 130 MB it costs to load them as sets.
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources

# English, French and German: the languages the flag reads. A word that any of them holds is a word.
LANGUAGES = ("en", "fr", "de")
# Endings of English forms the lists may lack: plurals, pasts, adverbs. (French and German forms are listed;
# "öffentlichn" less its "n" and "entrainer" less its "er" would be words, and they are misspellings.)
FORM_ENDINGS = ("s", "es", "ed", "ing", "ly")


@functools.cache
def _word_list(language: str) -> str:
    """The list's entries, `"word": count,` a line, without the JSON object's braces."""
    data = resources.files("spellchecker") / "resources" / f"{language}.json.gz"
    with gzip.open(data.open("rb"), "rt", encoding="utf-8") as lines:
        text = lines.read()
    return text[text.index("\n") + 1 : text.rindex("\n")]


@functools.lru_cache(maxsize=4096)
def is_word(word: str) -> bool:
    """Does a dictionary of English, French or German hold the word (in any case)?"""
    return any(_holds(language, word) for language in LANGUAGES)


def is_word_form(word: str) -> bool:
    """Is the word another form of a word a dictionary holds: a plural, a past, an adverb ("tweens": "tween")?
    The lists leave many forms out; one of them is no misspelling."""
    lower = word.lower()
    stems = (lower[: -len(ending)] for ending in FORM_ENDINGS if lower.endswith(ending))
    return any(len(stem) > 2 and is_word(stem) for stem in stems)


def is_german_word(word: str) -> bool:
    """Does the German list hold the word? A capitalised word there is a noun ("Modelle", "Training"); elsewhere it is
    as likely a name ("Llama")."""
    return _holds("de", word)


def _holds(language: str, word: str) -> bool:
    """A binary search of the list's lines, sorted by word (tests/test_flag.py checks that they are)."""
    entries, wanted = _word_list(language), word.lower()
    low, high = 0, len(entries)  # the entries that start in [low, high) are still in question; low starts a line
    while low < high:
        before = entries.rfind("\n", low, (low + high) // 2)
        start = before + 1 if before >= 0 else low
        key = entries[start + 1 : entries.index('":', start)]
        if key == wanted:
            return True
        if key < wanted:
            low = entries.find("\n", start) + 1 or len(entries)
        else:
            high = start
    return False


def one_edit_apart(first: str, second: str) -> bool:
    """Do two different words differ by one letter inserted, deleted or replaced, or by two letters side by side
    swapped?"""
    if first == second or abs(len(first) - len(second)) > 1:
        return False
    if len(first) == len(second):
        differ = [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
        if len(differ) == 1:
            return True
        return (
            len(differ) == 2
            and differ[1] == differ[0] + 1
            and first[differ[0]] == second[differ[1]]
            and (first[differ[1]] == second[differ[0]])
        )
    shorter, longer = sorted((first, second), key=len)
    at = next((i for i, (a, b) in enumerate(zip(shorter, longer, strict=False)) if a != b), len(shorter))
    return longer[:at] + longer[at + 1 :] == shorter
