"""Sentence keys read a number written out as its digits ("thirty days", "thirty (30) days" and "twenty-four" are
"30 days" and "24"), and keep the number that starts a sentence unless it numbers a section ("30 days after you
delete a chat, ..."): every document's sentence memory is rebuilt from its history with the new keys.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

from tracker.store.memory import backfill_sentence_memory

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    backfill_sentence_memory(op.get_bind())


def downgrade() -> None:
    # As 0013's: the memory is emptied, and the older code rebuilds each document's from its history when it stores
    # the document's next version.
    op.execute("DELETE FROM sentence_memory")
