"""`tracker db`: database maintenance."""

from __future__ import annotations

from tracker.cli.app import Context, handles_errors, pass_context
from tracker.cli.app import cli as group


@group.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_context
@handles_errors
def db_upgrade(context: Context) -> None:
    """Apply the database migrations (back up first). An empty database is set up automatically."""
    from tracker.store import Store, migrate

    location = context.config.database
    location.make_folder()
    engine = Store(location.url, migrate=False).engine
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    message = "already up to date" if before == after else f"upgraded from {before or 'empty'} to {after}"
    context.out.print(f"{location.shown}: {message}")
