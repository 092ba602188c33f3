"""Versions record the dates their text states; changes record their notice and the page's opt-out pointers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # All nullable: versions and changes stored before this revision simply have no dates or pointers on record.
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("stated_dates", sa.JSON(), nullable=True))
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("stated_effective", sa.Date(), nullable=True))
        batch.add_column(sa.Column("notice_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("notice", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("opt_out", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("opt_out")
        batch.drop_column("notice")
        batch.drop_column("notice_days")
        batch.drop_column("stated_effective")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("stated_dates")
