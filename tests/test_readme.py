"""The README is the front door: its commands and examples must stay true (they are run here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_tracker

from tracker.config import parse_config

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL)


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    ci_command = (REPO / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci_command in fenced("sh")[1]


@pytest.mark.parametrize("example", fenced("yaml"))
def test_every_yaml_example_is_a_valid_config(example: str) -> None:
    parse_config(example, "README.md")


def test_the_config_error_shown_is_the_one_tracker_prints(tmp_path: Path) -> None:
    minimal = fenced("yaml")[0]
    config = tmp_path / "config.yaml"
    config.write_text(minimal.replace("        url:", "        urll:"))
    result = run_tracker("check", config=config)
    shown = re.search(r"error: config\.yaml, (line \d+, key .*)", README)
    assert shown is not None
    assert result.returncode == 2 and shown.group(1) in result.stderr
