"""The reference extraction: tracker's text as Beautiful Soup and soupsieve gave it, to check the lxml one against.

tracker.extract parses with lxml and evaluates the rules as XPath; until then it built a Beautiful Soup tree of the
whole page and matched the rules with soupsieve. This is that tree walk, kept only as a test oracle: it shares the
pre-strip, decoding, chrome rules and line layout with tracker.extract, so a difference can only come from the
tree, the selectors or the walk.
"""

from __future__ import annotations

import warnings

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag, XMLParsedAsHTMLWarning
from bs4.element import CData, ProcessingInstruction

from tracker.extract import (
    _BLOCKS,
    _CHROME_IDS_AND_CLASSES,
    _CHROME_ROLES,
    _CHROME_TAGS,
    _HEADINGS,
    _HIDING_STYLE,
    ExtractionError,
    Rules,
    _Blocks,
    _pre_strip,
    decode,
)

_SKIPPED_STRINGS = (Comment, Doctype, CData, ProcessingInstruction)


def soup_extract_html(content: bytes, content_type: str | None, rules: Rules) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # a capture that starts with an XML declaration
        soup = BeautifulSoup(decode(_pre_strip(content), content_type), "lxml")
    roots = _select_roots(soup, rules.select)
    for root in roots:
        for selector in rules.remove:
            for tag in root.select(selector):
                tag.decompose()
    blocks = _Blocks()
    for root in roots:
        blocks.flush()
        _render(root, blocks)
    blocks.flush()
    return "\n\n".join(blocks.lines)


def _select_roots(soup: BeautifulSoup, selectors: tuple[str, ...]) -> list[Tag]:
    if not selectors:
        return [soup.find("main") or soup.find("body") or soup]
    found: list[Tag] = []
    for selector in selectors:
        found.extend(soup.select(selector))
    if not found:
        raise ExtractionError(f"none of the select rules matched the page: {', '.join(selectors)}")
    ids = {id(tag) for tag in found}
    order = {id(tag): index for index, tag in enumerate(soup.find_all(True))}
    roots = [tag for tag in found if not any(id(parent) in ids for parent in tag.parents)]
    unique = {id(tag): tag for tag in roots}
    return sorted(unique.values(), key=lambda tag: order[id(tag)])


def _is_chrome(tag: Tag) -> bool:
    attrs = tag.attrs
    if tag.name in _CHROME_TAGS:
        return True
    if not attrs:
        return False
    if "hidden" in attrs or attrs.get("aria-modal") == "true":
        return True
    if attrs.get("role") in _CHROME_ROLES:
        return True
    if (style := attrs.get("style")) and _HIDING_STYLE.search(style):
        return True
    if attrs.get("id") in _CHROME_IDS_AND_CLASSES:
        return True
    classes = attrs.get("class")
    return bool(classes) and not _CHROME_IDS_AND_CLASSES.isdisjoint(classes)


def _render(node: Tag, blocks: _Blocks) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, _SKIPPED_STRINGS):
                blocks.text(str(child))
            continue
        if not isinstance(child, Tag) or _is_chrome(child):
            continue
        name = child.name
        if name == "br":
            blocks.text("\n")
        elif name in _HEADINGS:
            blocks.prefix("#" * _HEADINGS[name] + " ")
            _render(child, blocks)
            blocks.flush()
        elif name == "li":
            blocks.prefix("- ")
            _render(child, blocks)
            blocks.flush()
        elif name == "tr":
            blocks.flush()
            for cell in child.find_all(("td", "th"), recursive=False):
                blocks.separate(" | ")
                _render(cell, blocks)
            blocks.flush()
        elif name in _BLOCKS:
            blocks.flush()
            _render(child, blocks)
            blocks.flush()
        else:
            _render(child, blocks)
