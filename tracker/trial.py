"""`tracker try`: one fetch of a page nobody tracks yet, judged as a check would judge it, before it is added."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tracker.check import fetch_document, looks_like_script_shell
from tracker.config import ChecksSettings, Document, FetchSettings
from tracker.extract import ExtractionError, Rules, decode, extract_text, is_html
from tracker.fetch import Fetcher, FetchResult
from tracker.screen import Refusal, screen_body, screen_text

_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)


@dataclass(frozen=True)
class SelectorMatch:
    selector: str
    elements: int


@dataclass(frozen=True)
class Trial:
    """What a check would make of the page now: the text, the verdict of the screens, and what to look at."""

    url: str
    final_url: str
    status: int | None
    rendered: bool
    duration: float
    matches: tuple[SelectorMatch, ...]
    text: str
    accepted: bool
    verdict: str  # "accepted" or why the text would be refused
    warnings: tuple[str, ...] = field(default=())

    @property
    def selector(self) -> str | None:
        """The first select rule that matched (None: none did, or there were none)."""
        return next((match.selector for match in self.matches if match.elements), None)


def try_page(
    url: str,
    select: tuple[str, ...] = (),
    remove: tuple[str, ...] = (),
    *,
    browser: bool = False,
    fetch: FetchSettings | None = None,
    checks: ChecksSettings = ChecksSettings(),
) -> Trial:
    """Fetch `url` once, as a document with these rules would be in a check, and judge what came back."""
    from tracker.browser import BrowserFetcher

    fetch = fetch or FetchSettings()
    way = "browser" if browser else "http"
    document = Document("try", "try", url, "try", "try", select=select, remove=remove, fetch=way)
    with Fetcher(fetch) as fetcher, BrowserFetcher(fetch, polite=fetcher.polite) as renderer:
        fetched = fetch_document(document, fetcher, renderer)
    return judge(fetched, Rules(select, remove), checks, fetch.accept_language)


def judge(fetched: FetchResult, rules: Rules, checks: ChecksSettings, accept_language: str = "") -> Trial:
    """The text, the screens' verdict and the warnings for one capture (pure: no network, no store)."""
    body = fetched.body or b""
    warnings: list[str] = []
    matches: tuple[SelectorMatch, ...] = ()
    text = ""
    refusal = None if fetched.ok else Refusal("fetch", fetched.error or f"HTTP {fetched.status}")
    if refusal is None and fetched.not_modified:
        refusal = Refusal("fetch", "304 Not Modified")
    if refusal is None and fetched.body is not None:
        matches = _matches(body, fetched.content_type, rules.select)
        try:
            text = extract_text(body, fetched.content_type, rules)
        except ExtractionError as exc:
            refusal = Refusal("not_policy", f"not the policy page: {exc}")
        except Exception as exc:
            refusal = Refusal("not_policy", f"extraction failed: {type(exc).__name__}: {exc}")
        refusal = refusal or screen(fetched, body, text, checks)
    if refusal is not None:
        warnings.append(_warning(refusal))
    if fetched.body is not None and not fetched.rendered and refusal and (shell := looks_like_script_shell(body)):
        warnings.append(f"the page as served {shell}: scripts may build the policy; try --browser")
    if fetched.body is not None and (language := _language_warning(body, accept_language)):
        warnings.append(language)
    if fetched.ok and not rules.select:
        warnings.append("no --select: the text is the page's <main> or <body>, chrome included; name the policy's part")
    return Trial(
        url=fetched.url,
        final_url=fetched.final_url,
        status=fetched.status,
        rendered=fetched.rendered,
        duration=fetched.duration,
        matches=matches,
        text=text,
        accepted=refusal is None,
        verdict="accepted" if refusal is None else refusal.message,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def screen(fetched: FetchResult, body: bytes, text: str, checks: ChecksSettings) -> Refusal | None:
    """The screens a first capture meets: a trial has no history, so only the absolute ones apply."""
    return screen_body(fetched.content_type, body) or screen_text(
        text, fetched.final_url, (), checks, fetched.url, body
    )


def config_snippet(trial: Trial, select: tuple[str, ...], remove: tuple[str, ...]) -> str:
    """A `services:` entry for config.yaml, ready to paste (the keys are guesses from the URL: rename them)."""
    parts = urlsplit(trial.url)
    labels = [label for label in (parts.hostname or "").split(".") if label not in ("www", "m", "com", "org", "net")]
    service = _key(labels[0]) if labels and not labels[0].isdigit() else "site"
    segments = [segment.rsplit(".", 1)[0] for segment in parts.path.split("/") if segment]
    document = _key(segments[-1]) if segments else "policy"
    lines = [
        "services:",
        f"  {service}:",
        "    documents:",
        f"      {document}:",
        f"        url: {_yaml_string(trial.url)}",
    ]
    if trial.rendered:
        lines.append("        fetch: browser")
    if select:
        lines.append("        select: [" + ", ".join(_yaml_string(s) for s in select) + "]")
    if remove:
        lines.append("        remove: [" + ", ".join(_yaml_string(s) for s in remove) + "]")
    return "\n".join(lines)


def _matches(body: bytes, content_type: str | None, selectors: tuple[str, ...]) -> tuple[SelectorMatch, ...]:
    if not selectors or not is_html(body, content_type):
        return ()
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode(body, content_type), "lxml")
    return tuple(SelectorMatch(selector, len(soup.select(selector))) for selector in selectors)


def _warning(refusal: Refusal) -> str:
    if refusal.kind == "wall":
        return f"not the policy: {refusal.message}"
    if refusal.kind == "not_policy":
        return "no select rule matched: check the selectors against the page (or the page is not the policy)"
    return f"would be refused: {refusal.message}"


def _language_warning(body: bytes, accept_language: str) -> str | None:
    """Sites pick a language by address as well as by header: a page in another language is another variant."""
    found = _HTML_LANG.search(body[:20000])
    wanted = accept_language.split(",")[0].split(";")[0].split("-")[0].strip().lower()
    if not found or not wanted:
        return None
    language = found.group(1).decode("ascii").lower()
    if language == wanted:
        return None
    return (
        f"the page is in '{language}' while fetch.accept_language asks for '{wanted}': the site may choose by "
        "address; pin the language in the URL if it allows (e.g. ?hl=, ?locale=) so every check reads one variant"
    )


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "document"


def _yaml_string(value: str) -> str:
    """Single-quoted YAML: selectors are full of characters YAML would read otherwise (: # [ ] ,)."""
    return "'" + value.replace("'", "''") + "'"
