"""Does a change touch AI or model training? A pure judgement over the sentences a diff changed.

The flag reads sentences, never lines or words. A sentence counts only when the change touched it and the
other version does not hold the same content words (a sentence that moved, or was re-punctuated, re-spelled
or reordered, is not new). Each such sentence is matched against CONCEPTS, scored by the first RULE it
satisfies, and discounted when it is page furniture. Everything the flag knows about language is in the block
of data below; the functions after it only apply it. docs/flagging.md explains the rules to users.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from tracker.diff import DELETE, EQUAL, INSERT, TextDiff

AI_THRESHOLD = 0.5

# ---------------------------------------------------------------------------------------------------------
# The rules, as data: English, French and German side by side. docs/flagging.md says how to add a language.
# ---------------------------------------------------------------------------------------------------------

# What a sentence speaks of. Patterns are case-insensitive; "(?-i:...)" makes one case-sensitive (AI, IA and KI
# are acronyms only in capitals: "ai" in a URL or "ki" inside a word never count). Every pattern starts with
# literal letters: the flag looks for them first, which is what keeps it fast. Where two concepts could claim
# the same words the first one wins: "Meta AI" is a product name, not the word AI, and "training courses" are
# courses, not model training.
CONCEPTS: dict[str, tuple[str, ...]] = {
    # Names of AI products and assistants. Alone they are a link, a button or a menu entry; they count only
    # where the sentence says what happens to your data (see RULES).
    "product": (
        r"\b(?-i:Meta AI)\b",
        r"\b(?-i:Gemini)\b",
        r"\b(?-i:Bard)\b",
        r"\b(?-i:Copilot)\b",
        r"\b(?-i:ChatGPT)\b",
        r"\b(?-i:Llama)\b",
        r"\b(?-i:Grok)\b",
        r"\b(?-i:GPT)\b",
        r"\b(?-i:Firefly)\b",
        r"\b(?-i:Cortana)\b",
        r"\b(?-i:Apple Intelligence)\b",
    ),
    # Your information put at the service of AI: "for AI", "pour l'IA", "für KI". Not the first half of a
    # compound: "labels for AI-generated content" are for content, not for AI.
    "ai_purpose": (
        r"\bfor (?:the )?(?:(?-i:AI)|artificial intelligence|machine learning)\b(?!-)",
        r"\bpour (?:l['’]|le |les )?(?:(?-i:IA)|intelligence artificielle|apprentissage automatique)\b(?!-)",
        r"\bfür (?:die )?(?:(?-i:KI)|künstliche Intelligenz|maschinelles Lernen)\b(?!-)",
    ),
    # Decisions about people taken by machines, and profiling.
    "automated": (
        r"\bautomated (?:individual )?decision(?:s|-making| making)?\b",
        r"\bautomated processing\b",
        r"\bprofiling\b",
        r"\bdécision (?:individuelle )?automatisée\b",
        r"\bdécisions (?:individuelles )?automatisées\b",
        r"\btraitement automatisé\b",
        r"\btraitements automatisés\b",
        r"\bprofilage\b",
        r"\bautomatisierte[nr]? (?:Einzel)?[Ee]ntscheidung\w*",
        r"\bautomatisierte[nr]? Verarbeitung\b",
    ),
    # Training in the sense of courses and of staff: people are taught, no model is. These claim the training
    # words they hold; "train" elsewhere in the sentence still counts ("the courses you take ... to train our
    # recommendation models").
    "course": (
        r"\bget training\b",
        r"\btraining (?:courses?|programs?|programmes?|sessions?|materials?|videos?|plans?)\b",
        r"\b(?:staff|employee|employees|workforce|security|compliance|privacy|data protection) training\b",
        r"\btrain(?:s|ed|ing)? (?:our |their |your |all |new )?(?:staff|employees|personnel|workforce|teams?|"
        r"reviewers|moderators|contractors|people)\b",
        r"\bentraîn\w* (?:nos |les |vos |leurs? )?(?:équipes|employés|salariés|collaborateurs|modérateurs)\b",
        r"\bTrainings? (?:für|von) (?:unsere[nr]? |Ihre[nr]? )?(?:Mitarbeit|Beschäftigt|Angestellt|Team)\w*",
    ),
    # Training a machine: objects that only a machine is trained into, with up to two words that say which
    # ("train our fraud detection systems"; not "train our staff on systems"). "Training" takes them only as
    # a verb, with its determiner ("training our systems"): "training tools" teach people. French "former"
    # (to train, also to form) counts only with a model as its object.
    "train_machine": (
        r"\btrain(?:s|ed)? (?:our |the |its |their |these |new )?"
        r"(?:(?!(?:on|in|to|for|with|about|how|and|or)\b)[\w-]+ ){0,2}"
        r"(?:products?|tools?|systems?|technolog(?:y|ies)|classifiers?|detectors?)\b",
        r"\btraining (?:our |the |its |their |these |new )"  # "training tools" are tools to train people with
        r"(?:(?!(?:on|in|to|for|with|about|how|and|or)\b)[\w-]+ ){0,2}"
        r"(?:products?|tools?|systems?|technolog(?:y|ies)|classifiers?|detectors?)\b",
        r"\bentraîn\w* (?:nos |les |des |leurs? |ces )?(?:produits?|outils?|systèmes?|technologies?)\b",
        r"\bformation (?:des?|du|de nos) (?:modèles?|systèmes?|(?-i:IA))\b",
        r"\bform(?:er|ons|ent|é|ée|és|ées) (?:nos |notre |les |des |leurs? |ces |un |une )?"
        r"(?:modèles?|algorithmes?)\b",
    ),
    "train": (
        r"\btrain(?:s|ed|ing)?\b",
        r"\bfine-tun\w*",
        r"\bfine tun\w*",
        r"\bfinetun\w*",
        r"\bretrain\w*",
        r"\bpretrain\w*",
        r"\bentraîn\w*",
        r"\btrainier\w*",
        r"\bTrainings?(?:daten)?\b",
    ),
    # Explicit AI wording: enough on its own to make a statement about AI.
    "ai": (
        r"\b(?-i:AI)\b",
        r"\b(?-i:IA)\b",
        r"\b(?-i:KI)\b",
        r"\bartificial intelligence\b",
        r"\bintelligence artificielle\b",
        r"\bkünstliche[nrs]? Intelligenz\b",
        r"\bmachine[- ]learning\b",
        r"\bapprentissage automatique\b",
        r"\bmaschinelle[nsm]? Lernen[s]?\b",
        r"\bdeep learning\b",
        r"\bgenerative[nrs]?\b",
        r"\bgénérati(?:f|fs|ve|ves)\b",
        r"\blarge language models?\b",
        r"\bfoundation models?\b",
        r"\bgrand modèle de langage\b",
        r"\bgrands modèles de langage\b",
        r"sprachmodell\w*",
        r"\b(?-i:LLMs?)\b",
        r"\bneural networks?\b",
        r"\bréseau de neurones\b",
        r"\bréseaux de neurones\b",
        r"\bréseaux neuronaux\b",
        r"\bneuronale[nr]? Netz\w*",
        r"\bcomputer vision\b",
        r"\bvision (?:par ordinateur|artificielle)\b",
        r"\bnatural language processing\b",
        r"\blangage naturel\b",
        r"\bchatbots?\b",
    ),
    # Models that nobody trains: a device's model, a business model, model clauses, a model release. They claim
    # the word before "model" does, and are no trigger.
    "other_model": (
        r"\b(?:device|phone|handset|hardware|vehicle|car|bike|camera|computer|browser|business|pricing|revenue|"
        r"operating|subscription|role) models?\b",
        r"\bmodels? (?:clauses?|contracts?|contractual|releases?|numbers?|years?)\b",
        r"\bmodel of (?:your |the |a |an |their |its )?(?:device|phone|handset|vehicle|car|bike|camera|computer)\b",
        r"\bmodèles? (?:de (?:votre |leur |son |cet |ce |l['’])?(?:appareil|téléphone|smartphone|terminal|véhicule|"
        r"voiture|ordinateur|navigateur)|économiques?|commerciaux|commercial|d['’]affaires|de contrat)\b",
        r"\b(?:Geräte|Telefon|Handy|Smartphone|Fahrzeug|Auto|Kamera|Geschäfts|Preis|Abo)modell\w*",
    ),
    # Models and algorithms: they count only beside AI or training (see NEAR).
    "model": (
        r"\bmodels?\b",
        r"\bmodèles?\b",
        r"modell(?:e|en|s)?\b",
        r"\balgorithm\w*",
        r"\bAlgorithm(?:us|en)\b",
    ),
    "develop": (
        r"\bdevelop\w*",
        r"\bimprov\w*",
        r"\benhanc\w*",
        r"\brefin\w*",
        r"\bdévelopp\w*",
        r"\bamélior\w*",
        r"\bperfectionn\w*",
        r"entwick\w*",
        r"\bverbesser\w*",
        r"\boptimier\w*",
    ),
    # What people give or leave behind: the object of a data-use statement.
    "data": (
        r"\bdata\b",
        r"\binformation\b",
        r"\bcontent\b",
        r"\binteractions?\b",
        r"\bactivit(?:y|ies)\b",
        r"\bposts?\b",
        r"\bphotos?\b",
        r"\bvideos?\b",
        r"\bmessages?\b",
        r"\bconversations?\b",
        r"\bchats?\b",
        r"\bcomments?\b",
        r"\bsearch(?:es)?\b",
        r"\bprompts?\b",
        r"\binputs?\b",
        r"\brecordings?\b",
        r"\baudio\b",
        r"\bfeedback\b",
        r"\btranscripts?\b",
        r"\bsubmissions?\b",
        r"\buploads?\b",
        r"\bdonnées?\b",
        r"\binformations?\b",
        r"\bcontenus?\b",
        r"\bactivités?\b",
        r"\bpublications?\b",
        r"\bcommentaires?\b",
        r"\bdiscussions?\b",
        r"\benregistrements?\b",
        r"\brequêtes\b",
        r"daten\b",
        r"\bInformationen\b",
        r"\bInhalte?n?\b",
        r"\bInteraktion(?:en)?\b",
        r"\bAktivitäten\b",
        r"\bBeiträge\b",
        r"\bKommentare\b",
        r"\bNachrichten\b",
        r"\bEingaben\b",
        r"\bAufnahmen\b",
        r"\bFotos\b",
    ),
}

# Concepts that carry others with them: "train our tools" is training and names a trained machine.
IMPLIES: dict[str, tuple[str, ...]] = {"train_machine": ("train", "trained_model"), "ai_purpose": ("ai",)}

# Concepts that hold when two others stand close together (within so many characters). A model is a machine
# that learns only when training is said of it: "train our algorithms", "modèles entraînés"; a business model
# or the model clauses of a data transfer elsewhere in the sentence are not.
NEAR: dict[str, tuple[str, str, int]] = {"trained_model": ("train", "model", 40)}

# The concepts that can make a sentence about AI. Only sentences holding one of them are read further, and
# they are found by the literal letters their patterns start with (STEMMED: the other two always contain a
# word of these).
TRIGGERS = ("product", "ai_purpose", "automated", "train_machine", "train", "ai", "model")
STEMMED = ("product", "automated", "train", "ai", "model")


@dataclass(frozen=True)
class Rule:
    category: str
    score: float
    needs: tuple[frozenset[str], ...]  # every entry: at least one of these concepts
    says: str  # why the rule fires, in the words of an alert


def _rule(category: str, score: float, *needs: str, says: str) -> Rule:
    return Rule(category, score, tuple(frozenset(need.split()) for need in needs), says)


# The first rule a sentence satisfies gives its category and score.
RULES: tuple[Rule, ...] = (
    _rule("training", 0.95, "train", "ai trained_model product", "data", says="data or content used to train AI"),
    _rule("training", 0.9, "develop", "ai product", "data", says="data used to develop or improve AI"),
    _rule("training", 0.9, "ai_purpose", "data", says="information used for AI"),
    _rule("training", 0.85, "train", "ai trained_model", says="AI models or machine systems are trained"),
    _rule("automated_decisions", 0.85, "automated", "ai model", says="decisions or profiling by AI or algorithms"),
    _rule("ai_feature", 0.75, "ai", says="AI, machine learning or generative AI is used or offered"),
    _rule("ai_feature", 0.35, "product", says="an AI product is named, without a statement about data"),
)

CATEGORIES = ("training", "automated_decisions", "ai_feature", "none")

# Page furniture is not a statement of the policy: its score is multiplied by FURNITURE_FACTOR. Furniture is a
# heading, a line in bold, fewer than MIN_WORDS words, fewer than MIN_STATEMENT_WORDS without a full stop (a
# button, label or menu entry), or a pointer elsewhere ("Learn more about ...").
# An item of a list whose lead-in ends with a colon ("We use your information to:" then "- Train our AI models")
# completes that sentence: it is a statement however short, though a heading, bold line or pointer is not.
FURNITURE_FACTOR = 0.4
MIN_WORDS = 4
MIN_STATEMENT_WORDS = 7
POINTERS = re.compile(
    r"^(?:learn (?:more|how|about)|find out (?:more|how)|read (?:more|how)|more about|see|visit|go to|click|tap|"
    r"check out|chat with|ask|try|"
    r"en savoir plus|pour en savoir plus|apprenez|découvrez|consultez|voir|discutez avec|"
    r"mehr erfahren|weitere informationen|erfahren sie|erfahre|siehe|besuchen sie|chatten sie mit)\b",
    re.IGNORECASE,
)

# A re-worded AI sentence says the same thing only when the words that differ (at most SMALL_EDIT_WORDS) complete
# or shorten the name of an AI technique the sentence names, none of them a concept word of its own
# ("traitement du langage" -> "traitement du langage naturel"). Any other content word can change who gets the
# data, whose data, which data, whether, when or how surely ("opt in" -> "opt out", "under 18" -> "under 13",
# "in the EU" -> "outside the EU", "non-public" -> "public", "Meta" -> "Meta affiliates"): that is news.
SMALL_EDIT_WORDS = 2

# Two sentences are the old and new wording of one another when they share this fraction of content words.
COUNTERPART_SIMILARITY = 0.3

# A new text that shares fewer of its sentences than this with the old one is not an edit of it: another
# document, another language, an error page or a complete rewrite. It is judged as a whole instead.
REPLACED_BELOW = 0.25
# An old text shorter than this fraction of the new one that makes at most STUB_STATEMENTS statements (sentences
# of MIN_STATEMENT_WORDS words or more ending with a full stop) was a stub (headings, an error page, a wall): the
# new text is the first real sight of the document, and a first version is never an alert. A short policy that
# grows is not a stub: it says things, and what it adds is judged.
FIRST_SIGHT_BELOW = 0.2
STUB_STATEMENTS = 2

# Words without meaning of their own, so that "like" reads as "such as" and "Google's" as "Google’s".
# Negations, possessives, modal verbs and quantifiers ("all", "some", "most") are never here: "we do not train"
# must differ from "we train", "all of your posts" from "some of your posts".
STOPWORDS = frozenset(
    """
    a an the and or but of to in on at by for from with as such like eg ie etc example examples instance
    including include includes that which who whom whose this these those it we us you they them he she his
    her is are was were be been being am do does did have has had shall should can could would also any each
    other more so than then there here where when how what why if into onto over under about via per very
    just both either whether
    le la les un une des du de et ou mais au aux en dans par pour sur avec ce cet cette ces ceux celles qui
    que qu quoi dont où nous vous ils elles il elle son sa ses se est sont être été ont avons avez avoir comme
    tel telle tels telles exemple notamment compris ainsi aussi plus très
    der die das den dem des ein eine einen einem einer eines und oder aber von zu zum zur im an am auf aus
    bei mit für über unter durch als wie beispiel beispielsweise etwa einschließlich sowie auch dass daß wir
    sie ist sind war waren sein werden wird wurde wurden haben hat hatte es er sich dies diese dieser dieses
    """.split()
)

# Contractions written out before words are counted, so that a negation is a word of its own: "can't" reads as
# "can not" (not as "can"), "don't" as "do not", French "n’utilisons plus" as "ne utilisons plus"; and the prefix
# of "de-identified" stays with its word (French "de" is a little word).
WRITTEN_OUT: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in ((r"n['’]t\b", " not"), (r"\bn['’](?=\w)", "ne "), (r"\bde-(?=\w)", "de"))
)

# Spellings that are one word: British and American English ("personalise", "behaviour", "licence",
# "modelling"), and singular and plural (and apostrophes that an extraction dropped: "Glint's", "Glints").
SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<=\w\w)is(e|es|ed|ing|ation|ations|er|ers)$", r"iz\1"),
        (r"(?<=\w\w)ys(e|es|ed|ing)$", r"yz\1"),
        (r"(?<=\w\w\w)our(s|ed|ing|able)?$", r"or\1"),
        (r"(?<=\w\w)tre(s)?$", r"ter\1"),
        (r"(?<=\w\w)ll(ed|ing|er|ers)$", r"l\1"),
        (r"(?<=\w\w)ence(s)?$", r"ense\1"),
        (r"(?<=\w\w)ogue(s)?$", r"og\1"),
        (r"(?<=\w\w)amme(s)?$", r"am\1"),
        (r"dgement(s)?$", r"dgment\1"),
        (r"(?<=\w\w[^\Ws])s$", ""),
    )
)

# The keys config.yaml may give under flag.extra_terms: the concept names, and the categories as aliases.
EXTRA_TERM_CONCEPTS: dict[str, str] = {
    **{concept: concept for concept in CONCEPTS},
    "training": "train",
    "ai_feature": "product",
    "automated_decisions": "automated",
}

# ---------------------------------------------------------------------------------------------------------
# The flag.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    op: str  # "insert" (new text) or "delete" (old text)
    text: str
    category: str = "none"  # this sentence's category ("none" for the old wording of a re-worded sentence)
    says: str = ""  # the rule that fired, in words


@dataclass(frozen=True)
class Flag:
    ai: bool
    score: float
    category: str  # training | automated_decisions | ai_feature | none
    terms: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    reason: str = ""  # one line: why the change is, or is not, about AI

    def evidence_json(self) -> list[dict[str, str]]:
        return [{"op": e.op, "text": e.text} for e in self.evidence]


NO_FLAG = Flag(ai=False, score=0.0, category="none")


@dataclass(frozen=True)
class Judgement:
    """One sentence, judged."""

    score: float
    category: str
    says: str
    terms: tuple[str, ...]


NOT_AI = Judgement(0.0, "none", "", ())


@dataclass(frozen=True)
class Vocabulary:
    """The CONCEPTS plus the words a config adds, compiled: one pattern, and the literal stems of the triggers."""

    concepts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pattern: re.Pattern[str] = re.compile(r"(?!)")
    stems: tuple[str, ...] = ()  # looked for in the lower-cased text
    exact_stems: tuple[str, ...] = ()  # acronyms, looked for as written

    @classmethod
    def build(cls, extra_terms: Mapping[str, Iterable[str]] | None = None) -> Vocabulary:
        merged = {concept: list(patterns) for concept, patterns in CONCEPTS.items()}
        stems: set[str] = set()
        exact: set[str] = set()
        for concept in STEMMED:
            for pattern in CONCEPTS[concept]:
                stem, case_sensitive = _stem(pattern)
                (exact if case_sensitive else stems).add(stem if case_sensitive else stem.lower())
        for key, terms in (extra_terms or {}).items():
            concept = EXTRA_TERM_CONCEPTS.get(key)
            if concept is None:
                known = ", ".join(sorted(EXTRA_TERM_CONCEPTS))
                raise ValueError(f"flag.extra_terms: unknown category {key!r}; use one of: {known}")
            for term in filter(None, (term.strip() for term in terms)):
                merged[concept].append(_literal(term))
                if concept in STEMMED:
                    (exact if _is_acronym(term) else stems).add(term if _is_acronym(term) else term.lower())
        concepts = {concept: tuple(patterns) for concept, patterns in merged.items()}
        # One pattern for all concepts, every alternative tried only where a word starts: much faster than
        # each alternative with its own \b. A pattern without \b finds its letters inside a compound word.
        alternatives = "|".join(
            f"(?P<{name}>{'|'.join(map(_at_word_start, patterns))})" for name, patterns in concepts.items()
        )
        # A stem that holds another is found by the shorter one ("model" finds "sprachmodell").
        stems = {stem for stem in stems if not any(other != stem and other in stem for other in stems)}
        exact = {stem for stem in exact if not any(other != stem and other in stem for other in exact)}
        pattern = re.compile(rf"\b(?:{alternatives})", re.IGNORECASE)
        return cls(concepts, pattern, tuple(sorted(stems)), tuple(sorted(exact)))

    def concepts_in(self, sentence: str) -> dict[str, list[str]]:
        """The concepts a sentence speaks of, each with the words that said so (none for implied concepts)."""
        found: dict[str, list[str]] = {}
        spans: dict[str, list[int]] = {}
        for match in self.pattern.finditer(sentence):
            concept = match.lastgroup or ""
            found.setdefault(concept, []).append(match.group(0))
            spans.setdefault(concept, []).append(match.start())
            for implied in IMPLIES.get(concept, ()):
                found.setdefault(implied, [])
        for concept, (first, second, distance) in NEAR.items():
            if any(abs(a - b) <= distance for a in spans.get(first, ()) for b in spans.get(second, ())):
                found.setdefault(concept, []).extend(found[second])
        return found

    def trigger_positions(self, text: str, lower: str, start: int, end: int) -> list[int]:
        """Where in text[start:end] the trigger stems occur: the only places a sentence about AI can be."""
        positions = []
        for haystack, stems in ((lower, self.stems), (text, self.exact_stems)):
            for stem in stems:
                positions.extend(_find_all(haystack, stem, start, end))
        positions.sort()
        return positions

    def stems_in(self, sentence: str) -> list[tuple[str, bool]]:
        """The trigger stems a sentence holds, each with whether it is matched as written."""
        lower = sentence.lower()
        return [(stem, False) for stem in self.stems if stem in lower] + [
            (stem, True) for stem in self.exact_stems if stem in sentence
        ]


def _find_all(haystack: str, needle: str, start: int = 0, end: int | None = None) -> list[int]:
    found = []
    at = haystack.find(needle, start, end)
    while at >= 0:
        found.append(at)
        at = haystack.find(needle, at + 1, end)
    return found


_STEM = re.compile(r"(?:\\b)?(\(\?-i:)?((?:[^\W\d_]|[ '’-])+)([?*{]?)")


def _stem(pattern: str) -> tuple[str, bool]:
    """The literal letters a pattern starts with (all of them must occur), and whether case matters."""
    match = _STEM.match(pattern)
    stem = match.group(2) if match else ""
    if match and match.group(3):
        stem = stem[:-1]  # "models?": the "s" may be absent
    if len(stem.strip()) < 2:
        raise ValueError(f"a trigger pattern must start with at least two literal letters: {pattern!r}")
    return stem, bool(match and match.group(1))


def _at_word_start(pattern: str) -> str:
    """A pattern to follow one shared \\b: its own \\b dropped, or a compound word's first letters allowed."""
    return pattern.removeprefix(r"\b") if pattern.startswith(r"\b") else r"\w*?" + pattern


