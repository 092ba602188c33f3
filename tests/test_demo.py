"""`tracker demo` as a user runs it: the flag, the evidence and the digest, with no socket beyond 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_demo_shows_the_ai_flag_its_evidence_and_the_digest_offline(tmp_path: Path) -> None:
    netlog = tmp_path / "connections-beyond-loopback.log"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(REPO / "tests" / "netguard"), str(REPO)]),
            "TRACKER_TEST_NETLOG": str(netlog),
            "TMPDIR": str(scratch),
            "NO_COLOR": "1",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "demo"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1/2]" in out and "[2/2]" in out and "http://127.0.0.1:" in out
    assert "AI: training" in out and "AI flag: training" in out
    assert "help train Google’s AI models and build products and features, like Google Translate, Bard" in out
    assert "Subject: [tracker] Google Privacy Policy: AI training change" in out
    assert "Full diff: tracker diff google --change 1" in out
    assert "tracker daemon" in out  # the next step
    assert not netlog.exists(), netlog.read_text()
    assert list(scratch.iterdir()) == []  # the temporary folder is gone


def test_the_demo_keeps_its_folder_when_asked(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({"PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path), "NO_COLOR": "1"})
    result = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "demo", "--keep"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    [kept] = tmp_path.glob("tracker-demo-*")
    assert (kept / "tracker.db").exists() and (kept / "config.yaml").exists()
    assert str(kept) in result.stdout
