"""Atom feeds of changes (all, AI only, one service): each entry the flag, its evidence and a link to its page.

Valid Atom 1.0 (RFC 4287) built with ElementTree, so that every piece of page text is XML-escaped; the entry's
HTML content comes from an autoescaped template, so a captured page cannot add markup to a feed reader either.
Feeds carry news only, as the digest does: changes this tracker's checks saw (not history brought in by an
import, which would flood subscribers with years of old entries), and no returns to a known version.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

from tracker.diffpage import quotes, visible
from tracker.digest import NEWS_KINDS
from tracker.resources import template_environment
from tracker.store import ChangeRecord, Store
from tracker.terminal import ai_label, story_lines

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50
# Characters XML 1.0 cannot hold at all; a page may still contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_TEMPLATES = template_environment()


@dataclass(frozen=True)
class FeedSpec:
    """Which changes a feed holds and where it lives."""

    title: str
    feed_url: str  # the feed itself (rel=self, and its id)
    page_url: str  # the web page that lists the same changes (rel=alternate)
    ai_only: bool = False
    service: str | None = None


def feed_spec(
    base_url: str, service: str | None = None, service_name: str | None = None, ai_only: bool = False
) -> FeedSpec:
    """Where a feed lives under the web view's address, and its title: /feed.atom, /ai.atom, /SERVICE/feed.atom
    (with `?ai=1` for a service's AI changes only)."""
    base = base_url.rstrip("/")
    what = "changes about AI or model training" if ai_only else "changes" if service else "all changes"
    if service:
        query = "?ai=1" if ai_only else ""
        return FeedSpec(
            f"tracker: {what} of {service_name or service}",
            f"{base}/{service}/feed.atom{query}",
            f"{base}/changes?service={service}" + ("&ai=1" if ai_only else ""),
            ai_only,
            service,
        )
    if ai_only:
        return FeedSpec(f"tracker: {what}", f"{base}/ai.atom", f"{base}/changes?ai=1", ai_only=True)
    return FeedSpec(f"tracker: {what}", f"{base}/feed.atom", f"{base}/changes")


def feed_changes(store: Store, spec: FeedSpec, limit: int = FEED_ENTRIES) -> list[ChangeRecord]:
    """The newest news of the feed, newest first."""
    return store.changes(spec.service, ai_only=spec.ai_only, origin="check", kinds=NEWS_KINDS, limit=limit)


def atom_feed(
    spec: FeedSpec,
    changes: Sequence[ChangeRecord],
    change_url: Callable[[ChangeRecord], str],
    title_of: Callable[[ChangeRecord], str],
    now: datetime,
) -> bytes:
    """The feed as UTF-8 XML. `updated` is the newest entry's time (now for an empty feed)."""
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(_tag("feed"))
    _text(feed, "id", spec.feed_url)
    _text(feed, "title", spec.title)
    _text(feed, "updated", _stamp(max((c.detected_at for c in changes), default=now)))
    _link(feed, spec.feed_url, "self", "application/atom+xml")
    _link(feed, spec.page_url, "alternate", "text/html")
    _text(ElementTree.SubElement(feed, _tag("author")), "name", "tracker")
    _text(feed, "generator", "tracker")
    today = now.date()
    for change in changes:
        url = change_url(change)
        entry = ElementTree.SubElement(feed, _tag("entry"))
        _text(entry, "id", url)
        _text(entry, "title", entry_title(change, title_of(change)))
        _text(entry, "updated", _stamp(change.detected_at))
        _text(entry, "published", _stamp(change.detected_at))
        _link(entry, url, "alternate", "text/html")
        if change.ai:
            ElementTree.SubElement(entry, _tag("category"), term=change.category, label=ai_label(change.category))
        _text(entry, "summary", _summary(change))
        content = _TEMPLATES.get_template("feed_entry.html.j2").render(
            change=change,
            url=url,
            label=ai_label(change.category),
            evidence=quotes(change),
            story=[visible(line.strip()) for _, line in story_lines(change, today)],
        )
        _text(entry, "content", content, type="html")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def entry_title(change: ChangeRecord, title: str) -> str:
    if change.ai:
        return f"{title}: {ai_label(change.category)} (score {change.score:.2f}), change {change.id}"
    if change.kind == "document_replaced":
        return f"{title}: the page now serves a different document, change {change.id}"
    return f"{title} changed (+{change.inserted_words}/-{change.deleted_words} words), change {change.id}"


def _summary(change: ChangeRecord) -> str:
    added = [item["text"] for item in change.evidence if item.get("op") == "insert"]
    if added:
        return visible(added[0])
    return f"+{change.inserted_words}/-{change.deleted_words} words"


def _tag(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _text(parent: ElementTree.Element, name: str, value: str, **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, _tag(name), **attributes)
    element.text = _NOT_XML.sub("\ufffd", value)
    return element


def _link(parent: ElementTree.Element, href: str, rel: str, media_type: str) -> None:
    ElementTree.SubElement(parent, _tag("link"), href=href, rel=rel, type=media_type)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
