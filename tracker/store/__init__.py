"""Storage: snapshots, versions, changes and checks, behind one repository (SQLite or PostgreSQL); the digest outbox."""

from tracker.store import migrate
from tracker.store.migrate import EmptyDatabase, SchemaError
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
    "Outbox",
    "PendingDigest",
    "SavedCheck",
    "SchemaError",
    "Sighting",
    "SnapshotRecord",
    "Store",
    "StoredDigest",
    "VersionRecord",
    "migrate",
]
