"""config.yaml → typed, validated settings; every error names the file, the key path and the line."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from tracker.resources import default_database_path, packaged_config_path
from tracker.validation import Invalid, Problem, Validated, fields_of, is_model, option, validate

VARIANT_SEPARATOR = "@"  # a variant's series is the document `<document>@<variant>` (docs/decisions/0008)
# The database drivers tracker ships and supports; `postgresql://` and `postgres://` mean psycopg 3 here
# (SQLAlchemy's own default for them is psycopg2, which tracker does not install).
DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
_SCHEME_ALIASES = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}
_OTHER_DATABASES = {
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "mssql": "SQL Server",
    "oracle": "Oracle",
    "mongodb": "MongoDB",
    "redis": "Redis",
    "cockroachdb": "CockroachDB",
    "duckdb": "DuckDB",
}
DATABASE_URL_EXAMPLES = "sqlite:///tracker.db or postgresql+psycopg://user:password@host/dbname"
DEFAULT_LOCATION = "the default location: the config sets no database.url"


class ConfigError(Exception):
    """A config file the user must fix; the message says where."""

    def __init__(self, path: Path | str, message: str, key: str | None = None, line: int | None = None):
        self.path = str(path)
        self.key = key
        self.line = line
        where = self.path
        if line is not None:
            where += f", line {line}"
        if key:
            where += f", key '{key}'"
        super().__init__(f"{where}: {message}")


class _Strict(Validated):
    """Base of the settings classes: frozen dataclasses whose fields carry their rules (see tracker/validation.py);
    unknown keys are refused, and so are infinite or NaN numbers (`read_timeout: .inf` would wait forever)."""


# Seconds beyond a day are typing errors for any timeout or wait here (and sockets refuse timeouts past ~1e9 s).
MAX_SECONDS = 86400.0


def _schedule(value: str) -> str:
    # Imported here: tracker.schedules reads Config, and a bad schedule must fail at load time, with its line.
    from tracker.schedules import parse_schedule

    parse_schedule(value)
    return value


def _duration(value: str) -> str:
    from tracker.schedules import parse_duration

    parse_duration(value)
    return value


def _css(selectors: list[str]) -> list[str]:
    for selector in selectors:
        _check_selector(selector)
    return selectors


@cache
def _check_selector(selector: str) -> None:
    """Cached: a large config repeats the same few selectors on every document."""
    from tracker.css import compile_selector

    if compile_selector(selector) is not None:
        return  # the XPath compiler reads only CSS that soupsieve reads: no need to load soupsieve
    import soupsieve

    try:
        soupsieve.compile(selector)
    except soupsieve.SelectorSyntaxError as exc:
        raise ValueError(f"'{selector}' is not a CSS selector: {str(exc).splitlines()[0]}") from None


FetchWay = Literal["http", "browser", "auto"]


def _as_list(value: Any) -> Any:
    """Accept `select: "main"` as well as `select: ["main", "article"]`."""
    return [value] if isinstance(value, str) else value


def _http_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    if _CONTROL_OR_SPACE.search(url):
        raise ValueError("contains a space, a line break or a control character; percent-encode it")
    try:
        host = urlsplit(url).hostname
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a URL: {exc}") from None
    if not host:
        raise ValueError(f"{url!r} names no host")
    return url


_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _header_values(headers: dict[str, str]) -> dict[str, str]:
    for name, value in headers.items():
        if _CONTROL_OR_SPACE.search(name) or not name or _CONTROL.search(value):
            raise ValueError(f"header {name!r}: {value!r} contains a line break or a control character")
    return headers


def _header_value(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(f"{value!r} contains a line break or a control character")
    return value


def _key(key: str) -> str:
    if VARIANT_SEPARATOR in key:
        raise ValueError(f"'{key}': '{VARIANT_SEPARATOR}' is kept for variants (document{VARIANT_SEPARATOR}variant)")
    return key


@dataclass(frozen=True, kw_only=True)
class VariantSettings(_Strict):
    """Another edition of the same document (a region, a language), tracked as its own series."""

    url: str | None = option(None, check=_http_url)  # default: the document's
    name: str | None = None  # default: the key in capitals (eu: EU)
    accept_language: str | None = option(None, check=_header_value)
    headers: dict[str, str] = option(factory=dict, check=_header_values)
    select: list[str] | None = option(None, before=_as_list, check=_css)  # default: the document's rules
    remove: list[str] | None = option(None, before=_as_list, check=_css)
    schedule: str | None = option(None, check=_schedule)


def _distinct_variants(variants: dict[str, VariantSettings], earlier: dict[str, Any]) -> dict[str, VariantSettings]:
    for key, variant in variants.items():
        _key(key)
        if variant.url in (None, earlier.get("url")) and not (variant.accept_language or variant.headers):
            raise ValueError(
                f"variant '{key}' would fetch the document itself: give it a url, accept_language or headers"
            )
    return variants


def _archive_path(path: str) -> str:
    if not path.strip() or path.startswith("/") or path.endswith((".md", ".html")):
        raise ValueError('must be a path inside the archive without extension, like "LinkedIn/Privacy Policy"')
    return path


@dataclass(frozen=True, kw_only=True)
class DocumentSettings(_Strict):
    url: str = option(check=_http_url)
    name: str | None = None
    select: list[str] = option(factory=list, before=_as_list, check=_css)
    remove: list[str] = option(factory=list, before=_as_list, check=_css)
    schedule: str | None = option(None, check=_schedule)
    # The document's path in an Open Terms Archive repository: "<Service>/<Document type>" (see `tracker import`).
    ota: str | None = option(None, check=_archive_path)
    variants: dict[str, VariantSettings] = option(factory=dict, check_earlier=_distinct_variants)
    fetch: FetchWay = option(
        "http",
        description="http: the bytes the server sends; browser: the page after its scripts ran (Chromium); "
        "auto: http, and the browser when the rules find nothing in a page made of scripts",
    )


def _document_keys(documents: dict[str, DocumentSettings]) -> dict[str, DocumentSettings]:
    for key in documents:
        _key(key)
    return documents


@dataclass(frozen=True, kw_only=True)
class ServiceSettings(_Strict):
    name: str | None = None
    documents: dict[str, DocumentSettings] = option(check=_document_keys)


def _supported_database(url: str) -> str:
    database_scheme(url)
    return url


@dataclass(frozen=True, kw_only=True)
class DatabaseSettings(_Strict):
    # None: the SQLite file in the user data folder (see DatabaseLocation); a relative SQLite path is read from
    # the config file's folder, never from the working directory.
    url: str | None = option(None, check=_supported_database)
    # `tracker db prune` thins the unchanged checks older than this to one per document and day.
    keep_unchanged_checks: str = option(
        "90d", check=_duration, description="unchanged checks older than this are thinned to one a day"
    )


@dataclass(frozen=True, kw_only=True)
class BrowserSettings(_Strict):
    """Chromium, for the documents with `fetch: browser` or `auto` (see tracker/browser.py)."""

    executable: str | None = option(
        None, description="the Chromium binary; default: the system's (/usr/lib/chromium/chromium), else Playwright's"
    )
    timeout: float = option(
        45.0, gt=0, le=MAX_SECONDS, description="seconds a page has to load and show what `select` names"
    )
    restart_after: int = option(100, ge=1, description="pages rendered before the browser is started afresh")
    pages: int = option(2, ge=1, description="pages rendered at the same time")
    args: list[str] = option(
        factory=list, description="more Chromium switches, e.g. --proxy-server=http://proxy.example:3128"
    )


@dataclass(frozen=True, kw_only=True)
class FetchSettings(_Strict):
    # Honest about what we are; operators add a contact address here, as polite crawlers do.
    user_agent: str = option("tracker/0.1 (terms-of-service change tracker)", check=_header_value)
    accept_language: str = option("en-US,en;q=0.8", check=_header_value)
    connect_timeout: float = option(10.0, gt=0, le=MAX_SECONDS)
    read_timeout: float = option(30.0, gt=0, le=MAX_SECONDS)
    max_bytes: int = option(20 * 1024 * 1024, gt=0, le=2**31)
    max_redirects: int = option(5, ge=0, le=50)
    retries: int = option(3, ge=0, le=20)
    backoff: float = option(2.0, ge=0, le=MAX_SECONDS, description="first retry delay in seconds; doubles each retry")
    max_retry_after: float = option(
        600.0, ge=0, le=MAX_SECONDS, description="longest Retry-After we wait for inside one check"
    )
    host_gap: float = option(
        2.0, ge=0, le=MAX_SECONDS, description="minimum seconds between two requests to the same host"
    )
    browser: BrowserSettings = option(factory=BrowserSettings)


def _archive_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return url.rstrip("/")


@dataclass(frozen=True, kw_only=True)
class WaybackSettings(_Strict):
    """`tracker import wayback`: where the Wayback Machine answers and how gently we ask it."""

    url: str = option("https://web.archive.org", check=_archive_url)
    # The Wayback Machine throttles bursts (HTTP 429, then refuses the address for a while): one request
    # every few seconds keeps an import of years of captures welcome.
    request_gap: float = option(
        4.0, ge=0, le=MAX_SECONDS, description="minimum seconds between two requests to the archive"
    )


@dataclass(frozen=True, kw_only=True)
class ChecksSettings(_Strict):
    """How a capture is screened before it becomes a version (docs/decisions/0014-screening-against-history.md)."""

    min_chars: int = option(200, ge=0, description="a text shorter than this is never a policy")
    first_min_chars: int = option(
        400,
        ge=0,
        description="a document's first version shorter than this is suspect until confirmed: a stub or an "
        "interstitial as version 1 would make the real policy, when it comes, a 'different document'",
    )
    shorter_ratio: float = option(
        0.6, gt=0, le=1, description="a text under this fraction of every accepted version's size is suspect"
    )
    deadline: float = option(
        300.0,
        gt=0,
        le=MAX_SECONDS,
        description="seconds one check may take, retries and waits included; later, it fails and the run goes on",
    )
    longer_ratio: float = option(2.5, ge=1, description="a text over this many times every accepted version is suspect")
    min_shared: float = option(
        0.2, ge=0, le=1, description="a text sharing less than this with every version, under a new title, is suspect"
    )
    confirm_checks: int = option(
        3,
        ge=1,
        description="checks that must see a suspect text (or one alike) over confirm_span before it is believed; "
        "1: believed at once (the rules that need no history still refuse)",
    )
    confirm_span: str = option("12h", check=_duration, description="the time those checks must span, first to last")

    @property
    def confirm_after(self) -> timedelta:
        from tracker.schedules import parse_duration

        return parse_duration(self.confirm_span)


@dataclass(frozen=True, kw_only=True)
class FlagSettings(_Strict):
    extra_terms: dict[str, list[str]] = option(
        factory=dict, description="more vocabulary per category, e.g. {ai_feature: [Grok]}"
    )


def _no_password_in_clear(username: str, earlier: dict[str, Any]) -> str:
    """Without TLS the password travels in clear: only to a relay on this machine (host, port, security are
    declared before username, so they are in `earlier` when valid)."""
    import ipaddress

    host = str(earlier.get("host", "localhost")).strip("[]")
    if not username or earlier.get("security") != "none" or host.lower() == "localhost":
        return username
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"security: none would send the password to {host} in clear; use starttls or ssl "
            "(security: none with a username is only for a relay on localhost)"
        )
    return username


@dataclass(frozen=True, kw_only=True)
class SMTPSettings(_Strict):
    host: str = "localhost"
    port: int = option(587, gt=0, lt=65536)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = option(None, check_earlier=_no_password_in_clear)
    password_env: str | None = option(
        None, description="name of the environment variable that holds the password (never the password itself)"
    )
    timeout: float = option(30.0, gt=0, le=MAX_SECONDS)
    ca_file: str | None = option(
        None, description="PEM file of CA certificates to trust for TLS, relative to the config file (a private CA)"
    )


def _one_address(value: str) -> str:
    return EmailSettings.check_address(value)


def _addresses(value: list[str]) -> list[str]:
    for address in value:
        EmailSettings.check_address(address)
    return value


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not a time zone name (e.g. UTC, Europe/Paris)") from None
    return value


def _digest_schedule(value: str, earlier: dict[str, Any]) -> str:
    from tracker.schedules import parse_digest_schedule

    parse_digest_schedule(value, earlier.get("timezone", "UTC"))
    return value


@dataclass(frozen=True, kw_only=True)
class EmailSettings(_Strict):
    """The digest (see tracker/digest.py)."""

    smtp: SMTPSettings = option(factory=SMTPSettings)
    sender: str = option(alias="from", check=_one_address)
    to: list[str] = option(min_length=1, before=_as_list, check=_addresses)
    timezone: str = option("UTC", check=_known_zone)
    schedule: str = option(
        "daily 08:00",
        check_earlier=_digest_schedule,
        description="'daily HH:MM' or 'weekly DAY HH:MM' (DAY: mon..sun)",
    )
    send_when_empty: bool = False

    @staticmethod
    def check_address(value: str) -> str:
        """One email address (`a@example.org` or `Name <a@example.org>`), or a ValueError that says what is wrong."""
        from email.utils import getaddresses

        if "\r" in value or "\n" in value:
            raise ValueError(f"{value!r} contains a line break")
        found = [address for _, address in getaddresses([value]) if address]
        if len(found) != 1:
            raise ValueError(f"{value!r} must be exactly one email address, not {len(found)}")
        local, at, domain = found[0].rpartition("@")
        if not (local and at and domain):
            raise ValueError(f"{value!r} is not an email address (name@domain)")
        return value


def _apprise_url(url: str) -> str:
    # Apprise itself is not imported to load a config (start-up time): the daemon and `notify test` ask it.
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*://\S+", url.strip()):
        raise ValueError("must be an Apprise URL such as json://host/path or slack://TokenA/TokenB/TokenC")
    return url.strip()


def _plain_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", name):
        raise ValueError(f"'{name}': letters, digits, '-', '_' and '.', at most 100")
    return name


@dataclass(frozen=True, kw_only=True)
class NotifyTarget(_Strict):
    """One place a change is posted to as it is stored (see tracker/notify/): Slack, Matrix, ntfy, a webhook…"""

    url: str = option(
        check=_apprise_url, description="an Apprise URL, e.g. json://hooks.example.org/tracker; it holds secrets"
    )
    ai_only: bool = option(True, description="true: only changes flagged as about AI; false: every change")
    name: str | None = option(
        None, check=_plain_name, description="for status and `tracker notify test`; default: scheme-<hash>"
    )

    @property
    def key(self) -> str:
        """The name the outbox files this target's messages under: the same across restarts."""
        if self.name:
            return self.name
        scheme = self.url.partition("://")[0].lower()
        return f"{scheme}-{hashlib.sha256(self.url.encode()).hexdigest()[:8]}"


