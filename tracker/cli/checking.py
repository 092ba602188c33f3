"""`tracker check`: fetch documents now, through the whole pipeline."""

from __future__ import annotations

import sys

import click

from tracker.cli.app import EXIT_FAILED, Context, handles_errors, pass_context
from tracker.cli.app import cli as group


@group.command()
@click.argument("service", required=False)
@click.option("--document", "-d", help="Only this document of the service (e.g. privacy-policy).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document, for scripts.")
@pass_context
@handles_errors
def check(context: Context, service: str | None, document: str | None, as_json: bool) -> None:
    """Fetch documents now: store new versions, diff them, flag AI changes.

    Prints one line per document as it finishes. When no text was taken, the line says why:

    held: the page may be the policy but the screen doubts it (far shorter or longer than every version, cut
    off, another document). Its bytes are kept as evidence; it becomes the new version if checks.confirm_checks
    checks over checks.confirm_span (3 over 12h) keep seeing it, and a check that finds the policy as it was
    ends the hold.

    refused: an error page, a wall or sign-in form, or not text, where the policy should be. Kept as evidence,
    never taken as the policy.

    failed: the page could not be fetched or read (an HTTP error, a timeout, no match for the select rules).

    Exits 1 when any check was held, refused or failed: for that document this run stored no current text (the
    reason is printed and stored; a held capture counts too, as `tracker status` counts it). With --json the
    three are outcome "failed", told apart by "held", "suspect" (held or refused: the bytes were kept) and
    "refusal" (the kind of reason).
    """
    from tracker.browser import BrowserFetcher
    from tracker.check import check_document
    from tracker.fetch import Fetcher
    from tracker.terminal import check_json, check_line

    documents = context.documents(service, document)
    settings = context.config.settings
    vocabulary = context.vocabulary()
    failed = False
    # The browser starts only if a document needs it, and is shared by all that do.
    with Fetcher(settings.fetch) as fetcher, BrowserFetcher(settings.fetch, polite=fetcher.polite) as browser:
        for doc in documents:
            result = check_document(
                doc, context.store, fetcher, settings.checks, vocabulary, browser=browser, notify=settings.notify
            )
            failed |= result.failed
            if as_json:
                context.out.print_json(data=check_json(result, doc), indent=None)
            else:
                context.out.print(check_line(result, doc.title, settings.checks))
    if failed:
        sys.exit(EXIT_FAILED)
