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
    # The code that runs this makes today's keys, not the older code's: the memory is emptied, and the older code
    # rebuilds each document's from its history when it stores the document's next version.
    op.execute("DELETE FROM sentence_memory")
