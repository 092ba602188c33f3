"""`tracker import ota|wayback`: a document's history from day one, from Open Terms Archive or the Wayback Machine."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from tracker.cli.app import EXIT_FAILED, EXIT_USAGE, Context, fail, handles_errors, pass_context
from tracker.cli.app import cli as group

if TYPE_CHECKING:
    from tracker.config import Document
    from tracker.sources import Archive, ImportSummary, Progress


@group.group("import")
def import_group() -> None:
    """Bring in the history of the tracked documents from public archives.

    Imported versions are extracted, screened, diffed and flagged like the ones `tracker check` finds, and
    keep their provenance (origin, repository and commit, or Wayback capture). They fill the time before this
    tracker's first check of a document and never replace what it saw itself. Imported changes are listed by
    `tracker changes` (--origin ota|wayback) but never emailed: the digest is news. Running an import again
    adds only what is new, and an interrupted import resumes.
    """


@import_group.command("ota")
@click.argument("repository")
@click.argument("service", required=False)
@click.option("--document", "-d", help="Only this document of the service.")
@click.option(
    "--snapshots",
    metavar="REPO",
    help="The matching *-snapshots repository: read the raw pages and extract them with this document's rules.",
)
@click.option("--since", type=click.DateTime(), help="Only commits on or after this date (UTC).")
@click.option("--json", "as_json", is_flag=True, help="One JSON summary per document, for scripts.")
@pass_context
@handles_errors
def import_ota(
    context: Context,
    repository: str,
    service: str | None,
    document: str | None,
    snapshots: str | None,
    since: datetime | None,
    as_json: bool,
) -> None:
    """Import versions from an Open Terms Archive repository.

    REPOSITORY is a local clone (bare or not) of one of Open Terms Archive's *-versions repositories, or its
    git URL (cloned into ~/.cache/tracker/archives, then brought up to date on each import). Each document
    names its path in the archive with its `ota:` key in the config, e.g. ota: "LinkedIn/Privacy Policy".
    Without SERVICE, every document that has an `ota:` key is imported.

    \b
    Example:
      git clone https://github.com/OpenTermsArchive/pga-versions
      tracker import ota pga-versions linkedin
      tracker diff linkedin --ai
    """
    from tracker.sources import NotAnArchive, SourceError
    from tracker.sources.ota import OpenTermsArchive, open_repository

    documents = [doc for doc in context.documents(service, document) if doc.ota or service]
    if not documents:
        fail(f"no document in {context.config.path} has an `ota:` key (its path in the archive)", EXIT_USAGE)
    try:
        archive = OpenTermsArchive(
            open_repository(repository),
            open_repository(snapshots) if snapshots else None,
            since.replace(tzinfo=UTC) if since else None,
        )
    except NotAnArchive as exc:
        fail(str(exc), EXIT_USAGE)
    except SourceError as exc:
        fail(str(exc), EXIT_FAILED)
    _run(context, archive, documents, as_json)


@import_group.command("wayback")
@click.argument("service")
@click.option("--document", "-d", help="Only this document of the service.")
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), help="Only captures on or after this day.")
@click.option("--to", "until", type=click.DateTime(["%Y-%m-%d"]), help="Only captures on or before this day.")
@click.option("--json", "as_json", is_flag=True, help="One JSON summary per document, for scripts.")
@pass_context
@handles_errors
def import_wayback(
    context: Context,
    service: str,
    document: str | None,
    since: datetime | None,
    until: datetime | None,
    as_json: bool,
) -> None:
    """Import past captures of the documents' pages from the Wayback Machine.

    Lists the captures with the CDX API, then reads each raw capture, one request every `wayback.request_gap`
    seconds (4 by default: years of history take a while; interrupt and run again, it resumes). Error pages,
    walls and pages without the policy are refused exactly as in `tracker check`.
    """
    from dataclasses import replace

    from tracker.fetch import Fetcher
    from tracker.sources.wayback import WaybackMachine

    documents = context.documents(service, document)
    settings = context.config.settings
    fetch = replace(settings.fetch, host_gap=max(settings.fetch.host_gap, settings.wayback.request_gap))
    with Fetcher(fetch) as fetcher:
        archive = WaybackMachine(
            settings.wayback, fetcher, since.date() if since else None, until.date() if until else None
        )
        _run(context, archive, documents, as_json)


def _run(context: Context, archive: Archive, documents: list[Document], as_json: bool) -> None:
    from tracker.sources import import_history

    settings = context.config.settings
    vocabulary = context.vocabulary()
    failed = False
    for doc in documents:
        summary = import_history(doc, context.store, archive, settings.checks, vocabulary, _progress(context, doc))
        failed |= summary.failed
        if as_json:
            context.out.print_json(data=summary.as_json(), indent=None)
        else:
            _print_summary(context, doc, summary)
    if failed:
        sys.exit(EXIT_FAILED)


def _progress(context: Context, doc: Document) -> Progress:
    """Progress on standard error, at most once a second: thousands of commits take a while."""
    last = time.monotonic()

    def report(done: int, total: int, summary: ImportSummary) -> None:
        nonlocal last
        if time.monotonic() - last >= 1.0 and done < total:
            last = time.monotonic()
            context.err.print(f"{doc.title}: {done}/{total} captures, {summary.versions} new versions", style="dim")

    return report


def _print_summary(context: Context, doc: Document, summary: ImportSummary) -> None:
    from rich.text import Text

    from tracker.terminal import when

    line = Text(f"{doc.title:<32} ")
    if summary.error:
        line.append("failed: ", style="bold red").append(summary.error)
    else:
        line.append(f"{summary.listed} captures: {summary.imported} imported")
        line.append(f" ({summary.versions} new versions, {len(summary.changes)} changes")
        if summary.technical:
            line.append(f", {summary.technical} technical")
        line.append(")")
        if summary.ai_changes:
            ids = ", ".join(map(str, summary.ai_changes))
            line.append(f"  AI: change{'s' if len(summary.ai_changes) > 1 else ''} {ids}", style="bold magenta")
        skipped = summary.already_imported + summary.after_first_check
        if skipped:
            line.append(f"; {skipped} already on record", style="dim")
        if summary.first_observed_at and summary.last_observed_at:
            line.append(f"  [{when(summary.first_observed_at)} → {when(summary.last_observed_at)}]", style="dim")
    context.out.print(line)
    for refused in summary.refused:
        context.out.print(Text(f"  refused {refused}", style="yellow"))
    for awaiting in summary.awaiting:
        context.out.print(Text(f"  held until the archive records more (next import judges it again) {awaiting}"))
    for unavailable in summary.unavailable:
        context.out.print(Text(f"  not read (next import tries again) {unavailable}", style="red"))
