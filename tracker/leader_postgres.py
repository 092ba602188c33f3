"""The leader lock on PostgreSQL: an advisory lock the server releases when the leader's connection ends.

Its own module, loaded only for a PostgreSQL database, so that `tracker status` on SQLite asks who leads (the
lock file, tracker/leader.py) without loading SQLAlchemy.
"""

from __future__ import annotations

import hashlib
import logging
import time
from contextlib import suppress
from datetime import UTC

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from tracker.leader import LEADER_POLL, UNREACHABLE_WARNING_EVERY, whoami
from tracker.logs import fields

log = logging.getLogger("tracker.daemon")


def _driver_message(exc: BaseException) -> str:
    """The database driver's own words, on one line, without SQLAlchemy's wrapping."""
    inner = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(inner).splitlines() if line.strip()]
    return lines[0] if lines else type(inner).__name__


def advisory_lock_key(schema: str) -> int:
    """One lock per tracker database: advisory locks are per database, the schema tells two trackers apart."""
    digest = hashlib.sha256(f"tracker daemon leader:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


class PostgresLeaderLock:
    """pg_try_advisory_lock() on a dedicated autocommit connection; the server releases it when the connection
    ends: a killed leader at once, a vanished machine within about 25 s (the keepalives below)."""

    _HOLDER = (
        "SELECT l.pid, a.application_name, a.backend_start FROM pg_locks l "
        "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid::bigint = :high AND l.objid::bigint = :low"
    )

    def __init__(self, url: str) -> None:
        self._engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={
                "application_name": f"tracker daemon {whoami()}"[:63],
                "connect_timeout": 10,
                # Our side notices a dead server or network within ~25 s, even in the middle of a query.
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 5,
                "keepalives_count": 3,
                "tcp_user_timeout": 25000,
            },
        )
        self._connection: Connection | None = None
        self._key = 0
        self.unreachable = False
        self._last_warned = 0.0

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            # The server's side of the keepalives: it drops a vanished leader's session, and so its lock.
            connection.execute(text("SET tcp_keepalives_idle = 10"))
            connection.execute(text("SET tcp_keepalives_interval = 5"))
            connection.execute(text("SET tcp_keepalives_count = 3"))
            self._key = advisory_lock_key(connection.execute(text("SELECT current_schema()")).scalar_one())
            self._connection = connection
        return self._connection

    def _parts(self) -> dict[str, int]:
        return {"high": self._key >> 32, "low": self._key & 0xFFFF_FFFF}

    def acquire(self) -> bool:
        try:
            connection = self._connect()
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar_one()
        except SQLAlchemyError as exc:
            # Said when it starts, then once a minute while it lasts: a daemon that cannot work must not be quiet.
            now = time.monotonic()
            if not self.unreachable or now - self._last_warned > UNREACHABLE_WARNING_EVERY:
                log.warning(
                    "cannot reach the database %s to take the leader lock (trying again every %.0f s): %s",
                    self._engine.url.render_as_string(hide_password=True),
                    LEADER_POLL,
                    _driver_message(exc),
                    extra=fields(event="database_unreachable"),
                )
                self._last_warned = now
            self.unreachable = True
            self._drop()
            return False
        if self.unreachable:
            log.info("the database answers again", extra=fields(event="database_reachable"))
        self.unreachable = False
        return bool(taken)

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            mine = self._connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                    "AND pid = pg_backend_pid() AND classid::bigint = :high AND objid::bigint = :low"
                ),
                self._parts(),
            ).scalar_one()
        except SQLAlchemyError:
            self._drop()
            return False
        return bool(mine)

    def holder(self) -> str | None:
        row = self._connect().execute(text(self._HOLDER), self._parts()).first()
        if row is None:
            return None
        pid, name, started = row
        since = f" since {started.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if started else ""
        return f"{name or 'a tracker daemon'} (PostgreSQL backend {pid}){since}"

    def _drop(self) -> None:
        if self._connection is not None:
            with suppress(SQLAlchemyError):
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        self._drop()
        self._engine.dispose()
