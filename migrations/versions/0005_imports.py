"""Versions and changes say who observed them (origin, provenance); imports from archives are remembered.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, not imported from the models: a migration must keep meaning what it meant when written.
UTC_DATETIME = sa.DateTime(timezone=True)
ORIGINS = "('check', 'ota', 'wayback')"


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("origin", sa.String(10), nullable=False, server_default="check"))
        batch.add_column(sa.Column("provenance", sa.JSON(), nullable=True))
        batch.create_check_constraint("ck_versions_origin", f"origin IN {ORIGINS}")
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("origin", sa.String(10), nullable=False, server_default="check"))
        batch.create_check_constraint("ck_changes_origin", f"origin IN {ORIGINS}")
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("observed_at", UTC_DATETIME, nullable=False),
        sa.Column("imported_at", UTC_DATETIME, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("refusal", sa.String(30), nullable=True),
        sa.Column("text_sha256", sa.String(64), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("change_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_imports"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name="fk_imports_document_id_documents"),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name="fk_imports_version_id_versions"),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name="fk_imports_change_id_changes"),
        sa.UniqueConstraint("document_id", "origin", "ref", name="uq_imports_document_id"),
        sa.CheckConstraint("origin IN ('ota', 'wayback')", name="ck_imports_origin"),
        sa.CheckConstraint(
            "outcome IN ('first_version', 'unchanged', 'changed', 'returned', 'technical', 'failed')",
            name="ck_imports_outcome",
        ),
    )
    op.create_index("ix_imports_document_observed", "imports", ["document_id", "observed_at"])


def downgrade() -> None:
    # Imported changes go with the column that says they were imported: a tracker of 0004 would email them as
    # news. Imported versions stay (texts the documents really had), without their provenance.
    op.drop_index("ix_imports_document_observed", table_name="imports")
    op.drop_table("imports")
    op.execute("DELETE FROM digest_changes WHERE change_id IN (SELECT id FROM changes WHERE origin <> 'check')")
    op.execute("DELETE FROM changes WHERE origin <> 'check'")
    with op.batch_alter_table("changes") as batch:
        batch.drop_constraint("ck_changes_origin", type_="check")
        batch.drop_column("origin")
    with op.batch_alter_table("versions") as batch:
        batch.drop_constraint("ck_versions_origin", type_="check")
        batch.drop_column("provenance")
        batch.drop_column("origin")
