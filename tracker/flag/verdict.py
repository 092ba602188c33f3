"""The verdict on one change: every changed sentence that speaks of AI counts, unless it can be shown not to be
news (its words did not change, the other version or an earlier one holds it, it is page furniture)."""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from tracker.diff import DELETE, EQUAL, INSERT, TextDiff
from tracker.flag.language import (
    AI_THING,
    BACK_POINTER,
    CATEGORIES,
    CLAUSE_JOIN,
    COMMERCE,
    CORPORATE_FACT,
    DEMONSTRATIVE,
    ENDS_WITH_VERB,
    HEADING_GENERIC,
    HEADING_PHRASE_END,
    LINK_ADDRESS,
    MODEL_MAKES,
    NEGATION,
    NOT_ROUTINE,
    QUALIFIED,
    ROUTINE_BUSINESS,
    SECTION_REFERENCE,
    STOPWORDS,
    SUBJECT_LEAD,
    refers_back,
)
from tracker.flag.names import ai_names_given, could_be_given_at, names_in
from tracker.flag.sentences import (
    WORD,
    clean,
    different_titles,
    letters,
    sentence_key,
    sentence_keys,
    sentence_spans,
    spelled_words,
    title,
)
from tracker.flag.spelling import is_german_word, is_word, is_word_form, one_edit_apart
from tracker.flag.vocabulary import (
    AI_THRESHOLD,
    ASSISTANT_SHAPE,
    DEFAULT_VOCABULARY,
    MIN_STATEMENT_WORDS,
    MIN_WORDS,
    NOT_AI,
    Judgement,
    Term,
    Vocabulary,
    document_owner,
    ends_statement,
    find_all,
    furniture_reason,
    judge_sentence,
)

# A re-worded AI sentence says the same thing only when the words that differ (at most SMALL_EDIT_WORDS) complete
# or shorten the name of an AI technique the sentence names ("traitement du langage" -> "traitement du langage
# naturel"). Any other content word can change who gets the data, whose data, which data, whether, when or how
# surely ("opt in" -> "opt out", "under 18" -> "under 13", "Meta" -> "Meta affiliates"): that is news.
SMALL_EDIT_WORDS = 2

# Two sentences are the old and new wording of one another when they share this fraction of content words.
COUNTERPART_SIMILARITY = 0.3

# A new text that shares fewer of its sentences than this with the old one, under another title, is another
# document served in the policy's place (a regional notice, another language): not a change of its wording.
REPLACED_BELOW = 0.25
# An old text shorter than this fraction of the new one that makes at most STUB_STATEMENTS statements (sentences
# of MIN_STATEMENT_WORDS words or more ending with a full stop) was a stub (headings, an error page, a wall): the
# new text is the first real sight of the document, and a first version is never an alert.
FIRST_SIGHT_BELOW = 0.2
STUB_STATEMENTS = 2
# Evidence quoted from a document served in the policy's place.
REPLACED_EVIDENCE = 10

LEAD_IN_LOOKBACK = 60  # list lines read back to find a list's lead-in
REFERENCE_CHAIN = 3  # sentences read back through references to find the AI statement a sentence refers to
SECTION_REACH = 2000  # characters read back from a changed line to find the heading of its section
NAME_PLACES = 10  # places of a name read in each version to find where it is given to an AI product
NAME_CANDIDATES = 200  # names of changed sentences looked up in a version (each costs a search of the text)
TYPO_MIN_LETTERS = 6  # a word this long, changed by one swap or one letter, had a typo fixed
TYPO_MAX_LETTERS = 40  # longer is no word
TYPO_DICTIONARY_MIN_LETTERS = 4  # "dyas" -> "days"; a shorter one is as likely an abbreviation or another word
TABLE_CELL_WORDS = 4  # a line "a | b" is a table's row when one of its cells has this many words
SUBJECT_WORDS = 2  # a sentence's subject is read in its first words after a determiner ("Meeting summaries are ...")
JOINED_STATEMENTS = 6  # more in one sentence is no sentence a person wrote (a page without full stops)
HOLDS_BY_SEARCH = 50  # sentences looked for by a search of the other version before all its sentences are read
CONTAINS_BY_PLACES = 50  # sentences looked up by the places of a stem before every key of a version is read
TAKEN_UP_LETTERS = 4  # a shorter word taken up from the sentence before is no noun ("use", "way")
SHARED_WORD_LETTERS = 5  # a statement joined to an AI one that shares a word this long with it may be about it
SUBJECT_MIN_LETTERS = 4  # shorter words are no noun a heading names ("use", "how")
NEXT_WORDS, NEXT_WORDS_READ = 5, 200  # what follows a sentence: its next words, read within so many characters


@dataclass(frozen=True)
class Evidence:
    """A sentence that carries the flag, and why it counted."""

    op: str  # "insert" (new text) or "delete" (old text)
    text: str
    category: str = "none"  # this sentence's category ("none" for the old wording of a re-worded sentence)
    says: str = ""  # the rule that fired, in words
    concept: str = ""  # ai | model_training | automated_decisions | ai_product
    rule: str = ""  # the rule's name (docs/flagging.md lists them)
    terms: tuple[str, ...] = ()  # the words that made it count

    def json(self) -> dict[str, object]:
        item: dict[str, object] = {"op": self.op, "text": self.text}
        if self.rule:
            item.update(category=self.category, concept=self.concept, rule=self.rule, terms=list(self.terms))
            item["says"] = self.says
        return item


@dataclass(frozen=True)
class Flag:
    ai: bool
    score: float
    category: str  # training | automated_decisions | ai_feature | none
    terms: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    reason: str = ""  # one line: why the change is, or is not, about AI
    kind: str = "change"  # change | document_replaced (the page now serves a different document)

    def evidence_json(self) -> list[dict[str, object]]:
        return [item.json() for item in self.evidence]


NO_FLAG = Flag(ai=False, score=0.0, category="none")
DOCUMENT_REPLACED = "document_replaced"
RESTORED = "every sentence the change adds was in an earlier version: it restores known text (a variant or a revert)"


def flag_change(
    diff: TextDiff,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    known_sentences: Collection[str] = frozenset(),
    dropped_sentences: Collection[str] = frozenset(),
) -> Flag:
    """Judge the sentences a change touched: each that speaks of AI counts, unless it is shown not to be news.

    `known_sentences` holds the `sentence_keys` of the earlier versions of the same document (the version
    in force included). With it, a sentence that comes back after a page variant dropped it is not news,
    and a change that adds nothing the document never said (a variant, a revert) is not an alert.
    `dropped_sentences` (see `dropped_sentences()`) holds the keys of sentences an earlier version already went
    without after an earlier one had them: a section that comes and goes with a page variant is no news when
    it goes again.
    """
    if not diff.changed:
        return NO_FLAG
    if not (diff.inserted_words or diff.deleted_words):
        return _quiet("no word was inserted or deleted (whitespace, punctuation or markup only)")
    mechanical = _mechanical_segments(diff, vocabulary)
    reader = _Reader(vocabulary)
    old = _Side.of(diff, DELETE, mechanical, reader)
    new = _Side.of(diff, INSERT, mechanical, reader)
    if not (old.ranges or new.ranges):
        return _quiet("the words did not change: the edits are re-spellings, re-punctuation or re-splits only")
    names = _document_names(old, new)
    if names:
        reader = _Reader(vocabulary.with_names(names), names)
        old.read_with(reader)
        new.read_with(reader)
    if len(old.text) < FIRST_SIGHT_BELOW * len(new.text) and _is_stub(old.text):
        return _quiet(f"the old text ({len(old.text)} characters, next to no statements) is a stub: a first sight")
    sides = [(old, new, "delete"), (new, old, "insert")]
    share = _replaced_share(old, new)
    if share is not None and share < REPLACED_BELOW:
        old_title, new_title = title(old.text), title(new.text)
        if different_titles(old_title, new_title):
            if sentence_key(new_title or "") not in known_sentences:
                return _flag_replacement(old, new, share, old_title or "", new_title or "", known_sentences)
            # The tracked document is back after another one was served in its place: what it adds is judged
            # against earlier versions; what went away was the other document's.
            sides = sides[1:]
    candidates = []
    for side, other, op in sides:
        for start, end in side.changed_trigger_sentences():
            sentence = side.text[start:end]
            judgement = side.judge(start, end)
            if judgement.score == 0.0:
                continue
            key = sentence_key(sentence)
            if other.contains(key, sentence) or key in (known_sentences if op == "insert" else dropped_sentences):
                continue  # moved, re-punctuated, re-spelled, or back to how an earlier version was
            if _glued_from_known(sentence, other, known_sentences if op == "insert" else ()):
                continue  # known sentences run together by an extraction that lost their separators
            candidates.append(_Candidate(op, start, end, sentence, judgement))
    candidates += _in_ai_context(sides, {(c.op, c.start) for c in candidates}, known_sentences, dropped_sentences)
    flag = _verdict(candidates, old, new, reader)
    if flag.ai and known_sentences and _restores_known_text(new, old, known_sentences):
        return _quiet(RESTORED)
    return flag


