"""Where files shipped with tracker live, both in a source checkout and in an installed wheel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

PACKAGE_DIR = Path(__file__).resolve().parent
# The name on the package index (`tracker` there is another project); the import package and the command
# stay `tracker`. Also the name of tracker's folder in the user data directory.
DISTRIBUTION = "tos-tracker"
DATA_FOLDER = DISTRIBUTION


def _shipped(name: str) -> Path:
    # The wheel carries config.yaml, migrations/ and docs/ inside the package (pyproject force-include);
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


def docs_path() -> Path:
    return _shipped("docs")


def default_database_path() -> Path:
    """Where tracker keeps its SQLite database when the config names none: the user data folder."""
    from platformdirs import user_data_path

    return user_data_path(DATA_FOLDER, appauthor=False) / "tracker.db"


def template_environment(finalize: Callable[[Any], Any] | None = None) -> Environment:
    """The one Jinja2 set-up every page, email and message is rendered with.

    Every piece of fetched text reaches HTML through an escaping {{ }} (in `.html.j2` templates and strings), so
    a captured page can never add markup; the text parts of the digest (`.txt.j2`) are not HTML and stay as is.
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("tracker", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True, default=False),
        undefined=StrictUndefined,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
