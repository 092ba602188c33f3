"""Alembic environment: run by `tracker db upgrade` (tracker/store/migrate.py) or the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from tracker.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # The alembic CLI: alembic.ini's sqlalchemy.url, or TRACKER_DATABASE_URL through tracker's config.
    from tracker.config import load_config

    url = config.get_main_option("sqlalchemy.url") or load_config().database_url
    with create_engine(url).connect() as connection:
        _run(connection)


def _run(connection: Connection) -> None:
    # Batch mode rebuilds SQLite tables for ALTERs that SQLite lacks; PostgreSQL gets plain ALTER TABLE.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `tracker db upgrade`")
run_migrations_online()
