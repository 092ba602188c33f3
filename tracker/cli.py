"""The `tracker` command: parses arguments, calls the pipeline, prints. Nothing else lives here.

Exit codes: 0 success; 1 the work ran but something failed (a check, a delivery); 2 bad usage or config;
3 the database cannot be used.
"""

from __future__ import annotations

import html
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from tracker.check import CheckResult, check_document
from tracker.config import Config, ConfigError, Document, load_config
from tracker.demo import run_demo
from tracker.diff import diff_texts, render_html, render_json
from tracker.digest import email_settings, local_since, preview_digest, run_digest
from tracker.extract import ExtractionError, Rules, extract_text
from tracker.fetch import Fetcher
from tracker.flag import Vocabulary, flag_change
from tracker.logs import LEVELS, setup_logging
from tracker.scheduler import leader_holder, run_daemon
from tracker.status import document_health
from tracker.store import Outbox, SchemaError, Store, migrate
from tracker.terminal import change_json, check_json, check_line, flag_of, print_diff, print_status, when

EXIT_FAILED, EXIT_USAGE, EXIT_DATABASE = 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """What every command shares: the config (loaded on first use) and the store (opened on first use)."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None
        self._store: Store | None = None
        self.out = console()
        self.err = console(stderr=True)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def store(self) -> Store:
        if self._store is None:
            url = self.config.database_url
            try:
                self._store = Store(url)
            except (ArgumentError, NoSuchModuleError) as exc:
                where = "$TRACKER_DATABASE_URL" if os.environ.get("TRACKER_DATABASE_URL") else "database.url"
                raise ConfigError(
                    self.config.path, f"{where} is not a database URL tracker can open: {exc}", key="database.url"
                ) from exc
        return self._store

    def vocabulary(self) -> Vocabulary:
        return Vocabulary.build(self.config.settings.flag.extra_terms)

    def documents(self, service: str | None, document: str | None) -> list[Document]:
        documents = list(self.config.documents(service, document))
        if not documents:
            known = ", ".join(sorted({d.service for d in self.config.documents()})) or "none"
            what = f"service '{service}'" + (f" with document '{document}'" if document else "")
            fail(f"no {what} in {self.config.path} (services: {known})", EXIT_USAGE)
        return documents

    def title(self, service: str, document: str) -> str:
        for doc in self.config.documents(service, document):
            return doc.title
        return f"{service} {document}"


def console(stderr: bool = False) -> Console:
    # Page text, config values and arguments are printed as they are: no [markup], no :emoji: codes.
    return Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    console(stderr=True).print(Text("error: ", style="bold red").append(message))
    sys.exit(code)


def handles_errors(function: F) -> F:
    """Errors a user can cause are printed as one line and an exit code, never as a traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ConfigError as exc:
            fail(str(exc), EXIT_USAGE)
        except SchemaError as exc:
            fail(str(exc), EXIT_DATABASE)
        except SQLAlchemyError as exc:
            fail(f"database error: {str(exc).splitlines()[0]}", EXIT_DATABASE)

    return wrapper  # type: ignore[return-value]


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    envvar="TRACKER_CONFIG",
    type=click.Path(dir_okay=False),
    help="Config file. Default: $TRACKER_CONFIG, else ./config.yaml, else the one shipped with tracker.",
)
@click.version_option(package_name="tracker")
@click.pass_context
def cli(click_context: click.Context, config_path: str | None) -> None:
    """Track privacy policies and terms of service; flag the changes about AI and model training.

    \b
    Quick start:
      tracker check              fetch every document in config.yaml now
      tracker changes --ai       the changes that touch AI or model training
      tracker diff linkedin      what changed in LinkedIn's documents, word by word
    """
    click_context.obj = Context(config_path)


# -- check ----------------------------------------------------------------------------------------------


@cli.command()
@click.argument("service", required=False)
@click.option("--document", "-d", help="Only this document of the service (e.g. privacy-policy).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document, for scripts.")
@pass_context
@handles_errors
def check(context: Context, service: str | None, document: str | None, as_json: bool) -> None:
    """Fetch documents now: store new versions, diff them, flag AI changes.

    Prints one line per document as it finishes. Exits 1 when any check failed (the reason is printed and
    stored; a failed check never becomes a version).
    """
    documents = context.documents(service, document)
    settings = context.config.settings
    vocabulary = context.vocabulary()
    failed = False
    with Fetcher(settings.fetch) as fetcher:
        for doc in documents:
            result = check_document(doc, context.store, fetcher, settings.checks, vocabulary)
            failed |= result.failed
            if as_json:
                context.out.print_json(data=check_json(result, doc), indent=None)
            else:
                context.out.print(check_line(result, doc.title))
    if failed:
        sys.exit(EXIT_FAILED)


