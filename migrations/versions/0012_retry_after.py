"""Checks keep the wait a server asked for (Retry-After on a 429 or 503): a restarted daemon honours it too.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Checks recorded before did not keep it: their documents are tried again on the daemon's own terms, once.
    with op.batch_alter_table("checks") as batch:
        batch.add_column(sa.Column("retry_after", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.drop_column("retry_after")
