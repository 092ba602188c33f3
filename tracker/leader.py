"""One leader among several daemons on one database: the lock the leader holds, and who holds it.

Apart from the scheduler so that `tracker status` can say who leads without loading APScheduler, httpx and the
pipeline; the PostgreSQL lock is in tracker/leader_postgres.py, so that SQLite's costs no SQLAlchemy either.
"""

from __future__ import annotations

import fcntl
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from tracker.config import Config, ConfigError

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
        from tracker.leader_postgres import PostgresLeaderLock

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