def _is_acronym(term: str) -> bool:
    """A short all-capitals term is an acronym: "GPT" must not match "gpt" inside a file name."""
    return term.isupper() and len(term) <= 5


def _literal(term: str) -> str:
    escaped = f"(?-i:{re.escape(term)})" if _is_acronym(term) else re.escape(term)
    return rf"\b{escaped}(?!\w)"


DEFAULT_VOCABULARY = Vocabulary.build()


def judge_sentence(
    sentence: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY, *, completes_lead_in: bool = False
) -> Judgement:
    """How strongly one sentence speaks about AI (0..1), in which category, and the words that said so.

    `completes_lead_in`: the sentence is an item of a list whose lead-in ends with a colon, so its shortness
    does not make it a label."""
    found = vocabulary.concepts_in(sentence)
    if not any(concept in found for concept in TRIGGERS):
        return NOT_AI
    for rule in RULES:
        if all(not need.isdisjoint(found) for need in rule.needs):
            break
    else:
        return NOT_AI
    used = set().union(*rule.needs)
    terms = tuple(term for concept in (*CONCEPTS, *NEAR) if concept in used for term in found.get(concept, ()))
    return Judgement(round(rule.score * _furniture(sentence, completes_lead_in), 2), rule.category, rule.says, terms)


