"""EXTRACTOR_VERSION moves whenever extraction's output does: the project's own fixtures, extracted, are pinned by
hash per version in tests/extractor_versions.json."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from tracker.check import EXTRACTOR_VERSION
from tracker.extract import ExtractionError, Rules, extract_text

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
DEMO_DATA = TESTS.parent / "tracker" / "demo_data"
RECORDED = TESTS / "extractor_versions.json"
# Fixed here, not read from config.yaml: editing the shipped rules is not a change of the extractor.
RULES = Rules(("main",), ("a[href^='#']", "div:has(> h2):has(> ul)"))
# UTF-8 labelled Latin-1, as some servers send it: how the label is read changes the text.
LATIN1_LABEL = "text/html; charset=iso-8859-1"
# From LinkedIn's User Agreement (2022-11 to 2023-08): a link inside bracketed text, which the Markdown link
# pattern of the first extractor read differently.
NESTED_LINK = (
    "#### **\\[Note: Talent Media Services migrated to the** [**LinkedIn Marketing Solutions (LMS) Program**]"
    "(https://www.linkedin.com/legal/l/lmsprogramterms) **effective October 1, 2020.\\]**\n"
)

# A hostile page's terminal escapes (ESC, CSI, a bell), which extraction has had to drop since version 3.
CONTROL_CODES = b"<p>We \x1b[8mdo not\x1b[0m train AI models&#x1b;]0;t&#7; on your data.\xc2\x9b2J</p>"


def _fixtures() -> Iterator[tuple[str, bytes]]:
    for folder in (FIXTURES, DEMO_DATA):
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder.parent).as_posix()
            if path.is_file() and path.name not in ("README.md", "SOURCES.md") and (".md" in name or ".html" in name):
                yield name, gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def extraction_cases() -> Iterator[tuple[str, bytes, str, Rules]]:
    """Every fixture as it is read in the tests and the demo, and under the readings of bytes and labels that
    extraction has had to decide (charset labels, byte-order marks, windows-1252, Markdown links)."""
    for name, body in _fixtures():
        if ".html" in name:
            yield name, body, "text/html", Rules()
            yield name, body, "text/html", RULES
            yield name, body, LATIN1_LABEL, Rules()
        else:
            yield name, body, "text/markdown; charset=utf-8", Rules()
    french = (FIXTURES / "neutral-policy" / "fr.md").read_text(encoding="utf-8")
    yield "fr.md as windows-1252", french.encode("cp1252"), "text/plain", Rules()
    yield "fr.md as windows-1252 labelled UTF-8", french.encode("cp1252"), "text/plain; charset=utf-8", Rules()
    yield "fr.md with a UTF-8 byte-order mark", b"\xef\xbb\xbf" + french.encode(), "text/plain", Rules()
    yield "fr.md as UTF-16 with its mark", french.encode("utf-16"), "text/plain", Rules()
    yield "a link inside brackets", NESTED_LINK.encode(), "text/markdown", Rules()
    yield "control codes", CONTROL_CODES, "text/html", Rules()
    yield "control codes as text", CONTROL_CODES, "text/plain", Rules()


def extraction_digest() -> str:
    digest = hashlib.sha256()
    for name, body, content_type, rules in extraction_cases():
        try:
            text = extract_text(body, content_type, rules)
        except ExtractionError as exc:
            text = f"{type(exc).__name__}: {exc}"
        digest.update(f"{name}\n{content_type}\n{rules}\n{text}\x00".encode())
    return digest.hexdigest()


def test_a_change_in_what_extraction_gives_comes_with_a_new_extractor_version() -> None:
    recorded = json.loads(RECORDED.read_text())
    digest = extraction_digest()
    where = RECORDED.relative_to(TESTS.parent)
    new_entry = f'"{EXTRACTOR_VERSION}": "{digest}"'
    assert EXTRACTOR_VERSION in recorded, f"Record the new EXTRACTOR_VERSION in {where}: {new_entry}"
    assert recorded[EXTRACTOR_VERSION] == digest, (
        f"The fixtures no longer extract as they did under EXTRACTOR_VERSION {EXTRACTOR_VERSION!r} (now: {digest}).\n"
        f"If the change is meant, bump EXTRACTOR_VERSION in tracker/check.py and record the new one with this hash in "
        f"{where}. Why: every stored version was extracted by the old code. Under an unchanged EXTRACTOR_VERSION, "
        "the next capture whose bytes differ is extracted by the new code and diffed word for word against that "
        "old text, and whatever the change to extraction altered is reported as a change of the policy (an alert "
        "on a policy nobody edited). A new EXTRACTOR_VERSION is a new rules key: each document first re-reads its "
        "version in force from its snapshot as a baseline (check.py, rules_changed)."
    )
