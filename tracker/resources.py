"""Where files shipped with tracker live, both in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    # The wheel carries config.yaml and migrations/ inside the package (pyproject force-include);
    # a source checkout or an editable install keeps them at the top of the repository.
    inside = PACKAGE_DIR / name
    return inside if inside.exists() else PACKAGE_DIR.parent / name


def packaged_config_path() -> Path:
    return _shipped("config.yaml")


def migrations_path() -> Path:
    return _shipped("migrations")


def templates_path() -> Path:
    return PACKAGE_DIR / "templates"


def demo_data_path() -> Path:
    return PACKAGE_DIR / "demo_data"