def _in_ai_context(
    sides: list[tuple[_Side, _Side, str]],
    judged: set[tuple[str, int]],
    known_sentences: Collection[str],
    dropped_sentences: Collection[str],
) -> list[_Candidate]:
    """Changed sentences without AI words of their own that belong to an unchanged AI statement: they refer back to
    it ("You can object to this use at any time" deleted after "We use public posts to train our AI models"), they
    are items of the list it leads in ("With Searchly Assistant you can:" then "- let the agent buy tickets"), or
    they are statements of the section it heads ("## Generative AI features" over "We keep this text for 30
    days")."""
    found = []
    for side, other, op in sides:
        for start, end, context, why in side.in_context(other):
            if (op, start) in judged:
                continue
            if other.holds(side.text[start:end]):
                continue  # moved: a list re-ordered
            if side.key(start, end) in (known_sentences if op == "insert" else dropped_sentences):
                continue  # back to how an earlier version was
            judgement = Judgement(
                context.score,
                context.category,
                context.concept,
                "ai-context",
                why,
                context.terms,
            )
            found.append(_Candidate(op, start, end, side.text[start:end], judgement))
    return found


def _document_names(old: _Side, new: _Side) -> dict[str, str]:
    """The names a version gives its AI products ("Orbit, our AI assistant"), among those that its changed
    sentences hold: only there can a name make a difference. At most NAME_CANDIDATES names a version, in the order
    of the text: a rewrite of a whole policy holds hundreds, and each is looked for in the text."""
    names: dict[str, str] = {}
    for side, other in ((old, new), (new, old)):
        candidates: dict[str, None] = {}
        for start, end in side.changed_sentences():
            for name in names_in(side.text[start:end]):
                if len(candidates) < NAME_CANDIDATES:
                    candidates[name] = None
            if len(candidates) >= NAME_CANDIDATES:
                break
        for name, sentence in side.ai_names_among([name for name in candidates if name not in names]).items():
            if name not in candidates or name in names or name in (old.owner, new.owner):
                continue
            if not (side.uses_as_a_word(name) or other.uses_as_a_word(name)):
                names[name] = sentence
    return names


def _shortened(sentence: str, limit: int = 160) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + " …"


def _quiet(reason: str) -> Flag:
    return Flag(ai=False, score=0.0, category="none", reason=reason)


class _Reader:
    """The vocabulary, remembering what it read during one judgement: a flag reads some sentences several times
    (a candidate, then as the counterpart of another, then to compare two wordings)."""

    def __init__(self, vocabulary: Vocabulary, names: Mapping[str, str] | None = None) -> None:
        self.vocabulary = vocabulary
        self.names = names or {}  # the document's own AI names, each with the sentence that gives it
        self._judged: dict[tuple[str, bool, str, str], Judgement] = {}
        self._terms: dict[str, list[Term]] = {}

    def judge(self, sentence: str, completes_lead_in: bool = False, owner: str = "", row: str = "") -> Judgement:
        key = (sentence, completes_lead_in, owner, row)
        if key not in self._judged:
            judgement = judge_sentence(
                sentence, self.vocabulary, completes_lead_in=completes_lead_in, owner=owner, row=row
            )
            if judgement.rule == "ai-name":
                # The reader of an alert is shown where the document says what the name is.
                given = "; ".join(
                    f"{name}: “{_shortened(self.names[name])}”" for name in judgement.terms if name in self.names
                )
                judgement = replace(judgement, says=f"{judgement.says} ({given})")
            self._judged[key] = judgement
        return self._judged[key]

    def terms(self, text: str) -> list[Term]:
        if text not in self._terms:
            self._terms[text] = self.vocabulary.terms_in(text)
        return self._terms[text]


# -- mechanical edits ----------------------------------------------------------------------------------------


def _mechanical_segments(diff: TextDiff, vocabulary: Vocabulary) -> set[int]:
    """The changed segments whose words did not change: each run of edits (with only spaces and punctuation
    between them) that deletes and inserts the same words, or the same letters ("e-mail"/"email",
    "Glint's"/"Glints", a line split in three, "personalise"/"personalize", a curly apostrophe). Every word counts
    here, little ones included: a run of edits can be a fragment of a word ("de-" of "de-identified")."""
    mechanical: set[int] = set()
    run: list[int] = []
    for index, segment in enumerate((*diff.segments, None)):
        if segment is not None and (segment.op != EQUAL or (run and not WORD.search(segment.text))):
            run.append(index)
            continue
        changed = [i for i in run if diff.segments[i].op != EQUAL]
        if changed:
            deleted = "".join(diff.segments[i].text for i in changed if diff.segments[i].op == DELETE)
            inserted = "".join(diff.segments[i].text for i in changed if diff.segments[i].op == INSERT)
            before = diff.segments[run[0] - 1].text if run[0] > 0 else ""
            after = segment.text if segment is not None else ""
            if _same_words(deleted, inserted, vocabulary) or _renumbered(deleted, inserted, before, after):
                mechanical.update(changed)
        run = []
    return mechanical


def _renumbered(deleted: str, inserted: str, before: str, after: str) -> bool:
    """Is the run a section's number, renumbered: a heading's or a list item's number at the start of a line
    ("4.2 AI features" -> "5.2 AI features"), a cross-reference's ("see Section 4.3" -> "see Section 5.3"), or a
    sub-clause's letter in brackets ("(a) to develop models" -> "(i) to develop models"), or a footnote's mark?"""
    if _FOOTNOTE_MARK.match(deleted) and _FOOTNOTE_MARK.match(inserted):
        return True  # a footnote's mark: "[3]" -> "[4]"
    if before.endswith("(") and after.startswith(")"):
        # "(a)" re-lettered "(i)"; never a law's point ("Art. 6(1)(f)" -> "(a)": legitimate interest -> consent).
        if not (before[-2:-1].isspace() or before[:-1].endswith(":")) or _LAW.search(before[-40:]):
            return False
        return bool(_SUB_CLAUSE.match(deleted) and _SUB_CLAUSE.match(inserted))
    if not (_NUMBER.match(deleted) and _NUMBER.match(inserted)):
        return False
    if _CROSS_REFERENCE.search(before):
        return True
    if _OWN_ARTICLE.search(before) and _SUB_NUMBER.match(after) and not _LAW.search(after[:40]):
        return True  # "l'article 8.2" -> "9.2": the document's own outline (a law's article names the law)
    return _LINE_START.search(before) is not None and (deleted[-1] in ".)" or after[:1] in (".", ")"))


_NUMBER = re.compile(r"^\d{1,3}[.)]?$")
_FOOTNOTE_MARK = re.compile(r"^\[\d{1,3}\]$")
_SUB_CLAUSE = re.compile(r"^(?:[a-z]{1,2}|[ivxlc]{1,6}|[A-Z]|\d{1,3})$")
_LAW = re.compile(r"\b(?:Art\.|Articles?|Artikels?|GDPR|RGPD|DSGVO|UK GDPR)|§", re.IGNORECASE)
# A number inside the document's own outline: sections, clauses, parts (never an article or a § of a law: "Article
# 22" -> "Article 21" changes the right that applies).
_CROSS_REFERENCE = re.compile(
    r"\b(?:sections?|clauses?|paragraphs?|chapters?|parts?|schedules?|appendix|appendices|annex(?:es)?|"
    r"paragraphes?|chapitres?|annexes?|parties|partie|Abschnitte?s?|Ziffer(?:n)?|Kapitels?|Teile?s?|Anhang|"
    r"Anhänge|notes?|footnotes?|Fußnoten?)\s+(?:\d+\.)*$",
    re.IGNORECASE,
)
_LINE_START = re.compile(r"(?:^|\n)[ \t#*>]*(?:\d+\.)*$")
# An article numbered with a point, "article 8.2", "Artikel 8.2": the document's own, when no law is named after it.
_OWN_ARTICLE = re.compile(r"\b(?:articles?|artikels?)\s+$", re.IGNORECASE)
_SUB_NUMBER = re.compile(r"^\.\d")


