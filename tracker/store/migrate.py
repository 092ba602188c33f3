"""Alembic, driven from Python: `tracker db upgrade`, and the automatic upgrade of an empty database."""

from __future__ import annotations

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
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


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
    raise SchemaError(
        f"the database schema is at revision {current}, this tracker needs {head_revision()}: "
        "run `tracker db upgrade` (back up the database first)"
    )
