"""deploy/tracker.service: what the daemon relies on when systemd runs it."""

from __future__ import annotations

from pathlib import Path

UNIT = Path(__file__).resolve().parents[1] / "deploy" / "tracker.service"


def _service_settings() -> list[tuple[str, str]]:
    """The [Service] section's settings in order; systemd allows a key more than once (Environment=)."""
    section, settings = "", []
    for raw in UNIT.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            settings.append((key, value))
    return settings


def test_the_daemon_runs_with_two_malloc_arenas() -> None:
    # glibc's per-thread arenas made the daemon's RSS creep over an hour's soak (benchmarks/soak.py).
    assert ("Environment", "MALLOC_ARENA_MAX=2") in _service_settings()


def test_the_unit_runs_the_daemon_with_its_config() -> None:
    settings = _service_settings()
    assert ("Environment", "TRACKER_CONFIG=/etc/tracker/config.yaml") in settings
    assert ("ExecStart", "/opt/tracker/bin/tracker daemon --log-level INFO") in settings