def _typo_fixed(deleted: str, inserted: str, vocabulary: Vocabulary) -> bool:
    """Is the run one word's misspelling fixed (or made): one letter inserted, deleted, replaced or swapped between a
    spelling that no dictionary holds, in any of its forms, and one that a dictionary holds ("artifical" ->
    "artificial")? Between two words of a dictionary, one letter is news ("utilisions" -> "utilisons", "nutzten" ->
    "nutzen", "teens" -> "tweens"), and so is a name ("Llama" -> "Llava"; a capitalised word is a name unless the
    German list holds it) or a term the vocabulary reads as AI ("Replika", given in `flag.extra_terms`)."""
    if max(len(deleted), len(inserted)) < TYPO_DICTIONARY_MIN_LETTERS:
        return False
    if not one_edit_apart(deleted.lower(), inserted.lower()):
        return False
    known = [word for word in (deleted, inserted) if is_word(word)]
    if len(known) != 1:
        return False
    misspelt = inserted if known[0] == deleted else deleted
    if is_word_form(misspelt):
        return False
    if (deleted[0].isupper() or inserted[0].isupper()) and not is_german_word(known[0]):
        return False
    return not vocabulary.terms_in(misspelt)


def _slip_of_a_long_word(deleted: str, inserted: str) -> bool:
    """A long word's two letters side by side swapped ("contnet" -> "content") or its last letter dropped or added
    ("communautée" -> "communauté"), with the same first letter: read without a dictionary."""
    if not (len(deleted) >= TYPO_MIN_LETTERS and len(inserted) >= TYPO_MIN_LETTERS) or deleted[0] != inserted[0]:
        return False
    if len(deleted) == len(inserted):
        differ = [i for i, (a, b) in enumerate(zip(deleted, inserted, strict=True)) if a != b]
        return len(differ) == 2 and differ[1] == differ[0] + 1 and sorted(deleted) == sorted(inserted)
    # At the end only: "communautée" -> "communauté"; "retain" -> "retrain" is another word.
    shorter, longer = sorted((deleted, inserted), key=len)
    return len(longer) == len(shorter) + 1 and longer.startswith(shorter)


def _same_words(deleted: str, inserted: str, vocabulary: Vocabulary) -> bool:
    """Do two stretches hold the same words (in one spelling) or the same letters, or one word's misspelling
    fixed? Most runs of edits are plain insertions or deletions, or differ in length more than re-spellings can:
    those are answered without reading."""
    words_deleted, words_inserted = WORD.search(deleted) is not None, WORD.search(inserted) is not None
    if not (words_deleted and words_inserted):
        return words_deleted == words_inserted  # spaces, punctuation and markup on both sides
    deleted_letters, inserted_letters = letters(deleted), letters(inserted)
    if deleted_letters == inserted_letters:
        return True
    one_word = _one_word(deleted.strip(), inserted.strip())
    if one_word and _slip_of_a_long_word(deleted.strip(), inserted.strip()):
        return True
    # A re-spelling changes a word by a few letters at most ("ogue" -> "og", "amme" -> "am", "ll" -> "l").
    if abs(len(deleted_letters) - len(inserted_letters)) > 2 * (deleted.count(" ") + 1):
        return False
    if spelled_words(deleted) == spelled_words(inserted):
        return True
    # Last: the dictionaries are read only for a word no cheaper rule explains.
    return one_word and _typo_fixed(deleted.strip(), inserted.strip(), vocabulary)


def _one_word(deleted: str, inserted: str) -> bool:
    """Is each side one word of letters, short enough to be one?"""
    return (
        deleted.isalpha()
        and inserted.isalpha()
        and len(deleted) <= TYPO_MAX_LETTERS
        and len(inserted) <= TYPO_MAX_LETTERS
    )


# -- judging the candidates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    op: str  # "delete" (old side) or "insert" (new side)
    start: int
    end: int
    text: str
    judgement: Judgement


def _verdict(candidates: list[_Candidate], old: _Side, new: _Side, reader: _Reader) -> Flag:
    sides = {"delete": (old, new), "insert": (new, old)}
    strong: list[tuple[_Candidate, tuple[int, int] | None]] = []
    alike = beside = 0
    for candidate in candidates:
        if candidate.judgement.score < AI_THRESHOLD:
            continue
        side, other = sides[candidate.op]
        counterpart = _counterpart(candidate, side, other)
        if counterpart and _same_claim(candidate.text, other.text[counterpart[0] : counterpart[1]], reader):
            alike += 1  # a small edit that leaves what the sentence says about AI as it was
            continue
        if counterpart and _edited_beside(candidate.text, other.text[counterpart[0] : counterpart[1]], reader):
            beside += 1
            continue
        strong.append((candidate, counterpart))
    if not strong:
        best = max((c.judgement.score for c in candidates), default=0.0)
        if alike:
            reason = "the AI sentences that changed say what they said (a technique named more or less precisely)"
        elif beside:
            reason = "the AI sentences changed only in a statement joined to them that is about something else"
        elif candidates:
            furniture = sorted({c.judgement.furniture for c in candidates if c.judgement.furniture})
            reason = f"AI words only in page furniture ({'; '.join(furniture)})"
        else:
            reason = "no changed sentence speaks of AI"
        return Flag(ai=False, score=min(best, AI_THRESHOLD - 0.01), category="none", reason=reason)
    # Evidence in document order, placed where the new wording stands; a re-worded sentence's old wording
    # comes just before its new one.
    placed: dict[tuple[str, int], tuple[int, int, Evidence]] = {}
    for candidate, counterpart in strong:
        side, other = sides[candidate.op]
        mine = _evidence(candidate.op, candidate.text, candidate.judgement)
        if candidate.op == "insert":
            position = candidate.start
            if counterpart is not None:
                theirs = _evidence("delete", other.text[counterpart[0] : counterpart[1]], NOT_AI)
                placed.setdefault(("delete", counterpart[0]), (position, 0, theirs))
            placed[("insert", candidate.start)] = (position, 1, mine)
            continue
        position = side.to_other(candidate.start)
        if counterpart is not None:
            position = counterpart[0]
            text = other.text[counterpart[0] : counterpart[1]]
            judgement = reader.judge(text)
            placed.setdefault(("insert", position), (position, 1, _evidence("insert", text, judgement)))
        placed[("delete", candidate.start)] = (position, 0, mine)
    # The same sentence in several places (a table repeated for each legal basis) is quoted once.
    evidence: list[Evidence] = []
    quoted: set[tuple[str, str]] = set()
    for _, _, item in sorted(placed.values(), key=lambda item: item[:2]):
        if (item.op, item.text) not in quoted:
            quoted.add((item.op, item.text))
            evidence.append(item)
    best = max((c for c, _ in strong), key=lambda c: (c.judgement.score, -CATEGORIES.index(c.judgement.category)))
    count = len(strong)
    return Flag(
        ai=True,
        score=best.judgement.score,
        category=best.judgement.category,
        terms=_terms(c.judgement for c, _ in strong),
        evidence=tuple(evidence),
        reason=f"{count} changed sentence{'s' if count > 1 else ''} about AI; the strongest: {best.judgement.says}",
    )


def _terms(judgements: Iterable[Judgement]) -> tuple[str, ...]:
    terms: dict[str, str] = {}
    for judgement in judgements:
        for term in judgement.terms:
            terms.setdefault(term.lower(), term)
    return tuple(sorted(terms.values(), key=str.lower))


def _evidence(op: str, text: str, judgement: Judgement) -> Evidence:
    if judgement.score < AI_THRESHOLD:
        judgement = NOT_AI
    # A sentence split after a label ("Meta AI Terms: These terms govern ...") is quoted without the label's colon.
    quoted = clean(text).lstrip(":;,. ")
    return Evidence(op, quoted, judgement.category, judgement.says, judgement.concept, judgement.rule, judgement.terms)


