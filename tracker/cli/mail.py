"""`tracker digest`: the email of what is new, AI changes first, through the outbox."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from tracker.cli.app import EXIT_FAILED, EXIT_USAGE, Context, fail, handles_errors, pass_context
from tracker.cli.app import cli as group


@group.command()
@click.option(
    "--since",
    type=click.DateTime(),
    help="Only changes detected on or after this date (in email.timezone). With --preview: every change of "
    "the period from this date, whether a digest carried it already or not.",
)
@click.option("--until", type=click.DateTime(), help="With --preview --since: the end of the period (not included).")
@click.option(
    "--dry-run",
    "--preview",
    "dry_run",
    is_flag=True,
    help="Print the digest instead of sending it; records nothing. Works without an `email:` section.",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "html"]),
    default="text",
    show_default=True,
    help="With --dry-run: which part of the email to print.",
)
@click.option("--to", "recipient", metavar="ADDRESS", help="Send to (or preview for) this address instead of email.to.")
@pass_context
@handles_errors
def digest(
    context: Context,
    since: datetime | None,
    until: datetime | None,
    dry_run: bool,
    output: str,
    recipient: str | None,
) -> None:
    """Email the digest: AI changes first with their evidence, then other changes, then failing documents.

    Each recipient gets what is in no digest of theirs yet. A digest the mail server did not accept is kept in
    the database and sent again (the same message) by the next run: this one retries it at once, the daemon
    with a growing delay. `--preview --since DATE [--until DATE]` shows the digest of any past period.
    Exits 1 when a delivery failed, 2 when the config has no usable `email:` section (to send).
    """
    from rich.text import Text

    from tracker.config import EmailSettings
    from tracker.digest import email_settings, local_since, preview_digest, run_digest
    from tracker.store import Outbox
    from tracker.terminal import when

    config = context.config
    if recipient is not None:
        try:
            EmailSettings.check_address(recipient)
        except ValueError as exc:
            fail(f"--to: {exc}", EXIT_USAGE)
    if until is not None and not (dry_run and since):
        fail("--until goes with --preview --since (a past period is only ever previewed)", EXIT_USAGE)
    since_utc = local_since(config, since) if since else None
    if dry_run:
        store = context.existing_store
        period = None
        if since_utc is not None:
            end = local_since(config, until) if until else datetime.now(UTC)
            if end <= since_utc:
                fail("--until must be after --since", EXIT_USAGE)
            period = (since_utc, end)
        if config.settings.email is None:
            address = recipient or "you@localhost"
            context.err.print(
                f"{config.path} has no `email:` section: this is a preview only, times in UTC "
                "(the README shows the section that sends it).",
                markup=False,
            )
        else:
            address = recipient or config.settings.email.to[0]
            waiting = Outbox(store).pending(address, include_failed=False)
            if waiting and period is None:
                context.err.print(
                    f"{len(waiting)} undelivered digest(s) for {address} would be sent again first.", markup=False
                )
        rendered = preview_digest(config, store, address, period=period)
        if rendered is None:
            nothing = (
                f"No changes detected between {when(period[0])} and {when(period[1])} UTC."
                if period
                else f"Nothing new for {address}: no digest would be sent (email.send_when_empty is off)."
            )
            context.err.print(nothing, markup=False)
            return
        context.err.print(f"To: {address}\nSubject: {rendered.subject}\n", markup=False)
        click.echo(rendered.html if output == "html" else rendered.text, nl=False)
        return
    email_settings(config)
    result = run_digest(
        config, context.store, recipients=[recipient] if recipient else None, since=since_utc, retry_now=True
    )
    for sent in result.sent:
        again = " (sent again after a failed attempt)" if sent.retry else ""
        context.out.print(f"sent digest {sent.digest_id} to {sent.recipient}{again}: {sent.subject}", markup=False)
    for address in result.nothing_new:
        context.out.print(f"nothing new for {address}: no digest sent (email.send_when_empty is off)", markup=False)
    for kept in result.waiting:
        context.out.print(f"digest {kept.id} for {kept.recipient} is being sent by another run", markup=False)
    for failed in result.failed:
        if failed.status == "failed":
            outcome = "The server refused it for good: it is not sent again; its changes go into the next digest."
        elif failed.status == "sent":
            outcome = "The server received the whole message, so it is taken as delivered and not sent again."
        else:
            outcome = (
                f"The digest is kept and will be sent by the next `tracker digest` (the daemon retries it "
                f"from {when(failed.next_attempt_at or datetime.now(UTC))} UTC)."
            )
        context.err.print(
            Text("error: ", style="bold red"),
            f"could not send digest {failed.digest_id} to {failed.recipient}: ",
            Text(failed.error or ""),
            Text(f"\n{outcome}"),
            sep="",
            soft_wrap=True,
        )
    if not result.ok:
        sys.exit(EXIT_FAILED)