@dataclass(frozen=True, kw_only=True)
class DaemonSettings(_Strict):
    """The scheduler (see tracker/scheduler.py)."""

    max_concurrent_checks: int = option(4, ge=1, le=256)
    failing_after: int = option(3, ge=1, description="consecutive failed checks before a document is failing")
    blind_after: str = option(
        "2d", check=_duration, description="no successful check for this long also makes a document failing"
    )
    first_retry: str = option(
        "5m",
        check=_duration,
        description="a failed check is tried again after this long, doubling per failure up to the schedule",
    )
    # Under ten seconds, so that SIGTERM (systemd's stop, a container's) exits within 10 s with the defaults.
    shutdown_timeout: float = option(8.0, gt=0, le=MAX_SECONDS)


@dataclass(frozen=True, kw_only=True)
class WebSettings(_Strict):
    """`tracker serve` and `tracker feed` (see tracker/web/)."""

    host: str = option("127.0.0.1", description="the address to listen on; beyond loopback a token is required")
    port: int = option(8080, gt=0, lt=65536)
    token_env: str = option(
        "TRACKER_WEB_TOKEN",
        description="name of the environment variable that holds the access token (never the token)",
    )
    base_url: str | None = option(
        None, check=_http_url, description="the address readers use (behind a proxy): feed links start with it"
    )


