"""Alembic, driven from Python: `tracker db upgrade`, and the automatic upgrade of an empty database.

Opening a store happens on every command and every check: it reads the revision from the `alembic_version` table
and the head from the migration files' own `revision =` lines, without importing Alembic (a third of a second of
start-up; tracker/store/revisions.py). Alembic itself runs only when there is something to migrate.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from tracker.resources import migrations_path
from tracker.store.revisions import SchemaError, head_revision, known_revisions

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_path()))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(versions) > 1:
        raise SchemaError(f"the database records several schema revisions ({', '.join(versions)})")
    return versions[0] if versions else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    _migrate(engine, command.downgrade, revision)


def _migrate(engine: Engine, step: Callable[[AlembicConfig, str], None], revision: str) -> None:
    config = _alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a SQLite table by copy, drop and rename: with foreign keys enforced, dropping a
            # table that others point at fails. The pragma only works outside a transaction; the check after
            # the migration proves that no reference was broken.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            config.attributes["connection"] = connection
            step(config, revision)
            if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                raise SchemaError(f"the migration broke foreign keys: {broken[:5]}")
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse to run on one that needs `tracker db upgrade`."""
    current = current_revision(engine)
    if current == head_revision():
        return
    if current is None:
        _create_schema(engine)
        return
    if current not in known_revisions():
        raise SchemaError(
            f"the database schema is at revision {current}, which this tracker does not know: "
            "it was migrated by a newer tracker; run that version (or restore a backup)"
        )
    raise SchemaError(
        f"the database schema is at revision {current}, this tracker needs {head_revision()}: "
        "run `tracker db upgrade` (back up the database first)"
    )


SCHEMA_WAIT = 60.0  # seconds a process waits for another to finish creating the schema


def _create_schema(engine: Engine) -> None:
    """Two processes starting at once on an empty database (a daemon and a `tracker check`) create it once: on
    PostgreSQL the second waits on a lock and then finds the schema made; on SQLite, whose DDL does not wait,
    the loser's failure is forgiven when the winner's schema is there."""
    with _schema_lock(engine):
        current = current_revision(engine)
        if current == head_revision():
            return
        if current is None and "documents" in inspect(engine).get_table_names():
            raise SchemaError(
                "the database has tracker tables but no migration record; was it created by another tool?"
            )
        try:
            upgrade(engine)
        except DBAPIError:
            # SQLite runs DDL outside transactions: the loser fails at the first table the winner made, and
            # waits for the winner to finish.
            waited_until = time.monotonic() + SCHEMA_WAIT
            while current_revision(engine) != head_revision():
                if time.monotonic() > waited_until:
                    raise
                time.sleep(0.2)


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    """A PostgreSQL advisory lock, per schema, held while the schema is created; nothing on SQLite."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        digest = hashlib.sha256(f"tracker schema:{schema}".encode()).digest()
        key = int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
