"""Initial schema: documents, snapshots, versions, changes, checks.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Frozen here, not imported from the models: a migration must keep meaning what it meant when written.
UTC_DATETIME = sa.DateTime(timezone=True)


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("service", "key", name="uq_documents_service"),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("documents.id", name="fk_snapshots_document_id_documents"),
            nullable=False,
        ),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=True),
        sa.Column("body_gzip", sa.LargeBinary(), nullable=False),
        sa.Column("raw_sha256", sa.String(64), nullable=False),
        sa.Column("raw_size", sa.Integer(), nullable=False),
        sa.Column("fetched_at", UTC_DATETIME, nullable=False),
    )
    op.create_index("ix_snapshots_document_id", "snapshots", ["document_id"])
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("documents.id", name="fk_versions_document_id_documents"),
            nullable=False,
        ),
        sa.Column(
            "snapshot_id",
            sa.Integer(),
            sa.ForeignKey("snapshots.id", name="fk_versions_snapshot_id_snapshots"),
            nullable=True,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", UTC_DATETIME, nullable=False),
        sa.Column("last_seen_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("document_id", "text_sha256", name="uq_versions_document_id"),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("documents.id", name="fk_changes_document_id_documents"),
            nullable=False,
        ),
        sa.Column(
            "from_version_id",
            sa.Integer(),
            sa.ForeignKey("versions.id", name="fk_changes_from_version_id_versions"),
            nullable=False,
        ),
        sa.Column(
            "to_version_id",
            sa.Integer(),
            sa.ForeignKey("versions.id", name="fk_changes_to_version_id_versions"),
            nullable=False,
        ),
        sa.Column("detected_at", UTC_DATETIME, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("ai", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("inserted_words", sa.Integer(), nullable=False),
        sa.Column("deleted_words", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('change', 'return_of_known_version')", name="ck_changes_kind"),
    )
    op.create_index("ix_changes_document_id", "changes", ["document_id"])
    op.create_index("ix_changes_detected_at", "changes", ["detected_at"])
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("documents.id", name="fk_checks_document_id_documents"),
            nullable=False,
        ),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("refusal", sa.String(30), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.JSON(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("raw_sha256", sa.String(64), nullable=True),
        sa.Column("extraction_key", sa.String(64), nullable=True),
        sa.Column("text_sha256", sa.String(64), nullable=True),
        sa.Column(
            "version_id",
            sa.Integer(),
            sa.ForeignKey("versions.id", name="fk_checks_version_id_versions"),
            nullable=True,
        ),
        sa.Column(
            "change_id", sa.Integer(), sa.ForeignKey("changes.id", name="fk_checks_change_id_changes"), nullable=True
        ),
        sa.CheckConstraint(
            "outcome IN ('unchanged', 'first_version', 'changed', 'returned', 'failed')", name="ck_checks_outcome"
        ),
    )
    op.create_index("ix_checks_document_started", "checks", ["document_id", "started_at"])


def downgrade() -> None:
    op.drop_table("checks")
    op.drop_table("changes")
    op.drop_table("versions")
    op.drop_table("snapshots")
    op.drop_table("documents")
