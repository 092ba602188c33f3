"""Config: the smallest valid file, defaults, overrides, and errors that name file, line and key."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from tracker.config import ConfigError, Settings, load_config, parse_config, unknown_name

REPO = Path(__file__).resolve().parents[1]

MINIMAL = """
database:
  url: sqlite:///mine.db
services:
  acme:
    documents:
      terms:
        url: https://acme.test/terms
"""


def test_a_database_url_and_one_url_make_a_valid_config() -> None:
    config = parse_config(MINIMAL)
    [document] = config.documents()
    assert (document.service, document.key, document.url) == ("acme", "terms", "https://acme.test/terms")
    assert document.title == "Acme Terms" and document.schedule == "6h"
    assert document.select == () and document.remove == ()
    assert config.settings.fetch.max_bytes == 20 * 1024 * 1024


def test_without_a_database_url_the_database_is_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    location = parse_config("").database
    assert location.sqlite_path == tmp_path / "data" / "tos-tracker" / "tracker.db"
    assert location.url == f"sqlite:///{tmp_path}/data/tos-tracker/tracker.db"
    assert location.source == "the default location: the config sets no database.url" and location.is_default


def test_a_relative_sqlite_path_is_read_from_the_config_files_folder_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "etc").mkdir()
    config_file = tmp_path / "etc" / "config.yaml"
    config_file.write_text(MINIMAL)
    monkeypatch.chdir(tmp_path)
    location = load_config(config_file).database
    assert location.sqlite_path == tmp_path / "etc" / "mine.db"
    assert location.url == f"sqlite:///{tmp_path}/etc/mine.db"
    assert location.source == f"database.url in {config_file}"
    # The same file, found as ./config.yaml from its own folder.
    monkeypatch.chdir(tmp_path / "etc")
    assert load_config().database.sqlite_path == tmp_path / "etc" / "mine.db"


def test_the_environment_overrides_the_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql+psycopg://db/tracker")
    assert parse_config(MINIMAL).database_url == "postgresql+psycopg://db/tracker"
    assert parse_config(MINIMAL).database.source == "$TRACKER_DATABASE_URL"
    # A relative path in a variable is read from the working directory, as for any path in the environment.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite:///here.db")
    assert parse_config(MINIMAL).database.sqlite_path == tmp_path / "here.db"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_postgresql_urls_use_the_driver_tracker_ships(scheme: str) -> None:
    config = parse_config(MINIMAL.replace("sqlite:///mine.db", f"{scheme}://tracker:s3cret@db.example/tracker"))
    assert config.database_url == "postgresql+psycopg://tracker:s3cret@db.example/tracker"
    assert config.database.shown == "postgresql+psycopg://tracker:***@db.example/tracker"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://tracker:s3cret@db/tracker",
            "tracker stores its records in SQLite or PostgreSQL, not MySQL; write sqlite:///tracker.db or "
            "postgresql+psycopg://user:password@host/dbname",
        ),
        (
            "sqllite:///tracker.db",
            "sqllite:// is not a database tracker can use (SQLite or PostgreSQL); did you mean sqlite://?",
        ),
        (
            "postgresql+psycopg2://tracker:s3cret@db/tracker",
            "postgresql+psycopg2:// needs a driver tracker does not install; write postgresql+psycopg:// "
            "(psycopg 3, installed with tracker)",
        ),
        (
            "sqlite://tracker.db",
            "sqlite://tracker.db names no file: write sqlite:///tracker.db (three slashes) or sqlite:////absolute/path",
        ),
        (
            "tracker.db",
            "tracker.db is not a database URL; write sqlite:///tracker.db or postgresql+psycopg://user:password@host/dbname",
        ),
    ],
)
def test_a_database_url_tracker_cannot_use_is_refused_when_the_config_loads(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(MINIMAL.replace("sqlite:///mine.db", url), "my-config.yaml")
    assert str(raised.value) == f"my-config.yaml, line 3, key 'database.url': {message}"
    assert "s3cret" not in str(raised.value)


def test_a_bad_database_url_in_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", "mysql://tracker:s3cret@db/tracker")
    with pytest.raises(ConfigError) as raised:
        parse_config(MINIMAL).database  # noqa: B018
    assert str(raised.value).startswith("$TRACKER_DATABASE_URL: tracker stores its records in SQLite or PostgreSQL")
    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize(
    ("addition", "key", "message"),
    [
        ("        selct: main\n", "services.acme.documents.terms.selct", "unknown key; did you mean 'select'?"),
        ("        schedual: 1d\n", "services.acme.documents.terms.schedual", "unknown key; did you mean 'schedule'?"),
        ("        remvoe: nav\n", "services.acme.documents.terms.remvoe", "unknown key; did you mean 'remove'?"),
        ("fetch:\n  retires: 5\n", "fetch.retires", "unknown key; did you mean 'retries'?"),
        ("daemon:\n  failing_afer: 2\n", "daemon.failing_afer", "unknown key; did you mean 'failing_after'?"),
        ("shedule: 1h\n", "shedule", "unknown key; did you mean 'schedule'?"),
        (
            "documents: {}\n",
            "documents",
            "unknown key here; 'documents' belongs in services.NAME "
            f"(the keys here: {', '.join(field.name for field in fields(Settings))})",
        ),
        ("colour: blue\n", "colour", f"unknown key; the keys here are: {', '.join(f.name for f in fields(Settings))}"),
    ],
)
def test_every_misspelt_or_misplaced_key_gets_a_suggestion(addition: str, key: str, message: str) -> None:
    source = MINIMAL + addition
    with pytest.raises(ConfigError) as raised:
        parse_config(source, "c.yaml")
    assert raised.value.key == key and str(raised.value).endswith(f"key '{key}': {message}")


def test_a_document_given_as_a_url_says_how_to_write_it() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config("services:\n  acme:\n    documents:\n      terms: https://acme.test/terms\n", "c.yaml")
    assert str(raised.value) == (
        "c.yaml, line 4, key 'services.acme.documents.terms': a document is a block of keys, not a URL on its own: "
        "write 'terms:' and, on the next line indented below it, 'url: https://acme.test/terms'"
    )


def test_unknown_services_and_documents_are_named_with_the_ones_there_are() -> None:
    config = load_config(REPO / "config.yaml")
    assert unknown_name(config, "linkedin", None) is None
    assert unknown_name(config, "linkdin", None) == (
        f"no service 'linkdin' in {REPO / 'config.yaml'}; did you mean 'linkedin'? (services: linkedin, meta, google)"
    )
    linkedin = ", ".join(document.key for document in config.documents("linkedin"))
    assert unknown_name(config, "linkedin", "privacy") == (
        f"no document 'privacy' in linkedin; did you mean 'privacy-policy'? (linkedin has: {linkedin})"
    )
    empty = parse_config("", "empty.yaml")
    assert (unknown_name(empty, None, None) or "").startswith(
        "empty.yaml lists no documents to track (no `services:` section); copy the shipped config ("
    )


def test_select_accepts_one_selector_or_a_list() -> None:
    config = parse_config(
        MINIMAL.replace("url: https://acme.test/terms", "url: https://acme.test/terms\n        select: main")
    )
    assert next(config.documents()).select == ("main",)


@pytest.mark.parametrize(
    ("source", "line", "key", "message"),
    [
        ("database:\n  url: [unclosed\n", 3, None, "not valid YAML"),
        (
            # One space short: the key and its block are named.
            MINIMAL.replace("url: https://acme.test/terms", "url: https://acme.test/terms\n       select: main"),
            9,
            "services.acme.documents.terms.select",
            "check this line's indentation",
        ),
        (
            MINIMAL.replace("        url:", "        urll:"),
            8,
            "services.acme.documents.terms.urll",
            "did you mean 'url'",
        ),
        (MINIMAL + "fetch:\n  retries: many\n", 10, "fetch.retries", "valid integer"),
        (
            MINIMAL.replace("https://acme.test/terms", "ftp://acme.test/terms"),
            8,
            "services.acme.documents.terms.url",
            "http",
        ),
        ("services:\n  acme:\n    documents:\n      terms: {}\n", 4, "services.acme.documents.terms.url", "required"),
        ("colour: blue\n", 1, "colour", "unknown key"),
        (
            MINIMAL.replace(
                "url: https://acme.test/terms", "url: https://acme.test/terms\n        select: 'main >>> p'"
            ),
            9,
            "services.acme.documents.terms.select",
            "not a CSS selector",
        ),
        (MINIMAL + "services:\n  other: {documents: {}}\n", 9, "services", "appears twice"),
        (MINIMAL + "schedule: every day\n", 9, "schedule", "neither an interval"),
        (
            MINIMAL + "email:\n  from: a@b.example\n  to: c@d.example\n  schedule: daily 25:00\n",
            12,
            "email.schedule",
            "not a time of day",
        ),
        (
            MINIMAL + "email:\n  from: a@b.example\n  to: c@d.example\n  timezone: Mars/Olympus\n",
            12,
            "email.timezone",
            "time zone",
        ),
        ("- a list\n", 1, None, "mapping"),
    ],
)
def test_errors_name_the_file_the_line_and_the_key(source: str, line: int, key: str | None, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(source, "my-config.yaml")
    error = raised.value
    assert error.path == "my-config.yaml" and error.line == line and error.key == key
    assert message in str(error) and str(error).startswith(f"my-config.yaml, line {line}")


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_the_shipped_config_tracks_the_six_documents_and_linkedins_eu_notice() -> None:
    config = load_config(REPO / "config.yaml")
    tracked = {(d.service, d.key) for d in config.documents()}
    assert tracked == {
        ("linkedin", "privacy-policy"),
        ("linkedin", "privacy-policy@eu"),
        ("linkedin", "user-agreement"),
        ("meta", "privacy-policy"),
        ("meta", "terms-of-service"),
        ("google", "privacy-policy"),
        ("google", "terms-of-service"),
    }
    assert all(d.url.startswith("https://") and d.select for d in config.documents())


# -- hostile and impossible values: exit 2, one line, file, line and key (issue 10) ---------------------------

DOCUMENT = "services:\n  acme:\n    documents:\n      terms:\n        url: https://acme.test/terms\n"


def _alias_bomb(levels: int) -> str:
    lines = ["flag:", "  extra_terms:", "    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"    l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


HOSTILE_CONFIGS = {
    "cron-never-fires": ("schedule: '0 0 31 2 *'\n" + DOCUMENT, 1, "schedule", "never fires"),
    "huge-duration": ("schedule: 99999999999999d\n" + DOCUMENT, 1, "schedule", "longer than ten years"),
    "infinite-timeout": ("fetch:\n  read_timeout: .inf\n" + DOCUMENT, 2, "fetch.read_timeout", "finite number"),
    "nan-deadline": ("checks:\n  deadline: .nan\n" + DOCUMENT, 2, "checks.deadline", "finite number"),
    "url-with-crlf": (
        'services:\n  acme:\n    documents:\n      terms:\n        url: "https://acme.test/a\\r\\nX-Evil: 1"\n',
        5,
        "services.acme.documents.terms.url",
        "line break",
    ),
    "header-with-crlf": (
        DOCUMENT + '        variants:\n          eu:\n            headers: {Cookie: "a=1\\r\\nX-Evil: 1"}\n',
        8,
        "services.acme.documents.terms.variants.eu.headers",
        "line break",
    ),
    "mysql-url": ("database:\n  url: mysql://user:secret@db/tracker\n" + DOCUMENT, 2, "database.url", "not MySQL"),
    "recursive-alias": ("flag:\n  extra_terms:\n    x: &a [*a]\n" + DOCUMENT, 3, "flag.extra_terms.x.0", "loop"),
    "alias-bomb": (_alias_bomb(9) + DOCUMENT, 8, "flag.extra_terms.l5", "alias bomb"),
    "many-aliases": (
        "flag:\n  extra_terms:\n    a: &a [x]\n    b: [" + ", ".join(["*a"] * 150) + "]\n" + DOCUMENT,
        4,
        "flag.extra_terms.b.100",
        "more than 100 YAML aliases",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE_CONFIGS))
def test_a_hostile_config_exits_2_with_one_line_naming_file_line_and_key(tmp_path: Path, name: str) -> None:
    from click.testing import CliRunner

    from tracker.cli import cli

    source, line, key, message = HOSTILE_CONFIGS[name]
    path = tmp_path / "config.yaml"
    path.write_text(source)
    result = CliRunner().invoke(cli, ["--config", str(path), "check"])
    assert result.exit_code == 2, result.output
    [printed] = result.output.strip().splitlines()
    assert printed.startswith(f"error: {path}, line {line}, key '{key}': "), printed
    assert message in printed and "secret" not in printed


def test_a_config_that_is_not_utf8_exits_2_naming_the_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tracker.cli import cli

    path = tmp_path / "config.yaml"
    path.write_bytes(b"services:\n  acme:\n    name: Caf\xe9\n")
    result = CliRunner().invoke(cli, ["--config", str(path), "status"])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {path}, line 3: not UTF-8 (byte 0xe9); save the file as UTF-8"


def test_yaml_anchors_within_bounds_still_work() -> None:
    config = parse_config("flag:\n  extra_terms:\n    a: &names [Grok, Llama]\n    b: *names\n" + DOCUMENT)
    assert config.settings.flag.extra_terms == {"a": ["Grok", "Llama"], "b": ["Grok", "Llama"]}


# -- what YAML gives is read as pydantic's lax mode read it (issue 12: the validator is tracker's own) ----------


def test_values_are_converted_to_the_settings_types() -> None:
    fetch = parse_config(
        "fetch: {retries: '5', backoff: 3, host_gap: '0.5', max_redirects: 2.0}\n" + DOCUMENT
    ).settings.fetch
    assert (fetch.retries, fetch.backoff, fetch.host_gap, fetch.max_redirects) == (5, 3.0, 0.5, 2)
    assert type(fetch.retries) is int and type(fetch.backoff) is float and type(fetch.max_redirects) is int
    email = parse_config(
        "email: {from: a@b.example, to: c@d.example, send_when_empty: 'yes'}\n" + DOCUMENT
    ).settings.email
    assert email is not None and email.sender == "a@b.example" and email.to == ["c@d.example"] and email.send_when_empty


@pytest.mark.parametrize(
    ("block", "key", "message"),
    [
        ("fetch: {retries: 2.5}", "fetch.retries", "valid integer, got a number with a fractional part (got 2.5)"),
        ("fetch: {retries: 21}", "fetch.retries", "Input should be less than or equal to 20 (got 21)"),
        ("fetch: {backoff: many}", "fetch.backoff", "valid number, unable to parse string as a number (got 'many')"),
        ("web: {port: 70000}", "web.port", "Input should be less than 65536 (got 70000)"),
        ("email: {from: a@b.example, to: []}", "email.to", "at least 1 item"),
        (
            "email: {from: a@b.example, to: c@d.example, send_when_empty: maybe}",
            "email.send_when_empty",
            "valid boolean",
        ),
        (
            "email: {from: a@b.example, to: c@d.example, smtp: {security: tls}}",
            "email.smtp.security",
            "'starttls', 'ssl' or 'none'",
        ),
        ("fetch: {user_agent: 5}", "fetch.user_agent", "Input should be a valid string (got 5)"),
        ("fetch: []", "fetch", "'fetch' is a block of keys (user_agent, accept_language"),
    ],
)
def test_a_value_of_the_wrong_type_or_out_of_bounds_says_which(block: str, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(block + "\n" + DOCUMENT, "c.yaml")
    assert raised.value.key == key and message in str(raised.value), str(raised.value)


def test_settings_made_in_code_are_checked_and_converted_as_the_file_is() -> None:
    from dataclasses import FrozenInstanceError, replace

    from tracker.config import BrowserSettings, DocumentSettings, FetchSettings
    from tracker.validation import Invalid

    fetch = FetchSettings(retries=0, host_gap=0, browser={"timeout": 6})  # type: ignore[arg-type]
    assert type(fetch.host_gap) is float and fetch.browser.timeout == 6.0
    assert fetch == FetchSettings(retries=0, host_gap=0.0, browser=BrowserSettings(timeout=6.0))
    assert replace(fetch, host_gap=1.5).host_gap == 1.5
    with pytest.raises(FrozenInstanceError):
        fetch.retries = 3  # type: ignore[misc]
    with pytest.raises(Invalid) as raised:
        DocumentSettings(url="ftp://acme.test/terms")
    assert raised.value.problem.loc == ("url",)
    assert raised.value.problem.message == "must start with http:// or https://"
    with pytest.raises(Invalid, match="retries: Input should be greater than or equal to 0"):
        replace(fetch, retries=-1)