def _distinct_targets(targets: list[NotifyTarget]) -> list[NotifyTarget]:
    seen: set[str] = set()
    for target in targets:
        if target.key in seen:
            raise ValueError(f"two targets are named '{target.key}': give each its own `name`")
        seen.add(target.key)
    return targets


@dataclass(frozen=True, kw_only=True)
class Settings(_Strict):
    database: DatabaseSettings = option(factory=DatabaseSettings)
    schedule: str = option("6h", check=_schedule)
    fetch: FetchSettings = option(factory=FetchSettings)
    checks: ChecksSettings = option(factory=ChecksSettings)
    flag: FlagSettings = option(factory=FlagSettings)
    daemon: DaemonSettings = option(factory=DaemonSettings)
    email: EmailSettings | None = None
    notify: list[NotifyTarget] = option(factory=list, check=_distinct_targets)
    wayback: WaybackSettings = option(factory=WaybackSettings)
    web: WebSettings = option(factory=WebSettings)
    services: dict[str, ServiceSettings] = option(factory=dict)


@dataclass(frozen=True)
class Document:
    """One tracked document, flattened from the config for the pipeline."""

    service: str
    key: str
    url: str
    service_name: str
    name: str
    select: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    schedule: str = "6h"
    ota: str | None = None
    headers: tuple[tuple[str, str], ...] = ()  # sent with every request for this document
    variant: str | None = None  # None: the document's own series; else the variant's key (`key` is doc@variant)
    variant_name: str | None = None
    fetch: FetchWay = "http"

    @property
    def title(self) -> str:
        return f"{self.service_name} {self.name}" + (f" ({self.variant_name})" if self.variant_name else "")

    @property
    def base_key(self) -> str:
        """The document's key, the same for all its variants."""
        return self.key.split(VARIANT_SEPARATOR, 1)[0]


