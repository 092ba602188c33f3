"""The record as JSON, the same wherever it is read: `tracker history/changes/diff --json` and the web view's API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from tracker.terminal import change_json

# `tracker changes --json` stays light: the diff and the story (which read pages) load only for a diff's JSON.
if TYPE_CHECKING:
    from tracker.config import Document
    from tracker.diff import TextDiff
    from tracker.store import ChangeRecord, CheckRecord, Store, VersionRecord
    from tracker.store.repository import RefusedImport


def changes_json(changes: Iterable[ChangeRecord]) -> list[dict[str, Any]]:
    """`tracker changes --json`."""
    return [change_json(change) for change in changes]


def diff_json(
    store: Store, documents: Sequence[Document], change: ChangeRecord, text_diff: TextDiff, context_words: int
) -> dict[str, Any]:
    """One change of `tracker diff --format json`: the change, where its text came from, and its word diff."""
    from tracker.diff import render_json
    from tracker.story import absent_from

    return {
        **change_json(change),
        "provenance": store.version(change.to_version_id).provenance,
        "not_in_variants": list(absent_from(store, documents, change)),
        "hunks": render_json(text_diff, context_words),
    }


def history_json(store: Store, versions: Iterable[VersionRecord]) -> list[dict[str, Any]]:
    """`tracker history --json`: each version with the capture it was read from."""
    return [
        {
            "service": v.service,
            "document": v.document,
            "version": v.id,
            "origin": v.origin,
            "observed_at": v.first_seen_at.isoformat(),
            "first_seen_at": v.first_seen_at.isoformat(),
            "last_seen_at": v.last_seen_at.isoformat(),
            "provenance": v.provenance,
            "characters": v.size,
            "text_sha256": v.text_sha256,
            "snapshot": snapshot_json(store, v.snapshot_id),
        }
        for v in versions
    ]


def suspect_captures_json(store: Store, checks: Iterable[CheckRecord]) -> list[dict[str, Any]]:
    """`tracker history --all --json`: the captures the screen held back, each with its reason and its bytes."""
    return [
        {
            "service": c.service,
            "document": c.document,
            "check": c.id,
            "checked_at": c.started_at.isoformat(),
            "reason": c.reason,
            "refusal": c.refusal,
            "text_sha256": c.text_sha256,
            "snapshot": snapshot_json(store, c.snapshot_id),
        }
        for c in checks
    ]


def refused_imports_json(refused: Iterable[RefusedImport]) -> list[dict[str, Any]]:
    """`tracker history --all --json`: the archives' captures an import refused, each with where the archive has it."""
    return [
        {
            "service": r.service,
            "document": r.document,
            "origin": r.origin,
            "ref": r.ref,
            "source": r.source,
            "archived_at": r.observed_at.isoformat(),
            "reason": r.reason,
            "refusal": r.refusal,
        }
        for r in refused
    ]


def snapshot_json(store: Store, snapshot_id: int | None) -> dict[str, Any] | None:
    if snapshot_id is None:
        return None
    snapshot = store.snapshot(snapshot_id)
    return {
        "id": snapshot.id,
        "url": snapshot.url,
        "final_url": snapshot.final_url,
        "status": snapshot.status,
        "fetched_at": snapshot.fetched_at.isoformat(),
        "raw_sha256": snapshot.raw_sha256,
        "raw_bytes": snapshot.raw_size,
        # http: the bytes as served; browser: the page after its scripts ran (fetch: browser, or auto's fallback)
        "fetch_path": snapshot.fetch_path,
    }
