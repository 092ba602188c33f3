"""The digest outbox: which changes a recipient has not been sent yet, and digests kept until SMTP accepts them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from tracker.store.models import ChangeRow, DigestChangeRow, DigestRow, DocumentRow
from tracker.store.repository import ChangeRecord, Store, _change_record
from tracker.store.sql_reads import PendingDigest

FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)
MAX_REFUSALS = 3  # permanent (5xx) refusals before a digest is given up: status `failed`


@dataclass(frozen=True)
class NewDigest:
    recipient: str
    subject: str
    message_id: str
    body_text: str
    body_html: str
    change_ids: tuple[int, ...]


@dataclass(frozen=True)
class StoredDigest:
    """A digest as rendered when it was created: a retry sends exactly this."""

    id: int
    recipient: str
    created_at: datetime
    subject: str
    message_id: str
    body_text: str
    body_html: str
    attempts: int


def retry_delay(attempts: int) -> timedelta:
    """5 minutes after the first failure, doubling, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


class Outbox:
    """Digests waiting for, or done with, the SMTP server; every state change is one short transaction."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    # -- what to send ------------------------------------------------------------------------------------

    def unsent_changes(self, recipient: str, since: datetime | None = None) -> list[ChangeRecord]:
        """Changes this tracker saw (not imported history) in no digest of this recipient, oldest first."""
        covered = exists().where(DigestChangeRow.change_id == ChangeRow.id, DigestChangeRow.recipient == recipient)
        query = (
            select(ChangeRow, DocumentRow)
            .join(DocumentRow, ChangeRow.document_id == DocumentRow.id)
            .where(~covered, ChangeRow.origin == "check")
            .order_by(ChangeRow.detected_at, ChangeRow.id)
        )
        if since is not None:
            query = query.where(ChangeRow.detected_at >= since)
        with self._sessions.begin() as session:
            return [_change_record(change, doc) for change, doc in session.execute(query).all()]

    def changes_between(self, start: datetime, end: datetime) -> list[ChangeRecord]:
        """Every change detected in [start, end), in a digest already or not, oldest first: a past period."""
        query = (
            select(ChangeRow, DocumentRow)
            .join(DocumentRow, ChangeRow.document_id == DocumentRow.id)
            .where(ChangeRow.detected_at >= start, ChangeRow.detected_at < end)
            .order_by(ChangeRow.detected_at, ChangeRow.id)
        )
        with self._sessions.begin() as session:
            return [_change_record(change, doc) for change, doc in session.execute(query).all()]

    def last_digest_at(self, recipient: str) -> datetime | None:
        """When the latest digest for this recipient was made (sent or still pending)."""
        with self._sessions.begin() as session:
            return session.scalar(select(func.max(DigestRow.created_at)).where(DigestRow.recipient == recipient))

    # -- the outbox ----------------------------------------------------------------------------------------

    def create(self, digest: NewDigest, now: datetime, lease: timedelta) -> StoredDigest | None:
        """File a digest and claim its changes for its recipient, locked for the run that sends it now.

        Returns None when another run claimed one of these changes first (the UNIQUE(change_id, recipient)
        constraint decides): that run's digest covers them.
        """
        try:
            with self._sessions.begin() as session:
                row = DigestRow(
                    recipient=digest.recipient,
                    created_at=now,
                    subject=digest.subject,
                    message_id=digest.message_id,
                    body_text=digest.body_text,
                    body_html=digest.body_html,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    locked_until=now + lease,
                )
                session.add(row)
                session.flush()
                session.add_all(
                    DigestChangeRow(digest_id=row.id, change_id=change_id, recipient=digest.recipient)
                    for change_id in digest.change_ids
                )
                session.flush()
                return _stored(row)
        except IntegrityError:
            return None

    def pending(self, recipient: str | None = None, *, include_failed: bool = True) -> list[PendingDigest]:
        """Digests the SMTP server has not accepted, oldest first, with their attempts and last error.

        With `include_failed` (for `tracker status`) the digests given up after permanent refusals too; the
        digest run asks only for those it will send again.
        """
        with self._store.sql_reads() as reads:
            return reads.pending_digests(("pending", "failed") if include_failed else ("pending",), recipient=recipient)

    def claim(
        self,
        digest_id: int,
        now: datetime,
        lease: timedelta,
        *,
        due_only: bool = True,
        due_at: datetime | None = None,
    ) -> StoredDigest | None:
        """Take a pending digest for sending, or None if it is sent, not due yet, or being sent by another run.

        The lock is one conditional UPDATE, so the daemon and a `tracker digest` started at the same moment
        cannot both send it. A run that dies holding it frees it when `lease` runs out. `now` is the clock
        (for the lock); `due_at`, when given, is the time the retry schedule is judged at (the run's time).
        """
        conditions = [
            DigestRow.id == digest_id,
            DigestRow.status == "pending",
            (DigestRow.locked_until.is_(None)) | (DigestRow.locked_until < now),
        ]
        if due_only:
            conditions.append(DigestRow.next_attempt_at <= (due_at or now))
        with self._sessions.begin() as session:
            taken = session.execute(update(DigestRow).where(and_(*conditions)).values(locked_until=now + lease))
            if taken.rowcount != 1:
                return None
            return _stored(session.get_one(DigestRow, digest_id))

    def extend_lease(self, digest_id: int, now: datetime, lease: timedelta) -> bool:
        """Renew the run's lock right before sending; False if the digest is no longer pending."""
        with self._sessions.begin() as session:
            renewed = session.execute(
                update(DigestRow)
                .where(DigestRow.id == digest_id, DigestRow.status == "pending")
                .values(locked_until=now + lease)
            )
            return renewed.rowcount == 1

    def mark_sent(self, digest_id: int, now: datetime) -> None:
        """Called the moment the SMTP server has accepted the message: a crash before this commit resends it."""
        with self._sessions.begin() as session:
            session.execute(
                update(DigestRow)
                .where(DigestRow.id == digest_id)
                .values(
                    status="sent",
                    sent_at=now,
                    last_attempt_at=now,
                    attempts=DigestRow.attempts + 1,
                    last_error=None,
                    locked_until=None,
                )
            )

    def mark_failed(
        self, digest_id: int, error: str, now: datetime, *, permanent: bool = False, unconfirmed: bool = False
    ) -> PendingDigest:
        """Note a failed attempt and decide what becomes of the digest.

        - `permanent` (a 5xx refusal of the message): after MAX_REFUSALS of them the digest is `failed`, never
          sent again, and its changes are released so that the recipient's next digest carries them.
        - `unconfirmed` (a timeout after the whole message was sent): the server may have taken it, so the
          digest is tried once more; if that attempt fails too, it is presumed delivered (`sent`).
        - Otherwise it stays pending and is tried again after `retry_delay`.
        """
        with self._sessions.begin() as session:
            row = session.get_one(DigestRow, digest_id)
            maybe_delivered_before = row.unconfirmed > 0
            row.attempts += 1
            row.refusals += permanent
            row.unconfirmed += unconfirmed
            row.last_error = error
            row.last_attempt_at = now
            row.locked_until = None
            if maybe_delivered_before:
                row.status = "sent"
                row.sent_at = now
                row.last_error = f"presumed delivered (an earlier attempt may have reached the server); last: {error}"
            elif row.refusals >= MAX_REFUSALS:
                row.status = "failed"
                row.last_error = (
                    f"given up after {row.refusals} permanent refusals (its changes go into the next digest); "
                    f"last: {error}"
                )
                session.execute(delete(DigestChangeRow).where(DigestChangeRow.digest_id == digest_id))
            else:
                row.next_attempt_at = now + retry_delay(row.attempts)
        with self._store.sql_reads() as reads:
            [kept] = reads.pending_digests(digest_id=digest_id)
        return kept


def _stored(row: DigestRow) -> StoredDigest:
    return StoredDigest(
        id=row.id,
        recipient=row.recipient,
        created_at=row.created_at,
        subject=row.subject,
        message_id=row.message_id,
        body_text=row.body_text,
        body_html=row.body_html,
        attempts=row.attempts,
    )
