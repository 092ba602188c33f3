"""The notification outbox: each change filed once per notify target with the change, kept until the service took it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from tracker.store.models import ChangeRow, DocumentRow, NotificationRow
from tracker.store.outbox import retry_delay
from tracker.store.repository import ChangeRecord, Store, _change_record
from tracker.store.sql_reads import TargetBacklog


@dataclass(frozen=True)
class PendingNotification:
    """A change not yet taken by one target's service."""

    id: int
    change_id: int
    target: str
    created_at: datetime
    attempts: int
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime


class NotificationOutbox:
    """Every state change is one short transaction; a conditional UPDATE decides which run sends a message."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    def next_due(
        self, target: str, now: datetime, *, skip: Collection[int] = (), due_only: bool = True
    ) -> PendingNotification | None:
        """The oldest message of `target` that is pending, not being sent, and (with `due_only`) due."""
        conditions = [
            NotificationRow.target == target,
            NotificationRow.status == "pending",
            NotificationRow.locked_until.is_(None) | (NotificationRow.locked_until < now),
        ]
        if due_only:
            conditions.append(NotificationRow.next_attempt_at <= now)
        if skip:
            conditions.append(NotificationRow.id.not_in(list(skip)))
        query = select(NotificationRow).where(*conditions).order_by(NotificationRow.id).limit(1)
        with self._sessions.begin() as session:
            row = session.scalars(query).first()
            return _pending(row) if row else None

    def change(self, notification_id: int) -> ChangeRecord:
        query = (
            select(ChangeRow, DocumentRow)
            .join(DocumentRow, ChangeRow.document_id == DocumentRow.id)
            .join(NotificationRow, NotificationRow.change_id == ChangeRow.id)
            .where(NotificationRow.id == notification_id)
        )
        with self._sessions.begin() as session:
            change, doc = session.execute(query).one()
            return _change_record(change, doc)

    def claim(self, notification_id: int, now: datetime, lease: timedelta) -> bool:
        """Take a pending message for sending; False when another run holds it or it was sent meanwhile."""
        with self._sessions.begin() as session:
            taken = session.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.id == notification_id,
                    NotificationRow.status == "pending",
                    NotificationRow.locked_until.is_(None) | (NotificationRow.locked_until < now),
                )
                .values(locked_until=now + lease)
            )
            return taken.rowcount == 1

    def mark_sent(self, notification_id: int, now: datetime) -> None:
        """Called the moment the service accepted the message: a crash before this commit posts it again.

        The service answers again, so the target's other messages waiting out a backoff are due now, in order.
        """
        with self._sessions.begin() as session:
            row = session.get_one(NotificationRow, notification_id)
            row.status, row.sent_at, row.last_attempt_at = "sent", now, now
            row.attempts += 1
            row.last_error = row.locked_until = None
            session.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.target == row.target,
                    NotificationRow.status == "pending",
                    NotificationRow.next_attempt_at > now,
                )
                .values(next_attempt_at=now)
            )

    def mark_failed(self, notification_id: int, error: str, now: datetime) -> PendingNotification:
        """Note a failed attempt: the message stays pending, tried again after `retry_delay` (never given up)."""
        with self._sessions.begin() as session:
            row = session.get_one(NotificationRow, notification_id)
            row.attempts += 1
            row.last_error, row.last_attempt_at, row.locked_until = error, now, None
            row.next_attempt_at = now + retry_delay(row.attempts)
            session.flush()
            return _pending(row)

    def backlog(self) -> list[TargetBacklog]:
        """Per target with messages waiting: their count, the oldest, and the latest error."""
        with self._store.sql_reads() as reads:
            return reads.notification_backlog()


def _pending(row: NotificationRow) -> PendingNotification:
    return PendingNotification(
        id=row.id,
        change_id=row.change_id,
        target=row.target,
        created_at=row.created_at,
        attempts=row.attempts,
        last_error=row.last_error,
        last_attempt_at=row.last_attempt_at,
        next_attempt_at=row.next_attempt_at,
    )
