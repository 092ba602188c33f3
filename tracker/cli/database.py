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
    from sqlalchemy.engine import make_url

    from tracker.store import Store, migrate

    url = context.config.database_url
    engine = Store(url, migrate=False).engine
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    message = "already up to date" if before == after else f"upgraded from {before or 'empty'} to {after}"
    context.out.print(f"{make_url(url).render_as_string(hide_password=True)}: {message}")