def _counterpart(candidate: _Candidate, side: _Side, other: _Side) -> tuple[int, int] | None:
    """The sentence the candidate re-worded (or was re-worded into): same place in the other version, alike."""
    words = set(sentence_key(candidate.text).split())
    best, best_similarity = None, COUNTERPART_SIMILARITY
    for start, end in other.sentences_between(side.to_other(candidate.start), side.to_other(candidate.end)):
        key = other.key(start, end)
        if key in side.keys_between(*other.span_in_other(start, end)):
            continue  # a neighbour that is in both versions, not the old wording
        theirs = set(key.split())
        similarity = len(words & theirs) / max(1, len(words | theirs))
        if similarity >= best_similarity:
            best, best_similarity = (start, end), similarity
    return best


def _same_claim(sentence: str, counterpart: str, reader: _Reader) -> bool:
    """Do two wordings differ only by a few words that complete or shorten the name of an AI technique?"""
    mine, theirs = Counter(sentence_key(sentence).split()), Counter(sentence_key(counterpart).split())
    added, removed = mine - theirs, theirs - mine
    if sum((added + removed).values()) > SMALL_EDIT_WORDS:
        return False
    if not (set(added) <= _technique_words(sentence, reader) and set(removed) <= _technique_words(counterpart, reader)):
        return False
    if reader.judge(sentence).category != reader.judge(counterpart).category:
        return False
    return not any(reader.terms(word) for word in (*added, *removed))


def _edited_beside(sentence: str, counterpart: str, reader: _Reader) -> bool:
    """Do two wordings differ only inside the last statement joined to the AI one, about the company's routine
    business (ROUTINE_BUSINESS: invoices, its payment processor, tax, and no price, data sent or read, nor what a
    model made: NOT_ROUTINE, MODEL_MAKES), that stands on its own ("We use your prompts to improve our models, and
    we share your billing address with our payment processor, Stripe" -> "Adyen")? It stands on its own when it
    holds no AI term in either wording, shares no word of SHARED_WORD_LETTERS letters or more with the rest, and
    holds nothing that ties it back (BACK_POINTER, refers_back): "and we keep them for 30 days" is about what the AI
    clause took, "and we charge a fee to users who opt out" about the choice it gives. What is left without it must
    still speak of AI, so the AI clause is there, unchanged. Only the last statement: one before the AI clause can
    say whom that clause is about ("We charge Pro seats $20 a month, and we never use paid seats' chats to train our
    models"). Only routine business: fees, prices and contact addresses are as often the price or the channel of an
    opt-out."""
    mine, theirs = _joined_statements(sentence), _joined_statements(counterpart)
    if not 2 <= len(mine) <= JOINED_STATEMENTS or len(mine) != len(theirs):
        return False
    if any(sentence_key(a) != sentence_key(b) for a, b in zip(mine[:-1], theirs[:-1], strict=True)):
        return False
    rest = " ".join(mine[:-1])
    rest_words = _long_words(rest)
    for statement in (mine[-1], theirs[-1]):
        if not ROUTINE_BUSINESS.search(statement) or reader.terms(statement) or _long_words(statement) & rest_words:
            return False
        if BACK_POINTER.search(statement) or refers_back(statement, 0, len(statement)):
            return False
        if NOT_ROUTINE.search(statement) or any(MODEL_MAKES.match(word) for word in spelled_words(statement)):
            return False
    return reader.judge(rest).score >= AI_THRESHOLD


def _joined_statements(sentence: str) -> list[str]:
    pieces, start = [], 0
    for join in CLAUSE_JOIN.finditer(sentence):
        if join["elided"] and not ENDS_WITH_VERB.search(_up_to_next_join(sentence, join.end())):
            continue  # German "und" in a list ("und früheren Rechnungsdaten"), not a statement with its verb
        pieces.append(sentence[start : join.start()])
        start = join.end()
    pieces.append(sentence[start:])
    return pieces


def _up_to_next_join(sentence: str, start: int) -> str:
    following = CLAUSE_JOIN.search(sentence, start)
    return sentence[start : following.start() if following else len(sentence)]


def _long_words(text: str) -> set[str]:
    return {word for word in sentence_key(text).split() if len(word) >= SHARED_WORD_LETTERS}


def _technique_words(sentence: str, reader: _Reader) -> set[str]:
    """The words of the AI techniques a sentence names ("langage naturel", "computer vision"), spelled as keys."""
    return {word for term in reader.terms(sentence) if term.kind == "ai" for word in sentence_key(term.text).split()}


def _glued_from_known(sentence: str, other: _Side, known_sentences: Collection[str]) -> bool:
    """Is the sentence two or more sentences of the other version (or of earlier ones) run together, their
    separator lost ("third partiesDevelop and improve AI …")? Each piece must be a whole known sentence."""
    pieces = _GLUE.split(sentence)
    if len(pieces) < 2:
        return False
    return all(
        (key := sentence_key(piece)) == "" or key in known_sentences or other.contains(key, piece) for piece in pieces
    )


# -- a different document in the policy's place ---------------------------------------------------------------


def _replaced_share(old: _Side, new: _Side) -> float | None:
    """The share of the new text's sentences found in the old text, asked only when most of it is inserted."""
    if sum(end - start for start, end in new.ranges) < 0.5 * len(new.text):
        return None
    old_sentences = set(_rough_statements(old.text))
    new_sentences = _rough_statements(new.text)
    if not new_sentences:
        return None
    return sum(sentence in old_sentences for sentence in new_sentences) / len(new_sentences)


def _rough_statements(text: str) -> list[str]:
    """Sentences of MIN_WORDS words or more as lower-case words, cut without the care of sentence_spans: enough
    to count the ones two texts share (labels, links and table rules would match anywhere)."""
    pieces = (WORD.findall(piece) for piece in _ROUGH_BOUNDARY.split(text.lower()))
    return [" ".join(words) for words in pieces if len(words) >= MIN_WORDS]


def _flag_replacement(
    old: _Side, new: _Side, share: float, old_title: str, new_title: str, known_sentences: Collection[str]
) -> Flag:
    """The page now serves another document (a regional notice, another language, a renamed rewrite): its
    sentences are not a change of the policy's wording, so they are reported as what that document says. It is an
    alert only when it makes a kind of AI statement (a category) that the old document did not make."""
    old_categories = {judgement.category for _, judgement in _ai_sentences(old)}
    evidence: list[Evidence] = []
    new_categories: set[str] = set()
    for sentence, judgement in _ai_sentences(new):
        item = _evidence("insert", sentence, judgement)
        if sentence_key(sentence) not in known_sentences and item not in evidence:
            evidence.append(item)
            new_categories.add(judgement.category)
    shown = evidence[:REPLACED_EVIDENCE]
    replaced = (
        f"the page now serves a different document (“{new_title}” instead of “{old_title}”; "
        f"{share:.0%} of its sentences were in the old text)"
    )
    news = [category for category in CATEGORIES if category in new_categories - old_categories]
    if not news:
        says = f" that says about AI what the old one said: {shown[0].text}" if shown else " that says nothing about AI"
        return Flag(
            ai=False,
            score=0.0,
            category="none",
            terms=_terms(new.reader.judge(e.text) for e in shown),
            evidence=tuple(shown),
            reason=replaced + says,
            kind=DOCUMENT_REPLACED,
        )
    strongest = next(e for e in evidence if e.category == news[0])
    return Flag(
        ai=True,
        score=new.reader.judge(strongest.text).score,
        category=news[0],
        terms=_terms(new.reader.judge(e.text) for e in shown),
        evidence=tuple(shown),
        reason=f"{replaced} that makes a kind of AI statement the old one did not: {strongest.says}",
        kind=DOCUMENT_REPLACED,
    )


def _ai_sentences(side: _Side) -> list[tuple[str, Judgement]]:
    """Every sentence of a whole text that speaks of AI, judged."""
    found = []
    for start, end in side.trigger_sentences(0, len(side.text)):
        judgement = side.judge(start, end)
        if judgement.score >= AI_THRESHOLD:
            found.append((side.text[start:end], judgement))
    return found


def _is_stub(text: str) -> bool:
    """Does a text make at most STUB_STATEMENTS statements (headings, labels, an error message)?"""
    statements = 0
    for start, end in sentence_spans(text, 0, len(text)):
        plain = clean(text[start:end])
        if len(WORD.findall(plain)) >= MIN_STATEMENT_WORDS and ends_statement(plain):
            statements += 1
            if statements > STUB_STATEMENTS:
                return False
    return True


