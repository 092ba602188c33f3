"""The flag's vocabulary compiled, and the judgement of one sentence: which AI terms it holds, which rule they
satisfy, and whether the sentence is page furniture rather than a statement."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tracker.flag.language import (
    COMMERCE,
    DATE_STAMP,
    EXTRA_TERM_KINDS,
    FURNITURE_FACTOR,
    MIN_STATEMENT_WORDS,
    MIN_WORDS,
    NOT_A_NAME,
    PERSONS,
    POINTERS,
    RULES,
    SPORT,
    STEMS,
    TERMS,
    TRIGGERS,
    Rule,
)
from tracker.flag.sentences import WORD, clean

# An AI sentence scores at least this much; furniture scores less (FURNITURE_FACTOR times its rule's score).
AI_THRESHOLD = 0.5
_NO_WORD = re.compile(r"\w{100,}")  # longer than any word of any language, compounds included
_BOLD_LINE = re.compile(r"^[*_]{2}[^*_]+[*_]{2}:?$")


@dataclass(frozen=True)
class Term:
    kind: str  # a key of TERMS
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Judgement:
    """One sentence, judged: how strongly it speaks about AI, and why."""

    score: float
    category: str  # training | automated_decisions | ai_feature | none
    concept: str = ""  # the concept of the strongest rule it satisfies
    rule: str = ""  # that rule's name
    says: str = ""  # that rule, in words
    terms: tuple[str, ...] = ()  # the words that made it count
    furniture: str = ""  # why it does not count as a statement, if it does not


NOT_AI = Judgement(0.0, "none")


@dataclass(frozen=True)
class _Kind:
    """One kind of term, ready to match: its stems (one of which every match holds) and its patterns, compiled
    on first use (start-up stays fast): one for the lower-cased sentence, one for the sentence as written (the
    patterns with a case-sensitive part). Every alternative is tried only where a word starts; one without its
    own \\b also inside a compound word."""

    name: str
    stems: tuple[str, ...]  # looked for in the lower-cased sentence
    exact_stems: tuple[str, ...]  # looked for as written
    patterns: tuple[str, ...]

    @classmethod
    def of(cls, name: str, stems: list[str], patterns: list[str]) -> _Kind:
        return cls(
            name,
            tuple(stem for stem in stems if stem == stem.lower()),
            tuple(stem for stem in stems if stem != stem.lower()),
            tuple(patterns),
        )

    @functools.cached_property
    def lower(self) -> re.Pattern[str] | None:
        lower = [_lower_case(_at_word_start(p)) for p in self.patterns if _CASE_SENSITIVE not in p]
        return re.compile(rf"\b(?:{'|'.join(lower)})") if lower else None

    @functools.cached_property
    def exact(self) -> re.Pattern[str] | None:
        exact = [_at_word_start(p) for p in self.patterns if _CASE_SENSITIVE in p]
        return re.compile(rf"\b(?:{'|'.join(exact)})", re.IGNORECASE) if exact else None


class Vocabulary:
    """TERMS plus the words a config adds, compiled. Python's `re` tries every alternative of a pattern at every
    word start, so a sentence is matched only against the kinds of term whose stems it holds, and in lower case
    (literal prefixes are found much faster without re.IGNORECASE)."""

    def __init__(self, kinds: tuple[_Kind, ...]) -> None:
        self.kinds = kinds
        triggers = [kind for kind in kinds if kind.name in TRIGGERS]
        self.stems = _shortest({stem for kind in triggers for stem in kind.stems})
        self.acronyms = _shortest({stem for kind in triggers for stem in kind.exact_stems})

    @classmethod
    def build(cls, extra_terms: Mapping[str, Iterable[str]] | None = None) -> Vocabulary:
        extra: dict[str, list[str]] = {}
        for key, words in (extra_terms or {}).items():
            kind = EXTRA_TERM_KINDS.get(key)
            if kind is None:
                known = ", ".join(sorted(EXTRA_TERM_KINDS))
                raise ValueError(f"flag.extra_terms: unknown category {key!r}; use one of: {known}")
            extra.setdefault(kind, []).extend(filter(None, (word.strip() for word in words)))
        kinds = []
        for name, patterns in TERMS.items():
            words = extra.get(name, [])
            # Extra words come first in their kind: a configured name wins over a shape that holds it.
            stems = [*STEMS[name], *(word if _is_acronym(word) else word.lower() for word in words)]
            kinds.append(_Kind.of(name, stems, [_literal(word) for word in words] + list(patterns)))
        return cls(tuple(kinds))

    def with_names(self, names: Iterable[str]) -> Vocabulary:
        """This vocabulary, and the names a document gives its AI products (names.py), matched as written."""
        names = list(names)
        # Not inside a longer name: "Nova" is not "Nova Scotia".
        patterns = [rf"(?-i:\b{re.escape(name)}(?!\w)(?! [A-Z][a-z]))" for name in names]
        return Vocabulary(
            tuple(_Kind.of(kind.name, names, patterns) if kind.name == "named_ai" else kind for kind in self.kinds)
        )

    def terms_in(self, sentence: str) -> list[Term]:
        """The terms of a sentence, left to right; where a sense that is not AI claims words, it alone has them."""
        written = sentence
        if _NO_WORD.search(sentence):
            # Patterns that also match inside compound words try every letter of a word, each to its end: a
            # "word" of 20,000 letters cost 47 s. None is a word; blanked out, positions hold.
            sentence = _NO_WORD.sub(lambda match: " " * len(match.group()), sentence)
        lower = sentence.lower()
        if len(lower) != len(sentence):  # a few letters change length when lower-cased; positions must hold
            lower = sentence
        present = tuple(
            index
            for index, kind in enumerate(self.kinds)
            if any(map(lower.__contains__, kind.stems)) or any(map(sentence.__contains__, kind.exact_stems))
        )
        if not any(self.kinds[index].name in TRIGGERS for index in present):
            return []
        matches: list[tuple[int, int, int, str]] = []  # start, priority (the order of TERMS), end, kind
        for index in present:
            kind = self.kinds[index]
            for pattern, text in ((kind.lower, lower), (kind.exact, sentence)):
                if pattern is not None:
                    matches.extend((m.start(), index, m.end(), kind.name) for m in pattern.finditer(text))
        found: list[Term] = []
        for start, _, end, name in sorted(matches):
            if found and start < found[-1].end:
                continue  # words an earlier or stronger term already claimed
            found.append(Term(name, start, end, written[start:end]))
        if any(term.kind == "training_data" for term in found) and SPORT.search(sentence):
            found = [term for term in found if term.kind != "training_data"]
        return found

    def trigger_positions(self, text: str, lower: str, start: int, end: int) -> list[int]:
        """Where in text[start:end] the trigger stems occur: the only places a sentence about AI can be.
        `lower` is text.lower() (plain string searches are much faster than one pattern of alternatives)."""
        positions = []
        for haystack, stems in ((lower, self.stems), (text, self.acronyms)):
            for stem in stems:
                positions.extend(find_all(haystack, stem, start, end))
        positions.sort()
        return positions

    def stems_in(self, sentence: str) -> list[tuple[str, bool]]:
        """The trigger stems a sentence holds, each with whether it is matched as written."""
        lower = sentence.lower()
        return [(stem, False) for stem in self.stems if stem in lower] + [
            (stem, True) for stem in self.acronyms if stem in sentence
        ]


_CASE_SENSITIVE = "(?-i:"


def _shortest(stems: set[str]) -> tuple[str, ...]:
    """The stems without those that hold another: the shorter one finds them."""
    return tuple(sorted(stem for stem in stems if not any(other != stem and other in stem for other in stems)))


def _lower_case(pattern: str) -> str:
    """A case-insensitive pattern for lower-cased text: its letters lower-cased, its escapes (\\b, \\w, \\S) kept."""
    out = []
    index = 0
    while index < len(pattern):
        if pattern[index] == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        out.append(pattern[index].lower())
        index += 1
    return "".join(out)


def find_all(haystack: str, needle: str, start: int = 0, end: int | None = None) -> list[int]:
    found = []
    at = haystack.find(needle, start, end)
    while at >= 0:
        found.append(at)
        at = haystack.find(needle, at + 1, end)
    return found


def _at_word_start(pattern: str) -> str:
    """A pattern to follow one shared \\b: its own \\b dropped, or a compound word's first letters allowed."""
    if pattern.startswith(r"\b"):
        return pattern.removeprefix(r"\b")
    if pattern.startswith(r"(?-i:\b"):
        return "(?-i:" + pattern.removeprefix(r"(?-i:\b")
    return r"\w*?" + pattern


