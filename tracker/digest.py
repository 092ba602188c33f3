"""The email digest: which changes go out, rendering (Jinja2 templates), and SMTP through an outbox.

The parts, in the order a run uses them:

- `build_digest` picks what a recipient has not been sent yet and turns it into a plain `Digest`: AI changes
  first (with their evidence sentences, the inserted and deleted words marked), then the other changes (a
  bounded word-diff excerpt each), then returns to an earlier text (briefly), then failing documents.
- `render_digest` turns a `Digest` into a subject line, a plain-text part and an HTML part.
- `run_digest` is the edge: it retries digests an earlier run could not deliver, files a new digest per
  recipient in the outbox (the database) and sends it over SMTP, marking it sent right after the server
  accepted it. A crash between that acceptance and the commit is the one way a digest can arrive twice.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.config import Config, ConfigError, EmailSettings, SMTPSettings
from tracker.diff import EQUAL, OP_NAMES, TextDiff, diff_texts, hunks, locate_sentence
from tracker.flag import DOCUMENT_REPLACED
from tracker.notice import notice_lines
from tracker.resources import template_environment
from tracker.status import DocumentHealth, failing_documents
from tracker.store import ChangeRecord, NewDigest, Outbox, PendingDigest, Store, StoredDigest
from tracker.story import absent_from

MAX_EVIDENCE = 5  # sentences shown per AI change; the full diff is one command away
EVIDENCE_CHARS = 700
EXCERPT_HUNKS = 3  # changed passages shown per other change, then "and N more"
EXCERPT_CHARS = 320
EXCERPT_CONTEXT_WORDS = 10
MAX_AI_CHANGES = 10  # each with its evidence; the rest are counted, `tracker changes --ai` lists them
MAX_OTHER_CHANGES = 25
MAX_FAILING_IN_SUBJECT = 2  # document titles named in the subject, then "+N more"
MAX_RETURNS = 10
# Kinds of change that are news; a return to a known text is listed last, briefly.
NEWS_KINDS = ("change", DOCUMENT_REPLACED)
# RFC 5321 4.5.3.2.6: wait up to 10 minutes for the reply to the end of the message. Giving up sooner makes a
# slow server receive the same digest again on every retry.
DATA_REPLY_TIMEOUT = 600.0

CATEGORY_LABELS = {
    "training": "AI training",
    "ai_feature": "AI feature",
    "automated_decisions": "automated decisions",
}

_WHITESPACE = re.compile(r"\s+")
# Bidirectional controls: in page text they could reorder what the reader sees around the {+ +} and [- -]
# markers (or the <ins>/<del> ones). They are shown as visible placeholders instead.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_EPOCH = datetime.min.replace(tzinfo=UTC)


class DeliveryError(Exception):
    """The SMTP server could not be reached or did not accept the message; the digest stays pending.

    `permanent`: the server refused this message with a 5xx (or it cannot be composed): retrying will not
    help. `unconfirmed`: the whole message was sent but no reply came; the server may have taken it.
    """

    def __init__(self, message: str, *, permanent: bool = False, unconfirmed: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.unconfirmed = unconfirmed


# -- what a digest holds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marked:
    """A piece of text and whether it was inserted, deleted or kept ("insert" | "delete" | "equal")."""

    op: str
    text: str


@dataclass(frozen=True)
class Evidence:
    op: str  # "insert": a sentence of the new text; "delete": one of the old text
    parts: tuple[Marked, ...]


@dataclass(frozen=True)
class Excerpt:
    parts: tuple[Marked, ...]
    leading_gap: bool
    trailing_gap: bool


@dataclass(frozen=True)
class OptOutLine:
    text: str  # quoted from the page
    url: str | None


@dataclass(frozen=True)
class DigestChange:
    id: int
    service: str
    document: str
    title: str
    url: str | None
    detected_at: datetime
    kind: str
    ai: bool
    category: str
    score: float
    terms: tuple[str, ...]
    inserted_words: int
    deleted_words: int
    evidence: tuple[Evidence, ...] = ()
    more_evidence: int = 0
    excerpts: tuple[Excerpt, ...] = ()
    more_passages: int = 0
    notice: tuple[str, ...] = ()  # "Effective 18 Sep 2024; first seen 19 Sep 2024: no notice, ..."
    opt_out: tuple[OptOutLine, ...] | None = None  # None: not looked for (not an AI change, or stored before)
    absent_from: tuple[str, ...] = ()  # variants of the document without the change's AI sentences

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, "AI")

    @property
    def replaced(self) -> bool:
        """The page now serves a different document: its evidence is what that document says."""
        return self.kind == DOCUMENT_REPLACED

    @property
    def diff_command(self) -> str:
        return f"tracker diff {self.service} --change {self.id}"


@dataclass(frozen=True)
class FailingEntry:
    title: str
    url: str
    reason: str  # "3 failed checks in a row (last: HTTP 503)", from tracker.status
    last_success: datetime | None


@dataclass(frozen=True)
class Digest:
    """Everything one email says, as plain data: the templates only lay it out."""

    recipient: str
    generated_at: datetime
    timezone: str
    previous_digest_at: datetime | None
    ai_changes: tuple[DigestChange, ...] = ()
    more_ai_changes: int = 0
    other_changes: tuple[DigestChange, ...] = ()
    more_other_changes: int = 0
    returns: tuple[DigestChange, ...] = ()
    more_returns: int = 0
    failing: tuple[FailingEntry, ...] = ()
    change_ids: tuple[int, ...] = field(default=(), repr=False)  # everything this digest covers
    # A preview of a past period: every change detected in [start, end), whether a digest carried it or not.
    period: tuple[datetime, datetime] | None = None

    @property
    def ai_count(self) -> int:
        return len(self.ai_changes) + self.more_ai_changes

    @property
    def change_count(self) -> int:
        return self.ai_count + len(self.other_changes) + self.more_other_changes

    @property
    def summary(self) -> tuple[str, ...]:
        """One phrase per section that has something, for the opening lines."""
        phrases = []
        if self.ai_changes:
            phrases.append(_count(self.ai_count, "change") + " about AI or model training")
        if others := self.change_count - self.ai_count:
            phrases.append(_count(others, "other change" if self.ai_changes else "change"))
        if self.failing:
            phrases.append(_count(len(self.failing), "document") + " the tracker cannot read")
        return tuple(phrases)


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


# -- choosing and shaping the content ------------------------------------------------------------------------

# What a preview uses when the config has no `email:` section: times in UTC, a placeholder recipient.
PREVIEW_SETTINGS = EmailSettings(sender="tracker@localhost", to=["you@localhost"])


def email_settings(config: Config) -> EmailSettings:
    """The `email:` section, or a config error that says what to add."""
    email = config.settings.email
    if email is None:
        raise ConfigError(
            config.path,
            "no `email:` section, so there is nowhere to send the digest; add one, e.g.\n"
            "email:\n"
            "  smtp: {host: smtp.example.org, port: 587, security: starttls, username: tracker, "
            "password_env: TRACKER_SMTP_PASSWORD}\n"
            "  from: tracker@example.org\n"
            "  to: [you@example.org]",
            key="email",
        )
    _zone(config, email)
    return email


def build_digest(
    config: Config,
    store: Store,
    recipient: str,
    *,
    now: datetime,
    since: datetime | None = None,
    outbox: Outbox | None = None,
    period: tuple[datetime, datetime] | None = None,
) -> Digest | None:
    """What `recipient` has not been sent yet, or None when there is no news and send_when_empty is off.

    News is a change (kind `change`, or `document_replaced` when the page now serves a different document) this
    tracker saw itself, or a document that started failing since the recipient's last digest. History imported
    from an archive (`tracker import`) is never news.
    Returns to an earlier text are listed last, briefly, and never make a digest on their own: A/B tests
    and regional variants flip between known texts. With `period` (a preview of the past), the news is every
    change detected in that period, sent before or not.
    """
    # A config without `email:` can still be previewed (run_digest, which sends, requires the section).
    email = config.settings.email or PREVIEW_SETTINGS
    outbox = outbox or Outbox(store)
    documents = {(doc.service, doc.key): doc for doc in config.documents()}
    previous = outbox.last_digest_at(recipient)
    changes = outbox.changes_between(*period) if period else outbox.unsent_changes(recipient, since)
    failing = failing_documents(config, store, now=now)
    real = [c for c in changes if c.kind in NEWS_KINDS]
    newly_failing = any(_failing_since(config, store, health) > (previous or _EPOCH) for health in failing)
    if not (real or (newly_failing and not period) or email.send_when_empty):
        return None

    def title(change: ChangeRecord) -> tuple[str, str | None]:
        doc = documents.get((change.service, change.document))
        return (doc.title, doc.url) if doc else (f"{change.service} {change.document}", None)

    today = now.astimezone(ZoneInfo(email.timezone)).date()

    def told(change: ChangeRecord) -> dict[str, object]:
        return _story(change, today, absent_from(store, documents.values(), change))

    ai = sorted((c for c in real if c.ai), key=lambda c: (-c.score, -c.detected_at.timestamp(), -c.id))
    other = sorted((c for c in real if not c.ai), key=lambda c: (-c.detected_at.timestamp(), -c.id))
    returns = sorted(
        (c for c in changes if c.kind not in NEWS_KINDS), key=lambda c: (-c.detected_at.timestamp(), -c.id)
    )
    return Digest(
        recipient=recipient,
        generated_at=now,
        timezone=email.timezone,
        previous_digest_at=previous,
        ai_changes=tuple(_ai_change(store, c, *title(c), **told(c)) for c in ai[:MAX_AI_CHANGES]),
        more_ai_changes=max(len(ai) - MAX_AI_CHANGES, 0),
        other_changes=tuple(_other_change(store, c, *title(c), **told(c)) for c in other[:MAX_OTHER_CHANGES]),
        more_other_changes=max(len(other) - MAX_OTHER_CHANGES, 0),
        returns=tuple(_plain_change(c, *title(c)) for c in returns[:MAX_RETURNS]),
        more_returns=max(len(returns) - MAX_RETURNS, 0),
        failing=tuple(FailingEntry(h.title, h.url, h.failing_reason or "failing", h.last_success) for h in failing),
        change_ids=tuple(c.id for c in changes),
        period=period,
    )


def _failing_since(config: Config, store: Store, health: DocumentHealth) -> datetime:
    """When the document became failing: its `failing_after`-th failed check in a row.

    A document failing because no check succeeded for too long (too few failures to count) has no such
    check: it makes a digest on its own only as a recipient's first, and is listed in every digest meanwhile.
    """
    failing_after = config.settings.daemon.failing_after
    if health.consecutive_failures < failing_after:
        return _EPOCH
    streak = store.checks(health.service, health.document, limit=health.consecutive_failures)
    return streak[health.consecutive_failures - failing_after].started_at


def _change_diff(store: Store, change: ChangeRecord) -> TextDiff:
    return diff_texts(store.version_text(change.from_version_id), store.version_text(change.to_version_id))


def _plain_change(change: ChangeRecord, title: str, url: str | None, **shown: object) -> DigestChange:
    return DigestChange(
        id=change.id,
        service=change.service,
        document=change.document,
        title=title,
        url=url,
        detected_at=change.detected_at,
        kind=change.kind,
        ai=change.ai,
        category=change.category,
        score=change.score,
        terms=tuple(change.terms),
        inserted_words=change.inserted_words,
        deleted_words=change.deleted_words,
        **shown,  # type: ignore[arg-type]
    )


def _story(change: ChangeRecord, today: date, absent: tuple[str, ...]) -> dict[str, object]:
    """The notice, the opt-out statements and the variants without it, clipped like all page text."""
    opt_out = None
    if change.ai and change.opt_out is not None:
        opt_out = tuple(
            OptOutLine(_clip((Marked("equal", p["text"]),), EVIDENCE_CHARS)[0][0].text, p.get("url"))
            for p in change.opt_out
        )
    notice = tuple(show_bidi_controls(line) for line in notice_lines(change.notice, today)) if change.notice else ()
    return {"notice": notice, "opt_out": opt_out, "absent_from": absent}


def _ai_change(store: Store, change: ChangeRecord, title: str, url: str | None, **told: object) -> DigestChange:
    diff = _change_diff(store, change)
    evidence = tuple(
        Evidence(item["op"], _clip(mark_sentence(diff, item["op"], item["text"]), EVIDENCE_CHARS)[0])
        for item in change.evidence[:MAX_EVIDENCE]
    )
    more = max(len(change.evidence) - MAX_EVIDENCE, 0)
    return _plain_change(change, title, url, evidence=evidence, more_evidence=more, **told)


def _other_change(store: Store, change: ChangeRecord, title: str, url: str | None, **told: object) -> DigestChange:
    if change.kind == DOCUMENT_REPLACED:  # what the other document says about AI, not excerpts of a rewrite
        return _ai_change(store, change, title, url, **told)
    excerpts, more = excerpt(_change_diff(store, change))
    return _plain_change(change, title, url, excerpts=excerpts, more_passages=more, **told)


def excerpt(diff: TextDiff) -> tuple[tuple[Excerpt, ...], int]:
    """The first changed passages, each at most EXCERPT_CHARS long, and how many more there are."""
    passages = hunks(diff, EXCERPT_CONTEXT_WORDS)
    shown = []
    for hunk in passages[:EXCERPT_HUNKS]:
        parts = tuple(Marked(OP_NAMES[s.op], s.text) for s in hunk.segments)
        clipped, cut = _clip(parts, EXCERPT_CHARS)
        shown.append(Excerpt(clipped, hunk.leading_gap, hunk.trailing_gap or cut))
    return tuple(shown), max(len(passages) - EXCERPT_HUNKS, 0)


def mark_sentence(diff: TextDiff, op: str, sentence: str) -> tuple[Marked, ...]:
    """An evidence sentence split into kept and inserted (or deleted) words, found in its side of the diff."""
    found = locate_sentence(diff, op, sentence)
    if found is None:
        return (Marked(op, sentence),)
    start, end = found
    side_ops = {EQUAL, 1 if op == "insert" else -1}
    parts, at = [], 0
    for segment in diff.segments:
        if segment.op in side_ops:
            a, b = at, at + len(segment.text)
            if max(a, start) < min(b, end):
                parts.append(Marked(OP_NAMES[segment.op], segment.text[max(a, start) - a : min(b, end) - a]))
            at = b
    return tuple(parts)


def show_bidi_controls(text: str) -> str:
    """Each bidirectional control character replaced by a visible placeholder such as `⟦U+202E⟧`."""
    return _BIDI_CONTROLS.sub(lambda match: f"⟦U+{ord(match.group()):04X}⟧", text)


def _clip(parts: Sequence[Marked], limit: int) -> tuple[tuple[Marked, ...], bool]:
    """At most `limit` characters (whitespace runs shown as one space, bidi controls as placeholders), cut at a
    word; True if cut. Every piece of page text in a digest goes through here."""
    kept: list[Marked] = []
    left = limit
    for part in parts:
        text = show_bidi_controls(_WHITESPACE.sub(" ", part.text))
        if not text:
            continue
        if len(text) <= left:
            kept.append(Marked(part.op, text))
            left -= len(text)
            continue
        cut = text[:left]
        if " " in cut.strip():
            cut = cut.rstrip().rsplit(" ", 1)[0]
        if cut.strip():
            kept.append(Marked(part.op, cut))
        return tuple(kept), True
    return tuple(kept), False


# -- rendering ----------------------------------------------------------------------------------------------

_TEMPLATES = template_environment()


def subject_line(digest: Digest) -> str:
    """What matters first: `[tracker] LinkedIn Privacy Policy: AI training change (+2 other changes)`."""
    extras = []
    if digest.ai_changes:
        top = digest.ai_changes[0]
        head = f"{top.title}: {top.category_label} change"
        if more_ai := digest.ai_count - 1:
            extras.append(f"+{_count(more_ai, 'more AI change')}")
        if others := digest.change_count - digest.ai_count:
            extras.append(f"+{_count(others, 'other change')}")
    elif digest.other_changes:
        head = f"{digest.other_changes[0].title} changed"
        if others := digest.change_count - 1:
            extras.append(f"+{_count(others, 'other change')}")
    elif digest.failing:
        named = ", ".join(f.title for f in digest.failing[:MAX_FAILING_IN_SUBJECT])
        more = len(digest.failing) - MAX_FAILING_IN_SUBJECT
        head = f"{_count(len(digest.failing), 'document')} failing: {named}" + (f" +{more} more" if more > 0 else "")
    else:
        head = "nothing new" + (
            f" since {_day(digest.previous_digest_at, digest.timezone)}" if digest.previous_digest_at else ""
        )
    if digest.failing and digest.change_count:
        extras.append(f"{_count(len(digest.failing), 'document')} failing")
    subject = f"[tracker] {head}" + (f" ({', '.join(extras)})" if extras else "")
    return _WHITESPACE.sub(" ", subject)


def render_digest(digest: Digest) -> RenderedDigest:
    subject = subject_line(digest)
    zone = ZoneInfo(digest.timezone)

    def when(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")

    context = {
        "digest": digest,
        "subject": subject,
        "headline": subject.removeprefix("[tracker] "),
        "summary": digest.summary,
        "when": when,
        "count": _count,
    }
    text = _TEMPLATES.get_template("digest.txt.j2").render(context)
    html = _TEMPLATES.get_template("digest.html.j2").render(context)
    return RenderedDigest(subject=subject, text=text, html=html)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _day(moment: datetime | None, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d %b %Y") if moment else ""


def compose_message(digest: StoredDigest, sender: str) -> EmailMessage:
    """multipart/alternative: the plain-text part first, the HTML part last (the one clients prefer)."""
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = digest.recipient
    message["Date"] = format_datetime(digest.created_at)
    # The same Message-ID on every attempt: servers and clients that deduplicate drop a rare second copy.
    message["Message-ID"] = digest.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(digest.body_text)
    message.add_alternative(digest.body_html, subtype="html")
    return message


# -- sending: the outbox and SMTP ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    digest_id: int
    recipient: str
    subject: str
    changes: int
    retry: bool  # a digest an earlier run could not deliver
    error: str | None = None
    next_attempt_at: datetime | None = None
    status: str = "pending"  # after a failure: "pending" (tried again), "failed" (given up), "sent" (presumed)


@dataclass(frozen=True)
class DigestRunResult:
    sent: tuple[Delivery, ...] = ()
    failed: tuple[Delivery, ...] = ()
    waiting: tuple[PendingDigest, ...] = ()  # pending, not due yet or being sent by another run
    nothing_new: tuple[str, ...] = ()  # recipients with nothing to send

    @property
    def ok(self) -> bool:
        return not self.failed


class _Session(smtplib.SMTP):
    """smtplib.SMTP that waits DATA_REPLY_TIMEOUT for the reply to the end of the message, and knows whether
    the whole message went out (a timeout after that means the server may have taken it)."""

    body_sent = False
    _in_data = False

    def data(self, msg: bytes | str) -> tuple[int, bytes]:
        self.body_sent = False
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False
            if self.sock is not None:
                self.sock.settimeout(self.timeout)

    def send(self, s: bytes | str) -> None:
        # Within DATA, the one write that ends with CRLF.CRLF is the message itself (a command is one line).
        body = self._in_data and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n")
        if body and self.sock is not None:
            self.sock.settimeout(max(self.timeout, DATA_REPLY_TIMEOUT))
        super().send(s)
        if body:
            self.body_sent = True


class _SSLSession(_Session, smtplib.SMTP_SSL):
    """The same over implicit TLS (port 465)."""


class SMTPConnection:
    """One SMTP session for a run, opened at the first message and closed (QUIT) after the last one.

    Once the server cannot be reached, every later message of the run fails with the same error at once
    instead of waiting for another timeout.
    """

    def __init__(self, smtp: SMTPSettings, password: str | None, ca_file: Path | None = None) -> None:
        self.settings = smtp
        self._password = password
        self._ca_file = ca_file
        self._smtp: _Session | None = None
        self._broken: DeliveryError | None = None

    def __enter__(self) -> SMTPConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Returns once the server has accepted the message (250 after DATA); raises DeliveryError otherwise."""
        if self._broken is not None:
            raise self._broken
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except OSError as exc:  # refused, timed out, TLS, no STARTTLS, AUTH refused (SMTPException is an OSError)
                self._broken = self._error(exc)
                raise self._broken from exc
        smtp = self._smtp
        try:
            smtp.send_message(message, to_addrs=[recipient])
        except smtplib.SMTPServerDisconnected as exc:
            self._broken = self._error(exc)
            self._drop()
            if smtp.body_sent and isinstance(exc.__context__, TimeoutError):
                wait = max(self.settings.timeout, DATA_REPLY_TIMEOUT)
                raise DeliveryError(
                    f"SMTP server {self._where}: no answer within {wait:g} s to the end of the message "
                    "(timed out); it may have been delivered",
                    unconfirmed=True,
                ) from exc
            raise self._broken from exc
        except smtplib.SMTPException as exc:
            # The server refused this message (a 4xx or 5xx); the session stays usable for the next one.
            error = self._error(exc, permanent=_permanent(exc))
            try:
                self._smtp.rset()
            except OSError:
                self._broken = error
                self._drop()
            raise error from exc
        except OSError as exc:
            self._broken = self._error(exc)
            self._drop()
            raise self._broken from exc

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except OSError:
                self._drop()
            self._smtp = None

    def _connect(self) -> _Session:
        settings = self.settings
        context = ssl.create_default_context(cafile=str(self._ca_file) if self._ca_file else None)
        smtp: _Session
        if settings.security == "ssl":
            smtp = _SSLSession(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            smtp = _Session(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.security == "starttls":
                smtp.starttls(context=context)
            if settings.username:
                smtp.login(settings.username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    @property
    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _error(self, exc: BaseException, *, permanent: bool = False) -> DeliveryError:
        message = f"SMTP server {self._where}: {describe_smtp_error(exc, self.settings.timeout)}"
        return DeliveryError(message, permanent=permanent)


def _permanent(exc: smtplib.SMTPException) -> bool:
    """A 5xx refusal of the message (sender, every recipient, or the data): sending it again will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600


def describe_smtp_error(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{who}: {code} {_decode(text)}" for who, (code, text) in exc.recipients.items())
        return f"recipient refused ({refused})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"authentication failed ({exc.smtp_code} {_decode(exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_decode(exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running, and is this the right port?)"
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return f"no answer within {timeout:g} s (timed out)"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    return str(exc) or type(exc).__name__


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text


def smtp_password(config: Config, email: EmailSettings) -> str | None:
    """The password from the environment variable the config names; the config file never holds it."""
    smtp = email.smtp
    if not smtp.username:
        return None
    if not smtp.password_env:
        raise ConfigError(
            config.path,
            "a username needs a password: name the environment variable that holds it",
            key="email.smtp.password_env",
        )
    password = os.environ.get(smtp.password_env)
    if password is None:
        raise ConfigError(
            config.path, f"the environment variable {smtp.password_env} is not set", key="email.smtp.password_env"
        )
    return password


def open_smtp(config: Config, email: EmailSettings) -> SMTPConnection:
    ca_file = None
    if email.smtp.ca_file:
        ca_file = Path(email.smtp.ca_file)
        if not ca_file.is_absolute():
            ca_file = config.path.parent / ca_file
        if not ca_file.exists():
            raise ConfigError(config.path, f"no such file: {ca_file}", key="email.smtp.ca_file")
    return SMTPConnection(email.smtp, smtp_password(config, email), ca_file)


def preview_digest(
    config: Config,
    store: Store,
    recipient: str,
    *,
    since: datetime | None = None,
    now: datetime | None = None,
    period: tuple[datetime, datetime] | None = None,
) -> RenderedDigest | None:
    """The digest `run_digest` would make for this recipient now, or the one of a past `period`; writes nothing."""
    digest = build_digest(config, store, recipient, now=now or datetime.now(UTC), since=since, period=period)
    return render_digest(digest) if digest else None


def run_digest(
    config: Config,
    store: Store,
    *,
    now: datetime | None = None,
    recipients: Sequence[str] | None = None,
    since: datetime | None = None,
    retry_now: bool = False,
    compose: bool = True,
) -> DigestRunResult:
    """Deliver the digest to every recipient; the function the scheduler calls on `email.schedule`.

    For each recipient: first the pending digests an earlier run could not deliver (when their retry time
    has come, or at once with `retry_now`, as `tracker digest` does for the person who runs it), then a new
    digest of what is not yet in any digest of theirs. A recipient with a pending digest that is still
    waiting or failed again gets no new one: the outbox holds at most one undelivered digest per recipient
    in normal operation, and the new changes go out with the next digest once the server answers.
    With `compose=False` only pending digests are retried (for the daemon to call every few minutes).
    """
    email = email_settings(config)
    now = now or datetime.now(UTC)
    outbox = Outbox(store)
    # Longer than one delivery can take: connect, greeting, MAIL, RCPT and DATA, then the long wait for the
    # reply to the end of the message. Measured from the clock, not from the run's start: a run that waited on
    # a slow server for one recipient must not let another run take the next recipient's digest.
    timeout = email.smtp.timeout
    lease = timedelta(seconds=timeout * 5 + max(timeout, DATA_REPLY_TIMEOUT) + 60)
    sent: list[Delivery] = []
    failed: list[Delivery] = []
    waiting: list[PendingDigest] = []
    nothing_new: list[str] = []

    def deliver(stored: StoredDigest, changes: int, retry: bool, smtp: SMTPConnection) -> bool:
        if not outbox.extend_lease(stored.id, datetime.now(UTC), lease):
            return False  # no longer pending: another run sent it after our lease ran out
        try:
            smtp.send(compose_message(stored, email.sender), stored.recipient)
        except ValueError as exc:  # e.g. a header the email package refuses: this digest fails, not the run
            error = DeliveryError(f"the message could not be composed: {exc}", permanent=True)
        except DeliveryError as exc:
            error = exc
        else:
            # Accepted: commit at once. Until this commit lands, a crash means one more copy on the next run.
            outbox.mark_sent(stored.id, datetime.now(UTC))
            sent.append(Delivery(stored.id, stored.recipient, stored.subject, changes, retry))
            return True
        kept = outbox.mark_failed(
            stored.id, str(error), datetime.now(UTC), permanent=error.permanent, unconfirmed=error.unconfirmed
        )
        failed.append(
            Delivery(
                stored.id,
                stored.recipient,
                stored.subject,
                changes,
                retry,
                kept.last_error,
                kept.next_attempt_at,
                kept.status,
            )
        )
        return False

    with open_smtp(config, email) as smtp:
        for recipient in dict.fromkeys(recipients or email.to):
            clear = True
            for pending in outbox.pending(recipient, include_failed=False):
                stored = outbox.claim(pending.id, datetime.now(UTC), lease, due_only=not retry_now, due_at=now)
                if stored is None:
                    waiting.append(pending)
                    clear = False
                elif not deliver(stored, pending.changes, True, smtp):
                    clear = False
            if not (compose and clear):
                continue
            digest = build_digest(config, store, recipient, now=now, since=since, outbox=outbox)
            if digest is None:
                nothing_new.append(recipient)
                continue
            rendered = render_digest(digest)
            new = NewDigest(
                recipient=recipient,
                subject=rendered.subject,
                message_id=make_msgid("digest", domain=_domain(email.sender)),
                body_text=rendered.text,
                body_html=rendered.html,
                change_ids=digest.change_ids,
            )
            created = outbox.create(new, datetime.now(UTC), lease)
            if created is None:
                continue  # a run at the same moment claimed these changes; its digest carries them
            deliver(created, len(digest.change_ids), False, smtp)
    return DigestRunResult(tuple(sent), tuple(failed), tuple(waiting), tuple(nothing_new))


def retry_digests(config: Config, store: Store, *, now: datetime | None = None) -> DigestRunResult:
    """Retry the pending digests whose time has come; for the daemon, every few minutes."""
    return run_digest(config, store, now=now, compose=False)


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "tracker.invalid"


def _zone(config: Config, email: EmailSettings) -> ZoneInfo:
    try:
        return ZoneInfo(email.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            config.path, f"unknown time zone {email.timezone!r} (use a name such as Europe/Paris)", key="email.timezone"
        ) from exc


def local_since(config: Config, moment: datetime) -> datetime:
    """A date typed on the command line, read in the digest's time zone (email.timezone; UTC without `email:`)."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment.replace(tzinfo=_zone(config, config.settings.email or PREVIEW_SETTINGS)).astimezone(UTC)
