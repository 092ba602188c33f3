"""The flag's sentence memory, built from a document's whole history in one pass: for the migrations that create
it (0011) and rebuild it when the sentence keys change (0013, 0014). The store folds each new version in as it comes
(repository._add_version); this is the same fold over every stored text, oldest first."""

from __future__ import annotations

import gzip

import sqlalchemy as sa


def backfill_sentence_memory(connection: sa.Connection) -> None:
    """Each document's texts once, oldest first, into a fresh `sentence_memory` row."""
    from tracker.flag import sentence_keys

    versions = sa.table(
        "versions", sa.column("document_id"), sa.column("text"), sa.column("first_seen_at"), sa.column("id")
    )
    memory = sa.table(
        "sentence_memory", sa.column("document_id"), sa.column("known"), sa.column("dropped"), sa.column("versions")
    )
    connection.execute(memory.delete())
    documents = connection.execute(sa.select(versions.c.document_id).distinct()).scalars().all()
    for document_id in documents:
        known: set[str] = set()
        dropped: set[str] = set()
        count = 0
        texts = connection.execute(
            sa.select(versions.c.text)
            .where(versions.c.document_id == document_id)
            .order_by(versions.c.first_seen_at, versions.c.id)
        ).scalars()
        for text in texts:
            keys = sentence_keys(text)
            dropped |= known - keys
            known |= keys
            count += 1
        connection.execute(
            memory.insert(),
            {"document_id": document_id, "known": pack_keys(known), "dropped": pack_keys(dropped), "versions": count},
        )


def pack_keys(keys: set[str] | frozenset[str]) -> bytes:
    return gzip.compress("\n".join(sorted(keys)).encode(), compresslevel=6, mtime=0)


def unpack_keys(packed: bytes) -> frozenset[str]:
    text = gzip.decompress(packed).decode()
    return frozenset(text.split("\n")) if text else frozenset()
