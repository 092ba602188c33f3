"""`tracker demo`: the whole product on a real AI-training change, offline, in seconds."""

from __future__ import annotations

import click

from tracker.cli.app import EXIT_FAILED, console, fail, handles_errors
from tracker.cli.app import cli as group


@group.command()
@click.option("--keep", is_flag=True, help="Keep the temporary folder (config, database) and print its path.")
@handles_errors
def demo(keep: bool) -> None:
    """See what tracker does, offline, in seconds: a real AI-training change of Google's Privacy Policy.

    Two real captures (January and June 2023, shipped with tracker) are served from 127.0.0.1 and checked
    with the real pipeline into a temporary SQLite database. Nothing leaves this machine.
    """
    from rich.text import Text

    from tracker.check import CheckResult
    from tracker.demo import run_demo
    from tracker.terminal import check_line, flag_of, print_diff

    out = console()
    out.print(Text("tracker demo: Google's Privacy Policy, before and after 1 July 2023", style="bold"))

    def show_check(result: CheckResult) -> None:
        out.print(Text("      ").append(check_line(result, "Google Privacy Policy")))

    with run_demo(lambda line: out.print(Text(line, style="dim")), show_check, keep=keep) as result:
        document = result.config.document("google", "privacy-policy")
        if result.change is None or result.diff is None:
            fail("the demo found no change: the bundled captures are damaged", EXIT_FAILED)
        flag = flag_of(result.change)
        out.rule("What changed, and why it was flagged")
        header = f"{document.title}, change {result.change.id}"
        print_diff(out, header, flag, result.diff, context_words=12, colour=True)
        if result.digest is not None:
            out.rule("The digest that would be emailed (tracker digest --dry-run)")
            out.print(f"Subject: {result.digest.subject}\n", markup=False)
            out.print(result.digest.text, markup=False)
        out.rule("Next")
        out.print(
            "1. Look at config.yaml: the privacy policies and terms of LinkedIn, Meta and Google are in it.\n"
            "2. tracker check      fetch them now; tracker changes --ai, tracker diff linkedin show the results.\n"
            "3. tracker daemon     keep checking on schedule; tracker status shows what it sees.\n"
            "4. Add an email: section to config.yaml, then tracker digest --dry-run.",
            markup=False,
        )
        if keep:
            out.print(f"\nThe demo's config and database are kept in {result.workdir}", markup=False)
