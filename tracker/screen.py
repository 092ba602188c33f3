"""Refuse captures that are not the policy: error pages, captchas, login and cookie walls, truncated text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from tracker.config import ChecksSettings

# What sites serve instead of the page when they fail, block or want a login. Matched only on short
# texts (see WALL_MAX_CHARS): a real policy may well say "sign in" or "page not found" somewhere.
WALL_PHRASES: dict[str, tuple[str, ...]] = {
    "error page": (
        r"this page isn'?t available",
        r"this content isn'?t available",
        r"something went wrong",
        r"page not found",
        r"\b404\b.{0,40}not found",
        r"cette page n'?est pas disponible",
        r"diese seite ist (?:leider )?nicht verfügbar",
        r"service unavailable",
        r"temporarily unavailable",
    ),
    "captcha or bot check": (
        r"captcha",
        r"are you a robot",
        r"verify (?:that )?you are (?:a )?human",
        r"unusual traffic",
        r"security check",
        r"access denied",
        r"request blocked",
    ),
    "login wall": (
        r"sign in to (?:continue|view|see)",
        r"log ?in to (?:continue|view|see)",
        r"join linkedin",
        r"you must log in",
        r"connectez-vous pour",
        r"melde dich an",
    ),
    "cookie wall": (
        r"before you continue to google",
        r"avant d'accéder à google",
        r"bevor sie zu google weitergehen",
        r"allow (?:the use of )?(?:all )?cookies",
        r"accept (?:all )?cookies to continue",
    ),
}
WALL_MAX_CHARS = 5000

# Where sites redirect to when they want a login or a bot check instead of serving the page.
WALL_URL_PARTS = ("/login", "/authwall", "/checkpoint", "/captcha", "consent.google.", "/signin", "/uas/login")


@dataclass(frozen=True)
class Refusal:
    kind: str  # fetch | empty | not_text | not_policy | wall | short | truncated
    message: str


_WALL_PATTERNS = {reason: re.compile("|".join(phrases), re.IGNORECASE) for reason, phrases in WALL_PHRASES.items()}


def screen_text(
    text: str,
    final_url: str,
    previous_text: str | None,
    settings: ChecksSettings = ChecksSettings(),
    url: str = "",
) -> Refusal | None:
    """Why this capture must not become a version, or None when it looks like the policy."""
    if not text.strip():
        return Refusal("empty", "empty page: no text after extraction")
    landed, asked = urlsplit(final_url.lower()), urlsplit(url.lower())
    for part in WALL_URL_PARTS:
        # Only where the redirect led: a document whose own address says /login is not a wall.
        if part in f"{landed.netloc}{landed.path}" and part not in f"{asked.netloc}{asked.path}":
            where = urlsplit(final_url)
            return Refusal("wall", f"redirected to {where.netloc}{where.path}: a login or bot wall")
    if len(text) <= WALL_MAX_CHARS:
        for reason, pattern in _WALL_PATTERNS.items():
            if match := pattern.search(text):
                article = "an" if reason[0] in "aeiou" else "a"
                return Refusal(
                    "wall", f"looks like {article} {reason}: “{match.group(0)}” in a {len(text)}-character page"
                )
    if len(text) < settings.min_chars:
        return Refusal("short", f"too short to be a policy ({len(text)} characters)")
    if previous_text and len(text) < settings.truncation_ratio * len(previous_text):
        return Refusal(
            "truncated",
            f"looks truncated: {len(text)} characters against {len(previous_text)} in the version in force "
            f"(under {settings.truncation_ratio:.0%}); accepted only if {settings.confirm_shorter} checks in a "
            "row see the same text",
        )
    return None


def screen_body(content_type: str | None, body: bytes) -> Refusal | None:
    """Refuse what is not a text page before spending time on extraction."""
    if not body.strip():
        return Refusal("empty", "empty body")
    if content_type:
        kind = content_type.split(";")[0].strip().lower()
        if not (kind.startswith("text/") or kind in ("application/xhtml+xml", "application/xml")):
            return Refusal("not_text", f"not an HTML or text page (Content-Type: {kind})")
    return None
