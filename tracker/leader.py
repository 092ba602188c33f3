"""One leader among several daemons on one database: the lock the leader holds, and who holds it.

Apart from the scheduler so that `tracker status` can say who leads without loading APScheduler, httpx and the
pipeline (nor SQLAlchemy, on SQLite).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tracker.config import Config, ConfigError
from tracker.logs import fields

# SQLAlchemy only for PostgreSQL: on a SQLite file, `tracker status` asks who leads without loading it.
if TYPE_CHECKING:
    from sqlalchemy import Connection

log = logging.getLogger("tracker.daemon")

# How often a standby tries to become the leader, and how often the leader makes sure its lock is still its own.
LEADER_POLL = 2.0
# How often a daemon that cannot reach its database says so again.
UNREACHABLE_WARNING_EVERY = 60.0


class LeaderLock(Protocol):
    """Held by exactly one daemon per database, and released by the operating system or the database server
    when that daemon dies, however it dies."""

    def acquire(self) -> bool:
        """Take the lock if it is free; never blocks."""
        ...

    @property
    def unreachable(self) -> bool:
        """Whether the last `acquire` failed because the database did not answer (not because it is held)."""
        ...

    def held(self) -> bool:
        """Whether this process still holds it."""
        ...

    def holder(self) -> str | None:
        """Who holds it (None: nobody), without taking it."""
        ...

    def close(self) -> None:
        """Release it (if held) and free the resources."""
        ...


def leader_lock(config: Config) -> LeaderLock:
    location = config.database
    if location.sqlite_path is not None:
        return FileLeaderLock.beside(location.sqlite_path)
    from sqlalchemy.engine import make_url

    url = make_url(location.url)
    backend = url.get_backend_name()
    if backend == "postgresql":
        return PostgresLeaderLock(location.url)
    if backend == "sqlite" and url.database and url.database != ":memory:":
        return FileLeaderLock.beside(Path(url.database))
    raise ConfigError(
        config.path, "the daemon needs a PostgreSQL database or a SQLite database file", key="database.url"
    )


def leader_holder(config: Config) -> str | None:
    """Who runs the checks on this database now (None: no daemon leads), for `tracker status`."""
    lock = leader_lock(config)
    try:
        return lock.holder()
    finally:
        lock.close()


def whoami() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


def holder_or_unknown(lock: LeaderLock) -> str:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return lock.holder() or "another daemon"
    except (OSError, SQLAlchemyError):
        return "another daemon"


class FileLeaderLock:
    """An exclusive flock() on `<database>.lock` beside a SQLite file, for daemons on one machine.

    The kernel releases it when the process ends, SIGKILL included. The file itself is never deleted (deleting
    a lock file that another process has open breaks the lock); it names the holder for `tracker status`.
    """

    unreachable = False  # a local file: held or free, never out of reach

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @classmethod
    def beside(cls, database: Path) -> FileLeaderLock:
        # Resolved, so that two spellings of one database path (a symlink, ./x.db) share one lock file.
        return cls(Path(f"{database.resolve()}.lock"))

    def acquire(self) -> bool:
        if self._fd is not None:
            if self.held():
                return True
            self.close()  # someone deleted or replaced the file: our lock no longer excludes anybody
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(
                self.path,
                f"cannot open the daemon's lock file beside the database ({exc.strerror})",
                key="database.url",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{whoami()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n".encode())
        self._fd = fd
        return True

    def held(self) -> bool:
        if self._fd is None:
            return False
        try:
            return os.stat(self.path).st_ino == os.fstat(self._fd).st_ino
        except FileNotFoundError:
            return False

    def holder(self) -> str | None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.read(fd, 300).decode(errors="replace").strip() or "another process"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


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
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

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
        from sqlalchemy import text

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
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

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
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

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
        from sqlalchemy import text

        row = self._connect().execute(text(self._HOLDER), self._parts()).first()
        if row is None:
            return None
        pid, name, started = row
        since = f" since {started.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if started else ""
        return f"{name or 'a tracker daemon'} (PostgreSQL backend {pid}){since}"

    def _drop(self) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        if self._connection is not None:
            with suppress(SQLAlchemyError):
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        self._drop()
        self._engine.dispose()
