"""Does a change touch AI or model training? A pure judgement over the changed sentences of a diff."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tracker.diff import DELETE, EQUAL, INSERT, TextDiff

AI_THRESHOLD = 0.5

# The vocabulary, by category, in English, French and German. Patterns are case-insensitive unless they
# start with "(?-i)"; acronyms such as AI, IA and KI are case-sensitive so "ai" in a URL or "ki" in a word
# never count.
VOCABULARY: dict[str, tuple[str, ...]] = {
    # Explicit AI wording: enough on its own to make a sentence about AI.
    "ai": (
        r"(?-i:\bAI\b)",
        r"(?-i:\bIA\b)",
        r"(?-i:\bKI\b)",
        r"\bartificial intelligence\b",
        r"\bintelligence artificielle\b",
        r"\bkünstliche[nrs]? intelligenz\b",
        r"\bmachine[- ]learning\b",
        r"\bapprentissage automatique\b",
        r"\bmaschinelle[nsm]? lernen\b",
        r"\bdeep learning\b",
        r"\bgenerative\b",
        r"\bgénérative?s?\b",
        r"\bgenerative[nr]?\b",
        r"\blarge language models?\b",
        r"(?-i:\bLLMs?\b)",
        r"\bneural networks?\b",
        r"\bcomputer vision\b",
        r"\bnatural language processing\b",
    ),
    # Named assistants and models: a product name, news only with a data-use or AI statement around it.
    "assistant": (
        r"\bGemini\b",
        r"\bBard\b",
        r"\bMeta AI\b",
        r"\bCopilot\b",
        r"\bChatGPT\b",
        r"\bLlama\b",
    ),
    "model": (r"\bmodels?\b", r"\bmodèles?\b", r"\bmodell(?:e|en)?\b"),
    "training": (
        r"\btrain(?:s|ed|ing)?\b",
        r"\bentraîn(?:er|ement|é|és|ée|ées)\b",
        r"\btrainier(?:en|t)\b",
        r"\btraining\b",
    ),
    "data": (
        r"\bdata\b",
        r"\binformation\b",
        r"\bcontent\b",
        r"\binteractions?\b",
        r"\bdonnées\b",
        r"\binformations?\b",
        r"\bcontenus?\b",
        r"\bdaten\b",
        r"\binformationen\b",
        r"\binhalte?n?\b",
    ),
    "develop": (
        r"\bdevelop\w*\b",
        r"\bimprov\w*\b",
        r"\bbuild\w*\b",
        r"\bdévelopp\w*\b",
        r"\baméliorer\w*\b",
        r"\bentwickel\w*\b",
        r"\bverbesser\w*\b",
    ),
    "automated": (
        r"\bautomated (?:decision|processing)\w*\b",
        r"\bdécisions? automatisées?\b",
        r"\bautomatisierte[nr]? entscheidung\w*\b",
        r"\bprofiling\b",
    ),
}

# Words that make "training" mean courses, not machine learning.
_COURSE_TRAINING = re.compile(r"\b(?:courses?|learning paths?|get training|employee training)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    op: str  # "insert" (new text) or "delete" (old text)
    text: str


@dataclass(frozen=True)
class Flag:
    ai: bool
    score: float
    category: str  # training | ai_feature | automated_decisions | none
    terms: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def evidence_json(self) -> list[dict[str, str]]:
        return [{"op": e.op, "text": e.text} for e in self.evidence]


NO_FLAG = Flag(ai=False, score=0.0, category="none")


@dataclass(frozen=True)
class Vocabulary:
    patterns: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, extra_terms: Mapping[str, Iterable[str]] | None = None) -> Vocabulary:
        merged = {category: list(terms) for category, terms in VOCABULARY.items()}
        for category, terms in (extra_terms or {}).items():
            merged.setdefault(category, []).extend(rf"\b{re.escape(term)}\b" for term in terms)
        return cls({c: tuple(re.compile(p, re.IGNORECASE) for p in ps) for c, ps in merged.items()})

    def matches(self, sentence: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for category, patterns in self.patterns.items():
            for pattern in patterns:
                for match in pattern.finditer(sentence):
                    found.setdefault(category, []).append(match.group(0))
        return found


DEFAULT_VOCABULARY = Vocabulary.build()

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def flag_change(diff: TextDiff, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> Flag:
    """Judge the sentences a change touched; unchanged sentences nearby never count."""
    old_changed, new_changed, old_all, new_all = changed_sentences(diff)
    scored: list[tuple[int, str, str, float, str, list[str]]] = []
    for op, sentences, other_side in (("delete", old_changed, new_all), ("insert", new_changed, old_all)):
        for position, sentence in sentences:
            if _normalize(sentence) in other_side:
                continue  # the sentence moved; its words did not change
            score, category, terms = score_sentence(sentence, vocabulary)
            if score > 0:
                scored.append((position, op, sentence, score, category, terms))
    if not scored:
        return NO_FLAG
    best = max(scored, key=lambda item: item[3])
    ai = best[3] >= AI_THRESHOLD
    strong = [item for item in scored if item[3] >= AI_THRESHOLD] if ai else scored
    strong.sort(key=lambda item: (item[0], item[1] == "insert"))
    terms = sorted({term for item in strong for term in item[5]}, key=str.lower)
    return Flag(
        ai=ai,
        score=round(best[3], 2),
        category=best[4] if ai else "none",
        terms=tuple(terms),
        evidence=tuple(Evidence(op, sentence) for _, op, sentence, *_ in strong),
    )


def score_sentence(sentence: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> tuple[float, str, list[str]]:
    """How strongly one sentence speaks about AI (0..1), in which category, and the words that said so."""
    found = vocabulary.matches(sentence)
    ai = found.get("ai", [])
    assistant = found.get("assistant", [])
    model = found.get("model", [])
    training = found.get("training", [])
    data = found.get("data", [])
    develop = found.get("develop", [])
    automated = found.get("automated", [])
    words = len(sentence.split())
    if training and _COURSE_TRAINING.search(sentence) and not (ai or model):
        training = []
    terms = ai + assistant + training + ([*model] if (ai or training) else []) + automated
    if not (ai or assistant or (training and model)):
        return 0.0, "none", []
    if (training or develop) and (model or ai) and data:
        score, category = 0.95, "training"
    elif training and (model or ai):
        score, category = 0.85, "training"
    elif automated and (ai or model):
        score, category = 0.8, "automated_decisions"
    elif ai:
        score, category = 0.7, "ai_feature"
    else:
        score, category = 0.35, "ai_feature"  # a product name alone: a link, a button, a menu
    if words < 6:
        score *= 0.4  # labels, buttons and headings are page furniture more often than statements
    return score, category, terms


def changed_sentences(
    diff: TextDiff,
) -> tuple[list[tuple[int, str]], list[tuple[int, str]], set[str], set[str]]:
    """Sentences of the old and new text that overlap a deletion or an insertion, with their positions."""
    old_parts, new_parts = [], []
    old_ranges, new_ranges = [], []
    old_at = new_at = 0
    for segment in diff.segments:
        length = len(segment.text)
        if segment.op in (EQUAL, DELETE):
            old_parts.append(segment.text)
            if segment.op == DELETE:
                old_ranges.append((old_at, old_at + length))
            old_at += length
        if segment.op in (EQUAL, INSERT):
            new_parts.append(segment.text)
            if segment.op == INSERT:
                new_ranges.append((new_at, new_at + length))
            new_at += length
    old_sentences = _sentences("".join(old_parts))
    new_sentences = _sentences("".join(new_parts))
    return (
        _overlapping(old_sentences, old_ranges),
        _overlapping(new_sentences, new_ranges),
        {_normalize(s) for _, _, s in old_sentences},
        {_normalize(s) for _, _, s in new_sentences},
    )


def _sentences(text: str) -> list[tuple[int, int, str]]:
    result = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > start:
            result.append((start, match.start(), text[start : match.start()]))
        start = match.end()
    if start < len(text):
        result.append((start, len(text), text[start:]))
    return result


def _overlapping(sentences: list[tuple[int, int, str]], ranges: list[tuple[int, int]]) -> list[tuple[int, str]]:
    result = []
    index = 0
    for start, end, sentence in sentences:
        while index < len(ranges) and ranges[index][1] <= start:
            index += 1
        # A change of whitespace alone between two sentences touches neither.
        if index < len(ranges) and ranges[index][0] < end:
            result.append((start, sentence.strip()))
    return result


def _normalize(sentence: str) -> str:
    return " ".join(sentence.lower().split())
