"""A different document served in the policy's place, end to end: a real HTTP server, `tracker check`, the stored
change, `tracker changes`, `tracker diff` and the digest all say so, and quote what that document says about AI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from conftest import PageServer, run_tracker

from tracker.digest import Digest, DigestChange, Evidence, Marked, render_digest

PARAGRAPHS = "".join(
    f"<p>Section {i}. We collect the information you give us when you create an account and use our services. "
    f"You can review and change your settings at any time, and we keep data only as long as we need it.</p>"
    for i in range(12)
)
POLICY = (
    "<html><body><main><h1>Privacy Policy</h1>" + PARAGRAPHS + "<p>We may use your personal data to develop and "
    "train artificial intelligence models.</p></main></body></html>"
)
NOTICE_SAYS = "We process profile data as an input for AI-powered features and to train our AI models."
NOTICE = (
    "<html><body><main><h1>European Regional Privacy Notice</h1>"
    + "".join(
        f"<p>Article {i}. This notice supplements the privacy policy for members in the European Economic Area "
        "and says which legal basis we rely on for each purpose.</p>"
        for i in range(12)
    )
    + f"<p>{NOTICE_SAYS}</p></main></body></html>"
)


def write_config(tmp_path: Path, server: PageServer) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'tracker.db'}\n"
        "fetch:\n  host_gap: 0\n  retries: 0\n"
        "services:\n"
        "  acme:\n"
        "    name: Acme\n"
        "    documents:\n"
        f"      privacy: {{name: Privacy Policy, url: '{server.url('/privacy')}', select: [main]}}\n",
        encoding="utf-8",
    )
    return config


def test_a_regional_notice_served_instead_of_the_policy_reads_as_such_everywhere(
    tmp_path: Path, page_server: PageServer
) -> None:
    config = write_config(tmp_path, page_server)
    page_server.serve("/privacy", POLICY)
    assert run_tracker("check", "acme", config=config).returncode == 0
    page_server.serve("/privacy", NOTICE)
    checked = run_tracker("check", "acme", config=config)
    assert checked.returncode == 0, checked.stderr
    assert "the page now serves a different document" in checked.stdout

    [change] = json.loads(run_tracker("changes", "acme", "--json", config=config).stdout)
    assert change["kind"] == "document_replaced" and not change["ai"]
    assert [(e["op"], e["text"], e["rule"]) for e in change["evidence"]] == [("insert", NOTICE_SAYS, "model-training")]
    listed = run_tracker("changes", "acme", config=config).stdout
    assert "the page now serves a different document" in listed
    shown = run_tracker("diff", "acme", "--change", str(change["id"]), config=config).stdout
    assert "The page now serves a different document that says:" in shown and NOTICE_SAYS in shown


def test_the_digest_says_the_page_now_serves_a_different_document_that_says() -> None:
    when = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)
    change = DigestChange(
        id=7,
        service="linkedin",
        document="privacy",
        title="LinkedIn Privacy Policy",
        url="https://example.org/privacy",
        detected_at=when,
        kind="document_replaced",
        ai=False,
        category="none",
        score=0.0,
        terms=("AI",),
        inserted_words=900,
        deleted_words=800,
        evidence=(Evidence("insert", (Marked("insert", NOTICE_SAYS),)),),
    )
    rendered = render_digest(Digest("reader@example.org", when, "UTC", None, other_changes=(change,)))
    assert "The page now serves a different document that says:" in rendered.text
    assert NOTICE_SAYS in rendered.text and NOTICE_SAYS in rendered.html
    assert "The page now serves a different document that says:" in rendered.html