def _furniture(sentence: str, completes_lead_in: bool = False) -> float:
    """1.0 for a statement; FURNITURE_FACTOR for headings, buttons, labels and links that point elsewhere."""
    stripped = sentence.strip()
    plain = _clean(stripped)
    words = len(_WORD.findall(plain))
    if stripped.startswith("#") or _BOLD_LINE.match(stripped):
        return FURNITURE_FACTOR
    if not completes_lead_in and words < MIN_WORDS:
        return FURNITURE_FACTOR
    if not completes_lead_in and words < MIN_STATEMENT_WORDS and not _ends_statement(plain):
        return FURNITURE_FACTOR
    if POINTERS.match(plain):
        return FURNITURE_FACTOR
    return 1.0


def _ends_statement(plain: str) -> bool:
    return plain.rstrip("”’\"')»").endswith((".", "!", "?"))


def _is_stub(text: str) -> bool:
    """Does a text make at most STUB_STATEMENTS statements (headings, labels, an error message)?"""
    statements = 0
    for start, end in _sentence_spans(text, 0, len(text)):
        plain = _clean(text[start:end])
        if len(_WORD.findall(plain)) >= MIN_STATEMENT_WORDS and _ends_statement(plain):
            statements += 1
            if statements > STUB_STATEMENTS:
                return False
    return True


