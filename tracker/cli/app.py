"""What every command shares: the group, the lazily opened config and store, errors printed without a traceback.

Command modules import only click at module level and the pipeline inside their functions, so that
`tracker --help` and the light commands do not pay for the heavy stacks (SQLAlchemy, BeautifulSoup, httpx).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from tracker.resources import DISTRIBUTION

if TYPE_CHECKING:
    from rich.console import Console

    from tracker.config import Config, Document
    from tracker.flag import Vocabulary
    from tracker.store import Store

EXIT_FAILED, EXIT_USAGE, EXIT_DATABASE = 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """What every command shares: the config (loaded on first use) and the store (opened on first use)."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None
        self._store: Store | None = None
        self._out: Console | None = None
        self._err: Console | None = None

    @property
    def out(self) -> Console:
        if self._out is None:
            self._out = console()
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            self._err = console(stderr=True)
        return self._err

    @property
    def config(self) -> Config:
        if self._config is None:
            from tracker.config import load_config

            self._config = load_config(self.config_path)
        return self._config

    @property
    def store(self) -> Store:
        """The database, created (and its schema set up) if it does not exist yet: for commands that write."""
        if self._store is None:
            self._store = open_store(self.config, create=True)
        return self._store

    @property
    def existing_store(self) -> Store:
        """The database, which must exist already: commands that only read never create one, they say where
        they looked."""
        if self._store is None:
            self._store = open_store(self.config, create=False)
        return self._store

    def vocabulary(self) -> Vocabulary:
        from tracker.flag import Vocabulary

        return Vocabulary.build(self.config.settings.flag.extra_terms)

    def documents(self, service: str | None, document: str | None) -> list[Document]:
        """The config's documents of SERVICE (all without one), or exit 2 naming the ones there are."""
        self.check_names(service, document)
        return list(self.config.documents(service, document))

    def check_names(self, service: str | None, document: str | None, *, recorded: bool = False) -> None:
        """Exit 2 with the valid names when SERVICE or DOCUMENT is not in the config. With `recorded`, a service
        or document that is only in the database (removed from the config since) is accepted too."""
        from tracker.config import unknown_name

        message = unknown_name(self.config, service, document)
        if message is None:
            return
        if recorded and service:
            try:
                if self.existing_store.checks(service, document, limit=1):
                    return
            except DatabaseUnavailable:
                pass
        fail(message, EXIT_USAGE)

    def title(self, service: str, document: str) -> str:
        for doc in self.config.documents(service, document):
            return doc.title
        return f"{service} {document}"


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    # Page text, config values and arguments are printed as they are: no [markup], no :emoji: codes.
    return Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    from rich.text import Text

    console(stderr=True).print(Text("error: ", style="bold red").append(message))
    sys.exit(code)