@dataclass(frozen=True)
class DatabaseLocation:
    """Which database a config means, and why: what `tracker status` and the errors about it print."""

    url: str  # ready for SQLAlchemy: the driver explicit, a SQLite path absolute
    source: str  # "$TRACKER_DATABASE_URL", "database.url in PATH" or DEFAULT_LOCATION
    sqlite_path: Path | None = None  # the file, for SQLite on disk

    @property
    def shown(self) -> str:
        """The location for people: the SQLite file, or the URL without its password."""
        return str(self.sqlite_path) if self.sqlite_path else masked_url(self.url)

    @property
    def is_default(self) -> bool:
        return self.source == DEFAULT_LOCATION

    def make_folder(self) -> None:
        """Before the database is created: the user data folder is made if needed; a folder that a config or
        $TRACKER_DATABASE_URL names must exist already (a typo there must not scatter databases around)."""
        if self.sqlite_path is None or self.sqlite_path.parent.is_dir():
            return
        if not self.is_default:
            raise ConfigError(self.source, f"the folder {self.sqlite_path.parent} of the database does not exist")
        self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings

    @property
    def database(self) -> DatabaseLocation:
        """$TRACKER_DATABASE_URL (relative SQLite paths from the working directory), else `database.url` (relative
        SQLite paths from the config file's folder), else `tracker.db` in the user data folder."""
        if env := os.environ.get("TRACKER_DATABASE_URL"):
            try:
                database_scheme(env)
            except ValueError as exc:
                raise ConfigError("$TRACKER_DATABASE_URL", str(exc)) from None
            return _located(env, Path.cwd(), "$TRACKER_DATABASE_URL")
        if self.settings.database.url:
            source = f"database.url in {self.path.absolute()}"
            return _located(self.settings.database.url, self.path.absolute().parent, source)
        path = default_database_path()
        return DatabaseLocation(f"sqlite:///{path}", DEFAULT_LOCATION, path)

    @property
    def database_url(self) -> str:
        return self.database.url

    def documents(self, service: str | None = None, document: str | None = None) -> Iterator[Document]:
        for service_key, service_settings in self.settings.services.items():
            if service and service_key != service:
                continue
            for doc_key, doc in service_settings.documents.items():
                main = Document(
                    service=service_key,
                    key=doc_key,
                    url=doc.url,
                    service_name=service_settings.name or service_key.title(),
                    name=doc.name or doc_key.replace("-", " ").title(),
                    select=tuple(doc.select),
                    remove=tuple(doc.remove),
                    schedule=doc.schedule or self.settings.schedule,
                    ota=doc.ota,
                    fetch=doc.fetch,
                )
                # `-d privacy-policy` is the document with its variants; `-d privacy-policy@eu` one variant.
                for series in (main, *(_variant(main, key, v) for key, v in doc.variants.items())):
                    if not document or document in (series.key, series.base_key):
                        yield series

    def document(self, service: str, document: str) -> Document:
        for doc in self.documents(service, document):
            return doc
        raise ConfigError(self.path, "no such document in the config", key=f"services.{service}.documents.{document}")


