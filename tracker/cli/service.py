"""Running as a service: `tracker daemon`, and `tracker status` to see what it sees."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from tracker.cli.app import EXIT_FAILED, Context, handles_errors, pass_context
from tracker.cli.app import cli as group
from tracker.logs import LEVELS

if TYPE_CHECKING:
    from tracker.status import DocumentHealth
    from tracker.store.sql_reads import PendingDigest, TargetBacklog


@group.command()
@click.option(
    "--log-level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default="INFO",
    show_default=True,
    envvar="TRACKER_LOG_LEVEL",
    help="INFO: one line per check; WARNING: only failing documents and errors.",
)
@click.option("--log-json", is_flag=True, envvar="TRACKER_LOG_JSON", help="Log JSON lines instead of text.")
@pass_context
@handles_errors
def daemon(context: Context, log_level: str, log_json: bool) -> None:
    """Check every document on its schedule, until SIGTERM or Ctrl-C. Logs go to stderr.

    Several daemons may use one database (PostgreSQL, or one SQLite file on one machine): one leads and
    checks, the others wait and take over within seconds when it dies. A restart picks up each document's
    schedule from its last check. See docs/daemon.md.
    """
    from tracker.logs import setup_logging
    from tracker.scheduler import run_daemon

    context.documents(None, None)  # a config with nothing to track stops here, saying so
    setup_logging(log_level, json_lines=log_json)
    sys.exit(run_daemon(context.config))


@group.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the leader and every document.")
@pass_context
@handles_errors
def status(context: Context, as_json: bool) -> None:
    """Per document: last attempt, last success, outcome, failures in a row, next check; and the daemon's leader.

    A document is failing from its first failed check when it was never checked successfully, after
    `daemon.failing_after` failed checks in a row, or when no check has succeeded for longer than
    `daemon.blind_after`; a success clears it. Also shown: the config and the database in use, digests the
    mail server has not accepted yet, and per notify target the changes its service has not taken yet. Exits 0
    when every document is healthy, 1 when any is failing, 3 when the database does not exist (nothing was
    checked with this config yet) or cannot be opened.
    """
    from tracker.leader import leader_holder
    from tracker.notify.backlog import notification_backlog
    from tracker.status import document_health
    from tracker.store.sql_reads import SqlReads, read_sqlite
    from tracker.terminal import print_status, when

    config = context.config
    context.check_names(None, None)  # a config that lists nothing is a usage error here too, before any database

    def read(reads: SqlReads) -> tuple[list[DocumentHealth], list[PendingDigest], list[TargetBacklog]]:
        # Everything is read before anything is printed: a read that fails on the light path is redone whole.
        pending = reads.pending_digests(("pending", "failed"))
        return document_health(config, reads), pending, reads.notification_backlog()

    # A SQLite file at the head revision is read through sqlite3 alone; anything else (PostgreSQL, another schema,
    # no file, any error) through the Store, which also says what is wrong.
    location = config.database
    found = read_sqlite(location.sqlite_path, read) if location.sqlite_path and "?" not in location.url else None
    if found is None:
        with context.existing_store.sql_reads() as reads:
            found = read(reads)
    health, pending, backlog = found
    holder = leader_holder(config)
    waiting = notification_backlog(config, backlog)
    if as_json:
        payload = {
            "config": str(config.path.absolute()),
            "database": {"location": location.shown, "source": location.source},
            "leader": {"active": holder is not None, "holder": holder},
            "documents": [h.as_json() for h in health],
            "pending_digests": [
                {
                    "recipient": p.recipient,
                    "subject": p.subject,
                    "created_at": p.created_at.isoformat(),
                    "attempts": p.attempts,
                    "last_error": p.last_error,
                    "next_attempt_at": p.next_attempt_at.isoformat(),
                }
                for p in pending
            ],
            "pending_notifications": [w.as_json() for w in waiting],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print_status(context.out, health, holder, str(config.path.absolute()), f"{location.shown} ({location.source})")
        for p in pending:
            if p.status == "failed":
                context.out.print(f"Digest {p.id} to {p.recipient} was refused for good: {p.last_error}")
                continue
            context.out.print(
                f"Digest to {p.recipient} not accepted yet ({p.attempts} attempt{'' if p.attempts == 1 else 's'}, "
                f"next {when(p.next_attempt_at)} "
                f"UTC): {p.last_error or 'not tried yet'}"
            )
        for w in waiting:
            if w.pending:
                context.out.print(w.line(), markup=False)
    if any(h.failing for h in health):
        sys.exit(EXIT_FAILED)
