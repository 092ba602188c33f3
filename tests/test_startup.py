"""The light commands load only what they use: start-up time is paid by every cron job and every script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = [
    "alembic",
    "apprise",
    "apscheduler",
    "bs4",
    "soupsieve",
    "httpx",
    "jinja2",
    "lxml",
    "starlette",
    "uvicorn",
    "tracker.check",
    "tracker.flag",
    "tracker.notice",
    "tracker.screen",
]
# `tracker compare` reads pages and flags them (lxml, tracker.flag), but stores nothing and draws no table.
NOT_FOR_COMPARE = [
    *(name for name in HEAVY if name not in ("lxml", "tracker.flag")),
    "sqlalchemy",
    "tracker.store",
    "rich.table",
]


def loaded_by(arguments: list[str], config: Path, modules: list[str] = HEAVY) -> list[str]:
    script = (
        "import json, sys\n"
        "from tracker.cli import cli\n"
        f"try:\n    cli.main({arguments!r}, standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env={"TRACKER_CONFIG": str(config)}
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_help_and_status_load_neither_the_pipeline_nor_the_scheduler(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'tracker.db'}\n"
        "services:\n  acme:\n    documents:\n      privacy: {url: 'http://127.0.0.1:9/p', select: ['main']}\n"
    )
    environment = {"TRACKER_CONFIG": str(config)}
    upgrade = [sys.executable, "-m", "tracker.cli", "db", "upgrade"]
    subprocess.run(upgrade, env=environment, check=True, capture_output=True)
    assert loaded_by(["--help"], config) == []
    # A SQLite file at the head revision is read through sqlite3 alone (tracker/store/sql_reads.py).
    assert loaded_by(["status"], config, [*HEAVY, "sqlalchemy"]) == []


def test_compare_loads_neither_the_database_nor_the_web_nor_the_screen(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'tracker.db'}\n"
        "services:\n  acme:\n    documents:\n      privacy: {url: 'http://127.0.0.1:9/p', select: ['main']}\n"
    )
    old, new = tmp_path / "old.html", tmp_path / "new.html"
    old.write_text("<html><body><main><p>We keep your data safe.</p></main></body></html>")
    new.write_text("<html><body><main><p>We use your data to train our AI models.</p></main></body></html>")
    arguments = ["compare", "-s", "acme", "-d", "privacy", str(old), str(new)]
    assert loaded_by(arguments, config, NOT_FOR_COMPARE) == []
