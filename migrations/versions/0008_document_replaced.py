"""A change can be `document_replaced`: the page now serves a different document in the policy's place.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.drop_constraint("ck_changes_kind", type_="check")
        batch.create_check_constraint(
            "ck_changes_kind", "kind IN ('change', 'return_of_known_version', 'document_replaced')"
        )


def downgrade() -> None:
    # The old schema has no such kind: a replaced document reads there as a change (its flag says no AI change).
    op.execute("UPDATE changes SET kind = 'change' WHERE kind = 'document_replaced'")
    with op.batch_alter_table("changes") as batch:
        batch.drop_constraint("ck_changes_kind", type_="check")
        batch.create_check_constraint("ck_changes_kind", "kind IN ('change', 'return_of_known_version')")
