"""Which schema revision this tracker needs: read from the migration files' own `revision =` lines.

Without SQLAlchemy or Alembic, so that `tracker status` can tell a database at the head revision from one that
needs the full path (tracker/store/sql_reads.py).
"""

from __future__ import annotations

import re
from functools import cache

from tracker.resources import migrations_path

_REVISION_LINE = re.compile(r"""^(down_revision|revision)\b[^=\n]*=\s*(?:["']([^"']+)["']|None)""", re.MULTILINE)


class SchemaError(Exception):
    """The database exists but its schema is not the one this tracker expects."""


class EmptyDatabase(SchemaError):
    """The database has no tracker schema, and the command that opened it only reads."""


@cache
def known_revisions() -> dict[str, str | None]:
    """Each migration's revision and the one it follows, read from the files as Alembic would find them."""
    revisions: dict[str, str | None] = {}
    for path in sorted((migrations_path() / "versions").glob("*.py")):
        found = dict((name, value) for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions[found["revision"]] = found.get("down_revision") or None
    return revisions


def head_revision() -> str | None:
    """The newest revision: the one no other migration follows."""
    revisions = known_revisions()
    heads = set(revisions) - set(revisions.values())
    if len(heads) > 1:
        raise SchemaError(f"the migrations have several heads ({', '.join(sorted(heads))}); merge them")
    return next(iter(heads), None)
