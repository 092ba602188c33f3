"""End to end: the real `tracker` command, a real HTTP server on 127.0.0.1, real captures, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import PageServer, fixture_bytes, run_tracker

LINKEDIN_V1 = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")
LINKEDIN_V1_CHURN = fixture_bytes("linkedin-service-terms-2023-03-14-churn.html.gz")
LINKEDIN_V2 = fixture_bytes("linkedin-service-terms-2023-04-06.html.gz")
ERROR_PAGE = fixture_bytes("instagram-error-page.html")
GOOGLE_BEFORE = fixture_bytes("google-privacy-policy-2023-01-19.md.gz")
GOOGLE_AI = fixture_bytes("google-privacy-policy-2023-06-29.md.gz")


def write_config(tmp_path: Path, server: PageServer, database_url: str) -> Path:
    config = {
        "database": {"url": database_url},
        "fetch": {"retries": 1, "backoff": 0.01, "host_gap": 0},
        "services": {
            "linkedin": {
                "name": "LinkedIn",
                "documents": {"service-terms": {"name": "Service Terms", "url": server.url("/linkedin/terms")}},
            },
            "google": {
                "name": "Google",
                "documents": {"privacy-policy": {"name": "Privacy Policy", "url": server.url("/google/privacy")}},
            },
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def changes(config: Path, *args: str) -> list[dict]:
    result = run_tracker("changes", *args, "--json", config=config)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_real_pages_through_the_whole_pipeline(tmp_path: Path, page_server: PageServer, database_url: str) -> None:
    config = write_config(tmp_path, page_server, database_url)

    page_server.serve("/linkedin/terms", LINKEDIN_V1)
    first = run_tracker("check", "linkedin", config=config)
    assert first.returncode == 0, first.stderr
    assert "first version stored" in first.stdout

    # The same bytes again: the server answers our If-None-Match with 304, nothing is downloaded.
    again = run_tracker("check", "linkedin", config=config)
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert page_server.requests[-1][1].get("if-none-match")

    # Page churn (new tokens and scripts, same policy): no change.
    page_server.serve("/linkedin/terms", LINKEDIN_V1_CHURN)
    churn = run_tracker("check", "linkedin", config=config)
    assert churn.returncode == 0 and "unchanged" in churn.stdout
    assert changes(config) == []

    # A real text change: exactly one change.
    page_server.serve("/linkedin/terms", LINKEDIN_V2)
    changed = run_tracker("check", "linkedin", config=config)
    assert changed.returncode == 0 and "changed (change" in changed.stdout
    [change] = changes(config)
    assert change["service"] == "linkedin" and change["document"] == "service-terms"
    assert change["kind"] == "change" and change["ai"] is False
    assert change["inserted_words"] > 0 and change["deleted_words"] > 0
    for key in ("from_version", "to_version", "detected_at", "score", "terms", "evidence", "category"):
        assert key in change

    # An error page is a failed check (refused, kept as evidence), never a version.
    page_server.serve("/linkedin/terms", ERROR_PAGE)
    failed = run_tracker("check", "linkedin", config=config)
    assert failed.returncode == 1
    assert "refused: looks like an error page: “" in failed.stdout and "isn't available" in failed.stdout.lower()
    history = json.loads(run_tracker("history", "linkedin", "--json", config=config).stdout)
    assert len(history) == 2
    assert all(v["snapshot"]["raw_sha256"] and v["snapshot"]["url"].startswith("http://127.0.0.1") for v in history)
    raw = tmp_path / "first-capture.html"
    cited = run_tracker("snapshot", str(history[0]["snapshot"]["id"]), "-o", str(raw), config=config)
    assert cited.returncode == 0 and history[0]["snapshot"]["raw_sha256"] in cited.stderr
    assert raw.read_bytes() == LINKEDIN_V1  # the exact bytes the server sent

    # The old text comes back: a return of a known version, not news.
    page_server.serve("/linkedin/terms", LINKEDIN_V1)
    returned = run_tracker("check", "linkedin", config=config)
    assert returned.returncode == 0 and "returned to known version" in returned.stdout
    latest, earlier = changes(config)
    assert latest["kind"] == "return_of_known_version" and latest["ai"] is False
    assert latest["to_version"] == earlier["from_version"]
    assert len(json.loads(run_tracker("history", "linkedin", "--json", config=config).stdout)) == 2

    # The diff of the real change reads as words, in the notation a pipe or a log can keep.
    diff = run_tracker("diff", "linkedin", "--change", str(earlier["id"]), config=config)
    assert diff.returncode == 0, diff.stderr
    assert "[-10 novembre 2022-]{+1 février 2023+}" in diff.stdout
    [as_json] = json.loads(
        run_tracker("diff", "linkedin", "--change", str(earlier["id"]), "--format", "json", config=config).stdout
    )
    assert as_json["id"] == earlier["id"] and as_json["hunks"]
    # A change's id is enough: `tracker changes` lists ids of every service.
    alone = run_tracker("diff", "--change", str(earlier["id"]), config=config)
    assert alone.returncode == 0 and alone.stdout == diff.stdout
    unknown = run_tracker("diff", "--change", "999", config=config)
    assert unknown.returncode == 2 and "no change 999 (see `tracker changes`)" in unknown.stderr
    nothing = run_tracker("diff", config=config)
    assert nothing.returncode == 2 and "name a SERVICE, or a change with --change ID" in nothing.stderr


def test_an_ai_training_clause_is_flagged_with_its_sentence(
    tmp_path: Path, page_server: PageServer, database_url: str
) -> None:
    config = write_config(tmp_path, page_server, database_url)
    page_server.serve("/google/privacy", GOOGLE_BEFORE, content_type="text/markdown; charset=utf-8")
    assert run_tracker("check", "google", config=config).returncode == 0
    page_server.serve("/google/privacy", GOOGLE_AI, content_type="text/markdown; charset=utf-8")
    result = run_tracker("check", "google", config=config)
    assert result.returncode == 0 and "AI: training" in result.stdout

    [change] = changes(config, "--ai")
    assert change["ai"] is True and change["category"] == "training"
    inserted = " ".join(e["text"] for e in change["evidence"] if e["op"] == "insert")
    assert "help train Google’s AI models" in inserted and "Bard" in inserted

    diff = run_tracker("diff", "google", config=config)
    assert "AI flag: training" in diff.stdout
    assert "{+AI+}" in diff.stdout


def test_a_bad_config_names_file_line_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "database:\n  url: sqlite:///x.db\nservices:\n  acme:\n    documents:\n      terms:\n        urll: x\n"
    )
    result = run_tracker("check", config=config)
    assert result.returncode == 2
    assert str(config) in result.stderr and "line 7" in result.stderr
    assert "services.acme.documents.terms.urll" in result.stderr
    assert "Traceback" not in result.stderr
