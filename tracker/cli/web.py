"""The record on the web: `tracker serve` (a read-only web view with Atom feeds) and `tracker feed` (a static feed)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tracker.cli.app import EXIT_USAGE, Context, fail, handles_errors, open_store, pass_context
from tracker.cli.app import cli as group


@group.command()
@click.option("--host", help="Address to listen on. Default: web.host in the config, else 127.0.0.1.")
@click.option("--port", type=click.IntRange(1, 65535), help="Port. Default: web.port in the config, else 8080.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--access-log", is_flag=True, help="Log every request on stderr.")
@pass_context
@handles_errors
def serve(context: Context, host: str | None, port: int | None, workers: int, access_log: bool) -> None:
    """A read-only web view of the record: the documents and their status, the changes (AI changes first), each
    change word by word with its evidence, every version's raw capture with its sha256, the JSON of --json,
    and Atom feeds (/feed.atom, /ai.atom, /SERVICE/feed.atom).

    It listens on 127.0.0.1 unless told otherwise; on any other address it starts only with an access token
    (in $TRACKER_WEB_TOKEN, or the variable web.token_env names), which every request must then show:
    `Authorization: Bearer TOKEN`, or TOKEN as the password of the browser's login prompt. It never writes:
    the database must exist (exit 3 otherwise) and is opened read-only.
    """
    from tracker.web import is_loopback, web_token

    config = context.config
    settings = config.settings.web
    host = host or settings.host
    port = port or settings.port
    token = web_token(config)
    if not is_loopback(host) and not token:
        fail(
            f"--host {host} would open the record beyond this machine without a token: set ${settings.token_env} "
            "(a long random string, e.g. from `openssl rand -hex 32`) and give it to your readers",
            EXIT_USAGE,
        )
    open_store(config, create=False, read_only=True).close()  # exit 3 here, with where it looked, not in a worker
    import uvicorn

    # Worker processes build the app themselves (tracker.web.app_from_environment), from the same config.
    os.environ["TRACKER_CONFIG"] = str(config.path.absolute())
    shown = f"[{host}]" if ":" in host else host
    guarded = "; every request needs the token" if token else ""
    context.err.print(
        f"tracker: serving {config.database.shown} read-only on http://{shown}:{port}/ "
        f"(feeds: /feed.atom, /ai.atom){guarded}. Ctrl-C stops."
    )
    uvicorn.run(
        "tracker.web:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="info" if access_log else "warning",
        server_header=False,
    )


@group.command()
@click.argument("service", required=False)
@click.option("--ai", "ai_only", is_flag=True, help="Only the changes about AI or model training.")
@click.option(
    "--base-url",
    help="Where the web view is published: entry links start with it. Default: web.base_url, else http://HOST:PORT.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write here.")
@pass_context
@handles_errors
def feed(context: Context, service: str | None, ai_only: bool, base_url: str | None, output: Path | None) -> None:
    """An Atom feed of the newest changes (all, or SERVICE's; --ai: only AI changes), for publishing as a file:

    \b
      tracker feed --ai > ai.atom
    """
    from datetime import UTC, datetime

    from tracker.feeds import atom_feed, feed_changes, feed_spec

    context.check_names(service, None, recorded=True)
    settings = context.config.settings.web
    base = (base_url or settings.base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    if not base.startswith(("http://", "https://")):
        fail(f"--base-url {base}: must start with http:// or https://", EXIT_USAGE)
    if not (base_url or settings.base_url):
        # A file is published elsewhere: links to this machine's own address would lead its readers nowhere.
        click.echo(
            f"warning: the feed's links start with {base} (no --base-url, no web.base_url in the config)", err=True
        )
    name = next((d.service_name for d in context.config.documents(service)), service) if service else None
    spec = feed_spec(base, service, name, ai_only)
    store = context.existing_store
    body = atom_feed(
        spec,
        feed_changes(store, spec),
        lambda change: f"{base}/changes/{change.id}",
        lambda change: context.title(change.service, change.document),
        datetime.now(UTC),
    )
    if output:
        output.write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