def flag_change(
    diff: TextDiff,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    known_sentences: Collection[str] = frozenset(),
) -> Flag:
    """Judge the sentences a change touched; unchanged, moved and alike-reworded sentences never count.

    `known_sentences` holds the `sentence_keys` of the earlier versions of the same document (the version
    in force included). With it, a sentence that comes back after a page variant dropped it is not news,
    and a change that adds nothing the document never said (a variant, a revert) is not an alert.
    """
    old = _Side.of(diff, DELETE, vocabulary)
    new = _Side.of(diff, INSERT, vocabulary)
    if not (old.ranges or new.ranges):
        return NO_FLAG
    if len(old.text) < FIRST_SIGHT_BELOW * len(new.text) and _is_stub(old.text):
        reason = f"the old text ({len(old.text)} characters, next to no statements) is a stub: this is a first sight"
        return Flag(ai=False, score=0.0, category="none", reason=reason)
    share = _replaced_share(old, new)
    if share is not None and share < REPLACED_BELOW:
        return _flag_replacement(old, new, share, vocabulary, known_sentences)
    candidates = []
    for side, other, op in ((old, new, "delete"), (new, old, "insert")):
        for start, end in side.changed_trigger_sentences():
            sentence = side.text[start:end]
            judgement = judge_sentence(sentence, vocabulary, completes_lead_in=side.completes_lead_in(start))
            if judgement.score == 0.0:
                continue
            key = sentence_key(sentence)
            if other.contains(key, sentence) or (op == "insert" and key in known_sentences):
                continue  # moved, re-punctuated, re-spelled, or back from an earlier version
            candidates.append(_Candidate(op, start, end, sentence, judgement))
    flag = _verdict(candidates, old, new, vocabulary)
    if flag.ai and known_sentences and _restores_known_text(new, known_sentences):
        return Flag(ai=False, score=0.0, category="none", reason=RESTORED)
    return flag


