"""Is a word a word? A typo fixed in an AI sentence ("artifical" -> "artificial") says nothing new, but one letter
can also change what a sentence says ("retain" -> "retrain", "utilisions" -> "utilisons", "nutzten" -> "nutzen"):
only a dictionary tells the two apart. A typo is a spelling that no dictionary of the flag's languages holds, one
edit away from one that a dictionary holds.

The word lists are pyspellchecker's (MIT; built from OpenSubtitles and cleaned by hand). Each is kept as the text of
its file, one `"word": count,` a line, and a word is looked up by searching that text: a few milliseconds a word, for
the few words a change offers as typos, against the 130 MB and 0.7 s it costs to load the lists as Python sets.
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources

# English, French and German: the languages the flag reads. A word that any of them holds is a word.
LANGUAGES = ("en", "fr", "de")


@functools.cache
def _word_list(language: str) -> str:
    data = resources.files("spellchecker") / "resources" / f"{language}.json.gz"
    with gzip.open(data.open("rb"), "rt", encoding="utf-8") as lines:
        return lines.read()


def is_word(word: str) -> bool:
    """Does a dictionary of English, French or German hold the word (in any case)?"""
    entry = f'\n"{word.lower()}":'
    return any(entry in _word_list(language) for language in LANGUAGES)


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
