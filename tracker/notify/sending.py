"""The edge of notifications: what is due in the outbox goes to its target, and is marked sent once taken."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tracker.config import Config, ConfigError, NotifyTarget
from tracker.logs import fields
from tracker.notify import DeliveryError, Message
from tracker.notify.message import build_message
from tracker.store import ChangeRecord, NotificationOutbox, PendingNotification, Store

log = logging.getLogger("tracker.notify")

# Longer than one message can take (apprise_sender.TIMEOUT): a run that dies holding a message frees it then.
LEASE = timedelta(minutes=5)

Sender = Callable[[str, Message, str], None]  # (Apprise URL, message, idempotency key); raises DeliveryError


@dataclass(frozen=True)
class Sent:
    target: str
    change_id: int
    title: str
    retry: bool  # an earlier attempt had failed


@dataclass(frozen=True)
class NotFound:
    target: str
    change_id: int
    error: str
    kept: PendingNotification


@dataclass
class NotifyRunResult:
    sent: list[Sent] = field(default_factory=list)
    failed: list[NotFound] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def idempotency_key(change_id: int, target: str) -> str:
    """The same for every attempt at one message, different for every change and target."""
    return f"tracker-change-{change_id}-{target}"


def message_for(config: Config, change: ChangeRecord) -> Message:
    documents = {(doc.service, doc.key): doc for doc in config.documents()}
    doc = documents.get((change.service, change.document))
    title, url = (doc.title, doc.url) if doc else (f"{change.service} {change.document}", None)
    return build_message(change, title, url, config.settings.web.base_url)


def send_notifications(
    config: Config,
    store: Store,
    *,
    retry_now: bool = False,
    sender: Sender | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> NotifyRunResult:
    """Send what is due to every target in the config, oldest first; `retry_now` also what waits out a backoff.

    A target that fails is left alone for the rest of the run (one attempt per run while it is down); the
    next message in its queue is due at its own time, so a message the service refuses holds up no other.
    """
    if sender is None:
        from tracker.notify.apprise_sender import send_message as sender
    outbox = NotificationOutbox(store)
    result = NotifyRunResult()
    for target in config.settings.notify:
        tried: set[int] = set()
        while pending := outbox.next_due(target.key, now(), skip=tried, due_only=not retry_now):
            tried.add(pending.id)
            if not outbox.claim(pending.id, now(), LEASE):
                continue  # another run (the daemon, a `tracker notify send`) is sending it
            message = message_for(config, outbox.change(pending.id))
            try:
                sender(target.url, message, idempotency_key(pending.change_id, target.key))
            except DeliveryError as exc:
                kept = outbox.mark_failed(pending.id, str(exc), now())
                result.failed.append(NotFound(target.key, pending.change_id, str(exc), kept))
                break
            outbox.mark_sent(pending.id, now())
            result.sent.append(Sent(target.key, pending.change_id, message.title, pending.attempts > 0))
    return result


def target_named(config: Config, name: str) -> NotifyTarget:
    for target in config.settings.notify:
        if target.key == name:
            return target
    names = ", ".join(t.key for t in config.settings.notify) or "none: the config has no `notify:` section"
    raise ConfigError(config.path, f"no notify target named '{name}' (targets: {names})", key="notify")


def check_targets(config: Config) -> None:
    """Every target's URL is one Apprise can send to, or a ConfigError naming it (masked) by its key."""
    if not config.settings.notify:
        return
    from tracker.notify.apprise_sender import check_url

    for index, target in enumerate(config.settings.notify):
        if problem := check_url(target.url):
            raise ConfigError(config.path, problem, key=f"notify.{index}.url")


def log_run(result: NotifyRunResult) -> None:
    """One line per message for the daemon's log: sent, or kept with the reason."""
    for sent in result.sent:
        log.info(
            "notified %s of change %d: %s",
            sent.target,
            sent.change_id,
            sent.title,
            extra=fields(event="notified", target=sent.target, change_id=sent.change_id),
        )
    for failed in result.failed:
        log.warning(
            "could not notify %s of change %d (attempt %d; kept, tried again at %s): %s",
            failed.target,
            failed.change_id,
            failed.kept.attempts,
            failed.kept.next_attempt_at.isoformat(),
            failed.error,
            extra=fields(event="notify_failed", target=failed.target, change_id=failed.change_id, error=failed.error),
        )