def _restores_known_text(new: _Side, old: _Side, known_sentences: Collection[str]) -> bool:
    """Does the change add sentences, all of them known from earlier versions? A pure deletion does not count, nor
    does a sentence the old version holds that the diff touched only because what followed it went: a paragraph's
    end ("... your settings. You can opt out of AI training ..." -> "... your settings."), or the document's last
    paragraph (an AI clause removed from the end of a policy). (A page variant's sections that come back whole are
    returns: Meta's short and long pages.)"""
    added = []
    for start, end in new.changed_sentences():
        key = new.key(start, end)
        if key and not (old.has_key(key) and _followed_otherwise(new.text[start:end], new, end, old)):
            added.append(key)
    return bool(added) and all(key in known_sentences for key in added)


def _followed_otherwise(sentence: str, new: _Side, end: int, old: _Side) -> bool:
    """Do other words follow the sentence in the new version than in the old one?"""
    at = old.text.find(sentence)
    if at < 0:
        return False
    return _next_words(new.text, end) != _next_words(old.text, at + len(sentence))


def _next_words(text: str, position: int) -> list[str]:
    return WORD.findall(text, position, position + NEXT_WORDS_READ)[:NEXT_WORDS]


# -- one version as the diff sees it ----------------------------------------------------------------------------

_ROUGH_BOUNDARY = re.compile(r"[.!?]\s+|\n+|<br\s*/?>")
# Where an extraction ran two sentences together: a lower-case letter or a full stop right before a capital.
_GLUE = re.compile(r"(?<=[a-zà-ÿ.!?:)])(?=[A-ZÀ-Þ][a-zà-ÿ])|(?<=\)) (?=[A-ZÀ-Þ][a-zà-ÿ])")
_NEWLINE = re.compile("\n")
_LIST_ITEM = re.compile(r"^[ \t>]*(?:[-*+•·]|\d{1,3}[.)])[ \t]+\S")
# A word in lower case in prose: not a part of an address ("privacy@inkwell.example", "inkwell.example/terms").
_WORD_AS_WRITTEN = re.compile(r"[^\W\d_][\w’'-]*")
_LOWER_WORD = re.compile(r"(?<![\w’'@./-])[^\W\d_A-ZÀ-ÖØ-Þ][\w’'-]*(?![\w’'-]|[.@/]\w)")
_HEADING_LINE = re.compile(r"^[ \t]*(#{1,6})[ \t]", re.MULTILINE)
_TABLE_CELL_RULE = re.compile(r"^\s*:?-{3,}:?\s*$")
_SUBJECT_WORD = re.compile(r"[^\W\d_]+")


def _is_section_statement(sentence: str, completes: bool, heading_noun: str) -> bool:
    """Does a sentence under an AI heading speak of what the heading names: a list's item or a table's cell (however
    short), or a statement that points back to it ("We keep this text for 30 days", "Ces données sont conservées 30
    jours", "Diese Funktionen stehen ab 18 Jahren zur Verfügung") or whose subject is what the heading names
    ("Previews are created in Frankfurt" under "## AI-generated previews"); never furniture, nor a clause about money
    or contact details? A sentence of its own subject ("Files in Trash are deleted after 30 days", the company's
    address, the governing law) says nothing of the section's AI."""
    if furniture_reason(sentence, completes) or COMMERCE.search(sentence):
        return False
    return bool(
        completes
        or refers_back(sentence, 0, len(sentence))
        or SECTION_REFERENCE.search(sentence)
        or (heading_noun and _subject_is(sentence, heading_noun))
    )


def _heading_noun(heading: str, lower_words: Collection[str]) -> str:
    """What a heading names, as a noun a statement can take for its subject ("" for none): the last word of its first
    phrase ("AI-generated previews", "Résumés de réunion", "KI-Zusammenfassungen"; not "Customer" in "Customer
    support chatbot", a word that says which), when the text also writes that word in lower case (a product's or a
    company's name is no subject of a section: "Inkwell Software Ltd, ..." under "## Inkwell: generative AI
    features"), and it names a thing of its own (not HEADING_GENERIC)."""
    phrase = HEADING_PHRASE_END.split(clean(heading).lstrip("# "), maxsplit=1)[0]
    words = _SUBJECT_WORD.findall(phrase)
    last = words[-1].lower() if words else ""
    if len(last) < SUBJECT_MIN_LETTERS or last in HEADING_GENERIC or last not in lower_words:
        return ""
    return last


def _subject_is(sentence: str, noun: str) -> bool:
    """Is the sentence's subject, read as its first SUBJECT_WORDS words after a determiner, the noun, singular or
    plural ("preview", "previews"; "summary", "summaries"; "Aufnahme", "Aufnahmen")?"""
    subject = _SUBJECT_WORD.findall(SUBJECT_LEAD.sub("", sentence, count=1))[:SUBJECT_WORDS]
    return any(_same_noun(word.lower(), noun) for word in subject)


def _same_noun(word: str, noun: str) -> bool:
    """One noun, in the singular or the plural: "preview"/"previews", "summary"/"summaries", "aperçu"/"aperçus",
    "Aufnahme"/"Aufnahmen" (not "care"/"card", "note"/"notice")."""
    return word == noun or noun in _plurals(word) or word in _plurals(noun)


