"""`tracker demo`: the whole product on real AI-training changes, offline, in seconds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from tracker.cli.app import EXIT_FAILED, console, fail, handles_errors
from tracker.cli.app import cli as group

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from tracker.store import ChangeRecord


@group.command()
@click.option("--keep", is_flag=True, help="Keep the temporary folder (config, database) and print its path.")
@handles_errors
def demo(keep: bool) -> None:
    """See what tracker does, offline, in seconds: LinkedIn's September 2024 AI-training change, then Google's.

    Real captures of LinkedIn's Privacy Policy and User Agreement (August to November 2024) and of Google's
    Privacy Policy (January and June 2023), shipped with tracker, are served from 127.0.0.1 and checked with
    the real pipeline into a temporary SQLite database, each at the time it was captured. Nothing leaves
    this machine.
    """
    from rich.text import Text

    from tracker.config import ChecksSettings
    from tracker.demo import DemoStep, run_demo
    from tracker.notice import takes_effect
    from tracker.terminal import check_line

    out = console()
    checks = ChecksSettings()  # the demo's config leaves the screen at its defaults
    out.print(Text("tracker demo: LinkedIn's September 2024 AI-training change, then Google's of July 2023", "bold"))

    def show_check(step: DemoStep) -> None:
        out.print(Text("      ").append(check_line(step.result, step.title, checks)))
        seen = step.capture.captured_at.date()
        for upcoming in step.announced:
            line = f"      It announces new terms, {takes_effect(upcoming.date, seen)}: “{upcoming.quote}”"
            out.print(Text(line, style="cyan"))

    with run_demo(lambda line: out.print(Text(line, style="dim")), show_check, keep=keep) as result:
        ai_changes = [change for change in result.changes if change.ai]
        if len(ai_changes) < 3:
            fail("the demo found fewer AI changes than it should: the bundled captures are damaged", EXIT_FAILED)
        for title, service in (
            ("Act 1: LinkedIn, September to November 2024", "linkedin"),
            ("Act 2: Google, July 2023", "google"),
        ):
            out.rule(title)
            for change in ai_changes:
                if change.service == service:
                    title = result.config.document(change.service, change.document).title
                    # The demo's database is deleted on exit: a command to read it again only when it is kept.
                    config = result.workdir / "config.yaml" if keep else None
                    _show_change(out, title, change, config)
        if result.digest is not None:
            out.rule("The digest that would be emailed (tracker digest --dry-run)")
            out.print(f"Subject: {result.digest.subject}\n", markup=False)
            out.print(result.digest.text, markup=False)
        out.rule("Next")
        out.print(
            "1. Look at config.yaml: the privacy policies and terms of LinkedIn (and its EU notice), Meta, Google.\n"
            "2. tracker check      fetch them now; tracker changes --ai, tracker diff linkedin show the results.\n"
            "3. tracker daemon     keep checking on schedule; tracker status shows what it sees.\n"
            "4. tracker digest --preview shows the email digest; an email: section in config.yaml sends it.",
            markup=False,
        )
        if keep:
            out.print(
                f"\nThe demo's config and database are kept in {result.workdir}\n"
                f"Read them from anywhere: tracker --config {result.workdir / 'config.yaml'} changes",
                markup=False,
            )
        else:
            out.print(
                "\nThe demo's database is deleted now. To read these changes in full (tracker diff, tracker changes),"
                " run tracker demo --keep.",
                style="dim",
                markup=False,
            )


def _show_change(out: Console, title: str, change: ChangeRecord, config: Path | None) -> None:
    """The change as `tracker diff` heads it: the flag, its evidence, the notice and the opt-out lines."""
    from datetime import datetime

    from rich.text import Text

    from tracker.terminal import story_lines

    out.print(Text(f"{title}, change {change.id}", style="bold"))
    terms = ", ".join(change.terms)
    out.print(Text(f"AI flag: {change.category}, score {change.score:.2f}; terms: {terms}", style="bold magenta"))
    for evidence in change.evidence:
        sign = "+" if evidence["op"] == "insert" else "-"
        out.print(Text(f"  {sign} {evidence['text']}", style="green" if sign == "+" else "red"))
    # "In N days" as on the day the change was seen: the replay's today.
    seen = datetime.fromisoformat(change.notice["first_seen"]).date() if change.notice else change.detected_at.date()
    for style, line in story_lines(change, seen):
        out.print(Text(line, style=style))
    if config is not None:
        command = f"tracker --config {config} diff {change.service} --change {change.id}"
        out.print(f"Full diff: {command}", style="dim", markup=False)
    out.print()
