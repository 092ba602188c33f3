"""How tracker's results look in a terminal and in JSON: shared by the commands and the demo."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

# Types only: `tracker status` prints through this module and must not load the pipeline (see tracker/cli/app.py).
if TYPE_CHECKING:
    from tracker.check import CheckResult
    from tracker.config import ChecksSettings, Document
    from tracker.diff import TextDiff
    from tracker.flag import Flag
    from tracker.status import DocumentHealth
    from tracker.store import ChangeRecord, Store

# How each kind of change reads in `changes`, `diff` and the web view.
WRAP_MIN = 12  # a free-text column of a table wraps down to this width on a narrow terminal
TITLE_KEPT = 24  # and a title is cut to this before any column wraps: "LinkedIn User Agreement" stays whole
KIND_WORDS = {
    "change": "changed",
    "return_of_known_version": "returned to an earlier version",
    "document_replaced": "the page now serves a different document",
}


def check_line(result: CheckResult, title: str, checks: ChecksSettings) -> Text:
    from tracker.flag import DOCUMENT_REPLACED

    line = Text(f"{title:<32} ")
    if result.held:
        # Not a fault of tracker's: a page that may be the policy changed beyond belief, or an artefact.
        line.append("held: ", style="bold yellow").append(result.reason or "")
        line.append(
            f" (kept as evidence; believed as the new version if {checks.confirm_checks} checks over "
            f"{checks.confirm_span} still see it)",
            style="yellow",
        )
    elif result.suspect:
        line.append("refused: ", style="bold yellow").append(result.reason or "")
        line.append(" (kept as evidence; never taken as the policy)", style="yellow")
    elif result.outcome == "failed":
        line.append("failed: ", style="bold red").append(result.reason or "")
    elif result.outcome == "unchanged":
        line.append("unchanged", style="dim")
    elif result.outcome == "first_version":
        line.append(f"first version stored (version {result.version_id})", style="cyan")
        if result.reason:  # the first reading after an archive's history: say it was not compared
            line.append(f": {result.reason}", style="yellow")
    elif result.outcome == "returned":
        line.append(f"returned to known version {result.version_id} (change {result.change_id})", style="yellow")
    elif result.flag.kind == DOCUMENT_REPLACED:
        line.append(f"the page now serves a different document (change {result.change_id})", style="bold yellow")
        if result.flag.ai:
            line.append(f"  AI: {result.flag.category} ({result.flag.score:.2f})", style="bold magenta")
    else:
        line.append(f"changed (change {result.change_id}, +{result.inserted_words}/-{result.deleted_words} words)")
        if result.flag.ai:
            line.append(f"  AI: {result.flag.category} ({result.flag.score:.2f})", style="bold magenta")
    line.append(f"  [{result.duration:.1f}s]", style="dim")
    return line


# Short enough for a table column at 80 columns.
AI_LABELS = {"training": "AI training", "ai_feature": "AI feature", "automated_decisions": "AI decisions"}


def ai_label(category: str) -> str:
    return AI_LABELS.get(category, f"AI {category.replace('_', ' ')}")


def check_json(result: CheckResult, doc: Document) -> dict[str, Any]:
    return {
        "service": doc.service,
        "document": doc.key,
        "outcome": result.outcome,
        "reason": result.reason,
        "version_id": result.version_id,
        "change_id": result.change_id,
        "ai": result.flag.ai,
        "category": result.flag.category,
        "kind": result.flag.kind if result.outcome == "changed" else None,
        "started_at": result.started_at.isoformat(),
        "duration": round(result.duration, 3),
        "rendered": result.rendered,
        # A failed check is one of three: held (a suspect capture later checks may confirm), refused (a wall,
        # form or non-text, kept as evidence, never a version), or a failure to fetch or extract.
        "refusal": result.refusal,
        "held": result.held,
        "suspect": result.suspect,
    }


def change_json(change: ChangeRecord) -> dict[str, Any]:
    return {
        "id": change.id,
        "service": change.service,
        "document": change.document,
        "from_version": change.from_version_id,
        "to_version": change.to_version_id,
        "detected_at": change.detected_at.isoformat(),
        "origin": change.origin,
        "observed_at": change.detected_at.isoformat(),
        "kind": change.kind,
        "ai": change.ai,
        "score": change.score,
        "category": change.category,
        "terms": change.terms,
        "evidence": change.evidence,
        "inserted_words": change.inserted_words,
        "deleted_words": change.deleted_words,
        "stated_effective": change.stated_effective.isoformat() if change.stated_effective else None,
        "first_seen": change.notice["first_seen"] if change.notice else None,
        "notice_days": change.notice_days,
        "notice": change.notice,
        "opt_out": change.opt_out,
    }


def change_header(store: Store, change: ChangeRecord, title: str) -> str:
    """'LinkedIn Privacy Policy: change 1, detected 2024-09-19 00:32 UTC, version 1 → 3, +744/-378 words'."""
    header = (
        f"{title}: change {change.id}, {observed_by(store, change)} {when(change.detected_at)} UTC, "
        f"version {change.from_version_id} → {change.to_version_id}, "
        f"+{change.inserted_words}/-{change.deleted_words} words"
    )
    if change.kind != "change":
        header += f" ({KIND_WORDS.get(change.kind, change.kind)})"
    return header


def observed_by(store: Store, change: ChangeRecord) -> str:
    """Who saw the change, and where to cite it: `detected` by a check, or the archive's capture."""
    if change.origin == "check":
        return "detected"
    provenance = store.version(change.to_version_id).provenance or {}
    if change.origin == "ota":
        return (
            f"recorded by Open Terms Archive ({provenance.get('repository', '?')} {provenance.get('commit', '?')[:12]})"
        )
    return f"captured by the Wayback Machine ({provenance.get('capture_url', '?')})"


