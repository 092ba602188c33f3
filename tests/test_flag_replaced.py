"""A different document served in the policy's place, end to end: a real HTTP server, `tracker check`, the stored
change, `tracker changes`, `tracker diff` and the digest all say so, and quote what that document says about AI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path

from conftest import PageServer, run_tracker
from sqlalchemy import create_engine, text

from tracker.digest import Digest, DigestChange, Evidence, Marked, render_digest
from tracker.store import NewChange, NewCheck, NewSnapshot, Store, migrate

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
        # Believed at once: otherwise the screen holds another document as suspect until checks over 12 hours see
        # it (tests/test_screen.py); what it says once believed is what this file is about.
        "checks:\n  confirm_checks: 1\n"
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


def test_a_replaced_document_is_stored_and_a_downgrade_keeps_it_as_a_change(database_url: str) -> None:
    store = Store(database_url)
    first = store.record_check(new_check("Privacy Policy. " + "We keep your data safe. " * 20, 0))
    kind = "document_replaced"
    saved = store.record_check(new_check(NOTICE_SAYS * 5, 1, NewChange(kind, False, 0.0, "none", [], [], 9, 8)))
    assert first.version_id and saved.change_id is not None
    [change] = store.changes("acme")
    assert change.kind == kind
    store.close()
    engine = create_engine(database_url)
    migrate.downgrade(engine, "0007")  # the schema before this kind: the change stays, as a change
    with engine.connect() as connection:
        assert connection.execute(text("SELECT kind FROM changes")).scalars().all() == ["change"]
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def new_check(page: str, minute: int, change: NewChange | None = None) -> NewCheck:
    when = datetime(2026, 1, 1, 12, minute, tzinfo=UTC)
    body = f"<html><body><p>{page}</p></body></html>".encode()
    return NewCheck(
        service="acme",
        document="privacy",
        url="http://127.0.0.1/privacy",
        started_at=when,
        duration=0.1,
        outcome="changed" if change else "first_version",
        final_url="http://127.0.0.1/privacy",
        http_status=200,
        attempts=[],
        text=page,
        text_sha256=sha256(page.encode()).hexdigest(),
        snapshot=NewSnapshot(
            url="http://127.0.0.1/privacy",
            final_url="http://127.0.0.1/privacy",
            status=200,
            headers={"content-type": "text/html"},
            content_type="text/html",
            body=body,
            raw_sha256=sha256(body).hexdigest(),
            fetched_at=when,
        ),
        change=change,
    )
