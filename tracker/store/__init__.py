"""Storage: snapshots, versions, changes and checks, behind one repository (SQLite or PostgreSQL); the outboxes.

The names below are loaded on first use: `tracker status` on SQLite reads through tracker/store/sql_reads.py alone
and must not pay for SQLAlchemy, which the other modules import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.store import migrate
    from tracker.store.notifications import NotificationOutbox, PendingNotification
    from tracker.store.outbox import NewDigest, Outbox, StoredDigest
    from tracker.store.repository import (
        ChangeRecord,
        DocumentState,
        NewChange,
        NewCheck,
        NewImport,
        NewSnapshot,
        SavedCheck,
        Sighting,
        SnapshotRecord,
        Store,
        VersionRecord,
    )
    from tracker.store.revisions import EmptyDatabase, SchemaError
    from tracker.store.sql_reads import CheckRecord, PendingDigest, TargetBacklog

_MODULES = {
    "migrate": "tracker.store.migrate",
    **dict.fromkeys(["NotificationOutbox", "PendingNotification"], "tracker.store.notifications"),
    **dict.fromkeys(["NewDigest", "Outbox", "StoredDigest"], "tracker.store.outbox"),
    **dict.fromkeys(
        [
            "ChangeRecord",
            "DocumentState",
            "NewChange",
            "NewCheck",
            "NewImport",
            "NewSnapshot",
            "SavedCheck",
            "Sighting",
            "SnapshotRecord",
            "Store",
            "VersionRecord",
        ],
        "tracker.store.repository",
    ),
    **dict.fromkeys(["EmptyDatabase", "SchemaError"], "tracker.store.revisions"),
    **dict.fromkeys(["CheckRecord", "PendingDigest", "TargetBacklog"], "tracker.store.sql_reads"),
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module 'tracker.store' has no attribute {name!r}")
    module = import_module(_MODULES[name])
    value = module if name == "migrate" else getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
    "ChangeRecord",
    "CheckRecord",
    "DocumentState",
    "EmptyDatabase",
    "NewChange",
    "NewCheck",
    "NewDigest",
    "NewImport",
    "NewSnapshot",
    "NotificationOutbox",
    "Outbox",
    "PendingDigest",
    "PendingNotification",
    "SavedCheck",
    "SchemaError",
    "Sighting",
    "SnapshotRecord",
    "Store",
    "StoredDigest",
    "TargetBacklog",
    "VersionRecord",
    "migrate",
]
