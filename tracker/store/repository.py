"""The queries the rest of tracker needs, returning plain records; every check is written in one transaction."""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, and_, create_engine, delete, event, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, sessionmaker

from tracker.config import VARIANT_SEPARATOR
from tracker.store.memory import pack_keys, unpack_keys
from tracker.store.migrate import current_revision, ensure_schema
from tracker.store.models import (
    ChangeRow,
    CheckRow,
    DocumentRow,
    DocumentStateRow,
    ImportRow,
    NotificationRow,
    SentenceMemoryRow,
    SnapshotRow,
    VersionRow,
)
from tracker.store.revisions import EmptyDatabase
from tracker.store.sql_reads import CheckRecord, SqlReads, Streak

if TYPE_CHECKING:
    from tracker.screen import Fingerprint, Suspect


@event.listens_for(VersionRow, "before_insert")
def _record_stated_dates(_mapper: Any, _connection: Any, version: VersionRow) -> None:
    """Every version records the dates its text states and its fingerprint for the screen, whichever path stores
    it (a check, a re-extraction, an import): derived columns, like `size`, that cannot disagree with the text."""
    if version.stated_dates is None:
        from tracker.notice import stated_dates

        version.stated_dates = [stated.as_json() for stated in stated_dates(version.text)]
    if version.fingerprint is None:
        from tracker.screen import fingerprint

        version.fingerprint = fingerprint(version.text).as_json()


@dataclass(frozen=True)
class VersionRecord:
    id: int
    service: str
    document: str
    text_sha256: str
    size: int
    first_seen_at: datetime
    last_seen_at: datetime
    snapshot_id: int | None
    rules_key: str | None = None
    reextracted_from_id: int | None = None
    origin: str = "check"
    provenance: dict[str, str] | None = None


@dataclass(frozen=True)
class SnapshotRecord:
    id: int
    url: str
    final_url: str
    status: int
    content_type: str | None
    raw_sha256: str
    raw_size: int
    fetched_at: datetime
    headers: dict[str, str]
    fetch_path: str = "http"


@dataclass(frozen=True)
class ChangeRecord:
    id: int
    service: str
    document: str
    from_version_id: int
    to_version_id: int
    detected_at: datetime
    kind: str
    ai: bool
    score: float
    category: str
    terms: list[str]
    evidence: list[dict[str, str]]
    inserted_words: int
    deleted_words: int
    origin: str = "check"
    stated_effective: date | None = None
    notice_days: int | None = None
    notice: dict[str, Any] | None = None
    opt_out: list[dict[str, str | None]] | None = None


@dataclass(frozen=True)
class DocumentState:
    """What the next check of a document needs to know about the previous ones."""

    latest: VersionRecord | None
    etag: str | None
    last_modified: str | None
    extraction_key: str | None
    raw_sha256: str | None = None
    read_text: Callable[[], str | None] = field(default=lambda: None, repr=False, compare=False)

    @functools.cached_property
    def latest_text(self) -> str | None:
        """The text in force, read when first asked for: a 304 or the same bytes again never read it."""
        return self.read_text()


@dataclass(frozen=True)
class NewSnapshot:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content_type: str | None
    body: bytes
    raw_sha256: str
    fetched_at: datetime
    fetch_path: str = "http"


@dataclass(frozen=True)
class NewChange:
    kind: str
    ai: bool
    score: float
    category: str
    terms: list[str]
    evidence: list[dict[str, str]]
    inserted_words: int
    deleted_words: int
    # The notice the change gave and the page's opt-out statements (tracker.story).
    stated_effective: date | None = None
    notice_days: int | None = None
    notice: dict[str, Any] | None = None
    opt_out: list[dict[str, str | None]] | None = None


@dataclass(frozen=True)
class NewCheck:
    """Everything one check writes. `text` is set when the check saw a valid policy text."""

    service: str
    document: str
    url: str
    started_at: datetime
    duration: float
    outcome: str
    reason: str | None = None
    refusal: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    attempts: Sequence[dict[str, Any]] = ()
    etag: str | None = None
    last_modified: str | None = None
    raw_sha256: str | None = None
    extraction_key: str | None = None
    text: str | None = None
    text_sha256: str | None = None
    rules_key: str | None = None
    # The version in force re-extracted under changed rules: recorded first, as a technical version, so that
    # the change (if any) is measured against it and a rules edit is never reported as a policy change.
    baseline: tuple[str, str] | None = None
    snapshot: NewSnapshot | None = None
    change: NewChange | None = None
    fetch_path: str = "http"
    # The notify targets (NotifyTarget.key) the change goes to: filed in the change's own transaction.
    notify: tuple[str, ...] = ()
    fingerprint: dict[str, Any] | None = None  # a suspect capture's (tracker.screen.Fingerprint.as_json)
    retry_after: float | None = None  # seconds the server asked us to wait (Retry-After on a 429 or 503)


