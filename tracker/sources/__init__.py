"""History from archives: what an archive holds of a document, and importing it through the same pipeline.

One module per archive (`ota.py`: Open Terms Archive's git repositories; `wayback.py`: the Wayback Machine).
Each lists its captures of a document cheaply (`list_captures`), then reads the bytes of those still to import
(`load`). `import_history` judges every capture against the document's history *as it was then* with the
pipeline's own functions (extract, screen, diff, flag) and stores it with its provenance, in time order.

The rules (docs/decisions/0007-importing-history.md): imports fill the time before this tracker's first check
of a document and never touch what it saw itself, so the version in force stays; a capture already imported is
skipped, so a second import adds nothing and an interrupted one resumes; texts are compared only with texts of
the same reading (the same extraction rules), so a switch between an archive's extraction and ours is never a
change; imported changes are history, never news for the digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from tracker import story
from tracker.check import ARCHIVE_TEXT_RULES_KEY, History, Judgement, document_rules_key, judge_text
from tracker.config import ChecksSettings, Document
from tracker.extract import ExtractionError, Rules, extract_text
from tracker.flag import DEFAULT_VOCABULARY, Vocabulary, sentence_keys
from tracker.screen import Fingerprint, Refusal, Suspect, fingerprint, screen_body
from tracker.store import NewImport, NewSnapshot, Store

ORIGINS = ("ota", "wayback")


class SourceError(Exception):
    """An archive that cannot be read (not a repository, a path it lacks, an API that fails); the message says why."""


class NotAnArchive(SourceError):
    """What the user named is no archive at all (no such folder, not a git repository): a usage error."""


@dataclass(frozen=True)
class CaptureRef:
    """A capture an archive lists for a document, before its bytes are read.

    `ref` names it in the archive for good (a commit, a Wayback timestamp and URL): the key of resuming.
    `technical`: the archive re-extracted an unchanged page (new rules), so a different text is no change.
    `kept_until` and `cadence`: a text the screen holds for confirmation (a rewrite, a cut) is believed, at its own
    date, when the archive kept seeing it as often and as long as checks must (`checks.confirm_checks` looks over
    `checks.confirm_span`).
    """

    ref: str
    observed_at: datetime
    provenance: dict[str, str]
    technical: bool = False
    # When the archive records a text only when it changes, its next record: it kept seeing this text until then,
    # looking every `cadence` at most.
    kept_until: datetime | None = None
    cadence: timedelta | None = None
    # The newest record of such an archive: how long its text lasts is not known yet.
    newest_record: bool = False


@dataclass(frozen=True)
class ArchivedCapture:
    """A capture's bytes as the archive holds them; `error` when they could not be had (tried again next import)."""

    listed: CaptureRef
    url: str  # where the bytes were asked for
    final_url: str  # where they came from, after redirects
    body: bytes | None
    content_type: str | None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    archive_text: bool = False  # the archive's own extraction of the page (Open Terms Archive's versions)
    error: str | None = None


class Archive(Protocol):
    """What `import_history` needs of an archive."""

    origin: str
    source: str  # the repository or the archive's address, as recorded on every import

    def list_captures(self, document: Document) -> list[CaptureRef]: ...

    def load(self, document: Document, refs: Sequence[CaptureRef]) -> Iterator[ArchivedCapture]: ...