# -- reading the record -----------------------------------------------------------------------------------


@cli.command()
@click.argument("service")
@click.option("--document", "-d", help="Only this document of the service.")
@click.option("--json", "as_json", is_flag=True, help="JSON list, for scripts.")
@pass_context
@handles_errors
def history(context: Context, service: str, document: str | None, as_json: bool) -> None:
    """The stored versions of a service's documents, oldest first, with times, sizes and hashes."""
    versions = context.store.versions(service, document)
    if as_json:
        rows = [
            {
                "service": v.service,
                "document": v.document,
                "version": v.id,
                "first_seen_at": v.first_seen_at.isoformat(),
                "last_seen_at": v.last_seen_at.isoformat(),
                "characters": v.size,
                "text_sha256": v.text_sha256,
                "snapshot": _snapshot_json(context.store, v.snapshot_id),
            }
            for v in versions
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not versions:
        context.out.print(f"No versions stored for {service}{' ' + document if document else ''} yet.")
        context.out.print("Run `tracker check` first.")
        return
    table = Table("document", "version", "first seen (UTC)", "last seen (UTC)", "characters", "sha256", box=None)
    for v in versions:
        table.add_row(
            v.document, str(v.id), when(v.first_seen_at), when(v.last_seen_at), f"{v.size:,}", v.text_sha256[:12]
        )
    context.out.print(table)


def _snapshot_json(store: Store, snapshot_id: int | None) -> dict[str, Any] | None:
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
    }


@cli.command()
@click.argument("service", required=False)
@click.option("--document", "-d", help="Only this document of the service.")
@click.option("--ai", "ai_only", is_flag=True, help="Only changes flagged as touching AI or model training.")
@click.option("--since", type=click.DateTime(), help="Only changes detected on or after this date (UTC).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most this many changes.")
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
    as_json: bool,
) -> None:
    """Detected changes, newest first."""
    since_utc = since.replace(tzinfo=UTC) if since else None
    found = context.store.changes(service, document, ai_only=ai_only, since=since_utc, limit=limit)
    if as_json:
        click.echo(json.dumps([change_json(c) for c in found], indent=2, ensure_ascii=False))
        return
    if not found:
        context.out.print("No changes detected" + (" that touch AI" if ai_only else "") + " yet.")
        return
    table = Table("change", "detected (UTC)", "document", "what", "words", box=None)
    for c in found:
        what = Text("returned to an earlier version", style="yellow") if c.kind != "change" else Text("changed")
        if c.ai:
            what = Text(f"AI: {c.category} ({c.score:.2f})", style="bold magenta")
        table.add_row(
            str(c.id),
            when(c.detected_at),
            context.title(c.service, c.document),
            what,
            f"+{c.inserted_words}/-{c.deleted_words}",
        )
    context.out.print(table)
    context.out.print("\nSee one with: tracker diff SERVICE --change ID", style="dim")


@cli.command()
@click.argument("service")
@click.option("--document", "-d", help="Only this document of the service.")
@click.option("--change", "change_id", type=int, help="This change (an id from `tracker changes`).")
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
    context: Context, service: str, document: str | None, change_id: int | None, output: str, context_words: int
) -> None:
    """What changed, word by word. By default the latest change of each document of SERVICE."""
    store = context.store
    if change_id is not None:
        change = store.change(change_id)
        if change is None or change.service != service:
            fail(f"no change {change_id} for service '{service}' (see `tracker changes {service}`)", EXIT_USAGE)
        selected = [change]
    else:
        selected = []
        for doc in context.documents(service, document):
            latest = store.changes(service, doc.key, limit=1)
            selected.extend(latest)
    if not selected and output == "json":
        click.echo("[]")
        return
    if not selected:
        context.out.print(f"No changes recorded for {service} yet: `tracker check {service}` stores versions.")
        return
    rendered = []
    for change in selected:
        text_diff = diff_texts(store.version_text(change.from_version_id), store.version_text(change.to_version_id))
        rendered.append((change, text_diff))
    if output == "json":
        payload = [{**change_json(c), "hunks": render_json(d, context_words)} for c, d in rendered]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for change, text_diff in rendered:
        title = context.title(change.service, change.document)
        header = (
            f"{title}: change {change.id}, detected {when(change.detected_at)} UTC, "
            f"version {change.from_version_id} → {change.to_version_id}, "
            f"+{change.inserted_words}/-{change.deleted_words} words"
        )
        if change.kind != "change":
            header += " (a return to a text seen before)"
        flag = flag_of(change)
        if output == "html":
            click.echo(f"<h2>{html.escape(header)}</h2>\n{render_html(text_diff, context_words)}")
        else:
            print_diff(context.out, header, flag, text_diff, context_words, colour=output == "terminal")