RESTORED = "every sentence the change adds was in an earlier version: it restores known text (a variant or a revert)"


def _restores_known_text(new: _Side, known_sentences: Collection[str]) -> bool:
    """Does the change add sentences, all of them known from earlier versions? A pure deletion does not count."""
    added = [sentence_key(new.text[start:end]) for start, end in new.changed_sentences()]
    return bool(added) and all(not key or key in known_sentences for key in added)


def sentence_key(sentence: str) -> str:
    """The content words of a sentence, normalised and sorted: equal keys, same statement."""
    text = _LEADING_NUMBER.sub("", sentence.lower(), count=1)
    for pattern, replacement in WRITTEN_OUT:
        text = pattern.sub(replacement, text)
    words = _WORD.findall(text)
    return " ".join(sorted(_spelling(word) for word in words if len(word) > 1 and word not in STOPWORDS))


@functools.lru_cache(maxsize=1 << 16)
def _spelling(word: str) -> str:
    for pattern, replacement in SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


def sentence_keys(text: str) -> frozenset[str]:
    """The keys of every sentence of a text: what `known_sentences` remembers of a version."""
    return frozenset(sentence_key(text[start:end]) for start, end in _sentence_spans(text, 0, len(text)))


@dataclass(frozen=True)
class _Candidate:
    op: str  # "delete" (old side) or "insert" (new side)
    start: int
    end: int
    text: str
    judgement: Judgement