@dataclass
class ImportSummary:
    """What one import of one document did, for the terminal and `--json`."""

    service: str
    document: str
    origin: str
    source: str
    listed: int = 0
    already_imported: int = 0
    after_first_check: int = 0
    imported: int = 0
    versions: int = 0
    changes: list[int] = field(default_factory=list)
    ai_changes: list[int] = field(default_factory=list)
    technical: int = 0
    refused: list[str] = field(default_factory=list)
    # Held, and the archive's newest record: not on record, judged again by the next import (when the archive
    # has recorded more, it says how long the text lasted).
    awaiting: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    error: str | None = None
    first_observed_at: datetime | None = None
    last_observed_at: datetime | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.unavailable)

    def as_json(self) -> dict[str, object]:
        return {
            "service": self.service,
            "document": self.document,
            "origin": self.origin,
            "source": self.source,
            "captures_listed": self.listed,
            "already_imported": self.already_imported,
            "after_first_check": self.after_first_check,
            "imported": self.imported,
            "new_versions": self.versions,
            "changes": self.changes,
            "ai_changes": self.ai_changes,
            "technical_versions": self.technical,
            "refused": self.refused,
            "awaiting_confirmation": self.awaiting,
            "unavailable": self.unavailable,
            "first_observed_at": self.first_observed_at.isoformat() if self.first_observed_at else None,
            "last_observed_at": self.last_observed_at.isoformat() if self.last_observed_at else None,
            "error": self.error,
        }


Progress = Callable[[int, int, ImportSummary], None]


