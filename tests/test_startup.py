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
    "tracker.check",
    "tracker.flag",
]


def loaded_by(arguments: list[str], config: Path) -> list[str]:
    script = (
        "import json, sys\n"
        "from tracker.cli import cli\n"
        f"try:\n    cli.main({arguments!r}, standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
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
    assert loaded_by(["status"], config) == []
