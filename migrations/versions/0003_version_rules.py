"""Versions remember the extraction rules that made them, and the version a re-extraction came from.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("rules_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reextracted_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_versions_reextracted_from_id_versions", "versions", ["reextracted_from_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.drop_constraint("fk_versions_reextracted_from_id_versions", type_="foreignkey")
        batch.drop_column("reextracted_from_id")
        batch.drop_column("rules_key")
