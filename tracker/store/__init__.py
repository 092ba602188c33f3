"""Storage: snapshots, versions, changes and checks, behind one repository (SQLite or PostgreSQL); the outboxes."""

from tracker.store import migrate
from tracker.store.migrate import EmptyDatabase, SchemaError
from tracker.store.notifications import NotificationOutbox, PendingNotification, TargetBacklog
from tracker.store.outbox import NewDigest, Outbox, PendingDigest, StoredDigest
from tracker.store.repository import (
    ChangeRecord,
    CheckRecord,
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
