"""`tracker db`: database maintenance."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from tracker.cli.app import EXIT_USAGE, Context, fail, handles_errors, pass_context
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


@db.command("prune")
@click.option("--older-than", metavar="DURATION", help="default: database.keep_unchanged_checks (90d)")
@click.option("--dry-run", is_flag=True, help="count what would go; delete nothing")
@click.option("--json", "as_json", is_flag=True, help="print the counts as JSON")
@pass_context
@handles_errors
def db_prune(context: Context, older_than: str | None, dry_run: bool, as_json: bool) -> None:
    """Thin unchanged checks older than DURATION to one per document and day.

    Failed checks, first versions, changes and returns are kept forever, and so is each document's newest
    check: versions and changes are never touched. Exit 0 when done (or nothing to thin), 2 for a bad
    duration, 3 when the database cannot be read.
    """
    from datetime import UTC, datetime

    from tracker.schedules import parse_duration

    setting = older_than or context.config.settings.database.keep_unchanged_checks
    try:
        keep = parse_duration(setting)
    except ValueError as exc:
        fail(f"--older-than {setting}: {exc}", EXIT_USAGE)
    before = datetime.now(UTC) - keep
    store = context.existing_store

    def progress(done: int, documents: int, deleted: int) -> None:
        verb = "would delete" if dry_run else "deleted"
        context.err.print(f"document {done:,} of {documents:,}: {verb} {deleted:,} check rows so far")

    result = store.prune_checks(before, dry_run=dry_run, progress=None if as_json else progress)
    shown = context.config.database.shown
    if as_json:
        fields = {"database": shown, "older_than": setting, "before": before.isoformat(), **asdict(result)}
        click.echo(json.dumps(fields))
        return
    verb = "would delete" if dry_run else "deleted"
    context.out.print(
        f"{shown}: {result.checks:,} checks, {result.unchanged_old:,} of them unchanged and older than {setting}; "
        f"{verb} {result.deleted:,} (one unchanged check a day per document is kept, and every other outcome)"
    )
