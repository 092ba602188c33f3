"""Per-document state and the flag's sentence memory: costs that stay flat as history grows.

`document_states` holds each document's standing (first check, newest check, last success, failures since, the
validators of the last success), updated with every check; `sentence_memory` the sentence keys of every version.
Both are filled from the existing history here, once. Versions get indexes for the newest and the
oldest-first reads, and on SQLite their text becomes the last column: SQLite stores a long text on a chain of
overflow pages, and every column after it is read by walking that chain (10 MB for 200 versions of a 50 KB
policy, to read their dates).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.store.memory import backfill_sentence_memory

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_states",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("first_checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_check_id", sa.Integer(), sa.ForeignKey("checks.id"), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures_since_success", sa.Integer(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("raw_sha256", sa.String(64), nullable=True),
        sa.Column("extraction_key", sa.String(64), nullable=True),
    )
    op.create_table(
        "sentence_memory",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("known", sa.LargeBinary(), nullable=False),
        sa.Column("dropped", sa.LargeBinary(), nullable=False),
        sa.Column("versions", sa.Integer(), nullable=False),
    )
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        with op.batch_alter_table("versions", recreate="always", partial_reordering=[_VERSION_COLUMNS]):
            pass
    op.create_index("ix_versions_document_last_seen", "versions", ["document_id", "last_seen_at", "id"])
    op.create_index("ix_versions_document_first_seen", "versions", ["document_id", "first_seen_at", "id"])
    _backfill_states(connection)
    backfill_sentence_memory(connection)


def downgrade() -> None:
    op.drop_index("ix_versions_document_first_seen", "versions")
    op.drop_index("ix_versions_document_last_seen", "versions")
    op.drop_table("sentence_memory")
    op.drop_table("document_states")


def _backfill_states(connection: sa.Connection) -> None:
    """One pass over the checks, per document in time order: what record_check would have kept."""
    checks = sa.table(
        "checks",
        sa.column("id"),
        sa.column("document_id"),
        sa.column("started_at"),
        sa.column("outcome"),
        sa.column("etag"),
        sa.column("last_modified"),
        sa.column("raw_sha256"),
        sa.column("extraction_key"),
    )
    states = sa.table(*("document_states", *map(sa.column, _STATE_COLUMNS)))
    rows = connection.execute(
        sa.select(checks).order_by(checks.c.document_id, checks.c.started_at, checks.c.id)
    ).mappings()
    batch: list[dict[str, object]] = []
    state: dict[str, object] | None = None
    for row in rows:
        if state is None or state["document_id"] != row["document_id"]:
            if state is not None:
                batch.append(state)
            state = {"document_id": row["document_id"], "first_checked_at": row["started_at"]}
            state.update(last_success_at=None, failures_since_success=0, etag=None, last_modified=None)
            state.update(raw_sha256=None, extraction_key=None)
        state["last_check_id"], state["last_checked_at"] = row["id"], row["started_at"]
        if row["outcome"] == "failed":
            state["failures_since_success"] = int(state["failures_since_success"]) + 1  # type: ignore[call-overload]
        else:
            state.update(last_success_at=row["started_at"], failures_since_success=0)
            state.update({name: row[name] for name in ("etag", "last_modified", "raw_sha256", "extraction_key")})
        if len(batch) >= 500:
            connection.execute(states.insert(), batch)
            batch = []
    if state is not None:
        batch.append(state)
    if batch:
        connection.execute(states.insert(), batch)


_VERSION_COLUMNS = (
    "id",
    "document_id",
    "snapshot_id",
    "text_sha256",
    "size",
    "first_seen_at",
    "last_seen_at",
    "rules_key",
    "reextracted_from_id",
    "origin",
    "provenance",
    "stated_dates",
    "fingerprint",
    "text",
)
_STATE_COLUMNS = (
    "document_id",
    "first_checked_at",
    "last_check_id",
    "last_checked_at",
    "last_success_at",
    "failures_since_success",
    "etag",
    "last_modified",
    "raw_sha256",
    "extraction_key",
)
