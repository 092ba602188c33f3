"""Suspect captures: a check keeps the raw bytes of a page the screen refused; versions keep their fingerprint.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Versions stored before get their fingerprint when a check first needs it (Store.version_fingerprints).
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("fingerprint", sa.JSON(), nullable=True))
    with op.batch_alter_table("checks") as batch:
        batch.add_column(sa.Column("snapshot_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("fingerprint", sa.JSON(), nullable=True))
        batch.create_foreign_key("fk_checks_snapshot_id_snapshots", "snapshots", ["snapshot_id"], ["id"])


def downgrade() -> None:
    # The evidence snapshots stay (snapshots of no version, as `tracker snapshot ID` can still show them).
    with op.batch_alter_table("checks") as batch:
        batch.drop_constraint("fk_checks_snapshot_id_snapshots", type_="foreignkey")
        batch.drop_column("fingerprint")
        batch.drop_column("snapshot_id")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("fingerprint")
