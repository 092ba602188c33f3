"""One document, end to end: fetch → extract → screen → store → diff → flag. The function to read first."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tracker import story
from tracker.config import ChecksSettings, Document, NotifyTarget
from tracker.diff import TextDiff, diff_texts
from tracker.extract import MAX_TAGS, CaptureTooLarge, ExtractionError, Rules, extract_text, is_html
from tracker.fetch import Fetcher, FetchResult, HostBusy, Validators
from tracker.flag import (
    DEFAULT_VOCABULARY,
    NO_FLAG,
    Flag,
    Vocabulary,
    flag_change,
)
from tracker.notify import targets_for
from tracker.screen import Fingerprint, Refusal, Suspect, confirmed, fingerprint, screen_body, screen_text
from tracker.store import NewChange, NewCheck, NewSnapshot, Store, VersionRecord

if TYPE_CHECKING:
    from tracker.browser import BrowserFetcher

log = logging.getLogger(__name__)

# Bump when extract.py changes what it produces: the raw-bytes shortcut must not reuse an older extraction, and
# the version in force is re-read as a baseline instead of being diffed against a differently made text.
# tests/test_extractor_version.py fails until it is bumped. "2": charsets as browsers read them, and Markdown links
# inside bracketed text. "3": control codes (a page's terminal escapes) dropped.
EXTRACTOR_VERSION = "3"
# The rules key of texts imported from Open Terms Archive as it extracted them: its rules, not ours, so a live
# check never diffs against them word for word (the markup alone differs); this tracker's reading starts anew.
ARCHIVE_TEXT_RULES_KEY = "ota-text"


@dataclass(frozen=True)
class CheckResult:
    """What one check found, for the CLI, the logs and the daemon."""

    service: str
    document: str
    outcome: str  # unchanged | first_version | changed | returned | failed
    started_at: datetime
    duration: float
    reason: str | None = None
    version_id: int | None = None
    change_id: int | None = None
    flag: Flag = NO_FLAG
    inserted_words: int = 0
    deleted_words: int = 0
    rendered: bool = False  # the capture is the page after its scripts ran, in a browser
    refusal: str | None = None  # a failed check's kind of failure (tracker.screen.Refusal.kind)
    # A failed check whose capture the screen refused as not (yet) the policy: its raw bytes kept as evidence.
    suspect: bool = False
    # A suspect capture that checks seeing it over checks.confirm_span may still confirm (Refusal.confirmable).
    held: bool = False

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


@dataclass(frozen=True)
class History:
    """The document's past as a new text is judged against it: now for a live check, then for an import."""

    previous_text: str | None
    is_known: Callable[[str], bool]  # this text (by sha256) was a version before
    known_sentences: Callable[[], frozenset[str]]  # sentences of every earlier text: not news when they come back
    versions: Callable[[], Sequence[Fingerprint]]  # every accepted version, as the screen judges by
    suspects: Callable[[], Sequence[Suspect]]  # suspect captures since the last accepted one, newest first
    now: datetime  # when this capture was taken: suspects confirm it only over `checks.confirm_span`
    # Sentences an earlier text went without after an earlier one had them: not news when they go again.
    dropped_sentences: Callable[[], frozenset[str]] = frozenset
    # An archive that records a text only when it changes (Open Terms Archive) saw this one so many times over so
    # long, at least, before its next record: as good as checks that saw it as often, as long.
    archive_sightings: tuple[int, timedelta] | None = None


@dataclass(frozen=True)
class Judgement:
    """What a text is against the document's history: refused, the same, a return, or a change with its flag.
    A refused text that was screened carries its fingerprint, kept with the suspect capture."""

    outcome: str  # failed | first_version | unchanged | returned | changed
    refusal: Refusal | None = None
    change: NewChange | None = None
    flag: Flag = NO_FLAG
    fingerprint: Fingerprint | None = None
    believed: bool = False  # the screen held the text, and what saw it since confirmed it


