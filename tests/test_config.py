"""Config: the smallest valid file, defaults, overrides, and errors that name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import DEFAULT_DATABASE_URL, ConfigError, load_config, parse_config

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


def test_an_empty_config_is_valid_and_uses_sqlite() -> None:
    assert parse_config("").database_url == DEFAULT_DATABASE_URL


def test_the_environment_overrides_the_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql+psycopg://db/tracker")
    assert parse_config(MINIMAL).database_url == "postgresql+psycopg://db/tracker"


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
