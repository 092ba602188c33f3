"""One check end to end in-process (real HTTP server, real SQLite): what becomes a version and what never does."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import PageServer, fixture_bytes

from tracker import check, extract
from tracker.check import CheckResult, check_document
from tracker.config import ChecksSettings, Document, FetchSettings
from tracker.fetch import Fetcher
from tracker.store import Store

POLICY = "<html><body><main>" + "".join(f"<p>Clause {i}: we process your data lawfully.</p>" for i in range(40))
POLICY += "</main></body></html>"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'tracker.db'}")


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher(FetchSettings(retries=0, backoff=0.01, host_gap=0))


def document(server: PageServer, path: str = "/policy", **rules: tuple[str, ...]) -> Document:
    return Document(service="acme", key="privacy", url=server.url(path), service_name="Acme", name="Privacy", **rules)


def test_the_first_capture_is_the_first_version(page_server: PageServer, store: Store, fetcher: Fetcher) -> None:
    page_server.serve("/policy", POLICY)
    result = check_document(document(page_server), store, fetcher)
    assert result.outcome == "first_version" and result.version_id is not None


def test_same_bytes_skip_extraction_and_count_as_unchanged(
    page_server: PageServer, store: Store, fetcher: Fetcher
) -> None:
    page_server.serve("/policy", POLICY, etag=False)  # no ETag: the body comes back in full every time
    check_document(document(page_server), store, fetcher)
    again = check_document(document(page_server), store, fetcher)
    assert again.outcome == "unchanged" and again.reason is None
    [last, _] = store.checks("acme")
    assert last.version_id == again.version_id


def test_after_a_304_the_same_bytes_are_recognised_without_extracting(
    page_server: PageServer, store: Store, fetcher: Fetcher
) -> None:
    page_server.serve("/policy", POLICY)
    check_document(document(page_server), store, fetcher)
    not_modified = check_document(document(page_server), store, fetcher)
    page_server.serve("/policy", POLICY, etag=False)  # a CDN that forgets validators sends the same bytes
    same_bytes = check_document(document(page_server), store, fetcher)
    assert not_modified.reason == "304 Not Modified" and same_bytes.outcome == "unchanged"
    # Recognised by the raw bytes' key, kept through the 304: no text was extracted from them.
    [last, *_] = store.checks("acme")
    assert last.text_sha256 is None and last.version_id == not_modified.version_id


@pytest.mark.parametrize(
    ("page", "content_type", "reason"),
    [
        ("", "text/html", "empty body"),
        ("<html><body><div id='x'></div></body></html>", "text/html", "empty page"),
        ("%PDF-1.7 ...", "application/pdf", "not an html or text page"),
        ("<html><body><h1>Please complete the CAPTCHA</h1></body></html>", "text/html", "captcha"),
        ("<html><body><p>Sign in to continue to LinkedIn</p></body></html>", "text/html", "login wall"),
        (
            "<html><body><p>Before you continue to Google</p><button>Accept all</button></body></html>",
            "text/html",
            "cookie wall",
        ),
        ("<html><body><p>Privacy policy</p></body></html>", "text/html", "too short"),
    ],
)
def test_non_policies_are_failed_checks_never_versions(
    page_server: PageServer, store: Store, fetcher: Fetcher, page: str, content_type: str, reason: str
) -> None:
    page_server.serve("/policy", page, content_type=content_type)
    result = check_document(document(page_server), store, fetcher)
    assert result.outcome == "failed" and reason in (result.reason or "").lower()
    assert store.versions("acme") == []
    [check] = store.checks("acme")
    assert check.outcome == "failed" and check.reason == result.reason


def test_a_redirect_to_a_login_page_is_a_wall(page_server: PageServer, store: Store, fetcher: Fetcher) -> None:
    page_server.serve("/policy", b"", status=302, headers={"Location": "/authwall?trk=x"})
    page_server.serve("/authwall?trk=x", POLICY)
    result = check_document(document(page_server), store, fetcher)
    assert result.outcome == "failed" and "login or bot wall" in (result.reason or "")


def test_a_page_without_the_policy_container_is_refused(
    page_server: PageServer, store: Store, fetcher: Fetcher
) -> None:
    page_server.serve("/policy", POLICY)
    result = check_document(document(page_server, select=("article.policy",)), store, fetcher)
    assert result.outcome == "failed" and "not the policy page" in (result.reason or "")


def test_a_much_shorter_text_is_suspect_until_checks_over_the_span_see_it(
    page_server: PageServer, store: Store, fetcher: Fetcher
) -> None:
    page_server.serve("/policy", POLICY)
    start = datetime(2026, 11, 2, tzinfo=UTC)
    check_document(document(page_server), store, fetcher, now=start)
    short = "<html><body><main>" + "".join(f"<p>Clause {i}: we process your data lawfully.</p>" for i in range(10))
    page_server.serve("/policy", short + "</main></body></html>")
    settings = ChecksSettings(confirm_checks=3, confirm_span="12h")
    outcomes = [
        check_document(document(page_server), store, fetcher, settings, now=start + timedelta(hours=hours)).outcome
        for hours in (1, 2, 3, 14)
    ]
    assert outcomes == ["failed", "failed", "failed", "changed"]
    assert "far shorter" in store.checks("acme")[1].reason


def test_an_error_status_is_a_failed_check(page_server: PageServer, store: Store, fetcher: Fetcher) -> None:
    page_server.serve("/policy", "down", status=503)
    result = check_document(document(page_server), store, fetcher)
    assert (
        result.outcome == "failed"
        and result.reason == f"HTTP 503 Service Unavailable from 127.0.0.1:{page_server.port}"
    )


def test_the_real_error_page_of_instagram_is_refused(page_server: PageServer, store: Store, fetcher: Fetcher) -> None:
    page_server.serve("/policy", fixture_bytes("instagram-error-page.html"))
    result = check_document(document(page_server), store, fetcher)
    assert result.outcome == "failed" and "error page" in (result.reason or "")


def test_a_rules_edit_is_a_re_extraction_never_a_policy_change(
    page_server: PageServer, store: Store, fetcher: Fetcher
) -> None:
    aside = "<aside><p>We use your posts and messages to train our AI models and improve our services.</p></aside>"
    page_server.serve("/policy", POLICY.replace("</main>", aside + "</main>"))
    strict = document(page_server, remove=("aside",))
    first = check_document(strict, store, fetcher)
    assert first.outcome == "first_version"

    loose = document(page_server)  # the user dropped the remove rule: the aside is now policy text
    again = check_document(loose, store, fetcher)
    assert again.outcome == "unchanged" and not again.flag.ai
    assert store.changes("acme") == []
    original, reextracted = store.versions("acme")
    assert reextracted.reextracted_from_id == original.id and reextracted.snapshot_id == original.snapshot_id
    assert "train our AI models" in store.version_text(reextracted.id)
    assert page_server.requests[-1][1].get("if-none-match") is None  # new rules read the whole page again

    page_server.serve("/policy", POLICY.replace("</main>", aside + "<p>We also sell your data.</p></main>"))
    changed = check_document(loose, store, fetcher)
    assert changed.outcome == "changed" and changed.inserted_words == 5 and changed.deleted_words == 0
    [change] = store.changes("acme")
    assert change.from_version_id == reextracted.id


# A Markdown policy with a link inside bracketed text (LinkedIn's User Agreement, 2022-11 to 2023-08), which
# extractor version 1 read as "\Note: ... [LinkedIn ..." and version 2 reads as "\[Note: ... LinkedIn ...".
MARKDOWN_POLICY = "".join(f"Clause {i}: we process your data lawfully.\n\n" for i in range(40)) + (
    "**\\[Note: Talent Media Services migrated to the** [**LinkedIn Marketing Solutions (LMS) Program**]"
    "(https://www.linkedin.com/legal/l/lmsprogramterms) **effective October 1, 2020.\\]**\n"
)
# The Markdown link pattern of extractor version 1, whose link text could hold a "[".
FIRST_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")


def _check_under_extractor_1(
    monkeypatch: pytest.MonkeyPatch, document: Document, store: Store, fetcher: Fetcher
) -> CheckResult:
    with monkeypatch.context() as patched:
        patched.setattr(check, "EXTRACTOR_VERSION", "1")
        patched.setattr(extract, "_MARKDOWN_LINK", FIRST_MARKDOWN_LINK)
        return check_document(document, store, fetcher)


def test_a_new_extractor_version_reads_the_version_in_force_again_never_a_change(
    page_server: PageServer, store: Store, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    page_server.serve("/policy", MARKDOWN_POLICY, content_type="text/markdown; charset=utf-8")
    first = _check_under_extractor_1(monkeypatch, document(page_server), store, fetcher)
    assert first.outcome == "first_version" and "\\Note:" in store.version_text(first.version_id or 0)

    again = check_document(document(page_server), store, fetcher)  # the same page, under EXTRACTOR_VERSION "2"
    assert again.outcome == "unchanged" and not again.flag.ai
    assert store.changes("acme") == []
    original, reextracted = store.versions("acme")
    assert reextracted.reextracted_from_id == original.id
    assert "\\[Note:" in store.version_text(reextracted.id)


def test_without_a_new_extractor_version_an_extraction_change_reads_as_a_policy_change(
    page_server: PageServer, store: Store, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Why tests/test_extractor_version.py insists on a bump: the same text in other bytes, extracted by the new
    # code under the old version, is diffed against the old code's text.
    page_server.serve("/policy", MARKDOWN_POLICY, content_type="text/markdown; charset=utf-8")
    _check_under_extractor_1(monkeypatch, document(page_server), store, fetcher)
    monkeypatch.setattr(check, "EXTRACTOR_VERSION", "1")
    page_server.serve("/policy", MARKDOWN_POLICY + "\n", content_type="text/markdown; charset=utf-8")
    assert check_document(document(page_server), store, fetcher).outcome == "changed"


def test_a_page_that_breaks_the_parser_is_a_failed_check(
    page_server: PageServer, store: Store, fetcher: Fetcher
) -> None:
    page_server.serve("/policy", POLICY)
    result = check_document(document(page_server, select=(":nth-child(a)",)), store, fetcher)
    assert result.outcome == "failed" and "extraction failed" in (result.reason or "")
    assert len(store.checks("acme")) == 1