@dataclass(frozen=True)
class SavedCheck:
    check_id: int
    version_id: int | None
    change_id: int | None
    outcome: str = ""  # as recorded: a change another process recorded first is, for this one, unchanged


@dataclass(frozen=True)
class NewImport:
    """Everything one imported capture writes: the import row, and the version and change it brought, if any.

    `observed_at` (when the archive fetched the page) is the version's sighting and the change's time;
    `base_version_id` is the version the text was judged against (the document as it was then).
    """

    service: str
    document: str
    url: str
    origin: str
    ref: str
    source: str
    observed_at: datetime
    outcome: str
    provenance: dict[str, str]
    reason: str | None = None
    refusal: str | None = None
    text: str | None = None
    text_sha256: str | None = None
    rules_key: str | None = None
    base_version_id: int | None = None
    technical: bool = False
    snapshot: NewSnapshot | None = None
    change: NewChange | None = None


@dataclass(frozen=True)
class Sighting:
    """An imported capture that became (or saw again) a version: what the next import judges against."""

    observed_at: datetime
    version_id: int
    rules_key: str | None


@dataclass(frozen=True)
class RefusedImport:
    """A capture an archive holds that the screen refused: never a version, on record with its reason."""

    service: str
    document: str
    origin: str
    ref: str
    source: str
    observed_at: datetime
    reason: str | None
    refusal: str | None