def _verdict(candidates: list[_Candidate], old: _Side, new: _Side, vocabulary: Vocabulary) -> Flag:
    sides = {"delete": (old, new), "insert": (new, old)}
    strong: list[tuple[_Candidate, tuple[int, int] | None]] = []
    alike = 0
    for candidate in candidates:
        if candidate.judgement.score < AI_THRESHOLD:
            continue
        side, other = sides[candidate.op]
        counterpart = _counterpart(candidate, side, other)
        if counterpart and _same_claim(candidate.text, other.text[counterpart[0] : counterpart[1]], vocabulary):
            alike += 1  # a small edit that leaves what the sentence says about AI as it was
            continue
        strong.append((candidate, counterpart))
    if not strong:
        best = max((c.judgement.score for c in candidates), default=0.0)
        if alike:
            reason = "the AI sentences that changed keep what they say (a small edit of other words)"
        elif candidates:
            reason = "AI words only in headings, labels, links or product names without a statement about data"
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
            placed.setdefault(("insert", position), (position, 1, _evidence("insert", text, judge_sentence(text))))
        placed[("delete", candidate.start)] = (position, 0, mine)
    # The same sentence in several places (a table repeated for each legal basis) is quoted once.
    evidence: list[Evidence] = []
    for _, _, item in sorted(placed.values(), key=lambda item: item[:2]):
        if all((item.op, item.text) != (e.op, e.text) for e in evidence):
            evidence.append(item)
    best = max((c for c, _ in strong), key=lambda c: (c.judgement.score, -CATEGORIES.index(c.judgement.category)))
    terms: dict[str, str] = {}
    for candidate, _ in strong:
        for term in candidate.judgement.terms:
            terms.setdefault(term.lower(), term)
    count = len(strong)
    return Flag(
        ai=True,
        score=best.judgement.score,
        category=best.judgement.category,
        terms=tuple(sorted(terms.values(), key=str.lower)),
        evidence=tuple(evidence),
        reason=f"{count} changed sentence{'s' if count > 1 else ''} about AI; the strongest: {best.judgement.says}",
    )


def _evidence(op: str, text: str, judgement: Judgement) -> Evidence:
    return Evidence(op, _clean(text), judgement.category, judgement.says)


