"""The first hour with `tracker`: the right database from any folder, honest messages, exit codes, tables.

Each test runs the real command in a subprocess; `run_tracker` fails any test whose output holds a traceback.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from conftest import PageServer, _handler, fixture_bytes, run_tracker

from tracker.check import check_document
from tracker.config import load_config
from tracker.fetch import Fetcher
from tracker.store import Store

GOOGLE_BEFORE = fixture_bytes("google-privacy-policy-2023-01-19.md.gz")
GOOGLE_AI = fixture_bytes("google-privacy-policy-2023-06-29.md.gz")
LINKEDIN_V1 = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")
LINKEDIN_V2 = fixture_bytes("linkedin-service-terms-2023-04-06.html.gz")
MARKDOWN = "text/markdown; charset=utf-8"
# A title longer than any column at 80 columns: piped output must keep it whole.
LONG_NAME = "LinkedIn Corporation and Its Affiliated Companies Worldwide"


def config_for(folder: Path, server: PageServer, database: str = "sqlite:///records.db") -> Path:
    config = {
        "database": {"url": database},
        "fetch": {"retries": 0, "host_gap": 0},
        "services": {
            "google": {
                "name": "Google",
                "documents": {"privacy-policy": {"name": "Privacy Policy", "url": server.url("/google/privacy")}},
            },
            "linkedin": {
                "name": LONG_NAME,
                "documents": {
                    "service-terms": {"name": "Service Terms", "url": server.url("/linkedin/terms")},
                    "privacy-policy": {"name": "Privacy Policy", "url": server.url("/linkedin/privacy")},
                },
            },
        },
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config in a folder of its own whose database (a relative path: beside the config) holds an AI change
    of Google's Privacy Policy and a change of LinkedIn's Service Terms, recorded through the real pipeline."""
    return record(tmp_path_factory.mktemp("site"), [(GOOGLE_BEFORE, LINKEDIN_V1), (GOOGLE_AI, LINKEDIN_V2)])


