"""`tracker try`: fetch a page once and see what a check would make of it, before adding it to the config."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from tracker.cli.app import EXIT_FAILED, EXIT_USAGE, Context, fail, handles_errors, pass_context
from tracker.cli.app import cli as group

if TYPE_CHECKING:
    from tracker.trial import Trial

FIRST_LINES = 12


@group.command("try")
@click.argument("url")
@click.option("--select", "-s", multiple=True, metavar="CSS", help="The policy's part of the page (repeatable).")
@click.option("--remove", "-r", multiple=True, metavar="CSS", help="Chrome inside it to drop (repeatable).")
@click.option("--browser", is_flag=True, help="Render the page in Chromium first (as `fetch: browser` does).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
@pass_context
@handles_errors
def try_(
    context: Context, url: str, select: tuple[str, ...], remove: tuple[str, ...], browser: bool, as_json: bool
) -> None:
    """Fetch URL once, as a check would, and show what would be stored.

    Shows which --select rule matched, the text's length and first lines, the verdict of the screens that
    keep login walls, captchas and error pages out of the record, warnings (a page made by scripts: try
    --browser; another language), and a config entry to paste. Nothing is stored.

    Exits 0 when the text would be accepted as a version, 1 when it would not, 2 on a bad URL or selector.
    """
    from tracker.config import DocumentSettings
    from tracker.trial import config_snippet, try_page
    from tracker.validation import Invalid

    try:
        DocumentSettings(url=url, select=list(select), remove=list(remove))
    except Invalid as exc:
        option = exc.problem.loc[0]
        fail(f"{'URL' if option == 'url' else f'--{option}'}: {exc.problem.message}", EXIT_USAGE)
    settings = context.config.settings
    trial = try_page(url, select, remove, browser=browser, fetch=settings.fetch, checks=settings.checks)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "url": trial.url,
                    "final_url": trial.final_url,
                    "status": trial.status,
                    "rendered": trial.rendered,
                    "selector": trial.selector,
                    "characters": len(trial.text),
                    "text": trial.text,
                    "verdict": trial.verdict,
                    "accepted": trial.accepted,
                    "warnings": list(trial.warnings),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        _print(context, trial, config_snippet(trial, select, remove))
    if not trial.accepted:
        sys.exit(EXIT_FAILED)


def _print(context: Context, trial: Trial, snippet: str) -> None:
    from rich.text import Text

    out = context.out
    way = "rendered in Chromium" if trial.rendered else "as served (plain HTTP)"
    status = trial.status if trial.status is not None else "-"
    out.print(Text(f"{trial.url}: HTTP {status}, {way}, {trial.duration:.1f}s"))
    if trial.final_url != trial.url:
        out.print(Text(f"  landed on {trial.final_url}"))
    for match in trial.matches:
        found = f"{match.elements} element{'s' if match.elements != 1 else ''}" if match.elements else "no match"
        out.print(Text("  select ").append(match.selector, style="bold").append(f": {found}"))
    if trial.text:
        lines = [line for line in trial.text.splitlines() if line.strip()]
        out.print(Text(f"\n{len(trial.text):,} characters, {len(lines):,} paragraphs. The first ones:"))
        for line in lines[:FIRST_LINES]:
            out.print(Text("  | " + (line if len(line) <= 160 else line[:157] + "...")))
    verdict = Text("\nverdict: ")
    if trial.accepted:
        verdict.append("accepted as a version", style="bold green")
    else:
        verdict.append("refused: ", style="bold red").append(trial.verdict)
    out.print(verdict)
    for warning in trial.warnings:
        out.print(Text("warning: ", style="yellow").append(warning))
    if not trial.accepted:
        # A refused page (a wall, a 404, the wrong part) is not worth a config entry until the verdict says so.
        out.print(
            Text(
                "\nNo config.yaml entry while the page is refused: try other --select rules or --browser.", style="dim"
            )
        )
        return
    out.print(Text("\nIn config.yaml (rename the keys as you like):", style="dim"))
    out.print(Text(snippet))