def _plurals(word: str) -> set[str]:
    forms = {word + "s", word + "es", word + "x", word + "n", word + "en", word + "e"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    return forms


def _ai_things(sentence: str, terms: Iterable[Term]) -> set[str]:
    """The things (AI_THING: an agent, an assistant, a provider ...) a sentence names with AI words, that a later
    sentence can take for its subject: a term's last noun ("AI agent", "model provider"), the noun right after a term
    ("KI-Assistent"), or the noun a term qualifies after "of", "von", "de" ("Anbieter von Sprachmodellen")."""
    found = []
    for term in terms:
        words = _SUBJECT_WORD.findall(term.text)
        if len(words) > 1:
            found.append(words[-1])
        after = _NEXT_WORD.match(sentence, term.end)
        if after:
            found.append(after[1])
        qualified = _NOUN_OF.search(sentence[max(0, term.start - 40) : term.start])
        if qualified:
            found.append(qualified[1])
    return {word.lower() for word in found if AI_THING.match(word)}


_NEXT_WORD = re.compile(r"[ -]([^\W\d_]+)")
_NOUN_OF = re.compile(r"([^\W\d_]+) (?:of|von|de|du|des|d['’])\s?$")


def _takes_up(sentence: str, before: str) -> bool:
    """Does the sentence take up what a model made in the sentence before it (MODEL_MAKES): two words in a row of it,
    neither a name nor a little word, one of them such a word ("your driving score" after "a machine-learning model
    ... produces a driving score"; "score de conduite"), or such a word after a demonstrative ("Ce score", "Diese
    Bewertung")?"""
    earlier = _phrase_words(before)
    pairs = set(itertools.pairwise(earlier))
    words = _phrase_words(sentence)
    for pair in itertools.pairwise(words):
        if all(pair) and pair in pairs and any(MODEL_MAKES.match(word) for word in pair):
            return True
    known = set(spelled_words(LINK_ADDRESS.sub(" ", before)))
    for match in DEMONSTRATIVE.finditer(sentence):
        noun = _demonstrated(match)
        if noun and MODEL_MAKES.match(noun) and _spelling_of(noun) in known:
            return True
    return False


def _demonstrated(match: re.Match[str]) -> str:
    """The noun after a demonstrative: the next word, or in German the first of the next two with a capital."""
    if match["de"]:
        return next((word for word in (match["first"], match["second"]) if word and word[0].isupper()), "")
    return match["first"]


def _phrase_words(sentence: str) -> list[str]:
    """The sentence's words in one spelling, little words and link addresses left out ("score de conduite" is a
    pair), with "" in place of a name (a capitalised word inside the sentence), so that no pair is made across one."""
    words = []
    for index, match in enumerate(_WORD_AS_WRITTEN.finditer(LINK_ADDRESS.sub(" ", sentence))):
        word = match.group()
        if len(word) < TAKEN_UP_LETTERS or word.lower() in STOPWORDS:
            continue
        words.append("" if index > 0 and word[0].isupper() else _spelling_of(word))
    return words


def _spelling_of(word: str) -> str:
    spelled = spelled_words(word)
    return spelled[0] if spelled else word.lower()


def _is_lead_in(line: str) -> bool:
    """A list's lead-in is a sentence ending with a colon: not a heading, not a label ("Products:")."""
    plain = clean(line)
    return plain.endswith(":") and not line.lstrip().startswith("#") and len(WORD.findall(plain)) >= 4


def _table_cells(line: str) -> list[str]:
    """The cells of a table row as Markdown ("| a | b |") or extraction ("a | b") writes it; [] for other lines."""
    stripped = line.strip()
    if " | " not in f" {stripped} ":
        return []
    cells = stripped.removeprefix("|").removesuffix("|").split("|")
    return cells if len(cells) >= 2 else []


def _is_table_row(line: str) -> bool:
    """A row of a table: Markdown's ("| a | b |"), or extraction's ("a | b") when a cell says something (four
    words or more): "About | Help | Meta AI" is a row of links in a footer, not a table."""
    cells = _table_cells(line)
    if line.lstrip().startswith("|"):
        return any(cell.strip() for cell in cells)
    return any(len(WORD.findall(cell)) >= TABLE_CELL_WORDS for cell in cells)


def _is_table_rule(line: str) -> bool:
    """The rule under a Markdown table's header: | --- | :---: |"""
    cells = _table_cells(line)
    return bool(cells) and all(_TABLE_CELL_RULE.match(cell) for cell in cells)


class _Side:
    """One version as the diff sees it: its text, where the diff changed it, and where it maps to the other."""

    def __init__(
        self, text: str, ranges: list[tuple[int, int]], anchors: list[tuple[int, int, int]], reader: _Reader
    ) -> None:
        self.text = text
        self.ranges = ranges  # the deleted (old side) or inserted (new side) stretches whose words changed
        self.anchors = anchors  # (position here, position in the other version, op) at each segment start
        self.reader = reader
        self.vocabulary = reader.vocabulary
        lower = text.lower()
        # Lower-casing changes the length of a few letters in some scripts; positions must stay valid.
        self.lower = lower if len(lower) == len(text) else text
        self._triggers: list[int] | None = None  # every trigger position, once a whole search paid off
        self._stem_positions: dict[tuple[str, bool], list[int]] = {}
        self._keys: dict[tuple[int, int], str] = {}
        # Sentences per line, cut once: a page that is one line of many sentences would be cut again per trigger.
        self._line_spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self._keys_between: dict[tuple[int, int], frozenset[str]] = {}
        self._lead_ins: dict[tuple[int, int], Judgement | None] = {}  # each list's lead-in, judged once
        self._contains_asked = 0
        self._holds_asked = 0
        self._table_rows: dict[int, bool] = {}  # by line start: a page of one line asks once per sentence
        # each heading, judged once, with what it names
        self._headings: dict[tuple[int, int], tuple[Judgement, str] | None] = {}

    def read_with(self, reader: _Reader) -> None:
        """Judge with another vocabulary from now on (the document's own AI names added). What is kept was found
        with stems and sentence bounds, which names only add to: the places of each stem and the lines' spans."""
        self.reader = reader
        self.vocabulary = reader.vocabulary
        self._triggers = None
        self._lead_ins.clear()
        self._headings.clear()

    def line_spans(self, line_start: int, line_end: int) -> list[tuple[int, int]]:
        """sentence_spans() of the line text[line_start:line_end], in order, cut once per line."""
        if (line_start, line_end) not in self._line_spans:
            self._line_spans[line_start, line_end] = sentence_spans(self.text, line_start, line_end)
        return self._line_spans[line_start, line_end]

    @classmethod
    def of(cls, diff: TextDiff, changed_op: int, mechanical: set[int], reader: _Reader) -> _Side:
        parts: list[str] = []
        ranges: list[tuple[int, int]] = []
        anchors: list[tuple[int, int, int]] = []
        here = there = 0
        for index, segment in enumerate(diff.segments):
            length = len(segment.text)
            if segment.op in (EQUAL, changed_op):
                anchors.append((here, there, segment.op))
                parts.append(segment.text)
                if segment.op == changed_op and index not in mechanical:
                    ranges.append((here, here + length))
                here += length
            if segment.op != changed_op:
                there += length
        return cls("".join(parts), ranges, anchors, reader)

    def to_other(self, position: int) -> int:
        """Where a position of this text falls in the other version."""
        index = bisect.bisect_right(self.anchors, (position, float("inf"))) - 1
        if index < 0:
            return 0
        here, there, op = self.anchors[index]
        return there + (position - here if op == EQUAL else 0)

    def judge(self, start: int, end: int) -> Judgement:
        """The judgement of the sentence text[start:end], read in its place (a list item, the document's owner)."""
        sentence = self.text[start:end]
        owner = self.owner if ASSISTANT_SHAPE.search(sentence) else ""
        # A table's cell is read with its row: "| Nimbus AI Pro | 19 € |" names a product in a row about money.
        row = self.text[slice(*self._line(start))] if self.fills_a_table(start) else ""
        return self.reader.judge(sentence, self.completes_lead_in(start) or bool(row), owner, row)

    @functools.cached_property
    def owner(self) -> str:
        return document_owner(self.text)

    def span_in_other(self, start: int, end: int) -> tuple[int, int]:
        return self.to_other(start), self.to_other(end)

    def key(self, start: int, end: int) -> str:
        if (start, end) not in self._keys:
            self._keys[(start, end)] = sentence_key(self.text[start:end])
        return self._keys[(start, end)]

    def trigger_sentences(self, start: int, end: int) -> list[tuple[int, int]]:
        """The sentences in text[start:end] (whole lines) that hold a trigger stem, each once."""
        if self._triggers is not None:
            triggers = self._triggers[
                bisect.bisect_left(self._triggers, start) : bisect.bisect_left(self._triggers, end)
            ]
        else:
            triggers = self.vocabulary.trigger_positions(self.text, self.lower, start, end)
        spans: list[tuple[int, int]] = []
        index = 0
        while index < len(triggers):
            line_start, line_end = self._line(triggers[index])
            for span in self.line_spans(line_start, line_end):
                first = bisect.bisect_left(triggers, span[0])
                if first < len(triggers) and triggers[first] < span[1] and (not spans or spans[-1] != span):
                    spans.append(span)
            index = bisect.bisect_left(triggers, line_end + 1)
        return [span for span in spans if span[0] < end and span[1] > start]

    def changed_trigger_sentences(self) -> list[tuple[int, int]]:
        """The sentences that a change touched and that hold a trigger stem."""
        blocks = self._changed_lines()
        if sum(end - start for start, end in blocks) > len(self.text) // 2:
            # Changes over most of the text: one search of the whole text beats a search per block, and
            # `contains` reads the places of each stem it found.
            stems = [(stem, False) for stem in self.vocabulary.stems] + [(a, True) for a in self.vocabulary.acronyms]
            self._triggers = sorted(position for stem in stems for position in self._positions(stem))
        return [span for block in blocks for span in self.trigger_sentences(*block) if not self.is_unchanged(*span)]

    def changed_sentences(self) -> list[tuple[int, int]]:
        """Every sentence that a change touched."""
        return [
            span
            for block in self._changed_lines()
            for span in sentence_spans(self.text, *block)
            if not self.is_unchanged(*span)
        ]

    def _changed_lines(self) -> list[tuple[int, int]]:
        """The runs of whole lines that hold a change."""
        blocks: list[tuple[int, int]] = []
        for start, end in self.ranges:
            line_start, line_end = self._line(start)[0], self._line(max(start, end - 1))[1]
            if blocks and line_start <= blocks[-1][1]:
                blocks[-1] = (blocks[-1][0], max(blocks[-1][1], line_end))
            else:
                blocks.append((line_start, line_end))
        return blocks

    def contains(self, key: str, sentence: str) -> bool:
        """Does this version hold a sentence with the same key anywhere (the sentence moved, or is re-worded
        alike)? Such a sentence holds the same trigger stems: only the places of the rarest one are read."""
        stems = self.vocabulary.stems_in(sentence)
        if not stems:
            return False
        self._contains_asked += 1
        if self._contains_asked > CONTAINS_BY_PLACES:
            return key in self._every_key
        rarest = min(stems, key=lambda stem: len(self._positions(stem)))
        return any(
            self.key(*span) == key
            for position in self._positions(rarest)
            for span in self.sentences_between(position, position)
        )

    def has_key(self, key: str) -> bool:
        """Does this version hold a sentence with this key, whatever its words?"""
        return key in self._every_key

    @functools.cached_property
    def _every_key(self) -> frozenset[str]:
        """The key of every sentence of this version (`sentence_keys`, as earlier versions are remembered): once many
        sentences have asked `contains`, cheaper than reading the places of a stem that a page of repeated AI sentences
        holds thousands of times, for each of them."""
        return sentence_keys(self.text)

    def _every_span(self) -> Iterator[tuple[int, int]]:
        line_start = 0
        for line_end in (*self._newlines, len(self.text)):
            if line_end > line_start:
                yield from self.line_spans(line_start, line_end)
            line_start = line_end + 1

    def _positions(self, stem: tuple[str, bool]) -> list[int]:
        """Every place of a stem in this text (`stem[1]`: matched as written, else in lower case)."""
        if stem not in self._stem_positions:
            self._stem_positions[stem] = find_all(self.text if stem[1] else self.lower, stem[0])
        return self._stem_positions[stem]

    def keys_between(self, start: int, end: int) -> frozenset[str]:
        """The keys of the sentences overlapping text[start:end], once per stretch: every sentence of a long block
        inserted in one place asks for the same stretch."""
        if (start, end) not in self._keys_between:
            self._keys_between[start, end] = frozenset(self.key(s, e) for s, e in self.sentences_between(start, end))
        return self._keys_between[start, end]

    def sentences_between(self, start: int, end: int) -> list[tuple[int, int]]:
        """The sentences overlapping text[start:end], or touching `start` when the stretch is empty."""
        line_start = self._line(start)[0]
        line_end = self._line(max(start, end))[1]
        spans = self.line_spans(line_start, line_end)
        # Spans are in order and do not overlap: the first that ends at or after `start`, then while they begin
        # by `end` (a bisection, not a scan of the line).
        index = bisect.bisect_left(spans, start, key=lambda span: span[1])
        found = []
        while index < len(spans) and spans[index][0] <= end:
            found.append(spans[index])
            index += 1
        return found

    def is_unchanged(self, start: int, end: int) -> bool:
        """Did no change touch text[start:end]?"""
        index = max(0, bisect.bisect_right(self.ranges, (start, float("inf"))) - 1)
        while index < len(self.ranges) and self.ranges[index][0] < end:
            if self.ranges[index][1] > start:
                return False
            index += 1
        return True

    def completes_lead_in(self, position: int) -> bool:
        """Is the line at `position` an item of a list whose lead-in (the sentence before it) ends with a colon?"""
        return self.lead_in(position) is not None

    def lead_in(self, position: int) -> tuple[int, int] | None:
        """The lead-in line of the list whose item is the line at `position`: the sentence before the list, ending
        with a colon (None when the line is no such item)."""
        start, end = self._line(position)
        if not _LIST_ITEM.match(self.text[start:end]):
            return None
        for _ in range(LEAD_IN_LOOKBACK):
            if start == 0:
                return None
            start, end = self._line(start - 1)
            line = self.text[start:end]
            if line.strip() and not _LIST_ITEM.match(line):
                return (start, end) if _is_lead_in(line) else None
        return None

    def uses_as_a_word(self, name: str) -> bool:
        """Does this version also use the name in lower case, as a word ("an echo" beside "Echo")? A name that is
        also an ordinary word would make ordinary sentences alerts."""
        lowered = name.lower()
        if " " not in lowered:
            return lowered in self._lower_words
        return re.search(rf"\b{re.escape(lowered)}\b", self.text) is not None

    @functools.cached_property
    def _lower_words(self) -> frozenset[str]:
        """The words this version writes in lower case."""
        return frozenset(_LOWER_WORD.findall(self.text))

    def ai_names_among(self, names: Iterable[str]) -> dict[str, str]:
        """Those of `names` this version gives to AI products, each with the sentence that gives it. A name is
        looked for in the sentences of its first NAME_PLACES places (where a product is introduced) that hold an
        AI trigger, which its description must."""
        given: dict[str, str] = {}
        read: set[tuple[int, int]] = set()
        for name in names:
            position = self.text.find(name)
            for _ in range(NAME_PLACES):
                if position < 0 or name in given:
                    break
                if not could_be_given_at(self.text, position, name):
                    position = self.text.find(name, position + len(name))
                    continue
                for start, end in self.sentences_between(position, position + len(name)):
                    if (start, end) in read:
                        continue
                    read.add((start, end))
                    sentence = self.text[start:end]
                    if self.vocabulary.stems_in(sentence):
                        for found in ai_names_given(sentence, self.vocabulary):
                            given.setdefault(found, sentence)
                position = self.text.find(name, position + len(name))
        return given

    def holds(self, sentence: str) -> bool:
        """Does this version hold the sentence's words as written, its end's punctuation aside (a list item moved,
        its ";" now a ".")? A plain search: for sentences that hold no trigger stem, which `contains` looks by."""
        words = clean(sentence).rstrip(".;,:!?")
        if not words:
            return False
        self._holds_asked += 1
        if self._holds_asked > HOLDS_BY_SEARCH:
            return words in self._every_sentence  # a search of the whole text per sentence grows with its square
        if words in self.text:
            return True
        # Words apart by other spaces than one (a non-breaking space in "1 500 €") or among emphasis marks.
        return words not in sentence and words in self._clean_text

    @functools.cached_property
    def _clean_text(self) -> str:
        return clean(self.text)

    @functools.cached_property
    def _every_sentence(self) -> frozenset[str]:
        """Every sentence of this version as `holds` reads one: once many sentences have asked, cheaper than a search
        of the whole text for each."""
        return frozenset(clean(self.text[start:end]).rstrip(".;,:!?") for start, end in self._every_span())

    def in_context(self, other: _Side) -> Iterator[tuple[int, int, Judgement, str]]:
        """The changed sentences that belong to an AI statement, with its judgement and how they belong: the first
        sentence of a list item whose lead-in is one (in both versions), a sentence that refers back (refers_back)
        to one before it on its line (in both versions), or a statement of a section whose heading is one. Read line
        by line, each list's lead-in and each heading looked for and judged once."""
        for block_start, block_end in self._changed_lines():
            lead_in: tuple[int, int] | None = None
            looked_back = False
            section: tuple[Judgement, str] | None = None
            looked_for_section = -1  # the line whose section was looked for
            line_start = block_start
            while line_start < block_end:
                line_end = self.text.find("\n", line_start, block_end)
                line_end = block_end if line_end < 0 else line_end
                line = self.text[line_start:line_end]
                is_item = _LIST_ITEM.match(line) is not None
                if is_item and not looked_back:
                    lead_in, looked_back = self.lead_in(line_start), True
                elif not is_item and line.strip():
                    lead_in, looked_back = (line_start, line_end) if _is_lead_in(line) else None, True
                spans = self.line_spans(line_start, line_end) if line.strip() and not _HEADING_LINE.match(line) else []
                for index, (start, end) in enumerate(spans):
                    if self.is_unchanged(start, end):
                        continue
                    if index == 0 and is_item and lead_in:
                        context = self._lead_in_context(lead_in, other)
                        if context is not None:
                            yield start, end, context, "it is an item of the list an unchanged AI statement leads in"
                            continue
                    if index > 0 and refers_back(self.text, start, end):
                        context = self._statement_context(spans, index, other)
                        if context is not None:
                            yield start, end, context, "it refers back to an unchanged AI statement before it"
                            continue
                    if index > 0 and _takes_up(self.text[start:end], self.text[slice(*spans[index - 1])]):
                        context = self._statement_context(spans, index, other, chain=1)
                        if context is not None:
                            yield (
                                start,
                                end,
                                context,
                                "it takes up what the model of the unchanged AI statement before it made",
                            )
                            continue
                    # The sentence before: on its line, or for a paragraph's first sentence the last of the paragraph
                    # before it ("Our AI agent can place orders." then, a paragraph on, "The agent asks ...").
                    before = spans[index - 1] if index > 0 else None if is_item else self._paragraph_before(line_start)
                    if before is not None and self._names_its_ai_thing(self.text[start:end], self.text[slice(*before)]):
                        context = self._statement_context([before, (start, end)], 1, other, chain=1)
                        if context is not None:
                            yield (
                                start,
                                end,
                                context,
                                "it speaks of the AI thing the unchanged AI statement before it names",
                            )
                            continue
                    if looked_for_section != line_start:
                        section, looked_for_section = self._heading_context(line_start), line_start
                    if section is not None and _is_section_statement(
                        self.text[start:end], is_item or self.fills_a_table(start), section[1]
                    ):
                        yield start, end, section[0], "it speaks of what the heading of its section, about AI, names"
                line_start = line_end + 1

    def _paragraph_before(self, line_start: int) -> tuple[int, int] | None:
        """The last sentence of the paragraph before the line at `line_start`, when that is a paragraph (not a
        heading, a list's item or a table's row)."""
        # Back over the blank lines, without copying the text before them (a long page has many paragraphs).
        end = line_start
        while end and self.text[end - 1].isspace():
            end -= 1
        start = self.text.rfind("\n", 0, end) + 1
        line = self.text[start:end]
        if not line.strip() or _HEADING_LINE.match(line) or _LIST_ITEM.match(line) or line.lstrip().startswith("|"):
            return None
        spans = self.line_spans(start, end)
        return spans[-1] if spans else None

    def _names_its_ai_thing(self, sentence: str, before: str) -> bool:
        """Is the sentence's subject (its first word after a determiner), or a noun it points at ("diesem Anbieter"),
        what the sentence before it names with AI words (_ai_things: "The agent asks for your confirmation" after
        "our AI agent can place orders"; "The provider keeps the text for 30 days" after "our model provider")? Never
        furniture, money or contact details, as for a section's statements."""
        nouns = _ai_things(before, self.reader.terms(before))
        if (
            not nouns
            or furniture_reason(sentence, False)
            or COMMERCE.search(sentence)
            or CORPORATE_FACT.search(sentence)
        ):
            return False
        lead = SUBJECT_LEAD.match(sentence)
        subject = _SUBJECT_WORD.match(sentence, lead.end() if lead else 0)
        named = [(subject.group(), subject.end())] if subject else []
        for match in DEMONSTRATIVE.finditer(sentence):
            group = "first" if not match["de"] or _demonstrated(match) == match["first"] else "second"
            if match[group]:
                named.append((match[group], match.end(group)))
        return any(
            not QUALIFIED.match(sentence, end) and any(_same_noun(word.lower(), thing) for thing in nouns)
            for word, end in named
        )

    def _heading_context(self, line_start: int) -> tuple[Judgement, str] | None:
        """The judgement and the noun (_heading_noun) of the heading the line at `line_start` sits under, when it
        speaks of AI: the nearest heading above it, or a heading of a higher level above that ("## Generative AI"
        over "### Retention"), within SECTION_REACH characters."""
        level = 7  # deeper than any heading (######)
        index = bisect.bisect_left(self._heading_lines, (line_start,)) - 1
        while index >= 0:
            start, end, heading_level = self._heading_lines[index]
            index -= 1
            if start < line_start - SECTION_REACH:
                return None
            if heading_level >= level:
                continue
            level = heading_level
            if (start, end) not in self._headings:
                self._headings[start, end] = self._section_topic(start, end)
            if self._headings[start, end] is not None:
                return self._headings[start, end]
            if level == 1:
                return None
        return None

    def _section_topic(self, start: int, end: int) -> tuple[Judgement, str] | None:
        """What makes the section under the heading at text[start:end] about AI, with the noun the heading names:
        the heading's words as a statement ("## Generative AI features"; a heading is furniture when it changes, not
        when it says what a section is about), or the section's opening sentence when it says that what the heading
        names is AI ("## Meeting summaries" then "When a host turns on Meeting Summaries, our AI Companion creates a
        written summary ...": its list's items are about that AI). Read in this version: a section added under an AI
        heading is about AI too."""
        heading = self.text[start:end]
        noun = _heading_noun(heading, self._lower_words)
        judged = self.reader.judge(clean(heading), True)
        if judged.score >= AI_THRESHOLD:
            return judged, noun
        if not noun:
            return None
        line_start = end + 1
        while line_start < len(self.text):
            line_end = self._line(line_start)[1]
            if self.text[line_start:line_end].strip():
                break
            line_start = line_end + 1
        else:
            return None
        if _HEADING_LINE.match(self.text, line_start):
            return None
        spans = self.line_spans(line_start, line_end)
        if not spans:
            return None
        opening = self.judge(*spans[0])
        words = _SUBJECT_WORD.findall(self.text[spans[0][0] : spans[0][1]].lower())
        says_it_is_ai = not NEGATION.search(self.text, spans[0][0], spans[0][1])
        if says_it_is_ai and opening.score >= AI_THRESHOLD and any(_same_noun(word, noun) for word in words):
            # Only its items, cells and statements that point back: a statement whose subject is the heading's noun
            # may be of its own ("## Cookies", "Cookies set by AI features are listed below. Cookies expire ...").
            return opening, ""
        return None

    @functools.cached_property
    def _heading_lines(self) -> list[tuple[int, int, int]]:
        """(start, end, level) of every heading line, in order."""
        return [
            (match.start(), self._line(match.start())[1], len(match.group(1)))
            for match in _HEADING_LINE.finditer(self.text)
        ]

    def _statement_context(
        self, spans: list[tuple[int, int]], index: int, other: _Side, chain: int = REFERENCE_CHAIN
    ) -> Judgement | None:
        """The judgement of the AI statement that spans[index] refers back to: the sentence just before it, or
        through sentences that refer back in turn ("We train our AI models on public posts. We do not use
        private messages for this purpose. This processing does not take place in the UK."), each in both
        versions."""
        for start, end in reversed(spans[max(0, index - chain) : index]):
            # Untouched by the diff is in both versions; only a moved sentence needs the search.
            if not (self.is_unchanged(start, end) or other.holds(self.text[start:end])):
                return None
            judgement = self.judge(start, end)
            if judgement.score >= AI_THRESHOLD:
                return judgement
            if not refers_back(self.text, start, end):
                return None
        return None

    def _lead_in_context(self, lead_in: tuple[int, int], other: _Side) -> Judgement | None:
        """The judgement of a list's lead-in, when it is in both versions and speaks of AI (once per list: every
        changed item of a long list asks)."""
        if lead_in not in self._lead_ins:
            start, end = self.line_spans(*lead_in)[-1]
            sentence = self.text[start:end]
            judgement = None
            if self.is_unchanged(start, end) or other.holds(sentence):
                # A lead-in is a statement however short ("With Searchly Assistant you can:").
                owner = self.owner if ASSISTANT_SHAPE.search(sentence) else ""
                judged = self.reader.judge(sentence, True, owner)
                judgement = judged if judged.score >= AI_THRESHOLD else None
            self._lead_ins[lead_in] = judgement
        return self._lead_ins[lead_in]

    def fills_a_table(self, position: int) -> bool:
        """Is the line at `position` a row of a table's body (two cells or more, neither the header nor the rule
        under it)? A purposes table's cell is a statement however short: "| AI-assisted valuation | Consent |"."""
        start, end = self._line(position)
        if start not in self._table_rows:
            self._table_rows[start] = self._fills_a_table(start, end)
        return self._table_rows[start]

    def _fills_a_table(self, start: int, end: int) -> bool:
        line = self.text[start:end]
        if not _table_cells(line) or _is_table_rule(line):
            return False
        before = self.text[self._line(start - 1)[0] : start - 1] if start > 0 else ""
        after = self.text[end + 1 : self._line(end + 1)[1]] if end < len(self.text) else ""
        # A short row ("AI valuation | Consent") is a table's when a row beside it is one.
        if not (_is_table_row(line) or _is_table_row(before) or _is_table_row(after)):
            return False
        return not _is_table_rule(after)

    def _line(self, position: int) -> tuple[int, int]:
        """The line holding `position`, by bisection: a search from `position` costs the line's length each time."""
        index = bisect.bisect_left(self._newlines, position)
        start = self._newlines[index - 1] + 1 if index else 0
        return start, self._newlines[index] if index < len(self._newlines) else len(self.text)

    @functools.cached_property
    def _newlines(self) -> list[int]:
        return [match.start() for match in _NEWLINE.finditer(self.text)]
