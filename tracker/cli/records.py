"""Reading the record: `history`, `changes`, `diff`, `snapshot`, and `compare` for two local files."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from tracker.cli.app import EXIT_USAGE, Context, fail, handles_errors, pass_context
from tracker.cli.app import cli as group

ARCHIVE_NAMES = {"ota": "Open Terms Archive", "wayback": "the Wayback Machine"}


@group.command()
@click.argument("service")
@click.option("--document", "-d", help="Only this document of the service.")
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also the suspect captures (pages the screen refused, kept) and the archives' captures refused on import.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON list, for scripts.")
@pass_context
@handles_errors
def history(context: Context, service: str, document: str | None, show_all: bool, as_json: bool) -> None:
    """The stored versions of a service's documents, oldest first, with times, sizes, hashes and snapshot ids.

    `tracker snapshot ID` gives the raw bytes of a version's capture, for citing. With --all, also every suspect
    capture (a page the screen refused: never a version), with its reason and the snapshot of its raw bytes, and
    every capture of an archive that an import refused, with its reason and where the archive keeps it.
    """
    from tracker.terminal import print_table, when

    context.check_names(service, document, recorded=True)
    store = context.existing_store
    versions = store.versions(service, document)
    # Every suspect capture, however many checks came after it: they are the evidence of what the screen held.
    suspects = list(reversed(store.checks(service, document, limit=None, suspect=True))) if show_all else []
    # And what the archives held that the screen refused on import (no bytes kept: the archive keeps them).
    refused = store.refused_imports(service, document) if show_all else []
    if as_json:
        from tracker.payloads import history_json, refused_imports_json, suspect_captures_json

        payload: object = history_json(store, versions)
        if show_all:
            payload = {
                "versions": payload,
                "suspect_captures": suspect_captures_json(store, suspects),
                "refused_imports": refused_imports_json(refused),
            }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if not versions and not suspects and not refused:
        what = f"{service} {document}" if document else service
        context.out.print(f"No versions stored for {what} yet: `tracker check {service}` fetches it now.")
        return
    # The origin column only where the listing holds imported versions; "last seen" then gives it the room.
    imported = any(v.origin != "check" for v in versions)
    headers = ("version", "snapshot", "first seen (UTC)", "last seen (UTC)", "characters", "sha256")
    if imported:
        headers = ("version", "snapshot", "origin", "first seen (UTC)", "characters", "sha256")
    for key in dict.fromkeys([v.document for v in versions] + [c.document for c in (*suspects, *refused)]):
        context.out.print(f"{context.title(service, key)} ({service} {key})")
        rows = []
        for v in versions:
            if v.document != key:
                continue
            snapshot = str(v.snapshot_id) if v.snapshot_id is not None else "-"
            seen = (v.origin, when(v.first_seen_at)) if imported else (when(v.first_seen_at), when(v.last_seen_at))
            rows.append((str(v.id), snapshot, *seen, f"{v.size:,}", v.text_sha256[:12]))
        print_table(context.out, headers, rows)
        shown = [c for c in suspects if c.document == key] if show_all else []
        if shown:
            context.out.print(f"Suspect captures of {context.title(service, key)}: never versions", style="yellow")
            print_table(
                context.out,
                ("check", "snapshot", "checked (UTC)", "why"),
                [(str(c.id), str(c.snapshot_id), when(c.started_at), c.reason or "") for c in shown],
                wrap=(3,),
            )
        archived = [r for r in refused if r.document == key]
        if archived:
            context.out.print(f"Archived captures of {context.title(service, key)} refused on import", style="yellow")
            print_table(
                context.out,
                ("origin", "capture", "archived (UTC)", "why"),
                # A commit is known by its first 12 characters; a Wayback capture by its timestamp and URL.
                [
                    (r.origin, r.ref[:12] if r.origin == "ota" else r.ref, when(r.observed_at), r.reason or "")
                    for r in archived
                ],
                wrap=(3,),
            )
    context.out.print("\nThe raw capture of a version: tracker snapshot SNAPSHOT", style="dim")


@group.command()
@click.argument("service", required=False)
@click.option("--document", "-d", help="Only this document of the service.")
@click.option("--ai", "ai_only", is_flag=True, help="Only changes flagged as touching AI or model training.")
@click.option("--since", type=click.DateTime(), help="Only changes detected on or after this date (UTC).")
@click.option(
    "--limit", type=click.IntRange(min=1, max=10**9), default=50, show_default=True, help="At most this many changes."
)
@click.option(
    "--origin",
    type=click.Choice(["check", "ota", "wayback"]),
    help="Only changes seen by this tracker's checks, or imported from Open Terms Archive or the Wayback Machine.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON list, for scripts.")
@pass_context
@handles_errors
def changes(
    context: Context,
    service: str | None,
    document: str | None,
    ai_only: bool,
    since: datetime | None,
    limit: int,
    origin: str | None,
    as_json: bool,
) -> None:
    """Detected changes, newest first."""
    from rich.text import Text

    from tracker.payloads import changes_json
    from tracker.terminal import KIND_WORDS, ai_label, print_table, when

    context.check_names(service, document, recorded=True)
    since_utc = since.replace(tzinfo=UTC) if since else None
    # One more than asked tells whether the listing stops short of what matches: a list cut silently reads as whole.
    found = context.existing_store.changes(
        service, document, ai_only=ai_only, since=since_utc, limit=limit + 1, origin=origin
    )
    more = len(found) > limit
    found = found[:limit]
    if as_json:
        if more:
            click.echo(f"Only the newest {limit} changes; more match (--limit, --since).", err=True)
        click.echo(json.dumps(changes_json(found), indent=2, ensure_ascii=False))
        return
    if not found:
        filtered = bool(service or document or since or origin)
        what = "No changes" + (" that touch AI" if ai_only else "")
        context.out.print(f"{what} match these filters." if filtered else f"{what} detected yet.")
        return
    imported = any(c.origin != "check" for c in found)
    rows = []
    for c in found:
        what = Text(KIND_WORDS.get(c.kind, "changed"), style="" if c.kind == "change" else "yellow")
        if c.ai:
            what = Text(f"{ai_label(c.category)} {c.score:.2f}", style="bold magenta")
        origin_cell = (c.origin,) if imported else ()
        notice = _notice_cell(c.notice_days, c.notice)
        rows.append((context.title(c.service, c.document), str(c.id), when(c.detected_at), *origin_cell, what, notice))
    # Within 80 columns: the words counted and the stated effective date are in --json and in `tracker diff`.
    headers = ("document", "change", "observed (UTC)", *(("origin",) if imported else ()), "what", "notice")
    print_table(context.out, headers, rows, wrap=(len(headers) - 2, len(headers) - 1))
    if more:
        shown = f"{limit} changes" if limit > 1 else "change"
        context.out.print(f"\nOnly the newest {shown}; more match: --limit N shows more, --since DATE fewer.")
    context.out.print("\nSee one with: tracker diff --change ID", style="dim")


def _notice_cell(notice_days: int | None, notice: dict[str, Any] | None) -> str:
    """'+62 days', '0 days', '-1 day'; 'announcement' for a change that announces terms to come."""
    if notice is None or notice_days is None:
        return "-"
    if notice.get("date_unchanged"):
        return "date unchanged"
    cell = f"{notice_days:+d} day{'' if abs(notice_days) == 1 else 's'}" if notice_days else "0 days"
    return cell + (" (announcement)" if notice.get("basis") == "announced" else "")


@group.command()
@click.argument("service", required=False)
@click.option("--document", "-d", help="Only this document of the service.")
@click.option(
    "--change", "change_id", type=int, help="This change (an id from `tracker changes`; SERVICE may be left out)."
)
@click.option("--ai", "ai_only", is_flag=True, help="Every change flagged as touching AI, oldest first.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["terminal", "text", "html", "json"]),
    default="terminal",
    show_default=True,
    help="terminal: colours on a terminal, [-deleted-] {+inserted+} otherwise.",
)
@click.option("--context-words", type=int, default=20, show_default=True, help="Unchanged words shown around a change.")
@pass_context
@handles_errors
def diff(
    context: Context,
    service: str | None,
    document: str | None,
    change_id: int | None,
    ai_only: bool,
    output: str,
    context_words: int,
) -> None:
    """What changed, word by word. By default the latest change of each document of SERVICE; with --change ID, that
    change (of any service)."""
    from tracker.diff import diff_texts
    from tracker.story import absent_from
    from tracker.terminal import change_header, flag_of, print_diff, story_lines

    if service is None and change_id is None:
        fail("name a SERVICE, or a change with --change ID (an id from `tracker changes`)", EXIT_USAGE)
    if service is not None:
        context.check_names(service, document, recorded=True)
    store = context.existing_store
    if change_id is not None:
        change = store.change(change_id)
        if change is None or service not in (None, change.service):
            where = f" for service '{service}'" if service else ""
            fail(f"no change {change_id}{where} (see `tracker changes`)", EXIT_USAGE)
        service = change.service
        selected = [change]
    else:
        keys = [doc.key for doc in context.config.documents(service, document)] or [document]
        selected = []
        for key in keys:
            if ai_only:
                selected.extend(reversed(store.changes(service, key, ai_only=True)))
            else:
                selected.extend(store.changes(service, key, limit=1))
    if not selected and output == "json":
        click.echo("[]")
        return
    if not selected and output != "html":
        context.out.print(f"No changes recorded for {service} yet: `tracker check {service}` stores versions.")
        return
    rendered = []
    for change in selected:
        text_diff = diff_texts(store.version_text(change.from_version_id), store.version_text(change.to_version_id))
        rendered.append((change, text_diff))
    documents = list(context.config.documents(service))
    if output == "json":
        from tracker.payloads import diff_json

        payload = [diff_json(store, documents, c, d, context_words) for c, d in rendered]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    today = datetime.now(UTC).date()
    pages = []
    for change, text_diff in rendered:
        title = context.title(change.service, change.document)
        header = change_header(store, change, title)
        story = story_lines(change, today, absent_from(store, documents, change))
        if output == "html":
            from tracker.diffpage import page_change

            url = next((d.url for d in context.config.documents(change.service, change.document)), None)
            pages.append(page_change(change, title, header, url, text_diff, context_words, story))
        else:
            flag = flag_of(change)
            print_diff(context.out, header, flag, text_diff, context_words, colour=output == "terminal", story=story)
    if output == "html":
        from tracker.diffpage import render_diff_page

        service_name = next((d.service_name for d in context.config.documents(service)), service)
        click.echo(render_diff_page(pages, f"{service_name}: what changed", datetime.now(UTC)), nl=False)


@group.command()
@click.argument("snapshot_id", metavar="SNAPSHOT", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write here.")
@pass_context
@handles_errors
def snapshot(context: Context, snapshot_id: int, output: Path | None) -> None:
    """The raw bytes of a capture, exactly as the server sent them (ids in `tracker history`).

    Without -o the bytes go to standard output; the URL, time and sha256 go to standard error, for citing.
    """
    try:
        record = context.existing_store.snapshot(snapshot_id)
        body = context.existing_store.snapshot_body(snapshot_id)
    except KeyError:
        fail(f"no snapshot {snapshot_id} (`tracker history SERVICE` lists them)", EXIT_USAGE)
    origin, provenance = context.existing_store.snapshot_provenance(snapshot_id)
    size = f"{record.raw_size} bytes, sha256 {record.raw_sha256}"
    if origin == "check":
        cited = f"{record.url} fetched {record.fetched_at.isoformat()} (HTTP {record.status}, {size})"
    else:
        # An archive's capture: cite the archive, never a fetch of the URL this tracker did not make.
        where = ", ".join(f"{key} {value}" for key, value in (provenance or {}).items() if key != "fetched_at")
        cited = (
            f"{record.url} as archived by {ARCHIVE_NAMES.get(origin, origin)} at {record.fetched_at.isoformat()}"
            f" ({where}; {size}); not fetched by this tracker"
        )
    context.err.print(f"snapshot {record.id}: {cited}", markup=False)
    if output:
        output.write_bytes(body)
    else:
        sys.stdout.buffer.write(body)


@group.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--service", "-s", help="Use the extraction rules of this service's document...")
@click.option("--document", "-d", help="...this document (both needed).")
@click.option("--json", "as_json", is_flag=True, help="The change as JSON (as in `changes --json`, without ids).")
@click.option("--context-words", type=int, default=20, show_default=True)
@pass_context
@handles_errors
def compare(
    context: Context,
    old: Path,
    new: Path,
    service: str | None,
    document: str | None,
    as_json: bool,
    context_words: int,
) -> None:
    """Extract, diff and flag two local files (HTML, or text/Markdown by extension). Stores nothing."""
    from tracker.diff import diff_texts
    from tracker.extract import ExtractionError, Rules, extract_text
    from tracker.flag import Vocabulary, flag_change
    from tracker.terminal import print_diff

    if bool(service) != bool(document):
        fail("--service and --document go together", EXIT_USAGE)
    rules = Rules()
    vocabulary = Vocabulary.build()
    if service and document:
        doc = context.config.document(service, document)
        rules = Rules(doc.select, doc.remove)
        vocabulary = context.vocabulary()
    texts = []
    for path in (old, new):
        try:
            texts.append(extract_text(path.read_bytes(), _content_type(path), rules))
        except ExtractionError as exc:
            fail(f"{path}: {exc}", EXIT_USAGE)
    text_diff = diff_texts(texts[0], texts[1])
    flag = flag_change(text_diff, vocabulary)
    if as_json:
        payload = {
            "service": service,
            "document": document,
            "old": str(old),
            "new": str(new),
            "kind": flag.kind if text_diff.changed else "unchanged",
            "reason": flag.reason,
            "ai": flag.ai,
            "score": flag.score,
            "category": flag.category,
            "terms": list(flag.terms),
            "evidence": flag.evidence_json(),
            "inserted_words": text_diff.inserted_words,
            "deleted_words": text_diff.deleted_words,
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if not text_diff.changed:
        context.out.print("No change in the text.")
        return
    header = f"{old} → {new}: +{text_diff.inserted_words}/-{text_diff.deleted_words} words"
    print_diff(context.out, header, flag, text_diff, context_words, colour=True)


def _content_type(path: Path) -> str:
    return "text/html" if path.suffix.lower() in (".html", ".htm", ".xhtml") else "text/plain"
