"""What every command shares: the group, the lazily opened config and store, errors printed without a traceback.

Command modules import only click at module level and the pipeline inside their functions, so that
`tracker --help` and the light commands do not pay for the heavy stacks (SQLAlchemy, BeautifulSoup, httpx).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

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
        if self._store is None:
            from sqlalchemy.exc import ArgumentError, NoSuchModuleError

            from tracker.config import ConfigError
            from tracker.store import Store

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
        from tracker.flag import Vocabulary

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
    if isinstance(exc, SchemaError):
        return str(exc), EXIT_DATABASE
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {str(exc).splitlines()[0]}", EXIT_DATABASE
    return None


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