def _counterpart(candidate: _Candidate, side: _Side, other: _Side) -> tuple[int, int] | None:
    """The sentence the candidate re-worded (or was re-worded into): same place in the other version, alike."""
    words = set(sentence_key(candidate.text).split())
    best, best_similarity = None, COUNTERPART_SIMILARITY
    for start, end in other.sentences_between(side.to_other(candidate.start), side.to_other(candidate.end)):
        key = sentence_key(other.text[start:end])
        if any(
            sentence_key(side.text[s:e]) == key for s, e in side.sentences_between(*other.span_in_other(start, end))
        ):
            continue  # a neighbour that is in both versions, not the old wording
        theirs = set(key.split())
        similarity = len(words & theirs) / max(1, len(words | theirs))
        if similarity >= best_similarity:
            best, best_similarity = (start, end), similarity
    return best


def _same_claim(sentence: str, counterpart: str, vocabulary: Vocabulary) -> bool:
    """Do two wordings differ only by a few words that complete or shorten the name of an AI technique?"""
    mine, theirs = Counter(sentence_key(sentence).split()), Counter(sentence_key(counterpart).split())
    added, removed = mine - theirs, theirs - mine
    if sum((added + removed).values()) > SMALL_EDIT_WORDS:
        return False
    if not (
        set(added) <= _technique_words(sentence, vocabulary)
        and set(removed) <= _technique_words(counterpart, vocabulary)
    ):
        return False
    if judge_sentence(sentence, vocabulary).category != judge_sentence(counterpart, vocabulary).category:
        return False
    return not any(vocabulary.concepts_in(word) for word in (*added, *removed))


def _technique_words(sentence: str, vocabulary: Vocabulary) -> set[str]:
    """The words of the AI techniques a sentence names ("langage naturel", "computer vision"), spelled as keys."""
    return {word for term in vocabulary.concepts_in(sentence).get("ai", ()) for word in sentence_key(term).split()}


def _replaced_share(old: _Side, new: _Side) -> float | None:
    """The share of the new text's sentences found in the old text, asked only when most of it is inserted."""
    if sum(end - start for start, end in new.ranges) < 0.5 * len(new.text):
        return None
    old_sentences = set(_rough_sentences(old.text))
    new_sentences = _rough_sentences(new.text)
    if not new_sentences:
        return None
    return sum(sentence in old_sentences for sentence in new_sentences) / len(new_sentences)


def _rough_sentences(text: str) -> list[str]:
    """Sentences as lower-case words, cut without the care of _sentence_spans: enough to count shared ones."""
    return [" ".join(_WORD.findall(piece)) for piece in _ROUGH_BOUNDARY.split(text.lower())]


def _flag_replacement(
    old: _Side, new: _Side, share: float, vocabulary: Vocabulary, known_sentences: Collection[str]
) -> Flag:
    """A text that replaces another is judged whole: does it make a kind of AI statement the old one did not?"""
    old_categories = {
        judgement.category
        for start, end in old.trigger_sentences(0, len(old.text))
        if (judgement := judge_sentence(old.text[start:end], vocabulary)).score >= AI_THRESHOLD
    }
    candidates = []
    for start, end in new.trigger_sentences(0, len(new.text)):
        sentence = new.text[start:end]
        judgement = judge_sentence(sentence, vocabulary, completes_lead_in=new.completes_lead_in(start))
        if judgement.category not in old_categories and sentence_key(sentence) not in known_sentences:
            candidates.append(_Candidate("insert", start, end, sentence, judgement))
    flag = _verdict(candidates, _Side("", [], [], vocabulary), new, vocabulary)
    replaced = f"the new text replaces the old one (only {share:.0%} of its sentences were there before)"
    if not flag.ai:
        return Flag(ai=False, score=0.0, category="none", reason=f"{replaced} and makes no new kind of AI statement")
    return Flag(
        ai=True,
        score=flag.score,
        category=flag.category,
        terms=flag.terms,
        evidence=flag.evidence,
        reason=f"{replaced} and makes a kind of AI statement the old one did not: {flag.reason}",
    )


# -- sentences ------------------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_LEADING_NUMBER = re.compile(r"^\W*\d+(?:\.\d+)*\.?\s*")
_BOLD_LINE = re.compile(r"^[*_]{2}[^*_]+[*_]{2}:?$")
_LIST_ITEM = re.compile(r"^[ \t>]*(?:[-*+•·]|\d{1,3}[.)])[ \t]+\S")
LEAD_IN_LOOKBACK = 60  # list lines read back to find a list's lead-in
# Sentence bounds: line breaks, <br> (Markdown tables keep them), table cells, a full stop, question or
# exclamation mark (closing quotes and brackets allowed) before a space, and the end of a bold lead-in
# ("**Use and develop advanced technologies:** We use ..."). The lookahead is only for speed.
_BOUNDARY = re.compile(r"(?=[\n<|.!?:])(?:\n+|<br\s*/?>|\|(?=[ \t])|(?P<stop>[.!?][\"'”’»)\]*]*|:\*\*)(?=[ \t]))")
# A full stop after these is not the end of a sentence.
_ABBREVIATIONS = frozenset(
    "e.g i.e eg ie etc inc ltd co no nr art abs mr mrs ms dr st vs cf z.b d.h u.a bzw vgl".split()
)
_ROUGH_BOUNDARY = re.compile(r"[.!?]\s+|\n+|<br\s*/?>")
_MARKUP = re.compile(r"<br\s*/?>|\*\*|__|^[\s>*·•|#-]+|\s*\|\s*$")