def import_history(
    document: Document,
    store: Store,
    archive: Archive,
    checks: ChecksSettings = ChecksSettings(),
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import what `archive` holds of `document` that is not imported yet, oldest first; one transaction each."""
    summary = ImportSummary(document.service, document.key, archive.origin, archive.source)
    try:
        listed = sorted(archive.list_captures(document), key=lambda capture: capture.observed_at)
    except SourceError as exc:
        summary.error = str(exc)
        return summary
    summary.listed = len(listed)
    done = store.imported_refs(document.service, document.key, archive.origin)
    first_checked = store.first_checked_at(document.service, document.key)
    todo = []
    for capture in listed:
        if capture.ref in done:
            summary.already_imported += 1
        elif first_checked is not None and capture.observed_at >= first_checked:
            summary.after_first_check += 1  # this tracker was watching then: its own record stands
        else:
            todo.append(capture)
    timeline = _Timeline(store, document)
    try:
        for number, capture in enumerate(archive.load(document, todo), start=1):
            if capture.error is not None:
                # Not on record: an archive that failed to answer is asked again by the next import.
                summary.unavailable.append(f"{capture.listed.ref}: {capture.error}")
            else:
                _import_capture(document, store, archive, capture, timeline, summary, checks, vocabulary)
            if progress:
                progress(number, len(todo), summary)
    except SourceError as exc:
        summary.error = str(exc)
    return summary


def _import_capture(
    document: Document,
    store: Store,
    archive: Archive,
    capture: ArchivedCapture,
    timeline: _Timeline,
    summary: ImportSummary,
    checks: ChecksSettings,
    vocabulary: Vocabulary,
) -> None:
    listed = capture.listed
    when = listed.observed_at
    body = capture.body or b""
    reading = ARCHIVE_TEXT_RULES_KEY if capture.archive_text else document_rules_key(document)
    timeline.advance(when)
    base_id = timeline.base(reading)
    text = None
    if refusal := screen_body(capture.content_type, body):
        judgement = Judgement("failed", refusal=refusal)
    else:
        try:
            if capture.archive_text:
                text = extract_text(body, "text/markdown; charset=utf-8")
            else:
                text = extract_text(body, capture.content_type, Rules(document.select, document.remove))
        except ExtractionError as exc:
            judgement = Judgement("failed", refusal=Refusal("not_policy", f"not the policy page: {exc}"))
        except Exception as exc:  # a page that breaks the parser is a refused capture on record, not a stopped import
            judgement = Judgement("failed", refusal=Refusal("not_policy", f"extraction failed: {type(exc).__name__}"))
        else:
            history = History(
                previous_text=timeline.text(base_id) if base_id is not None else None,
                is_known=lambda sha256: timeline.known_before(sha256, when),
                known_sentences=lambda: frozenset(timeline.sentences),
                versions=lambda: timeline.fingerprints,
                # The archive's later captures confirm a suspect one as checks do: alike, over the same span.
                suspects=lambda: timeline.suspects.get(reading, []),
                now=when,
                dropped_sentences=lambda: frozenset(timeline.dropped),
                archive_sightings=_sightings(listed),
            )
            judgement = judge_text(
                text,
                history,
                final_url=capture.final_url,
                url=capture.url,
                checks=checks,
                vocabulary=vocabulary,
                body=body,
            )
    outcome = judgement.outcome
    # The archive re-read the page with new rules: no change, no flag; unless what it reads now adds AI text, or is
    # a text the screen held (another document, a rewrite). An upgrade can carry what the page said meanwhile: the
    # archive's old rules broke on a page that changed, and only the new ones recorded it (Meta's Terms of Service,
    # 2024-10-23 -> 2025-02-24, AI training added). AI text that new rules only leave out is no news. The tracker's
    # own reading of a snapshot is never the archive's re-reading: what differs there is the page.
    adds_ai = judgement.flag.ai and any(e.op == "insert" and e.rule for e in judgement.flag.evidence)
    carries_news = judgement.believed or (outcome == "changed" and adds_ai)
    if listed.technical and capture.archive_text and outcome in ("changed", "returned") and not carries_news:
        outcome = "technical"
    change = judgement.change if outcome in ("changed", "returned") else None
    if change is not None and outcome == "changed" and text is not None:
        # The notice it gave and how to opt out, read as a check reads them: an imported change tells its story.
        old_text = timeline.text(base_id) if base_id is not None else None
        page = story.Page(text, body, "text/markdown" if capture.archive_text else capture.content_type, capture.url)
        change = story.tell_from(
            change, store, document, page, old_text, timeline.first_seen(base_id), when, imported=True
        )
    refusal = judgement.refusal
    if refusal is not None and refusal.confirmable and listed.newest_record:
        summary.awaiting.append(f"{listed.ref}: {refusal.message}")
        return
    sha256 = hashlib.sha256(text.encode()).hexdigest() if text is not None else None
    saved = store.record_import(
        NewImport(
            service=document.service,
            document=document.key,
            url=document.url,
            origin=archive.origin,
            ref=listed.ref,
            source=archive.source,
            observed_at=when,
            outcome=outcome,
            provenance=listed.provenance,
            reason=refusal.message if refusal else None,
            refusal=refusal.kind if refusal else None,
            text=text if refusal is None else None,
            text_sha256=sha256,
            rules_key=reading,
            base_version_id=base_id,
            technical=outcome == "technical",
            snapshot=_snapshot(capture, body, when) if refusal is None else None,
            change=change,
        )
    )
    summary.imported += 1
    summary.first_observed_at = summary.first_observed_at or when
    summary.last_observed_at = when
    if judgement.fingerprint is not None:
        timeline.suspects.setdefault(reading, []).insert(0, Suspect(when, sha256, judgement.fingerprint))
    elif refusal is None:
        timeline.suspects.pop(reading, None)
    if refusal is not None:
        summary.refused.append(f"{listed.ref}: {refusal.message}")
        return
    assert saved.version_id is not None and text is not None and sha256 is not None
    summary.versions += timeline.seen(saved.version_id, reading, text, sha256, when)
    summary.technical += outcome == "technical"
    if saved.change_id is not None:
        summary.changes.append(saved.change_id)
        if judgement.flag.ai and outcome == "changed":
            summary.ai_changes.append(saved.change_id)


def _sightings(listed: CaptureRef) -> tuple[int, timedelta] | None:
    """How many times an archive that records a text only when it changes saw this one, at least, and over what span:
    looking every `cadence`, it saw it at the capture and at each look until the next record replaced it."""
    if listed.kept_until is None or not listed.cadence:
        return None
    lasted = listed.kept_until - listed.observed_at
    looks = int(lasted / listed.cadence)
    return looks, max(lasted - listed.cadence, timedelta(0))


def _snapshot(capture: ArchivedCapture, body: bytes, when: datetime) -> NewSnapshot:
    return NewSnapshot(
        url=capture.url,
        final_url=capture.final_url,
        status=capture.status,
        headers=capture.headers,
        content_type=capture.content_type,
        body=body,
        raw_sha256=hashlib.sha256(body).hexdigest(),
        fetched_at=when,
    )


class _Timeline:
    """The document's imported history as it was at the time of the capture being imported.

    Loaded once, then kept up to date in memory as the import walks forward in time: thousands of commits
    must not each re-read every earlier text.
    """

    def __init__(self, store: Store, document: Document) -> None:
        self._store = store
        self._sightings = store.sightings(document.service, document.key)
        self._next_sighting = 0
        versions = sorted(store.versions(document.service, document.key), key=lambda v: v.first_seen_at)
        self._versions = [(v.first_seen_at, v.id) for v in versions]
        self._next_version = 0
        self._first_seen = {v.text_sha256: v.first_seen_at for v in versions}
        self._ids = {v.id for v in versions}
        self._taken: set[int] = set()  # versions whose sentences and fingerprint the walk has taken in by now
        self._version_seen = {v.id: v.first_seen_at for v in versions}
        self._bases: dict[str | None, int] = {}
        self._texts: dict[int, str] = {}
        self.sentences: set[str] = set()
        # Sentences a version went without after an earlier one had them, as the store remembers them for checks
        # (tracker.flag.dropped_sentences): a page variant's sections that go again are no news.
        self.dropped: set[str] = set()
        self.fingerprints: list[Fingerprint] = []  # of every version seen by then
        self.suspects: dict[str, list[Suspect]] = {}  # per reading, since its last accepted capture, newest first

    def advance(self, when: datetime) -> None:
        """Take in what was seen up to `when`: the latest version of each reading, the sentences known by then."""
        while self._next_sighting < len(self._sightings) and self._sightings[self._next_sighting].observed_at <= when:
            sighting = self._sightings[self._next_sighting]
            self._bases[sighting.rules_key] = sighting.version_id
            self._next_sighting += 1
        while self._next_version < len(self._versions) and self._versions[self._next_version][0] < when:
            version_id = self._versions[self._next_version][1]
            if version_id not in self._taken:
                self._take_in(version_id, self._store.version_text(version_id))
            self._next_version += 1

    def base(self, reading: str) -> int | None:
        return self._bases.get(reading)

    def text(self, version_id: int) -> str:
        if version_id not in self._texts:
            self._texts[version_id] = self._store.version_text(version_id)
        return self._texts[version_id]

    def first_seen(self, version_id: int | None) -> datetime | None:
        """When the version was first seen, as far as the import has walked."""
        return self._version_seen.get(version_id) if version_id is not None else None

    def known_before(self, sha256: str, when: datetime) -> bool:
        first = self._first_seen.get(sha256)
        return first is not None and first < when

    def seen(self, version_id: int, reading: str, text: str, sha256: str, when: datetime) -> bool:
        """Record a version seen at `when`; True when it is new to the document."""
        previous = self._bases.get(reading)
        if previous is not None and previous != version_id:
            self._texts.pop(previous, None)  # only the latest text of each reading is compared against
        self._bases[reading] = version_id
        self._texts[version_id] = text
        self._first_seen[sha256] = min(self._first_seen.get(sha256, when), when)
        self._version_seen[version_id] = min(self._version_seen.get(version_id, when), when)
        new = version_id not in self._ids
        # Also a version stored by an earlier import that began later (--since): met here first, taken in here.
        if version_id not in self._taken:
            self._take_in(version_id, text)
        self._ids.add(version_id)
        return new

    def _take_in(self, version_id: int, text: str) -> None:
        keys = sentence_keys(text)
        self.dropped |= self.sentences - keys
        self.sentences |= keys
        self.fingerprints.append(fingerprint(text))
        self._taken.add(version_id)
