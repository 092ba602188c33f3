"""What a change means for the people it affects: the notice it gave and how to refuse it, for a check or an
import to store.

The edge between the pure readers (tracker.notice, tracker.optout) and the record: it fetches the earlier
versions' dates from the store, reads the page's links from the bytes just fetched, and puts the result on
the change. Whatever goes wrong here is logged and leaves the change as it was: a page that defeats the date
or link reader must never cost the check its change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from tracker.config import VARIANT_SEPARATOR, Document
from tracker.fetch import FetchResult
from tracker.notice import StatedDate, change_notice, stated_dates
from tracker.optout import opt_out_pointers, page_links
from tracker.store import ChangeRecord, DocumentState, NewChange, Store
from tracker.variants import absent

log = logging.getLogger(__name__)
MAIN_VARIANT = "main"  # how the document's own series is named beside its variants


def tell(
    change: NewChange,
    store: Store,
    document: Document,
    state: DocumentState,
    text: str,
    fetched: FetchResult,
    seen: datetime,
) -> NewChange:
    """The change of a check with its notice (every change) and its opt-out pointers (AI changes) filled in."""
    return tell_from(
        change,
        store,
        document,
        Page(text, fetched.body or b"", fetched.content_type, fetched.final_url),
        state.latest_text,
        state.latest.first_seen_at if state.latest else None,
        seen,
    )


@dataclass(frozen=True)
class Page:
    """The new version as the readers need it: its text, and the bytes its links are read from."""

    text: str
    body: bytes
    content_type: str | None
    url: str


def tell_from(
    change: NewChange,
    store: Store,
    document: Document,
    page: Page,
    old_text: str | None,
    old_seen: datetime | None,
    seen: datetime,
    imported: bool = False,
) -> NewChange:
    """The change with its notice and opt-out pointers, against the document's stored versions (for an import,
    only those first seen before it: an archive may be imported after later history)."""
    try:
        earlier = [
            (first_seen, _dates(store, version_id, dates))
            for version_id, first_seen, dates in store.version_dates(document.service, document.key)
            if not imported or first_seen < seen
        ]
        notice = change_notice(stated_dates(old_text or ""), stated_dates(page.text), seen, earlier, old_seen=old_seen)
        opt_out = None
        if change.ai:
            evidence = [item["text"] for item in change.evidence if item.get("op") == "insert"]
            links = page_links(page.body, page.content_type, page.url)
            opt_out = [pointer.as_json() for pointer in opt_out_pointers(page.text, evidence, links)]
    except Exception:  # a reader's bug or a hostile page: the change is kept, without its story
        log.exception("could not read the notice or opt-out of %s %s", document.service, document.key)
        return change
    return replace(
        change,
        stated_effective=notice.stated_effective,
        notice_days=notice.notice_days,
        notice=notice.as_json(),
        opt_out=opt_out,
    )


def _dates(store: Store, version_id: int, recorded: list[dict[str, str]] | None) -> list[StatedDate]:
    if recorded is None:  # stored before versions recorded their dates
        return list(stated_dates(store.version_text(version_id)))
    return [StatedDate.from_json(item) for item in recorded]


def absent_from(store: Store, documents: Iterable[Document], change: ChangeRecord) -> tuple[str, ...]:
    """The other variants of the change's document that hold none of the AI sentences it added.

    "not in the EU version": read from each variant's version in force when asked, since variants are
    checked one after the other and the digest goes out later.
    """
    added = [item["text"] for item in change.evidence if item.get("op") == "insert"]
    if not (change.ai and added):
        return ()
    base = change.document.split(VARIANT_SEPARATOR, 1)[0]
    names = []
    for doc in documents:
        if doc.service != change.service or doc.base_key != base or doc.key == change.document:
            continue
        other = store.document_state(doc.service, doc.key).latest_text
        if other is not None and absent(added, other):
            names.append(doc.variant_name or MAIN_VARIANT)
    return tuple(names)
