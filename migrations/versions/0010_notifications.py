"""The notification outbox: one row per change and notify target, kept until the service has taken it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Frozen here, not imported from the models: a migration must keep meaning what it meant when written.
UTC_DATETIME = sa.DateTime(timezone=True)

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "change_id",
            sa.Integer(),
            sa.ForeignKey("changes.id", name="fk_notifications_change_id_changes"),
            nullable=False,
        ),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", UTC_DATETIME, nullable=True),
        sa.Column("next_attempt_at", UTC_DATETIME, nullable=False),
        sa.Column("locked_until", UTC_DATETIME, nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        # Autogenerate does not see CHECK constraints: they are written out here by hand.
        sa.CheckConstraint("status IN ('pending', 'sent')", name="ck_notifications_status"),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="ck_notifications_sent_at"),
        sa.CheckConstraint("attempts >= 0", name="ck_notifications_attempts"),
        sa.UniqueConstraint("change_id", "target", name="uq_notifications_change_id"),
    )
    op.create_index("ix_notifications_status_next_attempt_at", "notifications", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_status_next_attempt_at", table_name="notifications")
    op.drop_table("notifications")