def _variant(main: Document, key: str, variant: VariantSettings) -> Document:
    headers = dict(variant.headers)
    if variant.accept_language:
        headers["Accept-Language"] = variant.accept_language
    return replace(
        main,
        key=f"{main.key}{VARIANT_SEPARATOR}{key}",
        url=variant.url or main.url,
        select=tuple(variant.select) if variant.select is not None else main.select,
        remove=tuple(variant.remove) if variant.remove is not None else main.remove,
        schedule=variant.schedule or main.schedule,
        headers=tuple(headers.items()),
        variant=key,
        variant_name=variant.name or (key.upper() if len(key) <= 3 else key.replace("-", " ").title()),
        ota=None,  # an archive's path names the document's own series, not its regional editions
    )


def database_scheme(url: str) -> str:
    """The dialect and driver tracker will open this URL with, or a ValueError that says what to write instead."""
    scheme, separator, rest = url.strip().partition("://")
    lowered = scheme.lower()
    if not separator:
        if lowered.startswith("sqlite:"):
            raise ValueError(f"write sqlite:///FILE (three slashes), e.g. sqlite:///tracker.db, not {masked_url(url)}")
        raise ValueError(f"{masked_url(url)} is not a database URL; write {DATABASE_URL_EXAMPLES}")
    dialect = lowered.partition("+")[0]
    if lowered in DATABASE_SCHEMES:
        chosen = lowered
    elif lowered in _SCHEME_ALIASES:
        chosen = _SCHEME_ALIASES[lowered]
    elif dialect in _SCHEME_ALIASES:
        raise ValueError(
            f"{scheme}:// needs a driver tracker does not install; write postgresql+psycopg:// "
            "(psycopg 3, installed with tracker)"
        )
    elif dialect in _OTHER_DATABASES:
        raise ValueError(
            f"tracker stores its records in SQLite or PostgreSQL, not {_OTHER_DATABASES[dialect]}; "
            f"write {DATABASE_URL_EXAMPLES}"
        )
    else:
        close = _close_matches(lowered, [*DATABASE_SCHEMES, *_SCHEME_ALIASES], n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}://?" if close else f"write {DATABASE_URL_EXAMPLES}"
        raise ValueError(f"{scheme}:// is not a database tracker can use (SQLite or PostgreSQL); {hint}")
    if chosen.startswith("sqlite") and rest and not rest.startswith("/"):
        raise ValueError(
            f"{scheme}://{rest} names no file: write sqlite:///{rest} (three slashes) or sqlite:////absolute/path"
        )
    return chosen


