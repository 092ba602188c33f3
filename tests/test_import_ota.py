"""`tracker import ota`: Open Terms Archive history through the pipeline, from local git repositories only."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from archives import Commit, build_ota_repository, corpus_commits
from conftest import PageServer, corpus_dir, fixture_bytes, run_tracker

from tracker.check import check_document
from tracker.config import Document, FetchSettings
from tracker.digest import Outbox
from tracker.fetch import Fetcher
from tracker.sources import ArchivedCapture, CaptureRef, SourceError, import_history
from tracker.sources.ota import OpenTermsArchive, open_repository
from tracker.store import Store

T0 = datetime(2023, 1, 10, 0, 32, tzinfo=UTC)
PATH = "Acme/Privacy Policy.md"


def policy(*extra: str) -> bytes:
    clauses = [f"Clause {i}: we process your data lawfully and keep it safe." for i in range(30)]
    return ("# Acme Privacy Policy\n\n" + "\n\n".join([*clauses, *extra]) + "\n").encode()


def acme(url: str = "https://acme.example/privacy", **fields: object) -> Document:
    return Document("acme", "privacy", url, "Acme", "Privacy Policy", ota="Acme/Privacy Policy", **fields)  # type: ignore[arg-type]


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'tracker.db'}")
    yield store
    store.close()


def history_repository(tmp_path: Path, *, bare: bool = False) -> Path:
    """An archive with each kind of commit: first record, changes, technical upgrade, empty file, error page."""
    ai = "We may use your data to train generative AI models that power features of our Services."
    return build_ota_repository(
        tmp_path / "acme-versions",
        [
            Commit(PATH, policy(), T0, "First record of Acme Privacy Policy"),
            Commit(
                PATH,
                policy("Clause 30: contact us."),
                T0 + timedelta(days=30),
                "Record new changes of Acme Privacy Policy",
            ),
            Commit(PATH, b"", T0 + timedelta(days=40), "Record new changes of Acme Privacy Policy"),
            Commit(
                PATH,
                b"This Page Isn't Available Right Now\n\nThe link may be broken.",
                T0 + timedelta(days=41),
                "Record new changes of Acme Privacy Policy",
            ),
            Commit(
                PATH,
                policy("Clause 30: contact us.", ai),
                T0 + timedelta(days=60),
                "Record new changes of Acme Privacy Policy",
            ),
            Commit(
                PATH,
                policy("Clause 30: contact us.", ai).replace(b"# Acme", b"Acme"),
                T0 + timedelta(days=70),
                "Apply technical or declaration upgrade on Acme Privacy Policy",
            ),
        ],
        bare=bare,
    )


def test_every_commit_becomes_a_version_in_time_order_with_its_provenance(store: Store, tmp_path: Path) -> None:
    repository = history_repository(tmp_path, bare=True)
    summary = import_history(acme(), store, OpenTermsArchive(open_repository(str(repository))))
    assert not summary.failed and summary.imported == 6
    versions = store.versions("acme", "privacy")
    assert [v.first_seen_at for v in versions] == [
        T0,
        T0 + timedelta(days=30),
        T0 + timedelta(days=60),
        T0 + timedelta(days=70),
    ]
    assert {v.origin for v in versions} == {"ota"}
    commit = versions[2].provenance
    assert commit is not None and commit["repository"] == str(repository) and len(commit["commit"]) == 40
    assert commit["fetched_at"] == (T0 + timedelta(days=60)).isoformat()
    changes = store.changes("acme")
    assert [c.detected_at for c in changes] == [T0 + timedelta(days=60), T0 + timedelta(days=30)]
    assert changes[0].ai and changes[0].origin == "ota" and not changes[1].ai
    assert any("train generative AI models" in e["text"] for e in changes[0].evidence)


def test_an_empty_file_and_an_error_page_in_the_archive_never_become_versions(
    sqlite_store: Store, tmp_path: Path
) -> None:
    summary = import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(history_repository(tmp_path)))))
    assert len(summary.refused) == 2
    assert "empty" in summary.refused[0] and "error page" in summary.refused[1]
    # On record with their reasons (a user's test: `history --all` showed none of them).
    refused = sqlite_store.refused_imports("acme", "privacy")
    assert [r.refusal for r in refused] == ["empty", "wall"] and refused[0].origin == "ota"
    # The change after them is measured against the last real version, not against the error page.
    assert sqlite_store.changes("acme")[0].inserted_words < 30


def test_a_technical_upgrade_is_a_version_but_never_a_change(sqlite_store: Store, tmp_path: Path) -> None:
    summary = import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(history_repository(tmp_path)))))
    assert summary.technical == 1
    technical = sqlite_store.versions("acme", "privacy")[-1]
    assert technical.reextracted_from_id == sqlite_store.versions("acme", "privacy")[-2].id
    assert all(c.to_version_id != technical.id for c in sqlite_store.changes("acme"))


def test_an_upgrade_that_carries_an_ai_change_is_a_change(sqlite_store: Store, tmp_path: Path) -> None:
    """A user's test: Meta's Terms of Service changed (AI training) between two captures of the archive, which recorded
    it only in an "Apply technical or declaration upgrade" commit four months later; the import called it technical
    and raised nothing. A re-reading that speaks of AI anew is a change; one that only re-formats stays technical."""
    ai = "We may use your posts to train the generative AI models that power our Services."
    repository = build_ota_repository(
        tmp_path / "acme-versions",
        [
            Commit(PATH, policy("Clause 30: contact us."), T0, "First record of Acme Privacy Policy"),
            Commit(
                PATH,
                policy("Clause 30: contact us.").replace(b"# Acme", b"Acme"),
                T0 + timedelta(days=10),
                "Apply technical or declaration upgrade on Acme Privacy Policy",
            ),
            Commit(
                PATH,
                policy("Clause 30: contact us.", ai).replace(b"# Acme", b"Acme"),
                T0 + timedelta(days=130),
                "Apply technical or declaration upgrade on Acme Privacy Policy",
            ),
        ],
    )
    summary = import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(repository))))
    assert summary.technical == 1 and len(summary.ai_changes) == 1
    # New rules that leave an AI section out say nothing of the page (a review): technical, as before.
    dropped = Commit(
        PATH, policy("Clause 30: contact us.").replace(b"# Acme", b"Acme"), T0 + timedelta(days=140), "Refilter"
    )
    build_ota_repository(repository, [dropped])
    again = import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(repository))))
    assert again.technical == 1 and again.ai_changes == []
    [change] = sqlite_store.changes("acme")
    assert change.ai and change.detected_at == T0 + timedelta(days=130)
    assert any("train the generative AI models" in e["text"] for e in change.evidence)


def test_a_rewrite_the_archive_kept_for_days_is_believed_at_its_own_date(sqlite_store: Store, tmp_path: Path) -> None:
    """A user's test: the screen held a real rewrite's first capture for confirmation, and an archive that records a
    text only when it changes has no second capture of it to confirm it: the rewrite was refused, or believed only
    at a later commit's date. The archive kept seeing it until its next commit: that confirms it, at its own date. A
    text the archive replaced within `checks.confirm_span` is still held."""
    rewrite = [f"Section {i}: a longer policy explains each use of your data in detail." for i in range(70)]
    glitch = [f"Item {i}: a page of another kind entirely, listing product news." for i in range(80)]
    repository = build_ota_repository(
        tmp_path / "acme-versions",
        [
            Commit(PATH, policy(), T0, "First record of Acme Privacy Policy"),
            Commit(PATH, policy(*glitch), T0 + timedelta(days=5), "Record new changes of Acme Privacy Policy"),
            Commit(PATH, policy(), T0 + timedelta(days=5, hours=2), "Record new changes of Acme Privacy Policy"),
            Commit(PATH, policy(*rewrite), T0 + timedelta(days=30), "Record new changes of Acme Privacy Policy"),
            Commit(
                PATH, policy(*rewrite, "Contact: privacy@acme.example."), T0 + timedelta(days=90), "Record new changes"
            ),
        ],
    )
    summary = import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(repository))))
    assert len(summary.refused) == 1 and "far longer" in summary.refused[0]  # the glitch of two hours, held
    assert [v.first_seen_at for v in sqlite_store.versions("acme", "privacy")] == [
        T0,
        T0 + timedelta(days=30),
        T0 + timedelta(days=90),
    ]
    assert [c.detected_at for c in sqlite_store.changes("acme")] == [T0 + timedelta(days=90), T0 + timedelta(days=30)]


def test_a_glitch_the_archive_saw_once_is_still_held(sqlite_store: Store, tmp_path: Path) -> None:
    """A review: replaced at the archive's next run 12 hours later (it runs every 12 hours), or in the same second,
    a text was seen once, and was believed; checks need 3 sightings over 12 hours."""
    glitch = policy(*[f"Item {i}: a page of another kind entirely, listing product news." for i in range(80)])
    every_12_hours = [T0 + timedelta(hours=12 * n) for n in range(6)]
    repository = build_ota_repository(
        tmp_path / "acme-versions",
        [
            Commit(PATH, policy(), every_12_hours[0], "First record of Acme Privacy Policy"),
            Commit(PATH, glitch, every_12_hours[1], "Record new changes of Acme Privacy Policy"),
            Commit(PATH, policy(), every_12_hours[2], "Record new changes of Acme Privacy Policy"),
            Commit(PATH, glitch, every_12_hours[4], "Record new changes of Acme Privacy Policy"),
            Commit(PATH, policy("Clause 30: contact us."), every_12_hours[4], "Record new changes"),
            Commit(PATH, policy("Clause 30: contact us.", "Clause 31."), every_12_hours[5], "Record new changes"),
        ],
    )
    summary = import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(repository))))
    assert len(summary.refused) == 2 and all("far longer" in refused for refused in summary.refused)
    assert all(v.size < 3000 for v in sqlite_store.versions("acme", "privacy"))


def test_a_held_newest_record_waits_for_the_archive_to_record_more(sqlite_store: Store, tmp_path: Path) -> None:
    """A user's test: the archive's newest commit, a rewrite, was refused, and stayed refused after the archive
    recorded more, while a fresh import of the same archive believed it: the outcome depended on when one imported.
    Held as the newest record, it is not on record yet; the next import judges it with what followed."""
    rewrite = [f"Section {i}: a longer policy explains each use of your data in detail." for i in range(70)]
    commits = [
        Commit(PATH, policy(), T0, "First record of Acme Privacy Policy"),
        # Another document's records: the archive runs every 6 hours.
        Commit("Acme/Terms.md", b"# Terms\n\nOne.\n", T0 + timedelta(hours=6), "First record of Acme Terms"),
        Commit("Acme/Terms.md", b"# Terms\n\nTwo.\n", T0 + timedelta(hours=12), "Record new changes of Acme Terms"),
        Commit(PATH, policy(*rewrite), T0 + timedelta(days=30), "Record new changes of Acme Privacy Policy"),
    ]
    repository = build_ota_repository(tmp_path / "acme-versions", commits)
    first = import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(repository))))
    assert first.refused == [] and len(first.awaiting) == 1 and "far longer" in first.awaiting[0]
    assert len(sqlite_store.versions("acme", "privacy")) == 1
    later = Commit(PATH, policy(*rewrite, "Contact: privacy@acme.example."), T0 + timedelta(days=60), "Record new")
    build_ota_repository(repository, [later])
    second = import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(repository))))
    assert second.awaiting == [] and second.refused == [] and second.already_imported == 1
    assert [v.first_seen_at for v in sqlite_store.versions("acme", "privacy")] == [
        T0,
        T0 + timedelta(days=30),
        T0 + timedelta(days=60),
    ]


def test_a_page_variant_s_ai_section_that_goes_again_is_no_news(sqlite_store: Store, tmp_path: Path) -> None:
    """As for checks: the AI section of a longer variant going again after it went once is no alert (the import
    had no memory of dropped sentences; Meta's short and long privacy pages flip for years)."""
    ai = "We use your public posts to train the generative AI models that power our features."
    repository = build_ota_repository(
        tmp_path / "acme-versions",
        [
            Commit(PATH, policy(ai), T0, "First record of Acme Privacy Policy"),
            Commit(PATH, policy(), T0 + timedelta(days=10), "Record new changes of Acme Privacy Policy"),
            Commit(PATH, policy(ai), T0 + timedelta(days=20), "Record new changes of Acme Privacy Policy"),
            Commit(PATH, policy("Clause 30: contact us."), T0 + timedelta(days=30), "Record new changes"),
        ],
    )
    summary = import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(repository))))
    changes = sqlite_store.changes("acme")
    assert [c.detected_at for c in changes if c.kind == "change"] == [T0 + timedelta(days=30), T0 + timedelta(days=10)]
    assert summary.ai_changes == [changes[-1].id]  # the first time it went: news; the second: a variant


