"""Alembic, driven from Python: `tracker db upgrade`, and the automatic upgrade of an empty database."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from tracker.resources import migrations_path


class SchemaError(Exception):
    """The database exists but its schema is not the one this tracker expects."""


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_path()))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
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
        if "documents" in inspect(engine).get_table_names():
            raise SchemaError(
                "the database has tracker tables but no migration record; was it created by another tool?"
            )
        upgrade(engine)
        return
    known = {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}
    if current not in known:
        raise SchemaError(
            f"the database schema is at revision {current}, which this tracker does not know: "
            "it was migrated by a newer tracker; run that version (or restore a backup)"
        )
    raise SchemaError(
        f"the database schema is at revision {current}, this tracker needs {head_revision()}: "
        "run `tracker db upgrade` (back up the database first)"
    )
