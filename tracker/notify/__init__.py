"""Notifications beyond email: each change posted to chat rooms and webhooks (Apprise URLs) through an outbox.

The stage in three parts, the way a change travels:

- `targets_for` (here) says, as the change is stored, which targets it goes to: the check files it in the
  outbox in the change's own transaction (tracker/store/notifications.py).
- `message.py` turns a stored change into a plain `Message` (title, evidence sentences, link) and its text.
- `sending.py` is the edge: it takes what is due from the outbox and hands it to a sender (`apprise_sender.py`,
  the one way today), marking each message sent the moment the service has taken it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.config import NotifyTarget

# Changes worth a message: a return to an earlier text (A/B tests, regional flips) never is one. Spelled out, not
# imported from tracker.flag: `tracker status` reads this module and must not load the pipeline.
NOTIFIED_KINDS = ("change", "document_replaced")


class DeliveryError(Exception):
    """The service could not be reached or did not take the message; it stays in the outbox."""


@dataclass(frozen=True)
class Evidence:
    op: str  # "insert": a sentence of the new text; "delete": one of the old text
    text: str


@dataclass(frozen=True)
class Message:
    """One change as a chat message, in plain data: senders and the preview only lay it out."""

    change_id: int
    title: str  # "LinkedIn Privacy Policy changed — AI: training"
    ai: bool
    summary: str  # "+120 −30 words · detected 19 Sep 2024 08:00 UTC"
    evidence: tuple[Evidence, ...] = ()
    more_evidence: int = 0
    link: str | None = None  # the change's page in the web view, when `web.base_url` is set
    page_url: str | None = None  # the policy itself
    diff_command: str = ""


def targets_for(targets: Sequence[NotifyTarget], kind: str, ai: bool) -> tuple[str, ...]:
    """The keys of the targets a change of this kind goes to."""
    if kind not in NOTIFIED_KINDS:
        return ()
    return tuple(target.key for target in targets if ai or not target.ai_only)


def masked_target_url(url: str) -> str:
    """An Apprise URL as it may be shown: the scheme and the host, never a token, password or header.

    `json://user:pw@hooks.example.org:8080/x?+Authorization=…` → `json://hooks.example.org:8080/…`;
    `slack://T1JJ3T3L2/A1BRTD4JD/TIiaj…` → `slack://T1J…/…` (Slack's tokens sit where a host would).
    """
    scheme, _, rest = url.partition("://")
    location, slash, path = rest.partition("/")
    host = location.rpartition("@")[2].split("?")[0]
    name, _, port = host.partition(":")
    looks_like_host = (name == "localhost" or "." in name) and (not port or port.isdigit())
    shown = host if looks_like_host else f"{host[:3]}…"
    return f"{scheme}://{shown}" + ("/…" if slash and (path or "?" in rest) else "")


def scrub(text: str, url: str) -> str:
    """`text` (an error from a service) with every secret-looking piece of `url` replaced by …"""
    for piece in re.split(r"[/:@?&=+]", url.partition("://")[2]):
        if len(piece) >= 6 and piece not in masked_target_url(url):
            text = text.replace(piece, "…")
    return text