class Store:
    """The database behind tracker. Creates the schema on first use of an empty database."""

    def __init__(self, url: str, *, migrate: bool = True, create: bool = True, read_only: bool = False) -> None:
        """`create=False` (for commands that only read): an empty database is an EmptyDatabase error, not set up.
        `read_only` (the web view): every connection refuses writes, so a bug there cannot change the record."""
        self.url = url
        self.engine: Engine = _engine(url, read_only)
        if migrate:
            if not create and current_revision(self.engine) is None:
                self.engine.dispose()
                raise EmptyDatabase("the database holds no tracker records yet")
            ensure_schema(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def sql_reads(self) -> Iterator[SqlReads]:
        """The plain-SQL reads (tracker/store/sql_reads.py) on a connection of this store; SQLAlchemy still wraps
        the driver's errors (an unreachable database is an OperationalError, as from any other method)."""
        with self.engine.connect() as connection:
            yield SqlReads(
                lambda sql, parameters: connection.exec_driver_sql(sql, parameters).all(),
                self.engine.dialect.paramstyle,
            )

    # -- reads -----------------------------------------------------------------------------------------

    def document_state(self, service: str, document: str) -> DocumentState:
        with self._transaction() as session:
            doc = _find_document(session, service, document)
            if doc is None:
                return DocumentState(None, None, None, None)
            latest = _latest_version_row(session, doc.id)
            state = session.get(DocumentStateRow, doc.id)
            version_id = latest.id if latest else None
            return DocumentState(
                latest=_version_record(latest, doc) if latest else None,
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
                extraction_key=state.extraction_key if state else None,
                raw_sha256=state.raw_sha256 if state else None,
                read_text=lambda: self.version_text(version_id) if version_id is not None else None,
            )

    def sentence_memory(self, service: str, document: str) -> tuple[frozenset[str], frozenset[str]]:
        """The flag's memory of the document: the sentence keys of every stored version, and those a version
        went without after an earlier one had them (see tracker.flag.dropped_sentences)."""
        with self._transaction() as session:
            row = session.execute(
                select(SentenceMemoryRow.known, SentenceMemoryRow.dropped)
                .join(DocumentRow, SentenceMemoryRow.document_id == DocumentRow.id)
                .where(DocumentRow.service == service, DocumentRow.key == document)
            ).first()
        if row is None:
            return frozenset(), frozenset()
        return unpack_keys(row.known), unpack_keys(row.dropped)

    def find_version(self, service: str, document: str, text_sha256: str) -> VersionRecord | None:
        with self._transaction() as session:
            doc = _find_document(session, service, document)
            if doc is None:
                return None
            row = session.scalars(
                select(VersionRow).where(VersionRow.document_id == doc.id, VersionRow.text_sha256 == text_sha256)
            ).first()
            return _version_record(row, doc) if row else None

    def versions(self, service: str, document: str | None = None) -> list[VersionRecord]:
        with self._transaction() as session:
            rows = session.execute(
                select(VersionRow, DocumentRow)
                .join(DocumentRow, VersionRow.document_id == DocumentRow.id)
                .where(DocumentRow.service == service, *_document_filter(document))
                .order_by(DocumentRow.key, VersionRow.first_seen_at, VersionRow.id)
            ).all()
            return [_version_record(version, doc) for version, doc in rows]

    def version(self, version_id: int) -> VersionRecord:
        with self._transaction() as session:
            row = session.get(VersionRow, version_id)
            if row is None:
                raise KeyError(version_id)
            return _version_record(row, session.get_one(DocumentRow, row.document_id))

    def version_text(self, version_id: int) -> str:
        with self._transaction() as session:
            row = session.get(VersionRow, version_id)
            if row is None:
                raise KeyError(version_id)
            return row.text

    def version_fingerprints(self, service: str, document: str) -> list[Fingerprint]:
        """What the screen needs of every accepted version, without their texts; a version stored before they were
        kept gets its fingerprint now, once."""
        from tracker.screen import Fingerprint, fingerprint

        with self._transaction() as session:
            rows = session.execute(
                select(VersionRow.id, VersionRow.fingerprint)
                .join(DocumentRow, VersionRow.document_id == DocumentRow.id)
                .where(DocumentRow.service == service, DocumentRow.key == document)
                .order_by(VersionRow.first_seen_at, VersionRow.id)
            ).all()
            prints = []
            for version_id, stored in rows:
                found = Fingerprint.from_json(stored)
                if found is None:
                    row = session.get_one(VersionRow, version_id)
                    found = fingerprint(row.text)
                    row.fingerprint = found.as_json()
                prints.append(found)
            return prints

    def suspects_since_accepted(self, service: str, document: str, limit: int = 500) -> list[Suspect]:
        """The suspect captures of the document since its last check that accepted a text, newest first."""
        from tracker.screen import Fingerprint, Suspect

        with self._transaction() as session:
            rows = session.execute(
                select(CheckRow.outcome, CheckRow.started_at, CheckRow.text_sha256, CheckRow.fingerprint)
                .join(DocumentRow, CheckRow.document_id == DocumentRow.id)
                .where(DocumentRow.service == service, DocumentRow.key == document)
                .order_by(CheckRow.started_at.desc(), CheckRow.id.desc())
                .limit(limit)
            ).all()
        suspects = []
        for outcome, started_at, text_sha256, stored in rows:
            if outcome != "failed":
                break
            if stored is not None:
                suspects.append(Suspect(started_at, text_sha256, Fingerprint.from_json(stored)))
        return suspects

    def version_dates(self, service: str, document: str) -> list[tuple[int, datetime, list[dict[str, str]] | None]]:
        """Each version of the document, oldest first: its id, when it was first seen, the dates it states."""
        with self._transaction() as session:
            rows = session.execute(
                select(VersionRow.id, VersionRow.first_seen_at, VersionRow.stated_dates)
                .join(DocumentRow, VersionRow.document_id == DocumentRow.id)
                .where(DocumentRow.service == service, DocumentRow.key == document)
                .order_by(VersionRow.first_seen_at, VersionRow.id)
            ).all()
            return [(version_id, seen, dates) for version_id, seen, dates in rows]

    def snapshot(self, snapshot_id: int) -> SnapshotRecord:
        with self._transaction() as session:
            row = session.get(SnapshotRow, snapshot_id)
            if row is None:
                raise KeyError(snapshot_id)
            return _snapshot_record(row)

    def snapshot_provenance(self, snapshot_id: int) -> tuple[str, dict[str, str] | None]:
        """Who took a capture: "check" (this tracker's fetch) or the archive an imported version came from, with
        the version's provenance (repository and commit, or the Wayback capture)."""
        with self._transaction() as session:
            row = session.execute(
                select(VersionRow.origin, VersionRow.provenance).where(VersionRow.snapshot_id == snapshot_id).limit(1)
            ).first()
        return (row.origin, row.provenance) if row else ("check", None)

    def snapshot_body(self, snapshot_id: int) -> bytes:
        with self._transaction() as session:
            row = session.get(SnapshotRow, snapshot_id)
            if row is None:
                raise KeyError(snapshot_id)
            return gzip.decompress(row.body_gzip)

    def changes(
        self,
        service: str | None = None,
        document: str | None = None,
        *,
        ai_only: bool = False,
        since: datetime | None = None,
        limit: int | None = None,
        origin: str | None = None,
        kinds: Sequence[str] | None = None,
        offset: int = 0,
    ) -> list[ChangeRecord]:
        """Detected changes, newest first; `origin` keeps those of one origin (check, ota, wayback), `kinds` those
        of these kinds; `offset` skips the newest ones (a page of a long listing)."""
        query = select(ChangeRow, DocumentRow).join(DocumentRow, ChangeRow.document_id == DocumentRow.id)
        if service:
            query = query.where(DocumentRow.service == service)
        query = query.where(*_document_filter(document))
        if ai_only:
            query = query.where(ChangeRow.ai.is_(True))
        if since:
            query = query.where(ChangeRow.detected_at >= since)
        if origin:
            query = query.where(ChangeRow.origin == origin)
        if kinds is not None:
            query = query.where(ChangeRow.kind.in_(kinds))
        query = query.order_by(ChangeRow.detected_at.desc(), ChangeRow.id.desc()).limit(limit).offset(offset or None)
        with self._transaction() as session:
            return [_change_record(change, doc) for change, doc in session.execute(query).all()]

    def change(self, change_id: int) -> ChangeRecord | None:
        with self._transaction() as session:
            row = session.execute(
                select(ChangeRow, DocumentRow)
                .join(DocumentRow, ChangeRow.document_id == DocumentRow.id)
                .where(ChangeRow.id == change_id)
            ).first()
            return _change_record(*row) if row else None

    def checks(
        self, service: str | None = None, document: str | None = None, limit: int | None = 50, *, suspect: bool = False
    ) -> list[CheckRecord]:
        """The most recent checks, newest first (`limit` None: all). With `suspect`, only the suspect captures:
        failed checks whose page the screen refused and kept as evidence (CheckRecord.suspect), found in SQL."""
        query = select(CheckRow, DocumentRow).join(DocumentRow, CheckRow.document_id == DocumentRow.id)
        if service:
            query = query.where(DocumentRow.service == service)
        query = query.where(*_document_filter(document))
        if suspect:
            query = query.where(CheckRow.outcome == "failed", CheckRow.snapshot_id.is_not(None))
        query = query.order_by(CheckRow.started_at.desc(), CheckRow.id.desc()).limit(limit)
        with self._transaction() as session:
            return [_check_record(check, doc) for check, doc in session.execute(query).all()]

    # -- the one write -----------------------------------------------------------------------------------

    def record_check(self, check: NewCheck) -> SavedCheck:
        """Write one check and what it found, atomically: after a crash, either all of it is there or none."""
        try:
            return self._record_check(check)
        except IntegrityError:
            # Another process (`tracker check` beside the daemon) wrote the same document or version first:
            # the transaction rolled back whole, and a second try finds its rows and goes on from them.
            return self._record_check(check)

    def _record_check(self, check: NewCheck) -> SavedCheck:
        with self._transaction() as session:
            doc = _find_document(session, check.service, check.document)
            if doc is None:
                doc = DocumentRow(service=check.service, key=check.document, url=check.url, created_at=check.started_at)
                session.add(doc)
                session.flush()
            elif doc.url != check.url:
                doc.url = check.url
            previous = _latest_version_row(session, doc.id)
            if previous is not None and check.baseline is not None:
                previous = _reextracted(session, previous, *check.baseline, check.rules_key, check.started_at)
            version_id = change_id = None
            if check.outcome == "unchanged" and check.text is None and previous is not None:
                # A 304, or the very bytes of the last good capture: the version in force was seen again.
                previous.last_seen_at = max(previous.last_seen_at, check.started_at)
                version_id = previous.id
            elif check.text is not None and check.text_sha256 is not None:
                version = session.scalars(
                    select(VersionRow).where(
                        VersionRow.document_id == doc.id, VersionRow.text_sha256 == check.text_sha256
                    )
                ).first()
                if version is None:
                    snapshot_id = _add_snapshot(session, doc.id, check.snapshot) if check.snapshot else None
                    version = VersionRow(
                        document_id=doc.id,
                        snapshot_id=snapshot_id,
                        text=check.text,
                        text_sha256=check.text_sha256,
                        size=len(check.text),
                        first_seen_at=check.started_at,
                        last_seen_at=check.started_at,
                        rules_key=check.rules_key,
                    )
                    _add_version(session, version)
                else:
                    version.last_seen_at = max(version.last_seen_at, check.started_at)
                    version.rules_key = check.rules_key or version.rules_key
                version_id = version.id
                if check.change is not None and previous is not None and previous.id != version.id:
                    change = ChangeRow(
                        document_id=doc.id,
                        from_version_id=previous.id,
                        to_version_id=version.id,
                        detected_at=check.started_at,
                        **vars(check.change),
                    )
                    session.add(change)
                    session.flush()
                    change_id = change.id
                    session.add_all(
                        NotificationRow(
                            change_id=change.id,
                            target=target,
                            created_at=check.started_at,
                            status="pending",
                            attempts=0,
                            next_attempt_at=check.started_at,
                        )
                        for target in check.notify
                    )
            evidence_id = None
            if check.outcome == "failed" and check.snapshot is not None:
                evidence_id = _add_snapshot(session, doc.id, check.snapshot)
            outcome = check.outcome
            if (
                outcome in ("first_version", "changed", "returned")
                and previous is not None
                and previous.id == version_id
            ):
                outcome = "unchanged"  # the text in force is already this one: another check got there first
            row = CheckRow(
                document_id=doc.id,
                started_at=check.started_at,
                duration=check.duration,
                outcome=outcome,
                reason=check.reason,
                refusal=check.refusal,
                url=check.url,
                final_url=check.final_url,
                http_status=check.http_status,
                attempts=list(check.attempts),
                etag=check.etag,
                last_modified=check.last_modified,
                raw_sha256=check.raw_sha256,
                extraction_key=check.extraction_key,
                text_sha256=check.text_sha256,
                version_id=version_id,
                change_id=change_id,
                fetch_path=check.fetch_path,
                snapshot_id=evidence_id,
                fingerprint=check.fingerprint,
                retry_after=check.retry_after,
            )
            session.add(row)
            session.flush()
            _record_state(session, row)
            return SavedCheck(check_id=row.id, version_id=version_id, change_id=change_id, outcome=outcome)

    # -- imports from archives (tracker import) ------------------------------------------------------------

    def imported_refs(self, service: str, document: str, origin: str) -> set[str]:
        """The captures of this archive already imported for the document (what a new import skips)."""
        with self._transaction() as session:
            return set(
                session.scalars(
                    select(ImportRow.ref)
                    .join(DocumentRow, ImportRow.document_id == DocumentRow.id)
                    .where(DocumentRow.service == service, DocumentRow.key == document, ImportRow.origin == origin)
                )
            )

    def first_checked_at(self, service: str, document: str) -> datetime | None:
        """When this tracker's own checks first saw a version of the document: imports fill the time before."""
        with self._transaction() as session:
            return session.scalar(
                select(func.min(CheckRow.started_at))
                .join(DocumentRow, CheckRow.document_id == DocumentRow.id)
                .where(DocumentRow.service == service, DocumentRow.key == document, CheckRow.version_id.is_not(None))
            )

    def sightings(self, service: str, document: str) -> list[Sighting]:
        """Every imported capture that saw a version of the document, in time order."""
        with self._transaction() as session:
            rows = session.execute(
                select(ImportRow.observed_at, ImportRow.version_id, VersionRow.rules_key)
                .join(DocumentRow, ImportRow.document_id == DocumentRow.id)
                .join(VersionRow, ImportRow.version_id == VersionRow.id)
                .where(DocumentRow.service == service, DocumentRow.key == document)
                .order_by(ImportRow.observed_at, ImportRow.id)
            ).all()
            return [Sighting(observed_at, version_id, rules_key) for observed_at, version_id, rules_key in rows]

    def refused_imports(self, service: str, document: str | None = None) -> list[RefusedImport]:
        """The archives' captures of a service's documents that the screen refused, oldest first."""
        with self._transaction() as session:
            rows = session.execute(
                select(ImportRow, DocumentRow)
                .join(DocumentRow, ImportRow.document_id == DocumentRow.id)
                .where(DocumentRow.service == service, *_document_filter(document), ImportRow.outcome == "failed")
                .order_by(ImportRow.observed_at, ImportRow.id)
            ).all()
            return [
                RefusedImport(
                    doc.service, doc.key, row.origin, row.ref, row.source, row.observed_at, row.reason, row.refusal
                )
                for row, doc in rows
            ]

    def record_import(self, imported: NewImport) -> SavedCheck:
        """Write one imported capture and what it brought, atomically (`check_id` is the import row's id).

        A capture another run imported first (two imports at once) is not written twice: its row is returned.
        """
        try:
            return self._record_import(imported)
        except IntegrityError:
            with self._transaction() as session:
                row = session.scalars(
                    select(ImportRow)
                    .join(DocumentRow, ImportRow.document_id == DocumentRow.id)
                    .where(
                        DocumentRow.service == imported.service,
                        DocumentRow.key == imported.document,
                        ImportRow.origin == imported.origin,
                        ImportRow.ref == imported.ref,
                    )
                ).first()
            if row is None:  # the race was on the document or the version: a second try finds their rows
                return self._record_import(imported)
            return SavedCheck(check_id=row.id, version_id=row.version_id, change_id=row.change_id, outcome=row.outcome)

    def _record_import(self, imported: NewImport) -> SavedCheck:
        when = imported.observed_at
        with self._transaction() as session:
            doc = _find_document(session, imported.service, imported.document)
            if doc is None:
                doc = DocumentRow(
                    service=imported.service, key=imported.document, url=imported.url, created_at=datetime.now(UTC)
                )
                session.add(doc)
                session.flush()
            version_id = change_id = None
            if imported.text is not None and imported.text_sha256 is not None:
                version = session.scalars(
                    select(VersionRow).where(
                        VersionRow.document_id == doc.id, VersionRow.text_sha256 == imported.text_sha256
                    )
                ).first()
                if version is None:
                    snapshot_id = _add_snapshot(session, doc.id, imported.snapshot) if imported.snapshot else None
                    version = VersionRow(
                        document_id=doc.id,
                        snapshot_id=snapshot_id,
                        text=imported.text,
                        text_sha256=imported.text_sha256,
                        size=len(imported.text),
                        first_seen_at=when,
                        last_seen_at=when,
                        rules_key=imported.rules_key,
                        reextracted_from_id=imported.base_version_id if imported.technical else None,
                        origin=imported.origin,
                        provenance=imported.provenance,
                    )
                    _add_version(session, version)
                else:
                    if when < version.first_seen_at:
                        # An archive saw this text before anyone else did: the earliest sighting is its provenance.
                        version.first_seen_at = when
                        version.origin = imported.origin
                        version.provenance = imported.provenance
                        session.flush()
                        _rebuild_memory(session, doc.id)  # the texts' order changed: what went and came back too
                    version.last_seen_at = max(version.last_seen_at, when)
                version_id = version.id
                base = imported.base_version_id
                if imported.change is not None and base is not None and base != version.id:
                    change = ChangeRow(
                        document_id=doc.id,
                        from_version_id=base,
                        to_version_id=version.id,
                        detected_at=when,
                        origin=imported.origin,
                        **vars(imported.change),
                    )
                    session.add(change)
                    session.flush()
                    change_id = change.id
            row = ImportRow(
                document_id=doc.id,
                origin=imported.origin,
                ref=imported.ref,
                source=imported.source,
                observed_at=when,
                imported_at=datetime.now(UTC),
                outcome=imported.outcome,
                reason=imported.reason,
                refusal=imported.refusal,
                text_sha256=imported.text_sha256,
                version_id=version_id,
                change_id=change_id,
            )
            session.add(row)
            session.flush()
            return SavedCheck(check_id=row.id, version_id=version_id, change_id=change_id, outcome=imported.outcome)

    # -- document health (tracker status, the daemon) ------------------------------------------------------

    def latest_checks(
        self, service: str | None = None, document: str | None = None
    ) -> dict[tuple[str, str], CheckRecord]:
        """The newest check of each document that has one: one row each, through its state."""
        with self.sql_reads() as reads:
            return reads.latest_checks(service, document)

    def check_streaks(self, service: str | None = None, document: str | None = None) -> dict[tuple[str, str], Streak]:
        """Per document: when it was first checked, its last successful check (None: never), failed checks since."""
        with self.sql_reads() as reads:
            return reads.check_streaks(service, document)

    # -- retention (tracker db prune) ----------------------------------------------------------------------

    def prune_checks(
        self, before: datetime, *, dry_run: bool = False, progress: Callable[[int, int, int], None] | None = None
    ) -> PruneResult:
        """Thin the unchanged checks started before `before` to the first of each document and day.

        Failures, first versions, changes and returns stay forever, and so does each document's newest check:
        only the rows that say "seen again, the same" go, and one a day still says the document was watched.
        One document at a time, so that memory stays flat and a daemon writing beside waits one batch at most;
        `progress(documents done, documents, rows deleted so far)` after each document.
        """
        with self._transaction() as session:
            documents = session.execute(select(DocumentStateRow.document_id, DocumentStateRow.last_check_id)).all()
            total = session.scalar(select(func.count(CheckRow.id))) or 0
        candidates = deleted = 0
        for done, (document_id, newest) in enumerate(documents, start=1):
            with self._transaction() as session:
                rows = session.execute(
                    select(CheckRow.id, CheckRow.started_at)
                    .where(
                        CheckRow.document_id == document_id,
                        CheckRow.outcome == "unchanged",
                        CheckRow.change_id.is_(None),
                        CheckRow.started_at < before,
                        CheckRow.id != newest,
                    )
                    .order_by(CheckRow.started_at, CheckRow.id)
                ).all()
            kept_days: set[date] = set()
            doomed = []
            for check_id, started_at in rows:
                if started_at.date() in kept_days:
                    doomed.append(check_id)
                kept_days.add(started_at.date())
            candidates, deleted = candidates + len(rows), deleted + len(doomed)
            for start in range(0, 0 if dry_run else len(doomed), PRUNE_BATCH):
                with self._transaction() as session:
                    session.execute(delete(CheckRow).where(CheckRow.id.in_(doomed[start : start + PRUNE_BATCH])))
            if progress:
                progress(done, len(documents), deleted)
        return PruneResult(checks=total, unchanged_old=candidates, deleted=deleted, dry_run=dry_run)


PRUNE_BATCH = 5000  # rows deleted per transaction: a daemon writing beside the prune waits for one batch at most


@dataclass(frozen=True)
class PruneResult:
    checks: int  # check rows before the prune
    unchanged_old: int  # of which unchanged and older than the retention
    deleted: int  # of which deleted (or, in a dry run, that would be)
    dry_run: bool


def _record_state(session: Session, check: CheckRow) -> None:
    """Fold a check just written into its document's state, in the same transaction."""
    success = check.outcome != "failed"
    validators = {
        "etag": check.etag,
        "last_modified": check.last_modified,
        "raw_sha256": check.raw_sha256,
        "extraction_key": check.extraction_key,
    }
    # Locked on PostgreSQL: two processes recording checks of one document add up their failures, not lose one.
    state = session.get(DocumentStateRow, check.document_id, with_for_update=True)
    if state is None:
        session.add(
            DocumentStateRow(
                document_id=check.document_id,
                first_checked_at=check.started_at,
                last_check_id=check.id,
                last_checked_at=check.started_at,
                last_success_at=check.started_at if success else None,
                failures_since_success=0 if success else 1,
                **(validators if success else {}),
            )
        )
        session.flush()
        return
    in_order = (check.started_at, check.id) >= (state.last_checked_at, state.last_check_id)
    state.first_checked_at = min(state.first_checked_at, check.started_at)
    if in_order:
        state.last_check_id, state.last_checked_at = check.id, check.started_at
    if success and (state.last_success_at is None or check.started_at >= state.last_success_at):
        state.last_success_at = check.started_at
        for name, value in validators.items():
            setattr(state, name, value)
        # Recorded late (another process checked meanwhile): the failures after it are counted, not assumed none.
        state.failures_since_success = 0 if in_order else _failures_after(session, check.document_id, check.started_at)
    elif not success and (state.last_success_at is None or check.started_at > state.last_success_at):
        state.failures_since_success += 1


def _failures_after(session: Session, document_id: int, moment: datetime) -> int:
    return (
        session.scalar(
            select(func.count(CheckRow.id)).where(
                CheckRow.document_id == document_id, CheckRow.outcome == "failed", CheckRow.started_at > moment
            )
        )
        or 0
    )


def _add_version(session: Session, version: VersionRow) -> None:
    """Store a new version and fold its sentences into the document's memory (tracker.flag.dropped_sentences):
    once, here. A version that is not the newest by first sighting (an import of older history, a re-extraction)
    changes what came after it, so the memory is then rebuilt from every text, oldest first."""
    from tracker.flag import sentence_keys

    session.add(version)
    session.flush()
    later = session.scalar(
        select(VersionRow.id)
        .where(
            VersionRow.document_id == version.document_id,
            or_(
                VersionRow.first_seen_at > version.first_seen_at,
                and_(VersionRow.first_seen_at == version.first_seen_at, VersionRow.id > version.id),
            ),
        )
        .limit(1)
    )
    memory = session.get(SentenceMemoryRow, version.document_id, with_for_update=True)
    if later is not None or (memory is None and _version_count(session, version.document_id) > 1):
        _rebuild_memory(session, version.document_id)
        return
    known = unpack_keys(memory.known) if memory else frozenset()
    dropped = unpack_keys(memory.dropped) if memory else frozenset()
    keys = sentence_keys(version.text)
    _save_memory(session, version.document_id, known | keys, dropped | (known - keys), memory)


def _rebuild_memory(session: Session, document_id: int) -> None:
    """The document's sentence memory from every text, oldest first: when history was reordered."""
    from tracker.flag import dropped_sentences, sentence_keys

    texts = session.scalars(
        select(VersionRow.text)
        .where(VersionRow.document_id == document_id)
        .order_by(VersionRow.first_seen_at, VersionRow.id)
    ).all()
    memory = session.get(SentenceMemoryRow, document_id, with_for_update=True)
    _save_memory(session, document_id, frozenset().union(*map(sentence_keys, texts)), dropped_sentences(texts), memory)


def _save_memory(
    session: Session, document_id: int, known: frozenset[str], dropped: frozenset[str], memory: SentenceMemoryRow | None
) -> None:
    count = _version_count(session, document_id)
    if memory is None:
        memory = SentenceMemoryRow(document_id=document_id)
        session.add(memory)
    memory.known, memory.dropped, memory.versions = pack_keys(known), pack_keys(dropped), count
    session.flush()


def _version_count(session: Session, document_id: int) -> int:
    return session.scalar(select(func.count(VersionRow.id)).where(VersionRow.document_id == document_id)) or 0


def _engine(url: str, read_only: bool = False) -> Engine:
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets `tracker history` read while the daemon writes; the timeout waits out a writer.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
            cursor.close()

    elif read_only:

        @event.listens_for(engine, "connect")
        def _read_only_session(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.read_only = True  # psycopg: every transaction is READ ONLY

    return engine


def _find_document(session: Session, service: str, document: str) -> DocumentRow | None:
    return session.scalars(
        select(DocumentRow).where(DocumentRow.service == service, DocumentRow.key == document)
    ).first()


def _document_filter(document: str | None) -> list[Any]:
    """A document's key also selects its variants (`privacy-policy` takes `privacy-policy@eu`); a variant's, itself."""
    if not document:
        return []
    if VARIANT_SEPARATOR in document:
        return [DocumentRow.key == document]
    return [or_(DocumentRow.key == document, DocumentRow.key.startswith(document + VARIANT_SEPARATOR, autoescape=True))]


def _latest_version_row(session: Session, document_id: int) -> VersionRow | None:
    # The version in force is the one seen last: a return to an older text moves that text back on top.
    return session.scalars(
        select(VersionRow)
        .options(defer(VersionRow.text))  # read only when asked for (DocumentState.latest_text)
        .where(VersionRow.document_id == document_id)
        .order_by(VersionRow.last_seen_at.desc(), VersionRow.id.desc())
        .limit(1)
    ).first()


def _reextracted(
    session: Session, previous: VersionRow, text: str, text_sha256: str, rules_key: str | None, when: datetime
) -> VersionRow:
    """The version in force as the current rules read its snapshot; a new version only if the text differs."""
    if text_sha256 == previous.text_sha256:
        previous.rules_key = rules_key
        return previous
    version = session.scalars(
        select(VersionRow).where(VersionRow.document_id == previous.document_id, VersionRow.text_sha256 == text_sha256)
    ).first()
    if version is None:
        version = VersionRow(
            document_id=previous.document_id,
            snapshot_id=previous.snapshot_id,
            text=text,
            text_sha256=text_sha256,
            size=len(text),
            first_seen_at=previous.first_seen_at,
            last_seen_at=max(previous.last_seen_at, when),
            rules_key=rules_key,
            reextracted_from_id=previous.id,
        )
        _add_version(session, version)
    else:
        version.last_seen_at = max(version.last_seen_at, when)
    return version


def _add_snapshot(session: Session, document_id: int, snapshot: NewSnapshot) -> int:
    row = SnapshotRow(
        document_id=document_id,
        url=snapshot.url,
        final_url=snapshot.final_url,
        status=snapshot.status,
        headers=snapshot.headers,
        content_type=snapshot.content_type[:200] if snapshot.content_type else None,
        body_gzip=gzip.compress(snapshot.body, compresslevel=6, mtime=0),
        raw_sha256=snapshot.raw_sha256,
        raw_size=len(snapshot.body),
        fetched_at=snapshot.fetched_at,
        fetch_path=snapshot.fetch_path,
    )
    session.add(row)
    session.flush()
    return row.id


def _version_record(row: VersionRow, doc: DocumentRow) -> VersionRecord:
    return VersionRecord(
        id=row.id,
        service=doc.service,
        document=doc.key,
        text_sha256=row.text_sha256,
        size=row.size,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        snapshot_id=row.snapshot_id,
        rules_key=row.rules_key,
        reextracted_from_id=row.reextracted_from_id,
        origin=row.origin,
        provenance=row.provenance,
    )


def _snapshot_record(row: SnapshotRow) -> SnapshotRecord:
    return SnapshotRecord(
        id=row.id,
        url=row.url,
        final_url=row.final_url,
        status=row.status,
        content_type=row.content_type,
        raw_sha256=row.raw_sha256,
        raw_size=row.raw_size,
        fetched_at=row.fetched_at,
        headers=row.headers,
        fetch_path=row.fetch_path,
    )


def _change_record(row: ChangeRow, doc: DocumentRow) -> ChangeRecord:
    return ChangeRecord(
        id=row.id,
        service=doc.service,
        document=doc.key,
        from_version_id=row.from_version_id,
        to_version_id=row.to_version_id,
        detected_at=row.detected_at,
        kind=row.kind,
        ai=row.ai,
        score=row.score,
        category=row.category,
        terms=list(row.terms),
        evidence=list(row.evidence),
        inserted_words=row.inserted_words,
        deleted_words=row.deleted_words,
        origin=row.origin,
        stated_effective=row.stated_effective,
        notice_days=row.notice_days,
        notice=row.notice,
        opt_out=row.opt_out,
    )


def _check_record(row: CheckRow, doc: DocumentRow) -> CheckRecord:
    return CheckRecord(
        id=row.id,
        service=doc.service,
        document=doc.key,
        started_at=row.started_at,
        duration=row.duration,
        outcome=row.outcome,
        reason=row.reason,
        refusal=row.refusal,
        http_status=row.http_status,
        text_sha256=row.text_sha256,
        version_id=row.version_id,
        change_id=row.change_id,
        fetch_path=row.fetch_path,
        snapshot_id=row.snapshot_id,
        retry_after=row.retry_after,
        held=row.fingerprint is not None,
    )