def _clean(sentence: str) -> str:
    """The sentence as a reader reads it: no Markdown emphasis, bullets, heading marks or table pipes."""
    return " ".join(_MARKUP.sub(" ", sentence).split())


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
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
    word = re.split(r"[\s(\[]", text[max(0, at - 12) : at])[-1].lower().strip("*_")
    if len(word) <= 1 or word in _ABBREVIATIONS:
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


class _Side:
    """One version as the diff sees it: its text, where the diff changed it, and where it maps to the other."""

    def __init__(
        self, text: str, ranges: list[tuple[int, int]], anchors: list[tuple[int, int, int]], vocabulary: Vocabulary
    ) -> None:
        self.text = text
        self.ranges = ranges  # the deleted (old side) or inserted (new side) stretches, in order
        self.anchors = anchors  # (position here, position in the other version, op) at each segment start
        self.vocabulary = vocabulary
        lower = text.lower()
        # Lower-casing changes the length of a few letters in some scripts; positions must stay valid.
        self.lower = lower if len(lower) == len(text) else text
        self._triggers: list[int] | None = None  # every trigger position, once a whole search paid off
        self._stem_positions: dict[tuple[str, bool], list[int]] = {}
        self._keys: dict[tuple[int, int], str] = {}

    @classmethod
    def of(cls, diff: TextDiff, changed_op: int, vocabulary: Vocabulary) -> _Side:
        parts: list[str] = []
        ranges: list[tuple[int, int]] = []
        anchors: list[tuple[int, int, int]] = []
        here = there = 0
        for segment in diff.segments:
            length = len(segment.text)
            if segment.op in (EQUAL, changed_op):
                anchors.append((here, there, segment.op))
                parts.append(segment.text)
                if segment.op == changed_op:
                    ranges.append((here, here + length))
                here += length
            if segment.op != changed_op:
                there += length
        return cls("".join(parts), ranges, anchors, vocabulary)

    def to_other(self, position: int) -> int:
        """Where a position of this text falls in the other version."""
        index = bisect.bisect_right(self.anchors, (position, float("inf"))) - 1
        if index < 0:
            return 0
        here, there, op = self.anchors[index]
        return there + (position - here if op == EQUAL else 0)

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
            for span in _sentence_spans(self.text, line_start, line_end):
                first = bisect.bisect_left(triggers, span[0])
                if first < len(triggers) and triggers[first] < span[1] and (not spans or spans[-1] != span):
                    spans.append(span)
            index = bisect.bisect_left(triggers, line_end + 1)
        return [span for span in spans if span[0] < end and span[1] > start]

    def changed_trigger_sentences(self) -> list[tuple[int, int]]:
        """The sentences that a change touched and that hold a trigger stem."""
        blocks = self._changed_lines()
        if len(blocks) > 32 or sum(end - start for start, end in blocks) > len(self.text) // 8:
            # Many or large changes: one search of the whole text beats a search per block.
            self._triggers = self.vocabulary.trigger_positions(self.text, self.lower, 0, len(self.text))
        return [span for block in blocks for span in self.trigger_sentences(*block) if not self.is_unchanged(*span)]

    def changed_sentences(self) -> list[tuple[int, int]]:
        """Every sentence that a change touched."""
        return [
            span
            for block in self._changed_lines()
            for span in _sentence_spans(self.text, *block)
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
        for stem in stems:
            if stem not in self._stem_positions:
                haystack = self.text if stem[1] else self.lower
                self._stem_positions[stem] = _find_all(haystack, stem[0])
        rarest = min(stems, key=lambda stem: len(self._stem_positions[stem]))
        for position in self._stem_positions[rarest]:
            for span in self.sentences_between(position, position):
                if span not in self._keys:
                    self._keys[span] = sentence_key(self.text[span[0] : span[1]])
                if self._keys[span] == key:
                    return True
        return False

    def sentences_between(self, start: int, end: int) -> list[tuple[int, int]]:
        """The sentences overlapping text[start:end], or touching `start` when the stretch is empty."""
        line_start = self._line(start)[0]
        line_end = self._line(max(start, end))[1]
        return [(s, e) for s, e in _sentence_spans(self.text, line_start, line_end) if s <= end and e >= start]

    def span_in_other(self, start: int, end: int) -> tuple[int, int]:
        return self.to_other(start), self.to_other(end)

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
        start, end = self._line(position)
        if not _LIST_ITEM.match(self.text[start:end]):
            return False
        for _ in range(LEAD_IN_LOOKBACK):
            if start == 0:
                return False
            start, end = self._line(start - 1)
            line = self.text[start:end]
            if line.strip() and not _LIST_ITEM.match(line):
                # A lead-in is a sentence: not a heading, not a label ("Products:").
                plain = _clean(line)
                return (
                    plain.endswith(":") and not line.lstrip().startswith("#") and len(_WORD.findall(plain)) >= MIN_WORDS
                )
        return False

    def _line(self, position: int) -> tuple[int, int]:
        start = self.text.rfind("\n", 0, position) + 1
        end = self.text.find("\n", position)
        return start, len(self.text) if end < 0 else end
