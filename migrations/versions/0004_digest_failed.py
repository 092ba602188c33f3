"""Digests the server refuses for good become `failed`; the outbox counts refusals and unconfirmed attempts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digests") as batch:
        batch.add_column(sa.Column("refusals", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("unconfirmed", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_constraint("ck_digests_status", type_="check")
        batch.drop_constraint("ck_digests_sent_at", type_="check")
        batch.create_check_constraint("ck_digests_status", "status IN ('pending', 'sent', 'failed')")
        batch.create_check_constraint("ck_digests_sent_at", "status <> 'sent' OR sent_at IS NOT NULL")


def downgrade() -> None:
    # The old schema has no `failed`: such digests were given up and their changes released, so they go.
    op.execute("DELETE FROM digest_changes WHERE digest_id IN (SELECT id FROM digests WHERE status = 'failed')")
    op.execute("DELETE FROM digests WHERE status = 'failed'")
    with op.batch_alter_table("digests") as batch:
        batch.drop_constraint("ck_digests_sent_at", type_="check")
        batch.drop_constraint("ck_digests_status", type_="check")
        batch.create_check_constraint("ck_digests_status", "status IN ('pending', 'sent')")
        batch.create_check_constraint("ck_digests_sent_at", "status = 'pending' OR sent_at IS NOT NULL")
        batch.drop_column("unconfirmed")
        batch.drop_column("refusals")
