"""The digest outbox: digests (one email to one recipient) and the changes each one covers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Frozen here, not imported from the models: a migration must keep meaning what it meant when written.
UTC_DATETIME = sa.DateTime(timezone=True)


revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(250), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", UTC_DATETIME, nullable=True),
        sa.Column("next_attempt_at", UTC_DATETIME, nullable=False),
        sa.Column("locked_until", UTC_DATETIME, nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        # Autogenerate does not see CHECK constraints: they are written out here by hand.
        sa.CheckConstraint("status IN ('pending', 'sent')", name="ck_digests_status"),
        sa.CheckConstraint("status = 'pending' OR sent_at IS NOT NULL", name="ck_digests_sent_at"),
        sa.CheckConstraint("attempts >= 0", name="ck_digests_attempts"),
        sa.UniqueConstraint("id", "recipient", name="uq_digests_id_recipient"),
    )
    op.create_index("ix_digests_status_next_attempt_at", "digests", ["status", "next_attempt_at"])
    op.create_index("ix_digests_recipient_created_at", "digests", ["recipient", "created_at"])
    op.create_table(
        "digest_changes",
        sa.Column("digest_id", sa.Integer(), primary_key=True),
        sa.Column(
            "change_id",
            sa.Integer(),
            sa.ForeignKey("changes.id", name="fk_digest_changes_change_id_changes"),
            primary_key=True,
        ),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id", "recipient"],
            ["digests.id", "digests.recipient"],
            name="fk_digest_changes_digest_id_digests",
        ),
        sa.UniqueConstraint("change_id", "recipient", name="uq_digest_changes_change_id"),
    )


def downgrade() -> None:
    op.drop_table("digest_changes")
    op.drop_index("ix_digests_recipient_created_at", table_name="digests")
    op.drop_index("ix_digests_status_next_attempt_at", table_name="digests")
    op.drop_table("digests")
