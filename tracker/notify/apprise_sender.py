"""Posting a message through Apprise: one URL, one message, an error that says why (secrets left out)."""

from __future__ import annotations

import logging
from types import ModuleType
from urllib.parse import quote

from tracker.notify import DeliveryError, Message, masked_target_url, scrub
from tracker.notify.message import message_body

# Apprise's generic webhooks send any header given as `+Name=value`: there the receiver gets a key that is
# the same for every attempt at one message, and can drop a second copy (docs/decisions/0018).
IDEMPOTENT_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")
TIMEOUT = 30.0  # seconds for one message, connection and answer together


def _apprise() -> ModuleType:
    # Imported here: Apprise and its plugins take a fifth of a second to load, which no other command pays.
    import apprise

    # Its own log lines may quote a URL with its tokens: what it says reaches ours through DeliveryError, scrubbed.
    quiet = logging.getLogger("apprise")
    quiet.propagate = False
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())  # else Python's last-resort handler prints its warnings
    return apprise


def check_url(url: str) -> str | None:
    """Why Apprise cannot use this URL, or None when it can."""
    apprise = _apprise()

    if apprise.Apprise.instantiate(url) is None:
        return f"{masked_target_url(url)} is not an Apprise URL this tracker can send to (see docs/notify.md)"
    return None


def with_idempotency_key(url: str, key: str) -> str:
    """The URL with an `Idempotency-Key` header for the schemes that take headers; others unchanged."""
    if url.partition("://")[0].lower() not in IDEMPOTENT_SCHEMES:
        return url
    return f"{url}{'&' if '?' in url else '?'}%2BIdempotency-Key={quote(key, safe='')}"


def send_message(url: str, message: Message, idempotency_key: str) -> None:
    """Post `message` to the service behind `url`; DeliveryError when it did not take it."""
    apprise = _apprise()
    notifier = apprise.Apprise()
    if not notifier.add(with_idempotency_key(url, idempotency_key)):
        raise DeliveryError(f"{masked_target_url(url)} is not an Apprise URL this tracker can send to")
    result = notifier.notify(
        body=message_body(message),
        title=message.title,
        body_format=apprise.NotifyFormat.TEXT,
        notify_type=apprise.NotifyType.WARNING if message.ai else apprise.NotifyType.INFO,
        timeout=TIMEOUT,
    )
    if not result:
        reasons = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
        reason = reasons[-1] if reasons else f"Apprise reported {result.status.name.lower()}"
        raise DeliveryError(scrub(reason, url))
