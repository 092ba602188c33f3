"""Logging for `tracker daemon`: one line per event on stderr, as text or as JSON lines."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Libraries that log every request, job run or migration step at INFO; their warnings still show.
# urllib3 is Apprise's HTTP client: at DEBUG it logs each request line, and a webhook's path is its secret.
QUIET_LOGGERS = ("alembic", "apscheduler", "httpx", "httpcore", "urllib3")


def fields(**values: Any) -> dict[str, Any]:
    """`extra=` for a log call: these key/values become JSON members (and stay out of the text line)."""
    return {"fields": values}


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, plus the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname:<7} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class SkippedRun(logging.Filter):
    """APScheduler warns when a job's next run comes while the last one still runs; for a slow check (a server
    that asks to wait, a page that takes long) that is normal. Said in tracker's words, at INFO."""

    _JOB = re.compile(r'job "(?P<name>.+?) \(trigger')

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "maximum number of running instances reached" in message:
            job = self._JOB.search(message)
            name = job["name"] if job else "a check"
            record.msg, record.args = f"{name}: still running when its next check came, which is skipped", ()
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def setup_logging(level: str = "INFO", json_lines: bool = False) -> None:
    """Send every log record at `level` and above to stderr, replacing any earlier set-up."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    scheduler = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(existing, SkippedRun) for existing in scheduler.filters):
        scheduler.addFilter(SkippedRun())
    # A library's warning is then one log line like any other (JSON with --log-json), never raw text on stderr.
    logging.captureWarnings(True)


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