@cli.command()
@click.argument("snapshot_id", metavar="SNAPSHOT", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write here.")
@pass_context
@handles_errors
def snapshot(context: Context, snapshot_id: int, output: Path | None) -> None:
    """The raw bytes of a capture, exactly as the server sent them (ids in `tracker history --json`).

    Without -o the bytes go to standard output; the URL, time and sha256 go to standard error, for citing.
    """
    try:
        record = context.store.snapshot(snapshot_id)
        body = context.store.snapshot_body(snapshot_id)
    except KeyError:
        fail(f"no snapshot {snapshot_id} (see `tracker history SERVICE --json`)", EXIT_USAGE)
    context.err.print(
        f"snapshot {record.id}: {record.url} fetched {record.fetched_at.isoformat()} (HTTP {record.status}, "
        f"{record.raw_size} bytes, sha256 {record.raw_sha256})"
    )
    if output:
        output.write_bytes(body)
    else:
        sys.stdout.buffer.write(body)


# -- compare two local files ---------------------------------------------------------------------------


@cli.command()
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
            "kind": "change" if text_diff.changed else "unchanged",
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


# -- digest ---------------------------------------------------------------------------------------------


@cli.command()
@click.option("--since", type=click.DateTime(), help="Only changes detected on or after this date (in email.timezone).")
@click.option("--dry-run", is_flag=True, help="Print the digest that would be sent; send nothing, record nothing.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "html"]),
    default="text",
    show_default=True,
    help="With --dry-run: which part of the email to print.",
)
@click.option("--to", "recipient", metavar="ADDRESS", help="Send to (or preview for) this address instead of email.to.")
@pass_context
@handles_errors
def digest(context: Context, since: datetime | None, dry_run: bool, output: str, recipient: str | None) -> None:
    """Email the digest: AI changes first with their evidence, then other changes, then failing documents.

    Each recipient gets what is in no digest of theirs yet. A digest the mail server did not accept is kept in
    the database and sent again (the same message) by the next run: this one retries it at once, the daemon
    with a growing delay. Exits 1 when a delivery failed, 2 when the config has no usable `email:` section.
    """
    config = context.config
    email = email_settings(config)
    if recipient is not None:
        try:
            email.check_address(recipient)
        except ValueError as exc:
            fail(f"--to: {exc}", EXIT_USAGE)
    since_utc = local_since(config, since) if since else None
    if dry_run:
        address = recipient or email.to[0]
        waiting = Outbox(context.store).pending(address, include_failed=False)
        if waiting:
            context.err.print(
                f"{len(waiting)} undelivered digest(s) for {address} would be sent again first.", markup=False
            )
        rendered = preview_digest(config, context.store, address, since=since_utc)
        if rendered is None:
            context.err.print(
                f"Nothing new for {address}: no digest would be sent (email.send_when_empty is off).", markup=False
            )
            return
        context.err.print(f"To: {address}\nSubject: {rendered.subject}\n", markup=False)
        click.echo(rendered.html if output == "html" else rendered.text, nl=False)
        return
    result = run_digest(
        config, context.store, recipients=[recipient] if recipient else None, since=since_utc, retry_now=True
    )
    for sent in result.sent:
        again = " (sent again after a failed attempt)" if sent.retry else ""
        context.out.print(f"sent digest {sent.digest_id} to {sent.recipient}{again}: {sent.subject}", markup=False)
    for address in result.nothing_new:
        context.out.print(f"nothing new for {address}: no digest sent (email.send_when_empty is off)", markup=False)
    for kept in result.waiting:
        context.out.print(f"digest {kept.id} for {kept.recipient} is being sent by another run", markup=False)
    for failed in result.failed:
        if failed.status == "failed":
            outcome = "The server refused it for good: it is not sent again; its changes go into the next digest."
        elif failed.status == "sent":
            outcome = "The server received the whole message, so it is taken as delivered and not sent again."
        else:
            outcome = (
                f"The digest is kept and will be sent by the next `tracker digest` (the daemon retries it "
                f"from {when(failed.next_attempt_at or datetime.now(UTC))} UTC)."
            )
        context.err.print(
            Text("error: ", style="bold red"),
            f"could not send digest {failed.digest_id} to {failed.recipient}: ",
            Text(failed.error or ""),
            Text(f"\n{outcome}"),
            sep="",
            soft_wrap=True,
        )
    if not result.ok:
        sys.exit(EXIT_FAILED)


# -- daemon and status ------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--log-level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default="INFO",
    show_default=True,
    envvar="TRACKER_LOG_LEVEL",
    help="INFO: one line per check; WARNING: only failing documents and errors.",
)
@click.option("--log-json", is_flag=True, envvar="TRACKER_LOG_JSON", help="Log JSON lines instead of text.")
@pass_context
@handles_errors
def daemon(context: Context, log_level: str, log_json: bool) -> None:
    """Check every document on its schedule, until SIGTERM or Ctrl-C. Logs go to stderr.

    Several daemons may use one database (PostgreSQL, or one SQLite file on one machine): one leads and
    checks, the others wait and take over within seconds when it dies. A restart picks up each document's
    schedule from its last check. See docs/daemon.md.
    """
    setup_logging(log_level, json_lines=log_json)
    sys.exit(run_daemon(context.config))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the leader and every document.")
