"""Raw page → normalized policy text: the same policy always gives the same text (a pure function)."""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any

from lxml import etree

from tracker.css import compile_selector, xpath_can_read


class ExtractionError(Exception):
    """The page does not hold what the document's rules describe (often: it is not the policy at all)."""


class CaptureTooLarge(ExtractionError):
    """A capture beyond what any policy page needs: refused before it costs minutes of CPU and gigabytes."""


# Caps far above any real policy (the corpus' largest pages: 1.7 MB, under 20,000 tags, policy texts under
# 400,000 characters), low enough that a refused capture costs seconds and a few hundred megabytes at most.
MAX_TAGS = 100_000
MAX_TEXT_CHARS = 1_000_000
MAX_RAW_TEXT_CHARS = 2 * MAX_TEXT_CHARS  # before spaces are squeezed: a page's indentation counts here
MAX_TWIN_BYTES = 5 * 1024 * 1024  # pages whose rules need Beautiful Soup (see _Page): 160 ms for 1.7 MB, 6 s for 20


@dataclass(frozen=True)
class Rules:
    """Per-document CSS rules: `select` the policy's part of the page, `remove` what is not policy text."""

    select: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


# Page chrome that is never policy text, whatever the site. Checked while walking the tree: soupsieve
# selectors over a whole page cost seconds, a set lookup per tag costs nothing. Cookie banners are matched
# by the names consent platforms give them, not by the word "cookie": a policy has sections about cookies.
_CHROME_TAGS = frozenset(
    "script style noscript template iframe object embed svg canvas video audio picture img button input "
    "select textarea dialog nav".split()
)
_CHROME_ROLES = frozenset({"navigation", "dialog", "alertdialog"})
_CHROME_IDS_AND_CLASSES = frozenset(
    "onetrust-consent-sdk onetrust-banner-sdk onetrust-pc-dark-filter ot-sdk-container CybotCookiebotDialog "
    "cc-window cookie-banner cookie-consent cookie-notice artdeco-global-alert global-alert".split()
)
_CHROME_ATTRIBUTES = frozenset({"hidden", "aria-modal", "role", "style", "id", "class"})
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _is_chrome(element: etree._Element) -> bool:
    if element.tag in _CHROME_TAGS:
        return True
    if _CHROME_ATTRIBUTES.isdisjoint(element.keys()):
        return False
    attrs = element.attrib
    # Not aria-hidden: it hides from screen readers, not from sight, and pages put it on policy text: Meta on
    # the whole page behind an open cookie dialog, LinkedIn on its collapsed "Key terms" panels.
    if "hidden" in attrs or attrs.get("aria-modal") == "true":
        return True
    if attrs.get("role") in _CHROME_ROLES:
        return True
    if (style := attrs.get("style")) and _HIDING_STYLE.search(style):
        return True
    if attrs.get("id") in _CHROME_IDS_AND_CLASSES:
        return True
    classes = attrs.get("class")
    return bool(classes) and not _CHROME_IDS_AND_CLASSES.isdisjoint(classes.split())


# Parsing a 1.6 MB Meta page with bs4 is dominated by script bodies: cut them before parsing. The HTML
# tokenizer itself ends these elements at the first matching end tag, so cutting there agrees with a parser.
_STRIPPED_OPENER = re.compile(rb"<(script|style|template|svg|noscript)\b|<!--", re.IGNORECASE)
_STRIPPED_CLOSERS = {
    name: re.compile(rb"</" + name + rb"\s*>", re.IGNORECASE)
    for name in (b"script", b"style", b"template", b"svg", b"noscript")
}
_COMMENT_END = re.compile(rb"-->")
_META_CHARSET = re.compile(rb"""<meta[^<>]+charset=["']?([\w-]+)""", re.IGNORECASE)
# WHATWG MIME Sniffing, "rules for distinguishing if a resource is text or binary": browsers show a text/plain
# resource with one of these bytes in its first 1,445 as binary, not as text.
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_SNIFFED_BYTES = 1445
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_BOM_PREFIXES = tuple(bom for bom, _ in _BOMS)
# As browsers read labels (WHATWG Encoding): Latin-1 and ASCII labels mean windows-1252.
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp1252"})

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = frozenset(
    "address article aside blockquote body caption center dd details div dl dt fieldset figcaption figure "
    "footer form header hgroup hr html legend main menu ol p pre section summary table tbody tfoot thead ul "
    "li tr".split()
)
_SOUP_SPACES = " \n\t\f\r"

