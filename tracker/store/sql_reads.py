"""The reads behind `tracker status`, in plain SQL over a DB-API connection: each query written once.

Two ways in. The Store runs them on its own engine for both backends (its `latest_checks`, `check_streaks`, the
outboxes' `pending` and `backlog` are these); `tracker status` on a SQLite file runs them through the standard
library's sqlite3 (`read_sqlite`), without importing SQLAlchemy, whose ORM costs more start-up than the whole
command may. Values come back as the driver gives them and are made what SQLAlchemy would make them here: SQLite
hands back datetimes as text, which `_moment` parses as the UTCDateTime column type does (tracker/store/models.py).
No SQLAlchemy import here, at any depth.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from tracker.config import VARIANT_SEPARATOR
from tracker.store.revisions import SchemaError, head_revision

T = TypeVar("T")
# Runs one statement with positional parameters, returns its rows.
Query = Callable[[str, tuple[Any, ...]], Sequence[Sequence[Any]]]
# Per document: when it was first checked, its last successful check (None: never), failed checks since.
Streak = tuple[datetime, datetime | None, int]


@dataclass(frozen=True)
class CheckRecord:
    id: int
    service: str
    document: str
    started_at: datetime
    duration: float
    outcome: str
    reason: str | None
    refusal: str | None
    http_status: int | None
    text_sha256: str | None
    version_id: int | None
    change_id: int | None
    fetch_path: str = "http"
    snapshot_id: int | None = None  # set on a suspect capture: its raw bytes, kept as evidence
    retry_after: float | None = None  # seconds the server asked us to wait (Retry-After on a 429 or 503)
    # A suspect capture that later checks may still confirm (a rewrite, a cut, an unfamiliar page): it awaits them.
    held: bool = False

    @property
    def suspect(self) -> bool:
        """A page the screen refused, kept as evidence (a failed fetch keeps nothing)."""
        return self.outcome == "failed" and self.snapshot_id is not None


@dataclass(frozen=True)
class PendingDigest:
    """A digest not yet accepted by the SMTP server, for `tracker status` and the digest run.

    `status` is "pending" (it will be sent again) or "failed" (refused for good, see `Outbox.mark_failed`);
    the digest a `mark_failed` returns may also be "sent": presumed delivered, never sent again.
    """

    id: int
    recipient: str
    created_at: datetime
    subject: str
    changes: int
    attempts: int
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime
    status: str = "pending"


@dataclass(frozen=True)
class TargetBacklog:
    """What `tracker status` says about one target: how many changes wait for it, and why."""

    target: str
    pending: int
    oldest: datetime
    attempts: int  # of the message tried most
    last_error: str | None
    next_attempt_at: datetime


_CHECK_COLUMNS = (
    "c.id, d.service, d.key, c.started_at, c.duration, c.outcome, c.reason, c.refusal, c.http_status, "
    "c.text_sha256, c.version_id, c.change_id, c.fetch_path, c.snapshot_id, c.retry_after, "
    # A check without a fingerprint stores JSON's null (SQLAlchemy's JSON type), or SQL's NULL.
    "c.fingerprint IS NOT NULL AND CAST(c.fingerprint AS TEXT) <> 'null'"
)
_DIGEST_COLUMNS = (
    "g.id, g.recipient, g.created_at, g.subject, "
    "(SELECT count(*) FROM digest_changes dc WHERE dc.digest_id = g.id), "
    "g.attempts, g.last_error, g.last_attempt_at, g.next_attempt_at, g.status"
)


class SqlReads:
    """The queries, on one connection. `paramstyle` is the driver's: sqlite3's `qmark` or psycopg's `format` or
    `pyformat`; the statements are written with `?` and contain no other `?` nor any `%`."""

    def __init__(self, query: Query, paramstyle: str) -> None:
        self._query = query
        self._marker = "?" if paramstyle == "qmark" else "%s"

    def _rows(self, sql: str, parameters: Sequence[Any] = ()) -> Sequence[Sequence[Any]]:
        return self._query(sql.replace("?", self._marker), tuple(parameters))

    def latest_checks(
        self, service: str | None = None, document: str | None = None
    ) -> dict[tuple[str, str], CheckRecord]:
        """The newest check of each document that has one: one row each, through its state."""
        where, parameters = _scope(service, document)
        rows = self._rows(
            f"SELECT {_CHECK_COLUMNS} FROM checks c JOIN document_states s ON s.last_check_id = c.id "
            f"JOIN documents d ON s.document_id = d.id{where}",
            parameters,
        )
        return {
            (service_key, key): CheckRecord(
                check_id, service_key, key, _moment(started), float(duration), *rest, held=bool(held)
            )
            for check_id, service_key, key, started, duration, *rest, held in rows
        }

    def check_streaks(self, service: str | None = None, document: str | None = None) -> dict[tuple[str, str], Streak]:
        """Per document: when it was first checked, its last successful check (None: never), failed checks since."""
        where, parameters = _scope(service, document)
        rows = self._rows(
            "SELECT d.service, d.key, s.first_checked_at, s.last_success_at, s.failures_since_success "
            f"FROM documents d JOIN document_states s ON s.document_id = d.id{where}",
            parameters,
        )
        return {
            (service_key, key): (_moment(first), _maybe_moment(success), failures)
            for service_key, key, first, success, failures in rows
        }

    def pending_digests(
        self, statuses: Sequence[str] | None = None, *, recipient: str | None = None, digest_id: int | None = None
    ) -> list[PendingDigest]:
        """Digests in these statuses (None: any), of one recipient or one id if given, oldest first, each with the
        count of the changes it covers."""
        conditions, parameters = [], []
        if statuses is not None:
            conditions.append(f"g.status IN ({', '.join('?' for _ in statuses)})")
            parameters.extend(statuses)
        if recipient is not None:
            conditions.append("g.recipient = ?")
            parameters.append(recipient)
        if digest_id is not None:
            conditions.append("g.id = ?")
            parameters.append(digest_id)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self._rows(f"SELECT {_DIGEST_COLUMNS} FROM digests g{where} ORDER BY g.id", parameters)
        return [
            PendingDigest(
                id=row_id,
                recipient=to,
                created_at=_moment(created),
                subject=subject,
                changes=changes,
                attempts=attempts,
                last_error=last_error,
                last_attempt_at=_maybe_moment(last_attempt),
                next_attempt_at=_moment(next_attempt),
                status=status,
            )
            for row_id, to, created, subject, changes, attempts, last_error, last_attempt, next_attempt, status in rows
        ]

    def notification_backlog(self) -> list[TargetBacklog]:
        """Per target with messages waiting: their count, the oldest, and the latest error."""
        errors = {
            target: error  # the latest attempt wins
            for target, error in self._rows(
                "SELECT target, last_error FROM notifications WHERE status = 'pending' AND last_error IS NOT NULL "
                "ORDER BY last_attempt_at"
            )
        }
        rows = self._rows(
            "SELECT target, count(*), min(created_at), max(attempts), min(next_attempt_at) FROM notifications "
            "WHERE status = 'pending' GROUP BY target ORDER BY target"
        )
        return [
            TargetBacklog(target, count, _moment(oldest), attempts, errors.get(target), _moment(next_at))
            for target, count, oldest, attempts, next_at in rows
        ]


def read_sqlite(path: Path, read: Callable[[SqlReads], T]) -> T | None:
    """`read` on the SQLite file at `path` through sqlite3, or None when anything is not plain: no such file, not
    a database, a schema not at this tracker's head revision, a query or a value that fails. The caller then opens
    the Store, which says what is wrong (or reads what sqlite3 could not) exactly as it always did."""
    import sqlite3

    if not path.is_file():
        return None
    try:
        # mode=rw: never create the file (the Store would not either, for a command that only reads).
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    except sqlite3.Error:
        return None
    try:
        connection.execute("PRAGMA busy_timeout=30000")  # as the Store's: wait out a daemon's write
        if connection.execute("SELECT version_num FROM alembic_version").fetchall() != [(head_revision(),)]:
            return None
        return read(SqlReads(lambda sql, parameters: connection.execute(sql, parameters).fetchall(), "qmark"))
    except (sqlite3.Error, SchemaError, ValueError, TypeError):
        return None
    finally:
        connection.close()


def _scope(service: str | None, document: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause on `documents d` for one service and one document: a document's key also selects its
    variants (`privacy-policy` takes `privacy-policy@eu`), a variant's only itself."""
    conditions, parameters = [], []
    if service:
        conditions.append("d.service = ?")
        parameters.append(service)
    if document and VARIANT_SEPARATOR in document:
        conditions.append("d.key = ?")
        parameters.append(document)
    elif document:
        conditions.append("(d.key = ? OR d.key LIKE ? ESCAPE '/')")
        prefix = f"{document}{VARIANT_SEPARATOR}".replace("/", "//").replace("%", "/%").replace("_", "/_")
        parameters.extend([document, f"{prefix}%"])
    return (f" WHERE {' AND '.join(conditions)}" if conditions else ""), parameters


def _moment(value: datetime | str) -> datetime:
    """A UTCDateTime column's value: SQLite's text as SQLAlchemy parses it, then aware UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _maybe_moment(value: datetime | str | None) -> datetime | None:
    return None if value is None else _moment(value)