@pass_context
@handles_errors
def status(context: Context, as_json: bool) -> None:
    """Per document: last attempt, last success, outcome, failures in a row, next check; and the daemon's leader.

    A document is failing after `daemon.failing_after` failed checks in a row, or when no check has succeeded
    for longer than `daemon.blind_after`; a success clears it. Digests the mail server has not accepted yet
    are listed too. Exits 0 when every document is healthy and 1 when any is failing.
    """
    health = document_health(context.config, context.store)
    holder = leader_holder(context.config)
    pending = Outbox(context.store).pending()
    if as_json:
        payload = {
            "leader": {"active": holder is not None, "holder": holder},
            "documents": [h.as_json() for h in health],
            "pending_digests": [
                {
                    "recipient": p.recipient,
                    "subject": p.subject,
                    "created_at": p.created_at.isoformat(),
                    "attempts": p.attempts,
                    "last_error": p.last_error,
                    "next_attempt_at": p.next_attempt_at.isoformat(),
                }
                for p in pending
            ],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print_status(context.out, health, holder)
        for p in pending:
            if p.status == "failed":
                context.out.print(f"Digest {p.id} to {p.recipient} was refused for good: {p.last_error}")
                continue
            context.out.print(
                f"Digest to {p.recipient} not accepted yet ({p.attempts} attempts, next {when(p.next_attempt_at)} "
                f"UTC): {p.last_error or 'not tried yet'}"
            )
    if any(h.failing for h in health):
        sys.exit(EXIT_FAILED)


# -- demo -------------------------------------------------------------------------------------------------


@cli.command()
@click.option("--keep", is_flag=True, help="Keep the temporary folder (config, database) and print its path.")
@handles_errors
def demo(keep: bool) -> None:
    """See what tracker does, offline, in seconds: a real AI-training change of Google's Privacy Policy.

    Two real captures (January and June 2023, shipped with tracker) are served from 127.0.0.1 and checked
    with the real pipeline into a temporary SQLite database. Nothing leaves this machine.
    """
    out = console()
    out.print(Text("tracker demo: Google's Privacy Policy, before and after 1 July 2023", style="bold"))

    def show_check(result: CheckResult) -> None:
        out.print(Text("      ").append(check_line(result, "Google Privacy Policy")))

    with run_demo(lambda line: out.print(Text(line, style="dim")), show_check, keep=keep) as result:
        document = result.config.document("google", "privacy-policy")
        if result.change is None or result.diff is None:
            fail("the demo found no change: the bundled captures are damaged", EXIT_FAILED)
        flag = flag_of(result.change)
        out.rule("What changed, and why it was flagged")
        header = f"{document.title}, change {result.change.id}"
        print_diff(out, header, flag, result.diff, context_words=12, colour=True)
        if result.digest is not None:
            out.rule("The digest that would be emailed (tracker digest --dry-run)")
            out.print(f"Subject: {result.digest.subject}\n", markup=False)
            out.print(result.digest.text, markup=False)
        out.rule("Next")
        out.print(
            "1. Look at config.yaml: the privacy policies and terms of LinkedIn, Meta and Google are in it.\n"
            "2. tracker check      fetch them now; tracker changes --ai, tracker diff linkedin show the results.\n"
            "3. tracker daemon     keep checking on schedule; tracker status shows what it sees.\n"
            "4. Add an email: section to config.yaml, then tracker digest --dry-run.",
            markup=False,
        )
        if keep:
            out.print(f"\nThe demo's config and database are kept in {result.workdir}", markup=False)


# -- database ---------------------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_context
@handles_errors
def db_upgrade(context: Context) -> None:
    """Apply the database migrations (back up first). An empty database is set up automatically."""
    engine = Store(context.config.database_url, migrate=False).engine
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    message = "already up to date" if before == after else f"upgraded from {before or 'empty'} to {after}"
    context.out.print(f"{_redact(context.config.database_url)}: {message}")


# -- helpers ------------------------------------------------------------------------------------------------


def _redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