def masked_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _located(url: str, base: Path, source: str) -> DatabaseLocation:
    scheme = database_scheme(url)
    rest = url.strip().partition("://")[2]
    if not scheme.startswith("sqlite"):
        return DatabaseLocation(f"{scheme}://{rest}", source)
    name, query_mark, query = rest[1:].partition("?")
    if not name or name == ":memory:" or name.startswith("file:"):
        return DatabaseLocation(f"{scheme}://{rest}", source)
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = Path(os.path.abspath(base / path))
    return DatabaseLocation(f"{scheme}:///{path}{query_mark}{query}", source, path)


def unknown_name(config: Config, service: str | None, document: str | None) -> str | None:
    """Why SERVICE / DOCUMENT names nothing in this config, with the names it has; None when they are known."""
    tracked: dict[str, list[str]] = {}
    for doc in config.documents():
        tracked.setdefault(doc.service, []).append(doc.key)
    if not tracked:
        why = "its services list no documents" if config.settings.services else "no `services:` section"
        return (
            f"{config.path} lists no documents to track ({why}); copy the shipped config "
            f"({packaged_config_path()}) and edit it, or add e.g. "
            "`services: {acme: {documents: {terms: {url: https://acme.example/terms}}}}`"
        )
    if service is not None and service not in tracked:
        return f"no service '{service}' in {config.path}{_did_you_mean(service, list(tracked))} (services: " + (
            ", ".join(tracked) + ")"
        )
    documents = tracked[service] if service else sorted({key for keys in tracked.values() for key in keys})
    if document is not None and document not in documents:
        owner = f"{service} has" if service else "the services have"
        return (
            f"no document '{document}' in {service or 'any service'}{_did_you_mean(document, documents)} "
            f"({owner}: {', '.join(documents)})"
        )
    return None


def _did_you_mean(name: str, names: list[str]) -> str:
    close = [n for n in names if n.startswith(name.lower())] or _close_matches(name.lower(), names, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def config_path(explicit: str | Path | None = None) -> Path:
    """--config, then $TRACKER_CONFIG, then ./config.yaml, then the copy shipped in the package."""
    if explicit:
        return Path(explicit)
    if env := os.environ.get("TRACKER_CONFIG"):
        return Path(env)
    local = Path("config.yaml")
    if local.exists():
        return local
    return packaged_config_path()


def load_config(path: str | Path | None = None) -> Config:
    path = config_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, f"cannot read the config file ({exc.strerror or exc})") from exc
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        raise ConfigError(path, message, line=line) from None
    return parse_config(source, path)


# The C loader (libyaml) when PyYAML was built with it: a 1,000-document config parses several times faster.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Anchors and aliases save typing a block twice; past this many reuses, a file that would expand to more entries
# than any config has, or a block that holds itself, the file is an alias bomb (a few lines that expand to
# billions of entries) or a mistake.
MAX_ALIASES = 100
MAX_EXPANDED_NODES = 200_000


