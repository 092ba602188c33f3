"""The names a document gives its AI products, learned from the document itself.

"Orbit, our AI assistant, helps you draft messages" says once what Orbit is; "Conversations with Orbit are kept for
36 months" does not say it again. A flag reads the second sentence as naming an AI product when either version of
the change gives the name that meaning (the shapes are in language.py: NAME_IS, NAME_THEN_DESCRIPTION,
DESCRIPTION_THEN_NAME). A name is learned only from a description that holds an AI term of its own, and never when
it is the document's owner, a law or a document ("the AI Act"), a person's role ("Jane Smith, our Head of AI"), or
a word the text also uses in lower case ("Echo" beside "an echo"; verdict.py asks each version).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracker.flag.language import (
    AI_HEAD,
    DESCRIPTION_ENDS,
    DESCRIPTION_GOES_ON,
    DESCRIPTION_THEN_NAME,
    MADE_WITH_WORDS,
    NAME_IS,
    NAME_THEN_DESCRIPTION,
    NAME_TOKEN,
    NOT_A_PRODUCT_NAME,
    STOPWORDS,
)
from tracker.flag.sentences import clean
from tracker.flag.vocabulary import Vocabulary

# The kinds of term that make a description one of AI ("machine" alone is not: "our pricing algorithm, Flex").
AI_KINDS = frozenset({"ai", "ai_purpose", "product", "product_shape", "trained_machine"})
_DESCRIPTION_WORDS = 8  # a description longer than this is a clause, not a name's description
_ROLE = re.compile(
    r"(?:head|officer|director|lead|manager|chief|president|founder|ceo|cto|responsable|directeur|directrice|"
    r"délégué|déléguée|leiter\w*|beauftragte\w*|vorstand|geschäftsführer\w*)$",
    re.IGNORECASE,
)
_MADE_WITH_WORDS = 6  # "powered by" a model says so in fewer words: more is a clause
_OF = frozenset({"of", "von", "de", "du", "des"})
_LETTERS = re.compile(r"[^\W\d_]+")
# Whose model it is: "powered by our own large language model", "basé sur nos propres modèles".
_WHOSE = frozenset(
    "our own its their your notre nos propre propres son sa ses leur leurs unser unsere unserem unseren unserer "
    "eigenen eigene eigenes ihr ihre ihrem ihren".split()
)
_PHRASE = re.compile(r"[^,;:.!?()\[\]“”\"«»]*")
_AFTER_NAME = re.compile(r" ?[,(–—]|,? (?:is|are|est|sont|ist|sind) ")
_CALLED = tuple(
    f" {word}" for word in ("called", "named", "known as", "appelé", "appelée", "nommé", "nommée", "namens", "genannt")
)


def names_in(sentence: str) -> list[str]:
    """The capitalised names a sentence holds (one or two words, not a determiner or a human role): "Orbit Pro"
    and "Orbit"."""
    names = []
    for match in NAME_TOKEN.finditer(sentence):
        names.append(match.group())
        if " " in match.group():
            names.append(match.group().split(" ", 1)[0])
    return names


def could_be_given_at(text: str, position: int, name: str) -> bool:
    """Could the name at `position` stand in one of the shapes that give a name (a cheap look at its neighbours
    before a sentence is read): followed by a comma, a bracket or "is", or preceded by what a product is ("the AI
    assistant Orbit", "our AI features (“Spark”)")."""
    if _AFTER_NAME.match(text, position + len(name)):
        return True
    # The word before, past quotes, brackets and "called": read from the end (a search from every start of the
    # stretch before each place of a name costs a rewrite's flag a third of its time).
    before = text[max(0, position - 60) : position].rstrip(' “"«„‘(')
    for called in _CALLED:
        if before.endswith(called):
            before = before[: -len(called)]
            break
    words = before.rstrip(" ,").rsplit(None, 1)
    return bool(words) and AI_HEAD.search(words[-1]) is not None


def ai_names_given(sentence: str, vocabulary: Vocabulary) -> list[str]:
    """The names the sentence gives to AI products ("Orbit, our AI assistant, ..." gives "Orbit")."""
    names = []
    for name, description in _declarations(clean(sentence)):
        if NOT_A_PRODUCT_NAME.intersection(name.split()) or vocabulary.terms_in(name):
            continue  # a law or a document, or already an AI word or a known product's name
        if _describes_ai(description, vocabulary):
            names.append(name)
    return names


def _declarations(sentence: str) -> Iterator[tuple[str, str]]:
    match = NAME_IS.match(sentence)
    if match:
        yield match["name"], match["description"]
    for match in NAME_THEN_DESCRIPTION.finditer(sentence):
        yield match["name"], match["description"]
    for match in DESCRIPTION_THEN_NAME.finditer(sentence):
        if AI_HEAD.search(match["description"]):
            yield match["name"], match["description"]


def _describes_ai(description: str, vocabulary: Vocabulary) -> bool:
    """Does a description, cut where a clause of its own begins, hold an AI term, or say that the product is made
    with one ("a chat assistant powered by a large language model")?"""
    phrase = _PHRASE.match(description)
    assert phrase is not None  # the pattern matches the empty string
    phrase_words = phrase.group().split()
    words: list[str] = []
    cut_at = len(phrase_words)
    for index, word in enumerate(phrase_words):
        if words and word.lower() in DESCRIPTION_ENDS:
            cut_at = index
            break
        words.append(word)
    if len(words) > _DESCRIPTION_WORDS or any(_ROLE.match(word) for word in words):
        return False  # a clause, or a person's role ("Jane Smith, our Head of AI Governance")
    if cut_at < len(phrase_words):
        if MADE_WITH_WORDS.match(" ".join(phrase_words[cut_at - 1 : cut_at + 2])):
            words.append(_made_with(phrase_words[cut_at + 1 :], vocabulary))
    elif DESCRIPTION_GOES_ON.match(description, phrase.end()):
        goes_on = _PHRASE.match(description, phrase.end() + 2)
        connective = MADE_WITH_WORDS.match(goes_on.group()) if goes_on else None
        assert goes_on is not None and connective is not None  # DESCRIPTION_GOES_ON is a comma and MADE_WITH
        words.append(_made_with(goes_on.group()[connective.end() :].split(), vocabulary))
    return any(term.kind in AI_KINDS for term in vocabulary.terms_in(" ".join(words)))


def _made_with(words: list[str], vocabulary: Vocabulary) -> str:
    """What a product is made with, after "powered by", "fondé sur": a model, nothing else. The words up to the next
    little word that starts a phrase of its own, when an AI term holds every one of them but the determiners ("a
    large language model", "l’intelligence artificielle"; not "AI researchers", "les travaux de notre laboratoire
    d’IA", "research by our AI Lab")."""
    kept: list[str] = []
    while words and words[0].lower() in _OF:
        words = words[1:]  # "auf Basis von künstlicher Intelligenz"
    for word in words:
        if word.lower() in DESCRIPTION_ENDS or len(kept) == _MADE_WITH_WORDS:
            break
        kept.append(word)
    if len(kept) == _MADE_WITH_WORDS:
        return ""  # no end in sight: a clause, not what the product is made with
    text = " ".join(kept)
    covered = [False] * len(text)
    for term in vocabulary.terms_in(text):
        if term.kind in AI_KINDS:
            covered[term.start : term.end] = [True] * (term.end - term.start)
    for match in _LETTERS.finditer(text):
        word = match.group().lower()
        if not (len(word) <= 2 or word in STOPWORDS or word in _WHOSE) and not all(
            covered[match.start() : match.end()]
        ):
            return ""
    return text
