"""Storage: snapshots, versions, changes and checks, behind one repository (SQLite or PostgreSQL)."""

from tracker.store import migrate
from tracker.store.migrate import SchemaError
from tracker.store.repository import (
    ChangeRecord,
    CheckRecord,
    DocumentState,
    NewChange,
    NewCheck,
    NewSnapshot,
    SavedCheck,
    SnapshotRecord,
    Store,
    VersionRecord,
)

__all__ = [
    "ChangeRecord",
    "CheckRecord",
    "DocumentState",
    "NewChange",
    "NewCheck",
    "NewSnapshot",
    "SavedCheck",
    "SchemaError",
    "SnapshotRecord",
    "Store",
    "VersionRecord",
    "migrate",
]