def handles_errors(function: F) -> F:
    """Errors a user can cause are printed as one line and an exit code, never as a traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            known = _user_error(exc)
            if known is None:
                raise
            fail(*known)

    return wrapper  # type: ignore[return-value]


def _user_error(exc: Exception) -> tuple[str, int] | None:
    """The message and exit code of an error the user can act on; None for a bug (which keeps its traceback)."""
    from sqlalchemy.exc import SQLAlchemyError

    from tracker.config import ConfigError
    from tracker.store import SchemaError

    if isinstance(exc, ConfigError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, SchemaError | DatabaseUnavailable):
        return str(exc), EXIT_DATABASE
    if isinstance(exc, SQLAlchemyError):
        return f"database error{_database_in_use()}: {_first_line(exc)}", EXIT_DATABASE
    if isinstance(exc, ImportError) and "psycopg" in f"{exc.name} {exc}":
        return f"the PostgreSQL driver cannot be loaded: {_missing_driver(exc)}", EXIT_DATABASE
    return None


def _missing_driver(exc: ImportError) -> str:
    return f"{_first_line(exc)}; install it with: pip install 'psycopg[binary]'"


def _database_in_use() -> str:
    """` (/path/to/tracker.db)` when the command got as far as loading its config: which database failed."""
    from tracker.config import ConfigError

    click_context = click.get_current_context(silent=True)
    context = click_context.find_object(Context) if click_context else None
    if context is None or context._config is None:
        return ""
    try:
        return f" ({context._config.database.shown})"
    except ConfigError:
        return ""


def _first_line(exc: BaseException) -> str:
    """The driver's own message (SQLAlchemy's wraps it with the statement and a link), on one line."""
    inner = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(inner).splitlines() if line.strip()]
    return lines[0] if lines else type(inner).__name__


class DatabaseUnavailable(Exception):
    """The database cannot be opened: not there yet for a command that only reads, unreachable, or no driver."""


def open_store(config: Config, *, create: bool, read_only: bool = False) -> Store:
    """The config's database; one-line errors that say which database, and what to do."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    from tracker.store import EmptyDatabase, SchemaError, Store

    location = config.database
    where = f"{location.shown} ({location.source})"
    if create:
        location.make_folder()
    elif location.sqlite_path is not None and not location.sqlite_path.exists():
        raise DatabaseUnavailable(
            f"no database at {where}: nothing has been checked with this config yet. `tracker check` or "
            "`tracker daemon` creates it; if your records are elsewhere, give that config with --config "
            "or set $TRACKER_DATABASE_URL"
        )
    try:
        return Store(location.url, create=create, read_only=read_only)
    except EmptyDatabase as exc:
        raise DatabaseUnavailable(
            f"the database {where} holds no tracker records yet: `tracker check`, `tracker daemon` or "
            "`tracker db upgrade` sets it up"
        ) from exc
    except SchemaError as exc:
        raise SchemaError(f"{location.shown}: {exc}") from exc
    except ImportError as exc:
        raise DatabaseUnavailable(
            f"cannot open {where}: the PostgreSQL driver is missing: {_missing_driver(exc)}"
        ) from exc
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot open the database {where}: {_first_line(exc)}") from exc
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"cannot use the database {where}: {_first_line(exc)}") from exc


pass_context = click.make_pass_decorator(Context)


def _config_after_the_command(click_context: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        click_context.ensure_object(Context).config_path = value


class TrackerGroup(click.Group):
    """The `tracker` group: every command, however nested, also takes --config after its name, and
    `tracker --help` says where the config, the database and the docs are."""

    group_class = type  # subgroups (tracker db) are TrackerGroups too

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not any(param.name == "config_after" for param in cmd.params):
            cmd.params.append(
                click.Option(
                    ["--config", "config_after"],
                    type=click.Path(dir_okay=False),
                    expose_value=False,
                    is_eager=True,
                    callback=_config_after_the_command,
                    help="Config file (the same as `tracker --config FILE COMMAND`).",
                )
            )
        super().add_command(cmd, name)

    def format_epilog(self, click_context: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(click_context, formatter)
        if click_context.parent is not None:
            return
        from tracker.resources import default_database_path, docs_path, packaged_config_path

        # Written as they are, not wrapped: a path cut at its hyphens cannot be copied.
        formatter.write_paragraph()
        formatter.write_text("Where things are (tracker status shows the ones in use):")
        for line in (
            "  config    --config, else $TRACKER_CONFIG, else ./config.yaml, else the shipped one:",
            f"            {packaged_config_path()}",
            "  database  $TRACKER_DATABASE_URL, else database.url in the config (a relative SQLite",
            "            path is read from the config file's folder), else the user data folder:",
            f"            {default_database_path()}",
            "  docs      README.md, daemon.md, digest.md, flagging.md and decisions/ in",
            f"            {docs_path()}",
        ):
            formatter.write(f"{line}\n")


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    envvar="TRACKER_CONFIG",
    type=click.Path(dir_okay=False),
    help="Config file. Default: $TRACKER_CONFIG, else ./config.yaml, else the one shipped with tracker.",
)
@click.version_option(package_name=DISTRIBUTION, message="%(prog)s %(version)s (%(package)s)")
@click.pass_context
def cli(click_context: click.Context, config_path: str | None) -> None:
    """Track privacy policies and terms of service; flag the changes about AI and model training.

    \b
    Quick start:
      tracker demo               see it work, offline, in seconds
      tracker check              fetch every document of the config now
      tracker changes --ai       the changes that touch AI or model training
      tracker diff linkedin      what changed in LinkedIn's documents, word by word
      tracker status             what the daemon sees, and where the config and the database are
    """
    click_context.obj = Context(config_path)
