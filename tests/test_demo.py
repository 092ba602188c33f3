"""`tracker demo` as a user runs it: LinkedIn's 2024 change with its notice and opt-out lines, then Google's,
and the digest, with no socket beyond 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import assert_no_traceback, run_tracker

REPO = Path(__file__).resolve().parents[1]


def test_the_demo_tells_linkedins_change_with_its_notice_and_opt_out_then_googles_offline(tmp_path: Path) -> None:
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
    assert_no_traceback(result.stdout + result.stderr)
    out = result.stdout
    assert "[1/6]" in out and "[6/6]" in out
    assert out.index("Act 1: LinkedIn") < out.index("Act 2: Google")
    # LinkedIn's Privacy Policy: the clause, the date it claims, and no notice.
    assert "develop and train artificial intelligence (AI) models" in out
    assert "Effective 18 Sep 2024; first seen 19 Sep 2024: no notice, dated 1 day before it appeared." in out
    # Its opt-out line is the page's own sentence, with the page's own link.
    assert "How to opt out or object, in the page's own words:" in out
    assert (
        "“How we use your personal data will depend on which Services you use, how you use those Services and the "
        "choices you make in your settings.” https://www.linkedin.com/psettings/"
    ) in out
    # The User Agreement announced its new terms two months ahead.
    assert "It announces new terms, takes effect in 62 days (20 Nov 2024)" in out
    assert "Effective 20 Nov 2024; first seen 21 Nov 2024, announced 19 Sep 2024: announced 62 days ahead." in out
    # Google's 2023 change, effective 1 July 2023, published two days ahead.
    assert "help train Google’s AI models and build products and features, like Google Translate, Bard" in out
    assert "Effective 1 Jul 2023; first seen 29 Jun 2023: announced 2 days ahead." in out
    # The digest carries the same lines under the evidence.
    assert "Subject: [tracker] LinkedIn Privacy Policy: AI training change (+2 more AI changes)" in out
    assert '  - "How we use your personal data will depend on' in out
    assert "tracker daemon" in out  # the next step
    # Its database is gone: no command to read it is offered, only how to keep it (a user's test ran the ones shown).
    assert not re.search(r"^Full diff:", out, re.M) and "run tracker demo --keep" in out
    assert not netlog.exists(), netlog.read_text()
    assert list(scratch.iterdir()) == []  # the temporary folder is gone


def test_the_demo_keeps_its_folder_when_asked(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({"PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path), "NO_COLOR": "1"})
    result = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "demo", "--keep"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result.stdout + result.stderr)
    [kept] = tmp_path.glob("tracker-demo-*")
    assert (kept / "tracker.db").exists() and (kept / "config.yaml").exists()
    assert str(kept) in result.stdout
    # The commands it shows read the kept database, from any folder.
    [command, *_] = re.findall(r"^Full diff: tracker (.+)$", result.stdout, re.M)
    shown = run_tracker(*shlex.split(command), config=None, cwd=tmp_path)
    assert shown.returncode == 0 and "AI flag: training" in shown.stdout, shown.stderr

    # The kept config reads the demo's database from any folder, never a new empty one where it runs.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    changes = run_tracker("--config", str(kept / "config.yaml"), "changes", "--json", config=None, cwd=elsewhere)
    assert changes.returncode == 0, changes.stderr
    recorded = json.loads(changes.stdout)
    assert recorded and any(change["ai"] and change["category"] == "training" for change in recorded)
    status = run_tracker("--config", str(kept / "config.yaml"), "status", config=None, cwd=elsewhere)
    assert f"Database: {kept / 'tracker.db'} (database.url in {kept / 'config.yaml'})" in status.stdout
    assert list(elsewhere.iterdir()) == []
