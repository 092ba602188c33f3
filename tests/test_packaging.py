"""The wheel carries everything tracker needs at run time: config, migrations, templates, demo captures."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import assert_no_traceback

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if build.returncode != 0 and "No module named 'hatchling'" in build.stderr + build.stdout:
        pytest.skip("hatchling is not installed in this environment (pip install hatchling)")
    assert build.returncode == 0, build.stderr[-2000:]
    [built] = out.glob("tos_tracker-*.whl")
    return built


def test_the_wheel_ships_config_migrations_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tracker/config.yaml" in names and "tracker/docs/README.md" in names
    assert "tracker/docs/daemon.md" in names and "tracker/docs/decisions/0005-packaging.md" in names
    assert "tracker/migrations/env.py" in names and "tracker/migrations/versions/0001_initial.py" in names
    assert any(n.startswith("tracker/demo_data/") and n.endswith(".md.gz") for n in names)
    assert any(n.startswith("tracker/templates/") for n in names)


def test_the_distribution_is_tos_tracker_and_brings_the_postgresql_driver(wheel: Path) -> None:
    """`tracker` on the package index is another project; a plain install must open a PostgreSQL URL."""
    archive = zipfile.ZipFile(wheel)
    [metadata] = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
    text = archive.read(metadata).decode()
    assert "\nName: tos-tracker\n" in text
    requires = [line for line in text.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert any(line.startswith("Requires-Dist: psycopg[binary]") for line in requires), requires
    assert any(line.startswith("Requires-Dist: platformdirs") for line in requires), requires
    assert "tracker = tracker.cli:main" in archive.read(metadata.replace("METADATA", "entry_points.txt")).decode()


def test_the_installed_wheel_works_outside_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["PYTHONPATH"] = str(site)  # the wheel's files only; dependencies come from this environment
    env["TRACKER_DATABASE_URL"] = f"sqlite:///{elsewhere / 'tracker.db'}"

    def tracker(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "tracker.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=elsewhere,
            timeout=120,
        )
        assert_no_traceback(result.stdout + result.stderr)
        return result

    imported = subprocess.run(
        [sys.executable, "-c", "import tracker, sys; print(tracker.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=elsewhere,
    )
    assert imported.stdout.startswith(str(site)), imported.stdout + imported.stderr
    upgraded = tracker("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "already up to date" in upgraded.stdout or "upgraded" in upgraded.stdout
    history = tracker("history", "linkedin")  # the shipped config, found inside the package
    assert history.returncode == 0, history.stderr
    demo = tracker("demo")  # the bundled captures are package data, read from the wheel's files
    assert demo.returncode == 0, demo.stderr
    assert "AI" in demo.stdout
    # The docs ship too, and `tracker --help` points to them.
    docs = site / "tracker" / "docs"
    assert f"            {docs}\n" in tracker("--help").stdout
    assert {"README.md", "daemon.md", "digest.md", "flagging.md"} <= {path.name for path in docs.iterdir()}
    assert (docs / "decisions").is_dir() and "tracker" in (docs / "README.md").read_text()[:200]
    version = tracker("--version")
    assert version.returncode == 0 and version.stdout.startswith("tracker ") and "(tos-tracker)" in version.stdout
