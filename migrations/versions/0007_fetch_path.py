"""Snapshots and checks say which way the page was fetched: as served (http) or rendered in a browser.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every capture made before this revision came over plain HTTP.
    for table in ("snapshots", "checks"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("fetch_path", sa.String(10), nullable=False, server_default="http"))
            batch.create_check_constraint(f"ck_{table}_fetch_path", "fetch_path IN ('http', 'browser')")


def downgrade() -> None:
    # The old schema cannot say a capture was rendered; the rendered bytes themselves are kept.
    for table in ("checks", "snapshots"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"ck_{table}_fetch_path", type_="check")
            batch.drop_column("fetch_path")