def _is_acronym(term: str) -> bool:
    """A short all-capitals term is an acronym: "GPT" must not match "gpt" inside a file name."""
    return term.isupper() and len(term) <= 5


def _literal(term: str) -> str:
    escaped = f"(?-i:{re.escape(term)})" if _is_acronym(term) else re.escape(term)
    return rf"\b{escaped}(?!\w)"


DEFAULT_VOCABULARY = Vocabulary.build()


def judge_sentence(
    sentence: str,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    *,
    completes_lead_in: bool = False,
    owner: str = "",
    row: str = "",
) -> Judgement:
    """How strongly one sentence speaks about AI (0..1), of which concept, by which rule, and the words.

    `completes_lead_in`: the sentence's place makes it a statement, so its shortness does not make it a label:
    an item of a list whose lead-in ends with a colon, or a cell of a table's body. `owner`: the name the
    document is about (see `document_owner`); its own "Assistant" or "Agent" ("Google Assistant") is the
    company's feature, not a product name by its shape. `row`: the table row a cell sits in, read with it for money
    ("| Nimbus AI Pro | 19 € |")."""
    terms = [
        term
        for term in vocabulary.terms_in(sentence)
        if term.kind in _COUNTED and not (owner and term.kind == "product_shape" and _owners_feature(term.text, owner))
    ]
    if not any(term.kind in TRIGGERS for term in terms):
        return NOT_AI
    fired = [rule for rule in RULES if _satisfies(rule, terms)]
    if not fired:
        return NOT_AI
    strongest = fired[0]
    used = {kind for rule in fired for need in rule.needs for kind in need}
    words = tuple(dict.fromkeys(term.text for term in terms if term.kind in used and term.kind in _SHOWN))
    furniture = furniture_reason(sentence, completes_lead_in)
    if not furniture and all(rule.concept == "ai_product" for rule in fired) and COMMERCE.search(f"{sentence} {row}"):
        furniture = "a product named in a clause about money, trademarks or contact details"
    score = round(strongest.score * (FURNITURE_FACTOR if furniture else 1.0), 2)
    return Judgement(score, strongest.category, strongest.concept, strongest.name, strongest.says, words, furniture)