def judge_text(
    text: str,
    history: History,
    *,
    final_url: str,
    url: str,
    checks: ChecksSettings = ChecksSettings(),
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    body: bytes = b"",
) -> Judgement:
    """Screen a text against the document's history, then diff and flag it: live checks and imports alike.

    A text equal to any accepted version is accepted at once (a return: variants and recoveries never lock a
    document out); any other meets the screen, against every accepted version (docs/decisions/0014)."""
    if text == history.previous_text:
        return Judgement("unchanged")
    sha256 = hashlib.sha256(text.encode()).hexdigest()
    known = history.is_known(sha256)
    believed = False  # the screen held the text, and what saw it since confirmed it
    if not known and (
        refusal := screen_text(
            text, final_url, history.versions(), checks, url=url, body=body, in_force=history.previous_text
        )
    ):
        print_ = fingerprint(text)
        looks, span = history.archive_sightings or (0, timedelta(0))
        lasted = looks >= checks.confirm_checks and span >= checks.confirm_after
        if not (refusal.confirmable and (lasted or confirmed(sha256, print_, history.now, history.suspects(), checks))):
            return Judgement("failed", refusal=refusal, fingerprint=print_)
        believed = True
    if history.previous_text is None:
        return Judgement("first_version", believed=believed)
    diff = diff_texts(history.previous_text, text)
    if known:
        # A text we have seen before is back (A/B tests, regional variants): not news, but on record.
        return Judgement("returned", change=_change(diff, NO_FLAG, kind="return_of_known_version"))
    # Sentences of earlier versions are not news when they come back (A/B variants, reverts), nor when they go
    # again after an earlier version went without them (sections that come and go with page variants).
    flag = flag_change(diff, vocabulary, history.known_sentences(), history.dropped_sentences())
    return Judgement("changed", change=_change(diff, flag), flag=flag, believed=believed)


def check_document(
    document: Document,
    store: Store,
    fetcher: Fetcher,
    checks: ChecksSettings = ChecksSettings(),
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    *,
    browser: BrowserFetcher | None = None,
    now: datetime | None = None,  # a replay of past captures (tracker demo) gives their time
    notify: Sequence[NotifyTarget] = (),
    wait_for_host: bool = True,
) -> CheckResult:
    """`browser` renders the documents that need one (`fetch: browser`, or `auto` on a page made of scripts);
    a change is filed for the `notify` targets that want it, in the transaction that stores it.
    `wait_for_host=False` (the daemon): HostBusy, and no check on record, while another request to the host is
    in flight; the daemon checks it again later instead of spending this check's budget waiting.

    Whatever a page or the database does, the result is a check on record: an error no stage expected becomes a
    failed check naming it, so that one document never stops the run nor hides from `tracker status`."""
    started_at = now or datetime.now(UTC)
    clock = time.monotonic()
    try:
        return _check_document(
            document, store, fetcher, checks, vocabulary, browser, started_at, clock, notify, wait_for_host
        )
    except HostBusy:
        raise  # the host was not asked: nothing happened that belongs on record
    except Exception as exc:
        reason = f"the check failed unexpectedly: {type(exc).__name__}: {_one_line(str(exc))}"
        log.error("%s/%s: %s", document.service, document.key, reason, exc_info=log.isEnabledFor(logging.DEBUG))
        failed = NewCheck(
            service=document.service,
            document=document.key,
            url=document.url,
            started_at=started_at,
            duration=time.monotonic() - clock,
            outcome="failed",
            reason=reason,
            refusal="error",
            rules_key=document_rules_key(document),
        )
        saved = store.record_check(failed)  # a database that cannot take even this is the run's own failure
        return CheckResult(
            service=document.service,
            document=document.key,
            outcome="failed",
            started_at=started_at,
            duration=failed.duration,
            reason=reason,
            version_id=saved.version_id,
            refusal=failed.refusal,
        )


