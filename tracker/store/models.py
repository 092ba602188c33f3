"""The database schema: documents, snapshots (raw captures), versions (extracted text), checks and changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints let Alembic's batch mode rebuild SQLite tables and ALTER PostgreSQL ones alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CHECK_OUTCOMES = ("unchanged", "first_version", "changed", "returned", "failed")
CHANGE_KINDS = ("change", "return_of_known_version", "document_replaced")
# Who observed a version or a change: this tracker's own checks, or an archive it was imported from.
ORIGINS = ("check", "ota", "wayback")
IMPORT_OUTCOMES = ("first_version", "unchanged", "changed", "returned", "technical", "failed")
FETCH_PATHS = ("http", "browser")  # the bytes as served, or the DOM after the page's scripts ran


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; SQLite hands back naive ones, so the zone is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("service", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SnapshotRow(Base):
    """The raw capture a version was extracted from, kept so that every version can be cited and re-extracted."""

    __tablename__ = "snapshots"
    __table_args__ = (CheckConstraint(f"fetch_path IN {FETCH_PATHS!r}", name="fetch_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    content_type: Mapped[str | None] = mapped_column(String(200))
    body_gzip: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when the bytes are asked for
    raw_sha256: Mapped[str] = mapped_column(String(64))
    raw_size: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetch_path: Mapped[str] = mapped_column(String(10), default="http", server_default="http")


class VersionRow(Base):
    """One distinct text of a document."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("document_id", "text_sha256"),
        CheckConstraint(f"origin IN {ORIGINS!r}", name="origin"),
        # The version in force (seen last) and the history oldest first, without reading any text.
        Index("ix_versions_document_last_seen", "document_id", "last_seen_at", "id"),
        Index("ix_versions_document_first_seen", "document_id", "first_seen_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Which extraction rules made this text; a version re-extracted under new rules names its source.
    rules_key: Mapped[str | None] = mapped_column(String(64))
    reextracted_from_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    # Who saw this text first (first_seen_at is when), and for an archive where: repository and commit, or
    # the Wayback timestamp and capture URL.
    origin: Mapped[str] = mapped_column(String(10), default="check", server_default="check")
    provenance: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # The dates the text states about itself (tracker.notice.StatedDate.as_json); None: stored before migration 0006.
    stated_dates: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    # What the screen judges new captures by (tracker.screen.Fingerprint.as_json); None: stored before migration 0009.
    fingerprint: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ChangeRow(Base):
    """A detected difference between two versions, with its AI flag."""

    __tablename__ = "changes"
    __table_args__ = (
        CheckConstraint(f"kind IN {CHANGE_KINDS!r}", name="kind"),
        CheckConstraint(f"origin IN {ORIGINS!r}", name="origin"),
        Index("ix_changes_detected_at", "detected_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(30))
    ai: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(40))
    terms: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    inserted_words: Mapped[int] = mapped_column(Integer)
    deleted_words: Mapped[int] = mapped_column(Integer)
    # `check`: this tracker saw it happen (news for the digest); `ota`, `wayback`: history brought in by an import.
    origin: Mapped[str] = mapped_column(String(10), default="check", server_default="check")
    # The notice the change gave (tracker.notice.Notice) and, for AI changes, the page's opt-out statements.
    stated_effective: Mapped[date | None] = mapped_column(Date)
    notice_days: Mapped[int | None] = mapped_column(Integer)
    notice: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    opt_out: Mapped[list[dict[str, str | None]] | None] = mapped_column(JSON)


class CheckRow(Base):
    """Every attempt to check a document, successful or not: the daemon's memory and the audit trail."""

    __tablename__ = "checks"
    __table_args__ = (
        CheckConstraint(f"outcome IN {CHECK_OUTCOMES!r}", name="outcome"),
        CheckConstraint(f"fetch_path IN {FETCH_PATHS!r}", name="fetch_path"),
        Index("ix_checks_document_started", "document_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    refusal: Mapped[str | None] = mapped_column(String(30))
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    extraction_key: Mapped[str | None] = mapped_column(String(64))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"))
    fetch_path: Mapped[str] = mapped_column(String(10), default="http", server_default="http")
    # A suspect capture (a failed check whose page was screened out): its raw bytes kept as evidence and, when later
    # checks may confirm it, what the screen saw in its text, to know them alike (docs/decisions/0014).
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    fingerprint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Seconds the server asked us to wait before asking again (Retry-After on a 429 or 503), as it said them.
    retry_after: Mapped[float | None] = mapped_column(Float)


class ImportRow(Base):
    """One capture brought in from an archive and what became of it: the import's memory and audit trail.

    UNIQUE(document, origin, ref) makes a second import add nothing and an interrupted one resume where it stopped.
    """

    __tablename__ = "imports"
    __table_args__ = (
        UniqueConstraint("document_id", "origin", "ref"),
        CheckConstraint(f"origin IN {ORIGINS[1:]!r}", name="origin"),
        CheckConstraint(f"outcome IN {IMPORT_OUTCOMES!r}", name="outcome"),
        Index("ix_imports_document_observed", "document_id", "observed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    origin: Mapped[str] = mapped_column(String(10))
    ref: Mapped[str] = mapped_column(Text)  # the commit, or the Wayback timestamp and original URL
    source: Mapped[str] = mapped_column(Text)  # the repository, or the Wayback Machine's address
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the archive fetched the page
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    refusal: Mapped[str | None] = mapped_column(String(30))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"))


DIGEST_STATUSES = ("pending", "sent", "failed")  # failed: refused for good, see Outbox.mark_failed


class DigestRow(Base):
    """One digest email to one recipient: rendered once, kept until the SMTP server has accepted it (the outbox)."""

    __tablename__ = "digests"
    __table_args__ = (
        CheckConstraint(f"status IN {DIGEST_STATUSES!r}", name="status"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_at"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # The target of digest_changes' (digest_id, recipient) key: a change is filed under its digest's recipient.
        UniqueConstraint("id", "recipient", name="uq_digests_id_recipient"),
        Index("ix_digests_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_digests_recipient_created_at", "recipient", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(250))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer)
    refusals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # permanent (5xx) refusals
    # Attempts that timed out after the whole message was sent: the server may have taken it.
    unconfirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a run is sending it; see Outbox.claim
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestChangeRow(Base):
    """A change covered by a digest. UNIQUE(change_id, recipient): a change goes into one digest per recipient."""

    __tablename__ = "digest_changes"
    __table_args__ = (
        UniqueConstraint("change_id", "recipient"),
        ForeignKeyConstraint(
            ["digest_id", "recipient"],
            ["digests.id", "digests.recipient"],
            name="fk_digest_changes_digest_id_digests",
        ),
    )

    digest_id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))


NOTIFICATION_STATUSES = ("pending", "sent")


class NotificationRow(Base):
    """One change to post to one notify target: filed with the change, kept until the service has taken it.

    UNIQUE(change_id, target): a change is filed once per target, so it is posted at most once per target
    (but for a crash between the service's answer and the commit that records it: see docs/decisions/0018).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("change_id", "target"),
        CheckConstraint(f"status IN {NOTIFICATION_STATUSES!r}", name="status"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_at"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"))
    target: Mapped[str] = mapped_column(String(100))  # NotifyTarget.key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a run is sending it
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DocumentStateRow(Base):
    """Each document's standing, updated in the transaction that records each of its checks: health, status and
    the next check read this one row, never the history, so their cost does not grow with it."""

    __tablename__ = "document_states"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    first_checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_check_id: Mapped[int] = mapped_column(ForeignKey("checks.id"))  # the newest attempt (started_at, id)
    last_checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures_since_success: Mapped[int] = mapped_column(Integer)  # failed checks started after last_success_at
    # From the newest successful check: what the next one sends (validators) and compares (the bytes' keys).
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    extraction_key: Mapped[str | None] = mapped_column(String(64))


class SentenceMemoryRow(Base):
    """The flag's memory of a document: the keys of every sentence its versions held (`known`), and of those a
    version went without after an earlier one had them (`dropped`), each gzipped, one key a line. Folded in once
    per new version, in the transaction that stores it; never rebuilt from every text on each change."""

    __tablename__ = "sentence_memory"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    known: Mapped[bytes] = mapped_column(LargeBinary)
    dropped: Mapped[bytes] = mapped_column(LargeBinary)
    versions: Mapped[int] = mapped_column(Integer)  # how many versions are folded in