def test_a_version_an_import_since_stored_is_known_when_a_full_import_meets_it_earlier(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A review: after `import ota --since`, a full import met the version it stored earlier in time and did not take
    in its sentences: an AI sentence known from then raised a false alert when it came back."""
    ai = "We use your posts and photos to train the generative AI models that power our assistant features."
    first, without, back = (
        policy(ai, "Clause 31."),
        policy("Clause 31.", "Clause 32."),
        policy(ai, "Clause 31.", "Clause 32."),
    )
    repository = build_ota_repository(
        tmp_path / "acme-versions",
        [
            Commit(PATH, first, T0, "First record of Acme Privacy Policy"),
            Commit(PATH, without, T0 + timedelta(days=30), "Record new changes of Acme Privacy Policy"),
            Commit(PATH, back, T0 + timedelta(days=60), "Record new changes of Acme Privacy Policy"),
            Commit(PATH, first, T0 + timedelta(days=400), "Record new changes of Acme Privacy Policy"),
        ],
    )
    archive = open_repository(str(repository))
    import_history(acme(), sqlite_store, OpenTermsArchive(archive, since=T0 + timedelta(days=300)))
    summary = import_history(acme(), sqlite_store, OpenTermsArchive(archive))
    assert len(summary.ai_changes) == 1  # the AI sentence removed on day 30; not its return on day 60


def test_a_second_import_adds_nothing(store: Store, tmp_path: Path) -> None:
    archive = OpenTermsArchive(open_repository(str(history_repository(tmp_path))))
    import_history(acme(), store, archive)
    before = (store.versions("acme"), store.changes("acme"))
    again = import_history(acme(), store, archive)
    assert again.imported == 0 and again.already_imported == 6 and not again.failed
    assert (store.versions("acme"), store.changes("acme")) == before


class _KilledAfter:
    """The archive, with the import killed after `n` captures (as by Ctrl-C or a crash)."""

    def __init__(self, archive: OpenTermsArchive, n: int) -> None:
        self.archive, self.n = archive, n
        self.origin, self.source = archive.origin, archive.source

    def list_captures(self, document: Document) -> list[CaptureRef]:
        return self.archive.list_captures(document)

    def load(self, document: Document, refs: Sequence[CaptureRef]) -> Iterator[ArchivedCapture]:
        for number, capture in enumerate(self.archive.load(document, refs)):
            if number == self.n:
                raise KeyboardInterrupt
            yield capture


def test_an_import_killed_halfway_resumes_where_it_stopped(tmp_path: Path) -> None:
    archive = OpenTermsArchive(open_repository(str(history_repository(tmp_path))))
    whole = Store(f"sqlite:///{tmp_path / 'whole.db'}")
    import_history(acme(), whole, archive)
    resumed = Store(f"sqlite:///{tmp_path / 'resumed.db'}")
    with pytest.raises(KeyboardInterrupt):
        import_history(acme(), resumed, _KilledAfter(archive, 3))
    assert len(resumed.imported_refs("acme", "privacy", "ota")) == 3
    summary = import_history(acme(), resumed, archive)
    assert summary.already_imported == 3 and summary.imported == 3

    def shape(store: Store) -> list[tuple[object, ...]]:
        return [(c.detected_at, c.ai, c.inserted_words, c.deleted_words) for c in store.changes("acme")]

    assert shape(resumed) == shape(whole)
    assert [v.text_sha256 for v in resumed.versions("acme")] == [v.text_sha256 for v in whole.versions("acme")]


def test_a_directory_that_is_not_git_and_a_path_missing_from_the_archive_are_clear_errors(
    sqlite_store: Store, tmp_path: Path
) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(SourceError, match="not a git repository"):
        open_repository(str(tmp_path / "plain"))
    with pytest.raises(SourceError, match="not a directory"):
        open_repository(str(tmp_path / "nowhere"))
    archive = OpenTermsArchive(open_repository(str(history_repository(tmp_path))))
    elsewhere = Document("acme", "terms", "https://acme.example/terms", "Acme", "Terms", ota="Acme/Terms of Service")
    summary = import_history(elsewhere, sqlite_store, archive)
    assert (
        summary.failed and "no commit" in (summary.error or "") and "Acme/Terms of Service.md" in (summary.error or "")
    )
    assert sqlite_store.versions("acme") == []


def test_a_git_url_is_cloned_into_the_cache_and_updated_on_the_next_import(tmp_path: Path, sqlite_store: Store) -> None:
    repository = history_repository(tmp_path)
    cache = tmp_path / "cache"
    first = open_repository(f"file://{repository}", cache)
    assert first.path.parent == cache and (first.path / "HEAD").exists()
    import_history(acme(), sqlite_store, OpenTermsArchive(first))
    later = Commit(PATH, policy("Clause 30: contact us.", "Clause 31: new."), T0 + timedelta(days=90), "Record …")
    build_ota_repository(repository, [later])
    summary = import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(f"file://{repository}", cache)))
    assert summary.imported == 1 and summary.already_imported == 6


def test_imported_history_never_displaces_what_this_tracker_saw(
    page_server: PageServer, sqlite_store: Store, tmp_path: Path
) -> None:
    page_server.serve(
        "/privacy", b"<html><body><main>" + policy().replace(b"\n\n", b"</p><p>") + b"</main></body></html>"
    )
    doc = acme(page_server.url("/privacy"))
    with Fetcher(FetchSettings(retries=0, host_gap=0)) as fetcher:
        check_document(doc, sqlite_store, fetcher)
    [live] = sqlite_store.versions("acme")
    # An archive whose history runs past this tracker's first check: only the time before it is imported.
    future = build_ota_repository(
        tmp_path / "late",
        [
            Commit(PATH, policy(), T0, "First record of Acme Privacy Policy"),
            Commit(PATH, policy("Clause 30: later."), datetime.now(UTC) + timedelta(days=1), "Record new changes of …"),
        ],
    )
    summary = import_history(doc, sqlite_store, OpenTermsArchive(open_repository(str(future))))
    assert summary.imported == 1 and summary.after_first_check == 1
    assert sqlite_store.document_state("acme", "privacy").latest.id == live.id  # type: ignore[union-attr]
    assert sqlite_store.changes("acme") == []


def test_the_first_check_after_an_import_reads_the_page_anew_instead_of_diffing_the_archive_markup(
    page_server: PageServer, sqlite_store: Store, tmp_path: Path
) -> None:
    import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(history_repository(tmp_path)))))
    page_server.serve(
        "/privacy",
        b"<html><body><main><h1>Acme</h1>" + policy().replace(b"\n\n", b"</p><p>") + b"</main></body></html>",
    )
    with Fetcher(FetchSettings(retries=0, host_gap=0)) as fetcher:
        result = check_document(acme(page_server.url("/privacy")), sqlite_store, fetcher)
    assert result.outcome == "first_version" and result.change_id is None
    assert sqlite_store.document_state("acme", "privacy").latest.origin == "check"  # type: ignore[union-attr]
    # A user's test read "first version stored" as compared: it says it was not, and how to see both.
    assert result.reason and "not compared with the archive's last version" in result.reason
    assert "tracker history acme -d privacy" in result.reason


def test_imported_changes_are_never_news_for_the_digest(sqlite_store: Store, tmp_path: Path) -> None:
    import_history(acme(), sqlite_store, OpenTermsArchive(open_repository(str(history_repository(tmp_path)))))
    assert sqlite_store.changes("acme") and Outbox(sqlite_store).unsent_changes("someone@example.org") == []


def test_with_snapshots_the_raw_pages_are_extracted_with_the_documents_own_rules(
    sqlite_store: Store, tmp_path: Path
) -> None:
    pages = [
        fixture_bytes("linkedin-service-terms-2023-03-14.html.gz"),
        fixture_bytes("linkedin-service-terms-2023-04-06.html.gz"),
    ]
    html_path = "LinkedIn/Terms of Service.html"
    snapshots = build_ota_repository(
        tmp_path / "snapshots",
        [Commit(html_path, page, T0 + timedelta(days=i), f"Record new changes of {i}") for i, page in enumerate(pages)],
    )
    shas = subprocess.run(
        ["git", "-C", str(snapshots), "log", "--reverse", "--format=%H"], capture_output=True, text=True, check=True
    ).stdout.split()
    versions = build_ota_repository(
        tmp_path / "versions",
        [
            Commit(
                "LinkedIn/Terms of Service.md",
                f"Archive text {i}: {'word ' * 100}".encode(),
                T0 + timedelta(days=i),
                "Record new changes of LinkedIn Terms of Service",
                f"This version was recorded after filtering snapshot https://github.com/x/y-snapshots/commit/{sha}",
            )
            for i, sha in enumerate(shas)
        ],
    )
    doc = Document(
        "linkedin",
        "service-terms",
        "https://www.linkedin.com/legal/l/service-terms",
        "LinkedIn",
        "Service Terms",
        select=("main",),
        ota="LinkedIn/Terms of Service",
    )
    archive = OpenTermsArchive(open_repository(str(versions)), open_repository(str(snapshots)))
    summary = import_history(doc, sqlite_store, archive)
    assert summary.imported == 2 and len(summary.changes) == 1
    first = sqlite_store.versions("linkedin")[0]
    assert "Conditions de service" in sqlite_store.version_text(first.id)  # our extraction of the page, not the .md
    assert sqlite_store.snapshot_body(first.snapshot_id) == pages[0]  # type: ignore[arg-type]


# -- the acceptance: LinkedIn's September 2024 change, from the real archive's history --------------------------


@pytest.fixture(scope="module")
def linkedin_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("the shared corpus (../shared/corpus) is not on this machine")
    commits = corpus_commits(corpus, "linkedin", ("privacy-policy", "user-agreement"), "pga", "2025-06-30T23:59:59Z")
    return build_ota_repository(tmp_path_factory.mktemp("ota") / "pga-versions", commits)


def test_linkedin_september_2024_change_is_found_flagged_with_the_archives_dates(
    linkedin_archive: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 'tracker.db'}'}}\n"
        "services:\n  linkedin:\n    name: LinkedIn\n    documents:\n"
        "      privacy-policy: {url: 'https://www.linkedin.com/legal/privacy-policy', select: main,"
        " ota: LinkedIn/Privacy Policy}\n"
        "      user-agreement: {url: 'https://www.linkedin.com/legal/user-agreement', select: main,"
        " ota: LinkedIn/Terms of Service}\n"
    )
    imported = run_tracker("import", "ota", str(linkedin_archive), "linkedin", "--json", config=config)
    assert imported.returncode == 0, imported.stderr
    store = Store(f"sqlite:///{tmp_path / 'tracker.db'}")
    september = [c for c in store.changes("linkedin", "privacy-policy", ai_only=True) if c.detected_at.year == 2024]
    assert [c.detected_at for c in september] == [datetime(2024, 9, 19, 0, 32, 21, tzinfo=UTC)]
    change = september[0]
    assert change.category == "training" and change.origin == "ota"
    # Its whole story, read as a check reads it: no notice, and how to opt out with the page's own link.
    assert change.notice_days == -1 and str(change.stated_effective) == "2024-09-18"
    assert change.opt_out and change.opt_out[0]["url"] == "https://www.linkedin.com/psettings/"
    assert any("generative AI" in e["text"] or "train" in e["text"] for e in change.evidence)
    provenance = store.version(change.to_version_id).provenance or {}
    assert (
        provenance["fetched_at"] == "2024-09-19T00:32:21+00:00" and provenance["path"] == "LinkedIn/Privacy Policy.md"
    )

    shown = run_tracker("diff", "linkedin", "--ai", config=config)
    assert shown.returncode == 0, shown.stderr
    assert f"change {change.id}, recorded by Open Terms Archive" in shown.stdout
    assert "2024-09-19 00:32 UTC" in shown.stdout and "AI flag: training" in shown.stdout
    assert "no notice, dated 1 day before it appeared" in shown.stdout, shown.stdout
    # An archive's capture is cited as the archive's, never as a fetch this tracker made (a user's test).
    snapshot_id = store.version(change.to_version_id).snapshot_id
    cited = run_tracker("snapshot", str(snapshot_id), config=config)
    assert "as archived by Open Terms Archive at 2024-09-19T00:32:21+00:00" in cited.stderr
    assert "not fetched by this tracker" in cited.stderr and "HTTP 200" not in cited.stderr
    # The archive's newest record of the policy is another document (the EU regional notice), held until the
    # archive records more: not on record, and said so.
    summary = {s["document"]: s for s in map(json.loads, imported.stdout.splitlines())}["privacy-policy"]
    assert "linkedin european regional privacy notice" in " ".join(summary["awaiting_confirmation"])

    before = (store.versions("linkedin"), store.changes("linkedin"))
    again = run_tracker("import", "ota", str(linkedin_archive), "linkedin", "--json", config=config)
    assert again.returncode == 0 and again.stdout.count('"imported": 0') == 2
    assert (store.versions("linkedin"), store.changes("linkedin")) == before
    store.close()
    # A path that is no archive is the user's mistake (exit 2), not an archive that failed (exit 1).
    missing = run_tracker("import", "ota", str(tmp_path / "no-such-clone"), "linkedin", config=config)
    assert missing.returncode == 2 and "is not a directory" in missing.stderr, missing.stderr
