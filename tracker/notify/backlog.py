"""What waits in the notification outbox, per target, for `tracker status` (and its --json)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker.config import Config
from tracker.notify import masked_target_url
from tracker.store.sql_reads import TargetBacklog


@dataclass(frozen=True)
class TargetStatus:
    target: str
    url: str | None  # masked; None: the target is no longer in the config (its messages are not sent)
    ai_only: bool | None
    pending: int
    oldest: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "target": self.target,
            "url": self.url,
            "ai_only": self.ai_only,
            "in_config": self.url is not None,
            "pending": self.pending,
            "oldest": iso(self.oldest),
            "attempts": self.attempts,
            "last_error": self.last_error,
            "next_attempt_at": iso(self.next_attempt_at),
        }

    def line(self) -> str:
        if self.url is None:
            return (
                f"Notifications to {self.target}: {self.pending} waiting, but no target of that name is in the "
                "config any more (they are not sent; put the target back to send them)"
            )
        waiting = f"Notifications to {self.target} ({self.url}): {self.pending} waiting"
        if not self.attempts:
            return f"{waiting}, not tried yet"
        next_at = self.next_attempt_at.strftime("%Y-%m-%d %H:%M") if self.next_attempt_at else "now"
        attempts = f"{self.attempts} attempt{'s' if self.attempts > 1 else ''}"
        return f"{waiting} ({attempts}, next {next_at} UTC): {self.last_error}"


def notification_backlog(config: Config, waiting: Iterable[TargetBacklog]) -> list[TargetStatus]:
    """Every target of the config (with nothing pending too), then targets gone from it that still have some."""
    backlog = {b.target: b for b in waiting}
    shown = [
        _status(t.key, masked_target_url(t.url), t.ai_only, backlog.pop(t.key, None)) for t in config.settings.notify
    ]
    return shown + [_status(b.target, None, None, b) for b in backlog.values()]


def _status(name: str, url: str | None, ai_only: bool | None, waiting: TargetBacklog | None) -> TargetStatus:
    if waiting is None:
        return TargetStatus(name, url, ai_only, 0)
    w = waiting
    return TargetStatus(name, url, ai_only, w.pending, w.oldest, w.attempts, w.last_error, w.next_attempt_at)
