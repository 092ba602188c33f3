"""Sentence keys keep single digits ("kept for 3 years" is not "kept for 5 years"): every document's sentence
memory is rebuilt from its history with the new keys.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

from tracker.store.memory import backfill_sentence_memory

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    backfill_sentence_memory(op.get_bind())


def downgrade() -> None:
    # The memory holds keys, not schema: rebuilt with the keys of the code that runs the downgrade.
    backfill_sentence_memory(op.get_bind())