def record(folder: Path, rounds: list[tuple[bytes, bytes]]) -> Path:
    """A config in `folder` and its database, after a check of both documents for each (Google, LinkedIn) pair
    served in turn."""
    server = PageServer("127.0.0.1", 0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        config_path = config_for(folder, server)
        config = load_config(config_path)
        store = Store(config.database_url)
        with Fetcher(config.settings.fetch) as fetcher:
            for google, linkedin in rounds:
                server.serve("/google/privacy", google, content_type=MARKDOWN)
                server.serve("/linkedin/terms", linkedin)
                for document in config.documents():
                    check_document(document, store, fetcher, config.settings.checks)
        store.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return config_path


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


# -- the database, from any folder ----------------------------------------------------------------------------


def test_a_relative_database_path_is_beside_the_config_whatever_the_working_directory(
    recorded: Path, elsewhere: Path
) -> None:
    changes = run_tracker("--config", str(recorded), "changes", "--json", config=None, cwd=elsewhere)
    assert changes.returncode == 0, changes.stderr
    assert [(c["service"], c["ai"]) for c in json.loads(changes.stdout)] == [("linkedin", False), ("google", True)]
    status = run_tracker("status", config=recorded, cwd=elsewhere)
    assert f"Config:   {recorded}\n" in status.stdout
    assert f"Database: {recorded.parent / 'records.db'} (database.url in {recorded})\n" in status.stdout
    assert list(elsewhere.iterdir()) == []  # nothing created where the command ran


def test_without_a_database_url_every_folder_shares_the_user_data_folder(tmp_path: Path) -> None:
    data, first, second = tmp_path / "data", tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    env = {"XDG_DATA_HOME": str(data)}  # the shipped config (no ./config.yaml here): no database.url
    database = data / "tos-tracker" / "tracker.db"
    upgraded = run_tracker("db", "upgrade", config=None, cwd=first, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert database.exists() and list(first.iterdir()) == []
    status = run_tracker("status", config=None, cwd=second, env=env)
    assert status.returncode == 0, status.stderr
    assert f"Database: {database} (the default location: the config sets no database.url)\n" in status.stdout
    assert re.search(r"^LinkedIn Privacy Policy +- +never checked +due now$", status.stdout, re.M), status.stdout
    assert not re.search(r" $", status.stdout, re.M)  # piped: no padding at the ends of lines
    assert list(second.iterdir()) == []


def test_commands_that_only_read_never_create_a_database_and_say_where_they_looked(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "database:\n  url: sqlite:///records.db\nservices:\n  acme:\n    documents:\n      terms:\n"
        "        url: http://127.0.0.1:9/terms\n"
    )
    message = (
        f"error: no database at {tmp_path / 'records.db'} (database.url in {config}): nothing has been checked "
        "with this config yet. `tracker check` or `tracker daemon` creates it; if your records are elsewhere, give "
        "that config with --config or set $TRACKER_DATABASE_URL\n"
    )
    for command in (
        ["status"],
        ["history", "acme"],
        ["changes"],
        ["diff", "acme"],
        ["digest", "--preview"],
        ["snapshot", "1"],
    ):
        result = run_tracker(*command, config=config)
        assert (result.returncode, result.stderr) == (3, message), command
    assert not (tmp_path / "records.db").exists()


def test_config_is_accepted_after_the_command_too(recorded: Path, elsewhere: Path) -> None:
    missing = str(elsewhere / "not-this-one.yaml")
    for args in (["changes", "--config", str(recorded)], ["history", "google", "--config", str(recorded)]):
        result = run_tracker(*args, config=None, cwd=elsewhere, env={"TRACKER_CONFIG": missing})
        assert result.returncode == 0, (args, result.stderr)
    upgraded = run_tracker("db", "upgrade", "--config", str(recorded), config=None, cwd=elsewhere)
    assert upgraded.returncode == 0 and "already up to date" in upgraded.stdout, upgraded.stderr


def test_help_says_where_the_config_the_database_and_the_docs_are(tmp_path: Path) -> None:
    result = run_tracker("--help", config=None, cwd=tmp_path, env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert result.returncode == 0
    assert f"            {tmp_path / 'data' / 'tos-tracker' / 'tracker.db'}\n" in result.stdout
    docs = re.search(r"README\.md, daemon\.md, digest\.md, flagging\.md and decisions/ in\n +(\S+)\n", result.stdout)
    assert docs is not None and (Path(docs.group(1)) / "daemon.md").exists()
    assert (Path(docs.group(1)) / "README.md").exists()


# -- honest messages and exit codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["history", "linkdin"],
            "no service 'linkdin' in {config}; did you mean 'linkedin'? (services: google, linkedin)",
        ),
        (["changes", "acme"], "no service 'acme' in {config} (services: google, linkedin)"),
        (
            ["diff", "linkedin", "-d", "privacy"],
            "no document 'privacy' in linkedin; did you mean 'privacy-policy'? "
            "(linkedin has: privacy-policy, service-terms)",
        ),
        (["check", "google", "-d", "terms"], "no document 'terms' in google (google has: privacy-policy)"),
    ],
)
def test_an_unknown_service_or_document_exits_2_naming_the_valid_ones(
    recorded: Path, args: list[str], message: str
) -> None:
    result = run_tracker(*args, config=recorded)
    assert (result.returncode, result.stderr) == (2, f"error: {message.format(config=recorded)}\n")