# Terms that rules read (the senses that are not AI only claim words), and terms worth showing a reader.
_COUNTED = frozenset(kind for rule in RULES for need in rule.needs for kind in need)
_SHOWN = _COUNTED - {"develop", "decision", "output"}


_AI_ACRONYM = re.compile(r"\b(?:AI|IA|KI|A\.I\.)(?!\w)")
_CAPITALISED = re.compile(r"\b[A-Z][\w-]*[a-z][\w-]*")
ASSISTANT_SHAPE = re.compile(r"[A-Z]\w*[ -](?:[Aa]ssistant|Assistent|[Aa]gent|[Cc]opilot|[Cc]ompanion)")


def _owners_feature(shape: str, owner: str) -> bool:
    """Is a product shape the owner's name before "Assistant", "Agent", "Copilot" or "Companion"?"""
    return re.split(r"[ -]", shape, maxsplit=1)[0] == owner and not _AI_ACRONYM.search(shape)


def document_owner(text: str) -> str:
    """The name a document is about: the capitalised word it uses most often inside sentences."""
    counts = Counter(_CAPITALISED.findall(text))
    return max((name for name in counts if name not in NOT_A_NAME), key=counts.__getitem__, default="")


def _satisfies(rule: Rule, terms: list[Term]) -> bool:
    groups = [[term for term in terms if term.kind in need] for need in rule.needs]
    if not all(groups):
        return False
    if rule.within is None or len(groups) == 1:
        return True
    first, *others = groups
    return any(
        all(any(_distance(anchor, term) <= rule.within for term in group) for group in others) for anchor in first
    )


def _distance(one: Term, other: Term) -> int:
    return max(0, max(one.start, other.start) - min(one.end, other.end))


def furniture_reason(sentence: str, completes_lead_in: bool = False) -> str:
    """Why a sentence is page furniture (a heading, button, label or link elsewhere); "" for a statement."""
    stripped = sentence.strip()
    plain = clean(stripped)
    words = len(WORD.findall(plain))
    if stripped.startswith("#") or _BOLD_LINE.match(stripped):
        return "a heading"
    if POINTERS.match(plain):
        return "a link that points elsewhere"
    if DATE_STAMP.match(plain):
        return "a date stamp"
    if completes_lead_in:
        return ""
    if words < MIN_WORDS:
        return "a label of a few words"
    if words < MIN_STATEMENT_WORDS and not ends_statement(plain) and not PERSONS.search(plain):
        return "a label, not a sentence"
    if words < MIN_STATEMENT_WORDS and plain.endswith("?"):
        return "a short question, answered elsewhere"
    return ""


def ends_statement(plain: str) -> bool:
    return plain.rstrip("”’\"')»").endswith((".", "!", "?"))