def _load_yaml(source: str, path: str | Path) -> tuple[yaml.Node | None, Any]:
    """The file's node tree (for lines) and its data, parsed once."""
    loader = _SafeLoader(source)
    try:
        root = loader.get_single_node()
        _refuse_alias_bombs(root, path)
        return root, loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        lines = source.splitlines()
        key = _key_path(lines, mark.line) if mark else None
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark and context_mark.line != getattr(mark, "line", None):
            block = _key_path(lines, context_mark.line)
            problem += f", {context} at line {context_mark.line + 1}" + (f" ('{block}')" if block else "")
            if "block" in context:
                problem += ": check this line's indentation against that block's"
        line = mark.line + 1 if mark else None
        raise ConfigError(path, f"not valid YAML: {problem}", key=key, line=line) from exc
    except RecursionError:
        raise ConfigError(path, "blocks nested too deeply to be a config") from None
    finally:
        loader.dispose()


_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[^\s:#'\"][^:#]*?)\s*:(?:\s|$)")


def _key_path(lines: list[str], index: int) -> str | None:
    """The dotted key of the line at `index` of a file YAML cannot parse, read from the indentation of the lines
    above it ("services.linkedin.documents.privacy-policy.select"); None when the line holds no key."""
    if index >= len(lines) or not (match := _KEY_LINE.match(lines[index])):
        return None
    path, indent = [match["key"]], len(match["indent"])
    for line in reversed(lines[:index]):
        above = _KEY_LINE.match(line)
        if above and len(above["indent"]) < indent and not line.lstrip().startswith("#"):
            path.insert(0, above["key"])
            indent = len(above["indent"])
            if indent == 0:
                break
    return ".".join(path)


def _refuse_alias_bombs(root: yaml.Node | None, path: str | Path) -> None:
    """Walk each node once; a node met again is an alias. Linear, whatever the aliases would expand to."""
    expanded: dict[int, int] = {}  # node → how many nodes it stands for once its aliases are expanded
    open_nodes: set[int] = set()
    reuses = 0

    def walk(node: yaml.Node, key: str, line: int) -> int:
        nonlocal reuses
        if isinstance(node, yaml.ScalarNode):
            return 1  # an alias to a scalar stands for one entry: nothing to bound
        if id(node) in open_nodes:
            raise ConfigError(path, "a YAML alias refers to the block that holds it (a loop)", key=key, line=line)
        if id(node) in expanded:
            reuses += 1
            if reuses > MAX_ALIASES:
                raise ConfigError(path, f"more than {MAX_ALIASES} YAML aliases (an alias bomb?)", key=key, line=line)
            return expanded[id(node)]
        open_nodes.add(id(node))
        size = 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(value_node, yaml.ScalarNode) and isinstance(key_node, yaml.ScalarNode):
                    size += 2  # the common case, without building the key's path
                    continue
                inner = f"{key}.{key_node.value}" if key else str(key_node.value)
                size += walk(key_node, inner, key_node.start_mark.line + 1)
                size += walk(value_node, inner, key_node.start_mark.line + 1)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                # An alias's node carries its anchor's position: the list's own line is nearer the alias.
                at = line if id(item) in expanded or id(item) in open_nodes else item.start_mark.line + 1
                size += walk(item, f"{key}.{index}" if key else str(index), at)
        open_nodes.discard(id(node))
        if size > MAX_EXPANDED_NODES:
            message = f"its YAML aliases expand to more than {MAX_EXPANDED_NODES:,} entries (an alias bomb?)"
            raise ConfigError(path, message, key=key or None, line=line)
        expanded[id(node)] = size
        return size

    if root is not None:
        walk(root, "", root.start_mark.line + 1)


def parse_config(source: str, path: str | Path = "<config>") -> Config:
    root, raw = _load_yaml(source, path)
    if duplicate := _duplicate_key(root):
        key, line = duplicate
        raise ConfigError(path, "this key appears twice in the same block; only one can count", key=key, line=line)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(path, "the top level must be a mapping of keys", line=1)
    try:
        settings = validate(Settings, raw)
    except Invalid as exc:
        # The problem reported is the cause: a misspelt key before the "missing" right one.
        loc = [str(part) for part in exc.problem.loc]
        raise ConfigError(path, _describe(exc.problem), key=".".join(loc), line=_line_of(root, loc)) from exc
    return Config(path=Path(path), settings=settings)


def _describe(problem: Problem) -> str:
    kind, value, message = problem.kind, problem.value, problem.message
    loc = [str(part) for part in problem.loc]
    if kind == "missing":
        return "this key is required"
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind in ("model_type", "dict_type"):
        return _not_a_block(loc, value)
    # A database URL may hold a password: its messages show it masked, never the raw input.
    if loc != ["database", "url"] and isinstance(value, str | int | float) and str(value) not in message:
        message += f" (got {value!r})"
    return message


def _unknown_key(loc: list[str]) -> str:
    """Did-you-mean for a misspelt key anywhere in the file, else the keys that belong here."""
    here = _keys_at(loc[:-1])
    if close := _close_matches(loc[-1], here, n=1, cutoff=0.6):
        return f"unknown key; did you mean '{close[0]}'?"
    elsewhere = [place for place in _places_of(loc[-1]) if place != _generic(loc[:-1])]
    if elsewhere:
        return f"unknown key here; '{loc[-1]}' belongs in {' or '.join(elsewhere)} (the keys here: {', '.join(here)})"
    return f"unknown key; the keys here are: {', '.join(here)}" if here else "unknown key"


def _not_a_block(loc: list[str], value: Any) -> str:
    got = "a list" if isinstance(value, list) else "empty" if value is None else f"the {type(value).__name__} {value!r}"
    if len(loc) == 4 and loc[0] == "services" and loc[2] == "documents":
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return (
                f"a document is a block of keys, not a URL on its own: write '{loc[3]}:' and, on the next line "
                f"indented below it, 'url: {value}'"
            )
        return f"a document is a block of keys with at least 'url:' below it, not {got}"
    if len(loc) == 2 and loc[0] == "services":
        return f"a service is a block of keys ('name:' and 'documents:' below it), not {got}"
    keys = _keys_at(loc)
    if keys:
        return f"'{loc[-1]}' is a block of keys ({', '.join(keys)}), not {got}"
    return f"'{loc[-1]}' is a block of named entries (each 'NAME:' with its keys below it), not {got}"


def _field_type(model: Any, key: str) -> Any | None:
    """The type under `key` of a settings model or of a mapping of named entries; None if it takes no such key."""
    if is_model(model):
        for field in fields_of(model):
            if key in (field.name, field.key):
                return _unwrap(field.annotation)
        return None
    if get_origin(model) is dict:
        return _unwrap(get_args(model)[1])
    return None


def _unwrap(annotation: Any) -> Any:
    """`EmailSettings | None` → EmailSettings."""
    if isinstance(annotation, UnionType) or get_origin(annotation) is Union:
        options = [option for option in get_args(annotation) if option is not type(None)]
        return options[0] if len(options) == 1 else annotation
    return annotation


def _keys_at(loc: list[str]) -> list[str]:
    """The keys a block at this place of the file accepts (empty for a mapping of free names)."""
    model: Any = Settings
    for part in loc:
        model = _field_type(model, part)
    if is_model(model):
        return [field.key for field in fields_of(model)]
    return []


def _places_of(key: str, model: Any = Settings, path: str = "") -> list[str]:
    """Where in the file `key` is a key, written with NAME for the names the user chooses."""
    places = []
    if is_model(model):
        for field in fields_of(model):
            inner = f"{path}.{field.key}" if path else field.key
            if key in (field.name, field.key):
                places.append(path or "the top level")
            places += _places_of(key, _unwrap(field.annotation), inner)
    elif get_origin(model) is dict:
        places += _places_of(key, _unwrap(get_args(model)[1]), f"{path}.NAME")
    return places


def _generic(loc: list[str]) -> str:
    """services.acme.documents.terms → services.NAME.documents.NAME, as `_places_of` writes places."""
    model: Any = Settings
    parts = []
    for part in loc:
        parts.append("NAME" if get_origin(model) is dict else part)
        model = _field_type(model, part)
    return ".".join(parts) or "the top level"


def _duplicate_key(node: yaml.Node | None, path: str = "") -> tuple[str, int] | None:
    """YAML keeps the last of two equal keys silently: a document listed twice would vanish."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = f"{path}.{key_node.value}" if path else str(key_node.value)
            if key_node.value in seen:
                return key, key_node.start_mark.line + 1
            seen.add(key_node.value)
            if found := _duplicate_key(value_node, key):
                return found
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            if found := _duplicate_key(item, f"{path}.{index}"):
                return found
    return None


def _line_of(node: yaml.Node | None, loc: list[str]) -> int | None:
    """The line of the deepest node along `loc` that exists (a missing key points at its parent)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == part), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _close_matches(word: str, possibilities: list[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """difflib's suggestions, loaded only when a name is wrong: every command loads a config, few misspell one."""
    import difflib

    return difflib.get_close_matches(word, possibilities, n=n, cutoff=cutoff)
