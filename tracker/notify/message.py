"""A stored change as a chat message: its title, the evidence sentences, a link; and the message's text."""

from __future__ import annotations

import re

from tracker.flag import DOCUMENT_REPLACED
from tracker.notify import Evidence, Message
from tracker.store import ChangeRecord

MAX_EVIDENCE = 3  # a chat message is read on a phone: the full evidence is one link or command away
EVIDENCE_CHARS = 300
CATEGORY_NAMES = {"training": "training", "ai_feature": "AI feature", "automated_decisions": "automated decisions"}

_WHITESPACE = re.compile(r"\s+")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# What chat services read as commands inside plain text: Slack's <!channel>, <@U123>, <url|text>; @here,
# @channel, @all mentions in Mattermost, Discord, Matrix. A page's text must never ping a room.
_SLACK_CONTROL = re.compile(r"<(?=[!@#]|https?:|mailto:)")
_MENTION = re.compile(r"@(?=\w)")
_ZERO_WIDTH_SPACE = "\u200b"


def build_message(
    change: ChangeRecord, title: str, page_url: str | None = None, base_url: str | None = None
) -> Message:
    """The message for `change` of the document called `title`; `base_url` is the web view's, for the link."""
    replaced = change.kind == DOCUMENT_REPLACED
    headline = f"{title} now serves a different document" if replaced else f"{title} changed"
    if change.kind == "return_of_known_version":
        headline = f"{title} returned to an earlier version"
    if change.ai:
        headline += f" — AI: {CATEGORY_NAMES.get(change.category, change.category)}"
    detected = change.detected_at.strftime("%d %b %Y %H:%M UTC")
    summary = f"+{change.inserted_words} −{change.deleted_words} words · detected {detected}"
    evidence = tuple(Evidence(item["op"], quoted(item["text"])) for item in change.evidence[:MAX_EVIDENCE])
    return Message(
        change_id=change.id,
        title=headline,
        ai=change.ai,
        summary=summary,
        evidence=evidence if change.ai or replaced else (),
        more_evidence=max(len(change.evidence) - MAX_EVIDENCE, 0) if change.ai else 0,
        link=f"{base_url.rstrip('/')}/changes/{change.id}" if base_url else None,
        page_url=page_url,
        diff_command=f"tracker diff {change.service} --change {change.id}",
    )


def quoted(text: str) -> str:
    """A sentence of page text made inert for a chat room: one line, at most EVIDENCE_CHARS, no mentions or
    commands, bidirectional controls shown as ⟦U+202E⟧ placeholders."""
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) > EVIDENCE_CHARS:
        text = text[:EVIDENCE_CHARS].rsplit(" ", 1)[0] + " …"
    text = _BIDI_CONTROLS.sub(lambda match: f"⟦U+{ord(match.group()):04X}⟧", text)
    text = _SLACK_CONTROL.sub("<" + _ZERO_WIDTH_SPACE, text)
    return _MENTION.sub("@" + _ZERO_WIDTH_SPACE, text)


def message_body(message: Message) -> str:
    """The text under the title, the same for every service (sent as plain text: no service reads markup in it)."""
    lines = [message.summary]
    for item in message.evidence:
        lines.append(f"{'Removed: ' if item.op == 'delete' else ''}“{item.text}”")
    if message.more_evidence:
        lines.append(f"… and {message.more_evidence} more sentence{'s' if message.more_evidence > 1 else ''}")
    if message.link:
        lines.append(f"Change: {message.link}")
    if message.page_url:
        lines.append(f"Policy: {message.page_url}")
    lines.append(f"Diff: {message.diff_command}")
    return "\n".join(lines)


def message_card(message: Message, channel: str, time: str) -> str:
    """The message as a chat room shows it, as one HTML page: what `tracker notify preview` shows."""
    from tracker.resources import template_environment

    card = template_environment().get_template("notify-card.html.j2")
    return card.render(message=message, channel=channel, time=time)
