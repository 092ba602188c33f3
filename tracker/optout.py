"""How a policy tells people to refuse or object: its own statements, quoted, with the links the page gives them.

Pure: text and page bytes in, plain data out. Nothing is written here that the page does not say: a pointer
is a sentence of the new version, whitespace aside, and its `url` is the target of a link inside that very
sentence on the page (a Markdown link target or an HTML `href`), or None. Statements are looked for, in order:
anywhere in the text when they speak of AI themselves; in the paragraphs around the flagged sentences; in the
section that holds them; and, when none of those has one, the document's general right to object.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

MAX_POINTERS = 3
QUOTE_CHARS = 320

AI_STATEMENT, NEAR, SECTION, GENERAL = "ai", "near", "section", "general"
CHOICE = "choice"  # near, but a setting or a choice rather than a refusal: after the refusals

# Refusal wording: enough on its own, wherever the sentence stands.
_REFUSAL = re.compile(
    r"\bopt[- ]?out\b|\bopting out\b|\bright to object\b|\bobject to\b|\byou (?:can|may) object\b"
    r"|\bsubmit an objection\b|\bobjection form\b"
    r"|\bwithdraw (?:your |this )?consent\b|\bturn (?:it |this |that )?off\b|\bswitch (?:it |this )?off\b"
    r"|\bdisable\b|\bask us to stop\b|\bstop using your\b|\bdecline\b|\brefuse\b"
    r"|\bdroit d['’]opposition\b|\bvous opposer\b|\bs['’]opposer\b|\bopposez\b|\bretirer (?:votre )?consentement\b"
    r"|\bdésactiver\b|\brefuser\b|\bformulaire d['’]opposition\b"
    r"|\bwidersprechen\b|\bwiderspruch\w*|\bwiderrufen\b|\bdeaktivieren\b|\babschalten\b|\bausschalten\b"
    r"|\bablehnen\b",
    re.IGNORECASE,
)
# The legal right to object: what a general pointer must say.
_OBJECTION = re.compile(
    r"\bright to object\b|\bobject to\b|\byou (?:can|may) object\b|\bobjection form\b|\bdroit d['’]opposition\b"
    r"|\bvous opposer\b|\bs['’]opposer\b|\bwidersprechen\b|\bwiderspruch\w*",
    re.IGNORECASE,
)
# Your choices and settings deciding what is done: a pointer only in the paragraphs around the flagged sentence.
_CHOICE = re.compile(
    r"\bchoices? you make\b|\byour settings\b|\byou can (?:change|manage|control|adjust|review and control)\b"
    r"|\bvos paramètres\b|\bvous pouvez (?:modifier|gérer|contrôler)\b"
    r"|\bIhre[nr]? Einstellungen\b|\bSie können (?:\w+ )?(?:ändern|verwalten|steuern)\b",
    re.IGNORECASE,
)
_CANNOT = re.compile(
    r"\bcannot\b|\bcan['’]t\b|\bcan not\b|\bunable to\b|\bne pouvez pas\b|\bne pourrez pas\b|\bkönnen (?:Sie )?nicht\b",
    re.IGNORECASE,
)
# A general right to object about one other purpose is no pointer for an AI change.
_OTHER_PURPOSE = re.compile(
    r"\bads?\b|\badvertis\w*|\bcookies?\b|\bmarketing\w*|\bsurvey\w*|\bemails?\b|\bpublicit\w*|\bWerbung\b"
    r"|\bcommerciales?\b",
    re.IGNORECASE,
)
_AI = re.compile(
    r"\b(?-i:AI|IA|KI)\b|\bartificial intelligence\b|\bintelligence artificielle\b|\bkünstliche\w* Intelligenz\b"
    r"|\bmachine learning\b|\bapprentissage automatique\b|\bmaschinelle\w* Lernen\b|\bgenerati\w*|\bgénérati\w*"
    r"|\blanguage models?\b|\bmodèles? de langage\b|\bsprachmodell\w*|\b(?-i:LLMs?)\b"
    r"|\btrain\w* (?:our |the |its |their )?(?:\w+ )?models?\b|\bentraîn\w*|\bTrainingsdaten\b",
    re.IGNORECASE,
)

_HEADING = re.compile(r"^(?:#{1,6} |[=-]{3,}$)")
# Sentence ends, table cells, and the <br> and bullets that Markdown tables carry inside one line.
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+(?=[\"“(\[]?[A-ZÀ-Ý])|\s\|\s|<br\s*/?>(?:\s*[*-]\s)?", re.IGNORECASE)
MIN_WORDS = 5  # shorter is a heading or a button ("Withdraw consent"), not a statement
# Link text holds no "[" and a nested "(" no "(": linear on a page of brackets (see tracker/extract.py).
_MARKDOWN_LINK = re.compile(r"!?\[([^\[\]]*)\]\(((?:[^()\s]|\([^()\s]*\))*)(?:\s+\"[^\"]*\")?\)")
_USABLE_URL = re.compile(r"^(?:https?:|mailto:)", re.IGNORECASE)
_BLOCK_TAGS = frozenset("p li td th dd dt h1 h2 h3 h4 h5 h6 blockquote caption figcaption".split())


@dataclass(frozen=True)
class Link:
    """A link as the page gives it: its words, its absolute target, and the text of the block it sits in."""

    text: str
    url: str
    context: str


@dataclass(frozen=True)
class OptOut:
    """A statement of the page that tells people how to refuse or object, and the link inside it, if any."""

    text: str
    url: str | None
    where: str  # ai | near | section | general: why it was picked

    def as_json(self) -> dict[str, str | None]:
        return {"text": self.text, "url": self.url, "where": self.where}


def opt_out_pointers(text: str, evidence: Sequence[str], links: Sequence[Link] = ()) -> tuple[OptOut, ...]:
    """The statements of `text` that tell how to refuse what the `evidence` sentences (of `text`) say."""
    paragraphs = _paragraphs(text)
    anchors = [index for sentence in evidence if (index := _paragraph_of(paragraphs, sentence)) is not None]
    near = {i for index in anchors for i in range(index - 1, index + 2)}
    sections = {_section_of(paragraphs, index) for index in anchors}
    tiers: dict[str, list[str]] = {AI_STATEMENT: [], NEAR: [], CHOICE: [], SECTION: [], GENERAL: []}
    for index, paragraph in enumerate(paragraphs):
        for sentence in _sentences(paragraph):
            if _CANNOT.search(sentence):
                continue
            refusal = _REFUSAL.search(sentence) is not None
            if refusal and _AI.search(sentence):
                tiers[AI_STATEMENT].append(sentence)
            elif index in near and refusal:
                tiers[NEAR].append(sentence)
            elif index in near and _CHOICE.search(sentence) and _is_statement(sentence):
                tiers[CHOICE].append(sentence)
            elif refusal and _section_of(paragraphs, index) in sections:
                tiers[SECTION].append(sentence)
            elif _OBJECTION.search(sentence) and not _OTHER_PURPOSE.search(sentence):
                tiers[GENERAL].append(sentence)
    chosen: list[OptOut] = []
    for where in (AI_STATEMENT, NEAR, CHOICE, SECTION, GENERAL):
        if where == GENERAL and chosen:
            break
        for sentence in dict.fromkeys(tiers[where]):
            if len(chosen) < MAX_POINTERS and all(sentence != c.text for c in chosen):
                chosen.append(OptOut(_clip(sentence), _link_in(sentence, links), NEAR if where == CHOICE else where))
    return tuple(chosen)


def _is_statement(sentence: str) -> bool:
    """A whole sentence about no other purpose ("Depending on your settings, we'll send marketing ..." is not)."""
    return sentence.endswith((".", "!", ":")) and not _OTHER_PURPOSE.search(sentence)


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _paragraph_of(paragraphs: Sequence[str], sentence: str) -> int | None:
    words = " ".join(sentence.split())
    for probe in (words[:80], words[:30]):
        if len(probe) < 12:
            continue
        for index, paragraph in enumerate(paragraphs):
            if probe in paragraph:
                return index
    return None


def _section_of(paragraphs: Sequence[str], index: int) -> int:
    """The index of the heading the paragraph falls under (-1: before any heading)."""
    for at in range(index, -1, -1):
        if _HEADING.match(paragraphs[at]):
            # A setext underline belongs to the line above it.
            return at - 1 if paragraphs[at][0] in "=-" else at
    return -1


def _sentences(paragraph: str) -> list[str]:
    text = paragraph.lstrip("#-*> ").strip()
    return [part.strip() for part in _SENTENCE_END.split(text) if len(part.split()) >= MIN_WORDS]


def _clip(sentence: str) -> str:
    if len(sentence) <= QUOTE_CHARS:
        return sentence
    return sentence[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"


def _link_in(sentence: str, links: Sequence[Link]) -> str | None:
    """The target of a link whose words are in the sentence and whose block holds the sentence."""
    probe = sentence[:60]
    found = [
        link
        for link in links
        if link.text and link.text in sentence and (probe in link.context or link.context in sentence)
    ]
    if not found:
        return None
    pointing = [link for link in found if _REFUSAL.search(link.text) or _CHOICE.search(link.text)]
    return (pointing or found)[0].url


# -- the page's links -------------------------------------------------------------------------------------------


def page_links(body: bytes, content_type: str | None, base_url: str) -> tuple[Link, ...]:
    """The links of a page (HTML `<a href>`, or Markdown `[text](target)`), with absolute targets."""
    from tracker.extract import decode, is_html

    if is_html(body, content_type):
        return tuple(_html_links(body, base_url))
    return tuple(_markdown_links(decode(body, content_type), base_url))


def _markdown_links(text: str, base_url: str) -> Iterable[Link]:
    from tracker.extract import normalize_line

    for line in text.splitlines():
        if "](" not in line:
            continue
        context = normalize_line(_MARKDOWN_LINK.sub(lambda m: m.group(1), line))
        for match in _MARKDOWN_LINK.finditer(line):
            if link := _link(normalize_line(match.group(1)), match.group(2), context, base_url):
                yield link


def _html_links(body: bytes, base_url: str) -> Iterable[Link]:
    import lxml.etree
    import lxml.html

    from tracker.extract import normalize_line

    try:
        root = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        block = next((a for a in anchor.iterancestors() if a.tag in _BLOCK_TAGS), anchor.getparent())
        context = normalize_line(block.text_content()) if block is not None else ""
        if link := _link(normalize_line(anchor.text_content()), href, context, base_url):
            yield link


def _link(text: str, href: str, context: str, base_url: str) -> Link | None:
    url = urljoin(base_url, href.strip())
    if not _USABLE_URL.match(url):
        return None
    return Link(text, url, context)