def story_lines(change: ChangeRecord, today: date, absent_from: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The notice, the opt-out statements and the variants without the change, as (style, line) pairs."""
    from tracker.notice import notice_lines  # its date patterns compile on import: only changes with a notice pay

    lines = [("cyan", line) for line in notice_lines(change.notice, today)] if change.notice else []
    if change.ai and change.opt_out is not None:
        if change.opt_out:
            lines.append(("bold", "How to opt out or object, in the page's own words:"))
            for pointer in change.opt_out:
                lines.append(("", f"  “{pointer['text']}”" + (f" {pointer['url']}" if pointer.get("url") else "")))
        else:
            lines.append(("yellow", "The page says nothing about opting out or objecting near this change."))
    for name in absent_from:
        lines.append(("bold yellow", f"Not in the {name} version."))
    return lines


def flag_of(change: ChangeRecord) -> Flag:
    from tracker.flag import DOCUMENT_REPLACED, Evidence, Flag

    return Flag(
        ai=change.ai,
        score=change.score,
        category=change.category,
        terms=tuple(change.terms),
        evidence=tuple(
            Evidence(
                e["op"],
                e["text"],
                e.get("category", "none"),
                e.get("says", ""),
                e.get("concept", ""),
                e.get("rule", ""),
                tuple(e.get("terms", ())),
            )
            for e in change.evidence
        ),
        kind=change.kind if change.kind == DOCUMENT_REPLACED else "change",
    )


def print_diff(
    out: Console,
    header: str,
    flag: Flag,
    text_diff: TextDiff,
    context_words: int,
    colour: bool,
    story: Sequence[tuple[str, str]] = (),
) -> None:
    from tracker.diff import DELETE, INSERT, hunks, render_text
    from tracker.flag import DOCUMENT_REPLACED

    colour = colour and out.is_terminal
    out.print(Text(header, style="bold"))
    if flag.kind == DOCUMENT_REPLACED:
        says = " that says:" if flag.evidence else "."
        out.print(Text(f"The page now serves a different document{says}", style="bold yellow"))
    if flag.ai:
        out.print(
            Text(f"AI flag: {flag.category}, score {flag.score:.2f}; terms: {', '.join(flag.terms)}", "bold magenta")
        )
    if flag.ai or flag.kind == DOCUMENT_REPLACED:
        for evidence in flag.evidence:
            sign = "+" if evidence.op == "insert" else "-"
            why = f"  [{evidence.rule}: {', '.join(evidence.terms)}]" if evidence.rule else ""
            out.print(Text(f"  {sign} {evidence.text}", style="green" if sign == "+" else "red").append(why, "dim"))
    for style, line in story:
        out.print(Text(line, style=style))
    out.print()
    if not colour:
        out.print(render_text(text_diff, context_words), markup=False)
        out.print()
        return
    for hunk in hunks(text_diff, context_words):
        line = Text("… " if hunk.leading_gap else "")
        for segment in hunk.segments:
            if segment.op == DELETE:
                line.append(segment.text, style="red strike")
            elif segment.op == INSERT:
                line.append(segment.text, style="bold green underline")
            else:
                line.append(segment.text)
        if hunk.trailing_gap:
            line.append(" …")
        out.print(line)
        out.print(Text("─" * 40, style="dim"))


def print_table(
    out: Console, headers: Sequence[str], rows: Sequence[Sequence[str | Text]], wrap: Sequence[int] = ()
) -> None:
    """A table without borders, one line per row where the terminal is wide enough. On a narrower one, the first
    column (a title) is cut with an ellipsis down to TITLE_KEPT characters, then the columns in `wrap` (free text: a
    reason, a kind of change) wrap down to WRAP_MIN, then the title is cut further; ids and dates are never cut.
    Piped or redirected, every value is kept whole on one line."""
    from rich.table import Table  # tables only: `tracker compare` prints none

    widths = [max([cell_len(header), *(_width(row[index]) for row in rows)]) for index, header in enumerate(headers)]
    gap = 2
    if out.is_terminal:
        excess = sum(widths) + gap * (len(widths) - 1) - out.width
        # A long title gives first, down to what tells documents apart; then the free text; then the title again.
        for index, narrowest in ((0, TITLE_KEPT), *((index, WRAP_MIN) for index in wrap), (0, 10)):
            given = min(max(0, excess), max(0, widths[index] - narrowest))
            widths[index] -= given
            excess -= given
    grid = Table(box=None, pad_edge=False, padding=(0, 1), show_edge=False)  # two spaces between columns
    for index, header in enumerate(headers):
        wraps = index in wrap and out.is_terminal
        grid.add_column(header, no_wrap=not wraps, overflow="fold" if wraps else "ellipsis", width=widths[index])
    for row in rows:
        grid.add_row(*row)
    if out.is_terminal:
        out.print(grid)
        return
    # Piped: as wide as the values need, without the padding at the ends of lines that `cut` and `awk` trip on.
    wide = Console(width=100_000, color_system=None, highlight=False, markup=False, emoji=False)
    with wide.capture() as captured:
        wide.print(grid)
    out.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def _width(cell: str | Text) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def print_status(out: Console, health: list[DocumentHealth], holder: str | None, config: str, database: str) -> None:
    out.print(f"Config:   {config}")
    out.print(f"Database: {database}")
    out.print(f"Daemon:   {'leader is ' + holder if holder else 'no daemon is running on this database'}")
    now = datetime.now(UTC)
    rows = []
    for h in health:
        outcome = Text(h.last_outcome.replace("_", " ") if h.last_outcome else "never checked")
        if h.last_outcome in ("failed", "suspect"):
            outcome = Text(f"{h.last_outcome}, {h.consecutive_failures} in a row", style="red")
        elif h.last_outcome == "held":
            outcome = Text("held, awaiting confirmation", style="yellow")
        rows.append(
            (
                Text(h.title, style="bold red" if h.failing else ""),
                when(h.last_attempt) if h.last_attempt else "-",
                outcome,
                "due now" if h.next_check <= now else when(h.next_check),
            )
        )
    print_table(out, ("document", "last check (UTC)", "outcome", "next check (UTC)"), rows)
    for h in health:
        if h.failing:
            out.print(Text(f"{h.title} is failing: {h.failing_reason}", style="bold red"))
        elif h.last_outcome == "held":  # what was seen, and why it is not believed yet (a user's test)
            out.print(Text(f"{h.title} is held: {h.last_reason}", style="yellow"))


def when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
