"""`tracker notify send|test|preview`: the changes posted to chat rooms and webhooks, through the outbox."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from tracker.cli.app import EXIT_FAILED, EXIT_USAGE, Context, fail, handles_errors, pass_context
from tracker.cli.app import cli as group


@group.group("notify")
def notify_group() -> None:
    """Post each change to the `notify:` targets: Slack, Matrix, ntfy, Discord, Telegram, webhooks (Apprise URLs).

    A change is filed for each target that wants it (`ai_only`) when `tracker check` or the daemon stores it,
    and stays in the database until the service has taken it. The daemon sends them as they come and retries
    with a growing delay while a service is down; `tracker notify send` sends what waits now. See docs/notify.md.
    """


@notify_group.command("send")
@pass_context
@handles_errors
def send(context: Context) -> None:
    """Send every message still waiting, now, oldest first. Exits 1 when a service did not take one."""
    from rich.text import Text

    from tracker.notify.sending import check_targets, send_notifications
    from tracker.terminal import when

    config = context.config
    if not config.settings.notify:
        fail(f"{config.path} has no `notify:` section: there is nowhere to send (see docs/notify.md)", EXIT_USAGE)
    check_targets(config)
    result = send_notifications(config, context.store, retry_now=True)
    for sent in result.sent:
        again = " (sent again after a failed attempt)" if sent.retry else ""
        context.out.print(f"notified {sent.target} of change {sent.change_id}{again}: {sent.title}", markup=False)
    for failed in result.failed:
        context.err.print(
            Text("error: ", style="bold red"),
            f"could not notify {failed.target} of change {failed.change_id}: ",
            Text(failed.error),
            Text(
                f"\nKept: the next `tracker notify send` sends it (the daemon retries it from "
                f"{when(failed.kept.next_attempt_at)} UTC)."
            ),
            sep="",
            soft_wrap=True,
        )
    if not result.sent and not result.failed:
        context.out.print("nothing to send: every change was taken by its targets", markup=False)
    if not result.ok:
        sys.exit(EXIT_FAILED)


@notify_group.command("test")
@click.argument("name")
@pass_context
@handles_errors
def test(context: Context, name: str) -> None:
    """Send a test message to the target NAME (its `name:`, or the name `tracker status` shows); records nothing."""
    from tracker.notify import DeliveryError, Message, masked_target_url
    from tracker.notify.apprise_sender import check_url, send_message
    from tracker.notify.sending import target_named

    target = target_named(context.config, name)
    if problem := check_url(target.url):
        fail(problem, EXIT_USAGE)
    now = datetime.now(UTC)
    message = Message(
        change_id=0,
        title="tracker: test message",
        ai=False,
        summary=f"If you read this, {target.key} receives tracker's notifications. Sent {now:%d %b %Y %H:%M} UTC.",
        diff_command="tracker notify test " + target.key,
    )
    try:
        send_message(target.url, message, f"tracker-test-{now.timestamp():.0f}")
    except DeliveryError as exc:
        fail(f"the test message to {target.key} did not go through: {exc}")
    context.out.print(f"sent a test message to {target.key} ({masked_target_url(target.url)})", markup=False)


@notify_group.command("preview")
@click.option(
    "--change",
    "change_id",
    type=int,
    help="This change (an id from `tracker changes`); default: the latest.",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "html"]),
    default="text",
    show_default=True,
    help="text: what is sent; html: the message laid out as a chat room shows it.",
)
@pass_context
@handles_errors
def preview(context: Context, change_id: int | None, output: str) -> None:
    """Print the message a change makes, without sending it or recording anything."""
    from tracker.notify.message import message_body, message_card
    from tracker.notify.sending import message_for

    store = context.existing_store
    if change_id is None:
        latest = store.changes(limit=1)
        change = latest[0] if latest else None
    else:
        change = store.change(change_id)
    if change is None and change_id is not None:
        # An id that names nothing is a usage error, as for `tracker diff --change`.
        fail(f"no change {change_id} in the database (see `tracker changes`)", EXIT_USAGE)
    if change is None:
        fail("no change in the database yet", EXIT_FAILED)
    message = message_for(context.config, change)
    if output == "html":
        click.echo(message_card(message, "#policy-watch", change.detected_at.strftime("%H:%M")), nl=False)
    else:
        click.echo(f"{message.title}\n{message_body(message)}")