# Characters that render as nothing or as a plain space but make two copies of one text differ; and control
# codes, which no reader sees but a terminal obeys: a page's ESC sequences could recolour, hide or overwrite
# the lines of `tracker diff`. The controls that str.split() takes for spaces (tab, VT, FF, FS to US, NEL) are
# not among them: they become spaces.
_UNSEEN = "\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
_INVISIBLE = dict.fromkeys(
    [
        *map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"),
        *range(0x00, 0x09),
        *range(0x0E, 0x1C),
        *range(0x7F, 0x85),
        *range(0x86, 0xA0),
    ]
)
_HAS_INVISIBLE = re.compile(f"[{_UNSEEN}]")
# Something a reader sees: neither whitespace nor an invisible character (a regex stops at the first one).
_VISIBLE = re.compile(f"[^\\s{_UNSEEN}]")
# A link's text holds no "[" and a parenthesis in its target no "(": each attempt stops at the next bracket, so
# a page of 200,000 "[" or "(" costs one pass, not one pass per bracket.
_MARKDOWN_IMAGE = re.compile(r"!\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_MARKDOWN_LINK = re.compile(r"\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_BLANK_LINES = re.compile(r"\n{3,}")


def extract_text(content: bytes, content_type: str | None = None, rules: Rules = Rules()) -> str:
    """The policy text of a page: HTML is cleaned and laid out as plain text, text and Markdown kept."""
    if is_html(content, content_type):
        text = extract_html(content, content_type, rules)
    else:
        if not content.startswith(_BOM_PREFIXES) and _BINARY_BYTES.search(content[:_SNIFFED_BYTES]):
            raise ExtractionError("binary data served as text (control bytes such as NUL, which browsers sniff too)")
        decoded = decode(content, content_type)
        _cap_text(len(decoded))
        text = normalize_text(_strip_markdown_links(decoded))
    _cap_text(len(text))
    return text


def _cap_text(size: int) -> None:
    if size > MAX_TEXT_CHARS:
        raise CaptureTooLarge(f"{size:,} characters of text, more than the {MAX_TEXT_CHARS:,} a capture may have")


def is_html(content: bytes, content_type: str | None) -> bool:
    if content_type:
        return "html" in content_type.lower()
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<div"))


def decode(content: bytes, content_type: str | None = None) -> str:
    """Bytes to text as a browser reads them: a byte-order mark, else the HTTP header's charset, else <meta>, else
    UTF-8; Latin-1 labels mean windows-1252. Where the label is plainly wrong, the bytes win: UTF-8 labelled
    Latin-1 (valid UTF-8 with non-ASCII characters is never windows-1252 prose), and windows-1252 served as UTF-8
    or unlabelled (invalid UTF-8), which would otherwise become a whole-document change of mojibake."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, errors="replace")
    charset = _declared_charset(content, content_type)
    if charset in (None, "utf-8", "utf8") or charset in _WINDOWS_1252_LABELS:
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            return content.decode("cp1252" if _mostly_not_utf8(content) else "utf-8", errors="replace")
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


def _declared_charset(content: bytes, content_type: str | None) -> str | None:
    if content_type and "charset=" in content_type.lower():
        return content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'") or None
    if match := _META_CHARSET.search(content[:4096]):
        return match.group(1).decode("ascii").lower()
    return None


def _mostly_not_utf8(content: bytes) -> bool:
    """Whether the non-ASCII bytes are mostly not UTF-8: a page with a few broken sequences is still UTF-8."""
    non_ascii = len(content) - len(content.decode("ascii", errors="ignore"))
    return content.decode("utf-8", errors="replace").count("\ufffd") * 2 > non_ascii


def extract_html(content: bytes, content_type: str | None, rules: Rules) -> str:
    stripped = _pre_strip(content)
    if (tags := stripped.count(b"<")) > MAX_TAGS:
        raise CaptureTooLarge(f"{tags:,} tags, more than the {MAX_TAGS:,} a page may have")
    page = _Page(decode(stripped, content_type), rules)
    roots = _select_roots(page, rules.select)
    for root in roots:
        for selector in rules.remove:
            for element in page.select(selector, root):
                page.remove(element)
    blocks = _Blocks()
    for root in roots:
        blocks.flush()
        _render(root, blocks)
    blocks.flush()
    return "\n\n".join(blocks.lines)


def _pre_strip(content: bytes) -> bytes:
    """Cut script, style, template, svg and noscript elements and comments; linear even on broken pages."""
    kept = []
    at = 0
    while opener := _STRIPPED_OPENER.search(content, at):
        name = opener.group(1)
        # Every search starts past the previous one and a miss ends the loop: linear on any page.
        body_start = content.find(b">", opener.end()) + 1 if name else opener.end()
        closer = (_STRIPPED_CLOSERS[name.lower()] if name else _COMMENT_END).search(content, body_start)
        if body_start == 0 or closer is None:
            break  # never closed: the parser decides what the rest is
        kept.append(content[at : opener.start()])
        at = closer.end()
    kept.append(content[at:])
    return b"".join(kept)


class _Page:
    """A page parsed by lxml, its rules' selectors evaluated as XPath (see tracker/css.py).

    The tree is the one Beautiful Soup builds with its "lxml" builder (the same libxml2 parser, fed the same text),
    so the text is the same as when extraction used Beautiful Soup. A selector the XPath compiler leaves to
    soupsieve, or a page with characters XPath cannot be given, is matched by soupsieve on a Beautiful Soup twin of
    the tree, element for element; removals are made in both.
    """

    def __init__(self, html: str, rules: Rules) -> None:
        # The parser Beautiful Soup's lxml builder uses, given the same text: as UTF-8, which libxml2 reads faster
        # than a Python string (the declared encoding is ignored, as for a string).
        utf8 = html.encode("utf-8")
        parser = etree.HTMLParser(recover=True, encoding="utf-8")
        parser.feed(utf8)
        root = parser.close()
        # No element at all (nothing but whitespace, or scripts cut before parsing): an empty tree, as Beautiful
        # Soup's, with no element for a selector to match.
        self.empty = root is None
        self.root: etree._Element = root if root is not None else etree.Element("html")
        self._soup_whitespace = False
        self._twin: _Twin | None = None
        compiled = [_compiled(selector) for selector in (*rules.select, *rules.remove)]
        # Without rules nothing is selected: no twin to build (a 20 MB page of noise costs seconds in Beautiful Soup).
        if self.empty or not compiled:
            return
        if None in compiled or not xpath_can_read(utf8):
            if len(utf8) > MAX_TWIN_BYTES:
                raise CaptureTooLarge(
                    f"{len(utf8):,} bytes that only the slow selector path reads (more than {MAX_TWIN_BYTES:,})"
                )
            self._twin = _Twin(html, self.root)

    def select(self, selector: str, scope: etree._Element | None = None) -> list[etree._Element]:
        """What soupsieve's `select(selector)` returns: the matching elements under `scope` (default: all)."""
        if self._twin is not None:
            return self._twin.select(selector, scope)
        compiled = _compiled(selector)
        assert compiled is not None  # a selector the compiler leaves out gives the page a twin
        if compiled.needs_soup_whitespace and not self._soup_whitespace:
            _make_whitespace_as_soup_does(self.root)
            self._soup_whitespace = True
        if scope is None:
            return compiled.everywhere(self.root)
        return compiled.below(scope)

    def remove(self, element: etree._Element) -> None:
        """Take an element out as Beautiful Soup's decompose() does: the strings around it stay apart."""
        if self._twin is not None:
            self._twin.remove(element)
        parent = element.getparent()
        if parent is None:
            return
        # A comment keeps the text before and after apart (as two strings in Beautiful Soup) and is invisible to
        # the selectors and to rendering.
        placeholder = etree.Comment()
        placeholder.tail = element.tail
        parent.replace(element, placeholder)


@dataclass(frozen=True)
class _XPathSelector:
    everywhere: etree.XPath
    below: etree.XPath
    needs_soup_whitespace: bool


@cache
def _compiled(selector: str) -> _XPathSelector | None:
    compiled = compile_selector(selector)
    if compiled is None:
        return None
    return _XPathSelector(
        everywhere=etree.XPath(compiled.path("descendant-or-self")),
        below=etree.XPath(compiled.path("descendant")),
        needs_soup_whitespace=compiled.needs_soup_whitespace,
    )


class _Twin:
    """The page as Beautiful Soup builds it, for the selectors only soupsieve reads; kept in step with the tree."""

    def __init__(self, html: str, root: etree._Element) -> None:
        from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

        with warnings.catch_warnings():
            # A page served as HTML that starts like XML (an <?xml ...?> prolog, XHTML) is still read as HTML, on
            # purpose: bs4's warning about it would only print lines on the console and in the JSON logs.
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            self.soup = BeautifulSoup(html, "lxml")
        self.root = root

    def _pairs(self) -> tuple[list[Any], list[etree._Element]]:
        tags = self.soup.find_all(True)
        elements = list(self.root.iter(etree.Element))
        if len(tags) != len(elements) or any(t.name != e.tag for t, e in zip(tags, elements, strict=True)):
            raise RuntimeError("Beautiful Soup and lxml built different trees of this page")
        return tags, elements

    def select(self, selector: str, scope: etree._Element | None) -> list[etree._Element]:
        tags, elements = self._pairs()
        soup_scope = self.soup if scope is None else tags[elements.index(scope)]
        at = {id(tag): index for index, tag in enumerate(tags)}
        return [elements[at[id(tag)]] for tag in soup_scope.select(selector)]

    def remove(self, element: etree._Element) -> None:
        tags, elements = self._pairs()
        tags[elements.index(element)].decompose()


def _make_whitespace_as_soup_does(root: etree._Element) -> None:
    """Beautiful Soup keeps a string of ASCII whitespace as one newline (if it has one) or one space, outside
    <pre> and <textarea>: text selectors whose needle has whitespace must see the strings it sees."""

    def squeeze(text: str | None) -> str | None:
        if text and not text.strip(_SOUP_SPACES):
            return "\n" if "\n" in text else " "
        return text

    def walk(element: etree._Element, preserved: bool) -> None:
        preserved = preserved or element.tag in ("pre", "textarea")
        if not preserved:
            element.text = squeeze(element.text)
        for child in element:
            if isinstance(child.tag, str):
                walk(child, preserved)
            if not preserved:
                child.tail = squeeze(child.tail)

    walk(root, False)


def _select_roots(page: _Page, selectors: tuple[str, ...]) -> list[etree._Element]:
    if not selectors:
        found = next(page.root.iter("main"), None)
        if found is None:
            found = next(page.root.iter("body"), None)
        if found is None:
            # The whole document, rendered as its one child element is.
            found = etree.Element("document")
            found.append(page.root)
        return [found]
    matches = [] if page.empty else [element for selector in selectors for element in page.select(selector)]
    if not matches:
        raise ExtractionError(f"none of the select rules matched the page: {', '.join(selectors)}")
    # Keep document order and drop a match nested inside another, so no text is taken twice.
    found_set = set(matches)
    roots = list(dict.fromkeys(m for m in matches if not any(a in found_set for a in m.iterancestors())))
    if len(roots) > 1:
        order = {element: index for index, element in enumerate(page.root.iter(etree.Element))}
        roots.sort(key=order.__getitem__)
    return roots


class _Blocks:
    """Collects inline text into blocks (paragraphs, headings, list items, table rows)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._size = 0  # characters taken in, whitespace included: bounded before any is split into words
        self._parts: list[str] = []
        self._prefix = ""
        self._separator = ""
        self._has_text = False

    def text(self, text: str) -> None:
        self._size += len(text)
        if self._size > MAX_RAW_TEXT_CHARS:
            raise CaptureTooLarge(f"more than {MAX_RAW_TEXT_CHARS:,} characters of text in the page")
        if _VISIBLE.search(text):
            if self._separator and self._has_text:
                self._parts.append(self._separator)
            self._separator = ""
            self._has_text = True
        self._parts.append(text)

    def separate(self, separator: str) -> None:
        """Write `separator` before the next text, only if this line already has text: empty cells add none."""
        self._separator = separator

    def prefix(self, prefix: str) -> None:
        self.flush()
        self._prefix = prefix

    def flush(self) -> None:
        self._separator = ""
        if not self._has_text:
            # Most flushes (block elements open and close in runs) find no visible text: no line to make.
            self._parts.clear()
            return
        line = normalize_line("".join(self._parts))
        self._parts.clear()
        self._has_text = False
        if line:
            self.lines.append(self._prefix + line)
            self._prefix = ""


def _render(node: etree._Element, blocks: _Blocks) -> None:
    if node.text:
        blocks.text(node.text)
    for child in node:
        if isinstance(child.tag, str) and not _is_chrome(child):  # comments and processing instructions are not
            _render_element(child, blocks)
        if child.tail:
            blocks.text(child.tail)


def _render_element(element: etree._Element, blocks: _Blocks) -> None:
    name = element.tag
    if name == "br":
        blocks.text("\n")
    elif name in _HEADINGS:
        blocks.prefix("#" * _HEADINGS[name] + " ")
        _render(element, blocks)
        blocks.flush()
    elif name == "li":
        blocks.prefix("- ")
        _render(element, blocks)
        blocks.flush()
    elif name == "tr":
        # Layout tables (Meta's mobile pages) have empty icon cells: no separator for them, none alone.
        blocks.flush()
        for cell in element:
            if cell.tag in ("td", "th"):
                blocks.separate(" | ")
                _render(cell, blocks)
        blocks.flush()
    elif name in _BLOCKS:
        blocks.flush()
        _render(element, blocks)
        blocks.flush()
    else:
        _render(element, blocks)


def normalize_line(text: str) -> str:
    # NUL, among the unseen characters, renders as nothing and PostgreSQL's text columns refuse it.
    text = unicodedata.normalize("NFC", text)
    if _HAS_INVISIBLE.search(text):
        text = text.translate(_INVISIBLE)
    # str.split() splits at every space, no-break and ideographic ones included: they become plain spaces.
    return " ".join(text.split())


def normalize_text(text: str) -> str:
    """Stable plain text: NFC, no invisible characters, single spaces, at most one blank line in a row."""
    lines = [normalize_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _strip_markdown_links(text: str) -> str:
    # Link targets change with tracking parameters and redirects; the link text is what a reader reads.
    return _MARKDOWN_LINK.sub(r"\1", _MARKDOWN_IMAGE.sub(r"\1", text))