def test_an_empty_config_says_what_to_add(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("")
    result = run_tracker("check", config=config)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {config} lists no documents to track (no `services:` section); copy ")
    assert "`services: {acme: {documents: {terms: {url: https://acme.example/terms}}}}`" in result.stderr
    daemon = run_tracker("daemon", config=config)
    assert daemon.returncode == 2 and "lists no documents to track" in daemon.stderr
    services = tmp_path / "services.yaml"
    services.write_text("services:\n  acme:\n    documents: {}\n")
    listed = run_tracker("check", config=services)  # a user's test: it said "no `services:` section"
    assert listed.returncode == 2 and "(its services list no documents)" in listed.stderr
    status = run_tracker("status", config=config)  # a user's test: it said "no database" (exit 3)
    assert status.returncode == 2 and "lists no documents to track" in status.stderr


def test_a_database_url_tracker_cannot_use_stops_it_with_file_line_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("database:\n  url: mysql://tracker:s3cret@db/tracker\nservices: {}\n")
    result = run_tracker("status", config=config)
    assert (result.returncode, result.stderr) == (
        2,
        f"error: {config}, line 2, key 'database.url': tracker stores its records in SQLite or PostgreSQL, not "
        "MySQL; write sqlite:///tracker.db or postgresql+psycopg://user:password@host/dbname\n",
    )


def test_a_postgresql_database_that_does_not_answer_is_one_line_and_exit_3(recorded: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://tracker:s3cret@127.0.0.1:{port}/tracker"
    result = run_tracker("history", "google", config=recorded, env={"TRACKER_DATABASE_URL": url})
    assert result.returncode == 3 and result.stderr.count("\n") == 1 and "s3cret" not in result.stderr
    assert result.stderr.startswith(
        f"error: cannot open the database postgresql+psycopg://tracker:***@127.0.0.1:{port}/tracker "
        "($TRACKER_DATABASE_URL): "
    )
    assert "Connection refused" in result.stderr


def test_without_the_postgresql_driver_tracker_says_what_to_install(recorded: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken" / "psycopg"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text(
        "raise ImportError(\"no pq wrapper available.\\nAttempts made:\\n- couldn't import psycopg 'binary'\")\n"
    )
    env = {"TRACKER_DATABASE_URL": "postgresql://tracker@127.0.0.1/tracker"}
    env["PYTHONPATH"] = f"{broken.parent}:{Path(__file__).resolve().parents[1]}"
    result = run_tracker("status", config=recorded, env=env)
    assert (result.returncode, result.stderr) == (
        3,
        "error: cannot open postgresql+psycopg://tracker@127.0.0.1/tracker ($TRACKER_DATABASE_URL): the PostgreSQL "
        "driver is missing: no pq wrapper available.; install it with: pip install 'psycopg[binary]'\n",
    )


# -- tables and records --------------------------------------------------------------------------------------------


def terminal(columns: int) -> dict[str, str]:
    """A terminal `columns` wide, as rich sees one (FORCE_COLOR), colours off (NO_COLOR)."""
    return {"FORCE_COLOR": "1", "COLUMNS": str(columns)}


def on_terminal(*args: str, config: Path, columns: int = 80) -> str:
    """What `tracker ARGS` shows on a terminal `columns` wide, without its bold and dim escapes."""
    result = run_tracker(*args, config=config, env=terminal(columns))
    assert result.returncode in (0, 1), result.stderr
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)


@pytest.mark.parametrize(("command", "rows"), [(["status"], 3), (["history", "google"], 2), (["changes"], 2)])
def test_tables_fit_80_columns_one_line_per_row(recorded: Path, command: list[str], rows: int) -> None:
    lines = on_terminal(*command, config=recorded).splitlines()
    header = next(i for i, line in enumerate(lines) if "(UTC)" in line)
    table = lines[header : header + 1 + rows]
    assert all(len(line) <= 80 for line in table), table
    # One line per row, nothing wrapped onto the next: each row starts with its id or its document's title.
    assert all(re.match(r"(\d+ |LinkedIn |Google )", line) for line in table[1:]), table
    after = lines[header + 1 + rows] if len(lines) > header + 1 + rows else ""
    assert not re.match(r"\s", after), lines


def test_on_a_narrow_terminal_reasons_and_kinds_wrap_and_ids_and_dates_stay_whole(tmp_path: Path) -> None:
    """A user's test: at 80 columns, a return ("returned to an earlier version") squeezed the titles and the dates
    of `tracker changes`, and the reason of a suspect capture hid its check and snapshot ids in `history --all`."""
    login = fixture_bytes("login-page.html")
    rounds = [(GOOGLE_BEFORE, LINKEDIN_V1), (GOOGLE_AI, LINKEDIN_V2), (GOOGLE_BEFORE, login)]
    config = record(tmp_path, rounds)
    changes = on_terminal("changes", config=config).splitlines()
    rows = [line for line in changes if re.match(r"(LinkedIn|Google) ", line)]
    assert len(rows) == 3 and all(len(line) <= 80 for line in changes), changes
    assert all(re.search(r" \d+ +\d{4}-\d\d-\d\d \d\d:\d\d ", line) for line in rows), rows
    assert "returned to" in "\n".join(changes) and "Google Privacy Policy" in "\n".join(rows)
    history = on_terminal("history", "linkedin", "--all", config=config).splitlines()
    suspects = [line for line in history if re.match(r"\d+ +\d+ +\d{4}-\d\d-\d\d \d\d:\d\d +looks like", line)]
    assert len(suspects) == 1 and all(len(line) <= 80 for line in suspects), history


def test_a_listing_cut_by_its_limit_says_so(recorded: Path) -> None:
    """A user's test: `tracker changes` stopped at 50 without a word, and read as every change there was."""
    cut = run_tracker("changes", "--limit", "1", config=recorded)
    assert cut.returncode == 0 and "Only the newest change; more match: --limit N" in cut.stdout
    huge = run_tracker("changes", "--limit", "9223372036854775807", config=recorded)  # a review: a traceback
    assert huge.returncode == 2 and "Traceback" not in huge.stderr
    whole = run_tracker("changes", "--limit", "2", config=recorded)
    assert "more match" not in whole.stdout
    scripted = run_tracker("changes", "--limit", "1", "--json", config=recorded)
    assert len(json.loads(scripted.stdout)) == 1 and "more match" in scripted.stderr


def test_piped_tables_keep_every_value_whole(recorded: Path) -> None:
    changes = run_tracker("changes", config=recorded, env={"COLUMNS": "80"})
    assert f"{LONG_NAME} Service Terms" in changes.stdout
    status = run_tracker("status", config=recorded, env={"COLUMNS": "80"})
    assert f"{LONG_NAME} Privacy Policy" in status.stdout and "…" not in status.stdout


def test_history_shows_the_snapshot_of_every_version_and_whole_document_keys(recorded: Path) -> None:
    shown = on_terminal("history", "linkedin", config=recorded)
    assert f"{LONG_NAME} Service Terms (linkedin service-terms)\n" in shown
    assert re.search(r"^version  snapshot  first seen \(UTC\)", shown, re.M)
    versions = json.loads(run_tracker("history", "linkedin", "--json", config=recorded).stdout)
    for version in versions:
        assert re.search(rf"^{version['version']} +{version['snapshot']['id']} +\d{{4}}-", shown, re.M)
    cited = run_tracker("snapshot", str(versions[0]["snapshot"]["id"]), config=recorded)
    assert cited.returncode == 0 and cited.stdout.encode() == LINKEDIN_V1


def test_diff_as_html_is_a_standalone_page_with_the_flag_evidence_and_headings(recorded: Path) -> None:
    result = run_tracker("diff", "google", "--format", "html", config=recorded)
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')
    assert page.rstrip().endswith("</html>") and "<script" not in page
    assert "<title>Google: what changed</title>" in page
    assert re.search(r"AI flag: training, score 0\.95; terms: [^<]*\bAI\b[^<]*\btrain", page)
    assert "<li><ins>For example, we may collect information that’s publicly available online" in page
    assert "train Google’s <del>language</del><ins>AI</ins> models" in page
    assert "<h4>Contents</h4>" in page  # the policy's own headings (here underlined in Markdown), as headings
    assert "--------" not in page and "###" not in page and "\n## " not in page


def test_diff_as_html_escapes_page_text(tmp_path: Path, page_server: PageServer) -> None:
    config = config_for(tmp_path, page_server)
    before = "# Terms\n\n" + "We use your data to run the service for you. " * 10
    after = "# Terms & <i>more</i>\n\n" + "We use your <b>data</b> & signals to run the service for you. " * 10
    for body in (before, after):
        page_server.serve("/google/privacy", body, content_type=MARKDOWN)
        assert run_tracker("check", "google", config=config).returncode == 0
    page = run_tracker("diff", "google", "--format", "html", config=config).stdout
    assert "<b>data</b>" not in page and "<i>" not in page and "&lt;b&gt;data&lt;/b&gt; &amp; signals" in page
    assert "<h3>Terms" in page and "&amp; &lt;i&gt;more&lt;/i&gt;</ins>" in page


def test_check_tells_a_held_capture_a_refused_page_and_a_failure_apart(tmp_path: Path, page_server: PageServer) -> None:
    config = config_for(tmp_path, page_server)
    page_server.serve("/google/privacy", GOOGLE_BEFORE, content_type=MARKDOWN)
    assert run_tracker("check", "google", config=config).returncode == 0
    # A third of the policy, cut at a paragraph's end: far shorter than the version in force.
    third = GOOGLE_BEFORE[: GOOGLE_BEFORE.rindex(b"\n\n", 0, len(GOOGLE_BEFORE) // 3)]
    lines = {}
    for name, body, options in (
        ("held", third, {"content_type": MARKDOWN}),
        ("refused", fixture_bytes("instagram-error-page.html"), {}),
        ("failed", b"down", {"status": 503}),
    ):
        page_server.serve("/google/privacy", body, **options)
        shown = run_tracker("check", "google", config=config)
        as_json = run_tracker("check", "google", "--json", config=config)
        assert (shown.returncode, as_json.returncode) == (1, 1)  # for each, this run stored no current text
        lines[name] = (shown.stdout, json.loads(as_json.stdout))
    held, refused, failed = lines["held"], lines["refused"], lines["failed"]
    assert "held: far shorter than every accepted version" in held[0]
    assert "(kept as evidence; believed as the new version if 3 checks over 12h still see it)" in held[0]
    assert "refused: looks like an error page" in refused[0] and "never taken as the policy" in refused[0]
    assert "failed: HTTP 503 Service Unavailable" in failed[0]
    assert "failed:" not in held[0] + refused[0] and "kept as evidence" not in failed[0]
    fields = [(j["outcome"], j["refusal"], j["held"], j["suspect"]) for _, j in (held, refused, failed)]
    assert fields == [
        ("failed", "shorter", True, True),
        ("failed", "wall", False, True),
        ("failed", "fetch", False, False),
    ]


def test_no_library_warning_reaches_the_console(tmp_path: Path, page_server: PageServer) -> None:
    """bs4 warns about an HTML page that opens with an XML prolog (XHTML): it is read as HTML on purpose."""
    config = config_for(tmp_path, page_server)
    xhtml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body><main>'
        + "<p>We collect the information you give us and use it to provide our services to you.</p>" * 5
        + "</main></body></html>"
    )
    page_server.serve("/linkedin/terms", xhtml)
    result = run_tracker("check", "linkedin", "-d", "service-terms", config=config)
    assert result.returncode == 0 and "first version stored" in result.stdout
    assert result.stderr == ""


def test_help_stays_cheap_it_loads_neither_sqlalchemy_nor_pydantic(tmp_path: Path) -> None:
    probe = (
        "import sys\nfrom tracker.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='tracker')\nexcept SystemExit:\n    pass\n"
        "print(sorted({'sqlalchemy', 'pydantic', 'httpx', 'bs4'} & set(sys.modules)))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
    assert "Where things are" in result.stdout


def test_loading_the_config_does_not_load_pydantic(tmp_path: Path) -> None:
    """Issue 12: importing pydantic alone cost more CPU than a whole `tracker status` may."""
    shipped = Path(__file__).resolve().parents[1] / "config.yaml"
    probe = (
        "import sys\nfrom tracker.config import load_config\n"
        f"config = load_config({str(shipped)!r})\n"
        "assert list(config.documents()) and config.settings.fetch.retries >= 0\n"
        "print(sorted({'pydantic', 'pydantic_core'} & set(sys.modules)))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["PYTHONPATH"] = str(shipped.parent)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