def _one_line(message: str, limit: int = 300) -> str:
    """An exception's message as one short line that any database takes (no NUL, no line breaks)."""
    flat = " ".join(message.replace("\x00", " ").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _check_document(
    document: Document,
    store: Store,
    fetcher: Fetcher,
    checks: ChecksSettings,
    vocabulary: Vocabulary,
    browser: BrowserFetcher | None,
    started_at: datetime,
    clock: float,
    notify: Sequence[NotifyTarget],
    wait_for_host: bool = True,
) -> CheckResult:
    deadline = clock + checks.deadline
    state = store.document_state(document.service, document.key)
    rules = Rules(document.select, document.remove)
    rules_key = document_rules_key(document)
    # New rules must read the page again: no 304, and the version in force is re-read under them too.
    rules_changed = state.latest is not None and state.latest.rules_key not in (None, rules_key)
    # A 304 says the bytes as served did not change, which is news only when those bytes are the policy.
    conditional = state.latest and not rules_changed and document.fetch == "http"
    validators = Validators(state.etag, state.last_modified) if conditional else Validators()
    fetched = fetch_document(document, fetcher, browser, validators, deadline, wait_for_host)

    def record(outcome: str, flag: Flag = NO_FLAG, **fields: object) -> CheckResult:
        new = fields.get("change")
        check = NewCheck(
            service=document.service,
            document=document.key,
            url=document.url,
            started_at=started_at,
            duration=time.monotonic() - clock,
            outcome=outcome,
            final_url=fetched.final_url,
            http_status=fetched.status,
            attempts=[asdict(attempt) for attempt in fetched.attempts],
            # A 304 may leave the validators out (some CDNs do): the ones we sent still hold.
            etag=fetched.headers.get("etag") or (state.etag if fetched.not_modified else None),
            last_modified=fetched.headers.get("last-modified")
            or (state.last_modified if fetched.not_modified else None),
            rules_key=rules_key,
            fetch_path="browser" if fetched.rendered else "http",
            notify=targets_for(notify, new.kind, new.ai) if isinstance(new, NewChange) else (),
            retry_after=fetched.retry_after,
            **fields,  # type: ignore[arg-type]
        )
        saved = store.record_check(check)
        change = check.change
        return CheckResult(
            service=document.service,
            document=document.key,
            outcome=saved.outcome,  # another process may have recorded the same change first
            started_at=started_at,
            duration=check.duration,
            reason=check.reason,
            version_id=saved.version_id,
            change_id=saved.change_id,
            flag=flag,
            inserted_words=change.inserted_words if change else 0,
            deleted_words=change.deleted_words if change else 0,
            rendered=fetched.rendered,
            refusal=check.refusal,
            suspect=saved.outcome == "failed" and check.snapshot is not None,
            held=check.fingerprint is not None,
        )

    def refuse(refusal: Refusal, **fields: object) -> CheckResult:
        return record("failed", reason=refusal.message, refusal=refusal.kind, **fields)

    if not fetched.ok:
        return refuse(Refusal("fetch", fetched.error or f"HTTP {fetched.status}"))
    if fetched.not_modified:
        if state.latest is None:
            return refuse(Refusal("fetch", "304 Not Modified without a stored version to keep"))
        # The bytes are those of the last good capture: keep its keys, so that a later 200 with the same bytes is
        # recognised without extracting.
        return record(
            "unchanged", reason="304 Not Modified", raw_sha256=state.raw_sha256, extraction_key=state.extraction_key
        )
    body = fetched.body or b""
    if refusal := screen_body(fetched.content_type, body):
        return refuse(refusal)
    raw_sha256 = hashlib.sha256(body).hexdigest()
    extraction_key = hashlib.sha256(f"{raw_sha256}\n{rules_key}".encode()).hexdigest()
    keys: dict[str, object] = {"raw_sha256": raw_sha256, "extraction_key": extraction_key}
    if state.latest and extraction_key == state.extraction_key:
        return record("unchanged", **keys)
    if time.monotonic() >= deadline:
        return refuse(Refusal("deadline", "the check ran out of time (checks.deadline) before extraction"), **keys)
    try:
        text = extract_text(body, fetched.content_type, rules)
    except CaptureTooLarge as exc:
        return refuse(Refusal("too_large", str(exc)), **keys)
    except ExtractionError as exc:
        return refuse(Refusal("not_policy", f"not the policy page: {exc}"), **keys)
    except Exception as exc:  # a page that breaks the parser is a failed check on record, not a crashed daemon
        return refuse(Refusal("not_policy", f"extraction failed: {type(exc).__name__}: {exc}"), **keys)
    latest_text = state.latest_text
    seam = None
    if rules_changed and state.latest is not None and state.latest.rules_key == ARCHIVE_TEXT_RULES_KEY:
        latest_text = None  # an archive's own extraction is in force: this tracker's first reading, not a change
        # Two extractions of one page differ in their links, headings and edges: a diff across them would be noise
        # (a trial on the corpus: 39 false AI alerts in 126 same-day pairs). Said, so no one reads it as compared.
        seam = (
            f"not compared with the archive's last version {state.latest.id} "
            f"({state.latest.first_seen_at:%Y-%m-%d}, the archive's own extraction); "
            f"`tracker history {document.service} -d {document.key}` lists both"
        )
    elif rules_changed and state.latest is not None and (baseline := _reextract(store, state.latest, rules)):
        latest_text = baseline
        keys["baseline"] = (baseline, hashlib.sha256(baseline.encode()).hexdigest())
    keys["text_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    # Kept up to date as versions are stored: one read, however many versions the document has had.
    memory = functools.cache(lambda: store.sentence_memory(document.service, document.key))
    history = History(
        previous_text=latest_text,
        is_known=lambda sha256: store.find_version(document.service, document.key, sha256) is not None,
        known_sentences=lambda: memory()[0],
        versions=lambda: store.version_fingerprints(document.service, document.key),
        suspects=lambda: store.suspects_since_accepted(document.service, document.key),
        now=started_at,
        dropped_sentences=lambda: memory()[1],
    )
    judgement = judge_text(
        text, history, final_url=fetched.final_url, url=document.url, checks=checks, vocabulary=vocabulary, body=body
    )
    if judgement.refusal is not None:
        if judgement.fingerprint is not None:
            # A suspect capture: never a version, but its bytes are kept as evidence; and when later checks may
            # confirm it, what its text looked like, to know them alike.
            keys["snapshot"] = _snapshot(fetched, body, raw_sha256)
            if judgement.refusal.confirmable:
                keys["fingerprint"] = judgement.fingerprint.as_json()
        return refuse(judgement.refusal, **keys)
    change = judgement.change
    if judgement.outcome in ("first_version", "changed"):
        keys["snapshot"] = _snapshot(fetched, body, raw_sha256)
    if judgement.outcome == "changed" and change is not None:
        change = story.tell(change, store, document, state, text, fetched, started_at)
    if judgement.outcome == "first_version" and seam:
        keys["reason"] = seam
    return record(judgement.outcome, judgement.flag, text=text, change=change, **keys)


# -- which way a page is fetched ---------------------------------------------------------------------------


def fetch_document(
    document: Document,
    fetcher: Fetcher,
    browser: BrowserFetcher | None,
    validators: Validators = Validators(),
    deadline: float | None = None,
    wait_for_host: bool = True,
) -> FetchResult:
    """The page as the document's `fetch` says: as served (http), as rendered (browser), or as served unless
    that is a page of scripts in which the rules find nothing (auto), in which case rendered."""
    if document.fetch == "browser":
        return _render(document, browser, fetcher)
    fetched = fetcher.fetch(document.url, validators, document.headers, deadline, wait_for_host=wait_for_host)
    if document.fetch != "auto" or not fetched.ok or fetched.not_modified or not fetched.body:
        return fetched
    why = needs_browser(fetched.body, fetched.content_type, Rules(document.select, document.remove))
    if why is None:
        return fetched
    rendered = _render(document, browser, fetcher)
    # The record keeps both: the plain request and why it was not enough, then the render.
    why_attempts = tuple(replace(attempt, why=why) for attempt in rendered.attempts)  # type: ignore[call-arg]
    return replace(rendered, attempts=fetched.attempts + why_attempts)


def _render(document: Document, browser: BrowserFetcher | None, fetcher: Fetcher) -> FetchResult:
    if browser is None:
        from tracker.browser import BrowserFetcher

        # Callers that check no browser document normally pass none; one started here is closed here.
        with BrowserFetcher(fetcher.settings, polite=fetcher.polite) as own:
            return own.fetch(document.url, document.select)
    return browser.fetch(document.url, document.select)


def needs_browser(body: bytes, content_type: str | None, rules: Rules) -> str | None:
    """Why this page must be rendered to be read (None: read it as served): the rules find nothing in it, and
    it looks like a shell that scripts fill in a browser."""
    shell = looks_like_script_shell(body)
    if shell is None or not is_html(body, content_type):
        return None
    if rules.select:
        try:
            extract_text(body, content_type, rules)
            return None
        except ExtractionError:
            return f"none of the select rules matched the page as served, and {shell}"
        except Exception:
            return None  # a page that breaks the parser is refused by the check, not rendered
    return f"the page as served {shell}"


# No tag holds a "<": each attempt stops at the next one, linear even on a page of unclosed tags.
_SCRIPT_OPEN = re.compile(rb"<script\b[^<>]*>", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(rb"</script\s*>", re.IGNORECASE)
_NOSCRIPT_ASKS = re.compile(rb"<noscript\b[^<>]*>(?:(?!</?noscript).){0,2000}?javascript", re.IGNORECASE | re.DOTALL)
# Where single-page applications mount themselves: React's #root, Vue's #app, Next.js, Nuxt, Meta's mount_*.
_APP_ROOT = re.compile(r"^(?:root|app|__next|__nuxt|svelte|main-app|mount_.*)$")
SHELL_SCRIPT_SHARE = 0.5  # scripts are this share of the page's bytes or more
SHELL_MAX_TEXT = 500  # characters of text outside scripts: less is a shell, if the page has scripts


def looks_like_script_shell(body: bytes) -> str | None:
    """How this page looks like a shell that scripts build in a browser, or None when it looks like a page."""
    import lxml.html
    from lxml import etree

    scripts = _script_sizes(body)
    if not scripts or body.count(b"<") > MAX_TAGS:
        return None  # no scripts; or too many tags to parse, which extraction refuses on its own
    share = sum(scripts) / max(1, len(body))
    try:
        root = lxml.html.document_fromstring(body)
    except (ValueError, etree.ParserError):
        return None
    for element in root.iter("script", "style", "noscript", "template"):
        element.drop_tree()
    characters = len(" ".join(root.text_content().split()))
    empty_roots = [
        element.get("id")
        for element in root.iter("div", "main", "section", "body")
        if _APP_ROOT.match(element.get("id") or "") and len(element) == 0 and not (element.text or "").strip()
    ]
    if empty_roots:
        return f"has an empty element for scripts to fill (id={empty_roots[0]}) and {len(scripts)} scripts"
    if characters < SHELL_MAX_TEXT:
        return f"has {characters} characters of text and {len(scripts)} scripts"
    if share >= SHELL_SCRIPT_SHARE:
        return f"is {share:.0%} scripts by size ({len(scripts)} scripts)"
    if _NOSCRIPT_ASKS.search(body):
        return "asks for JavaScript in a <noscript> note"
    return None


def _script_sizes(body: bytes) -> list[int]:
    """The size of each script element's content; linear even on a page of unclosed <script> tags."""
    sizes, at = [], 0
    while (opener := _SCRIPT_OPEN.search(body, at)) and (closer := _SCRIPT_CLOSE.search(body, opener.end())):
        sizes.append(closer.start() - opener.end())
        at = closer.end()
    return sizes


def document_rules_key(document: Document) -> str:
    """Equal keys, equal extraction: the raw-bytes shortcut and re-extraction both rest on it."""
    return hashlib.sha256(json.dumps([EXTRACTOR_VERSION, document.select, document.remove]).encode()).hexdigest()


def _reextract(store: Store, latest: VersionRecord, rules: Rules) -> str | None:
    """The version in force, read from its own snapshot under the current rules (None if it cannot be)."""
    if latest.snapshot_id is None:
        return None
    snapshot = store.snapshot(latest.snapshot_id)
    try:
        return extract_text(store.snapshot_body(latest.snapshot_id), snapshot.content_type, rules)
    except ExtractionError:
        return None


def _snapshot(fetched: FetchResult, body: bytes, raw_sha256: str) -> NewSnapshot:
    return NewSnapshot(
        url=fetched.url,
        final_url=fetched.final_url,
        status=fetched.status or 0,
        headers=fetched.headers,
        content_type=fetched.content_type,
        body=body,
        raw_sha256=raw_sha256,
        fetched_at=fetched.fetched_at,
        fetch_path="browser" if fetched.rendered else "http",
    )


def _change(diff: TextDiff, flag: Flag, kind: str | None = None) -> NewChange:
    return NewChange(
        kind=kind or flag.kind,  # "change", or "document_replaced" when the page now serves another document
        ai=flag.ai,
        score=flag.score,
        category=flag.category,
        terms=list(flag.terms),
        evidence=flag.evidence_json(),
        inserted_words=diff.inserted_words,
        deleted_words=diff.deleted_words,
    )
