"""The notice a change gave, its opt-out statements and its variants, on real captures and on broken pages."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import PageServer, fixture_bytes, run_tracker

from tracker.check import check_document
from tracker.config import ConfigError, load_config, parse_config
from tracker.digest import preview_digest
from tracker.extract import extract_text
from tracker.fetch import Fetcher
from tracker.notice import ANNOUNCED, EFFECTIVE, UPDATED, change_notice, notice_lines, stated_dates, version_dates
from tracker.optout import GENERAL, NEAR, opt_out_pointers, page_links
from tracker.store import Store
from tracker.variants import absent, only_in


def text_of(name: str) -> str:
    return extract_text(fixture_bytes(name), "text/markdown")


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


# -- the dates a page states -------------------------------------------------------------------------------


def test_googles_june_2023_policy_is_effective_1_july_2023_two_days_after_it_appeared() -> None:
    old = stated_dates(text_of("google-privacy-policy-2023-01-19.md.gz"))
    new = stated_dates(text_of("google-privacy-policy-2023-06-29.md.gz"))
    assert [(d.kind, d.date) for d in new] == [(EFFECTIVE, date(2023, 7, 1))]
    notice = change_notice(old, new, at("2023-06-29T18:34:22"), old_seen=at("2023-01-19T06:43:23"))
    assert (notice.stated_effective, notice.notice_days, notice.basis) == (date(2023, 7, 1), 2, EFFECTIVE)
    assert notice.quote == "Effective 1 July 2023"


def test_linkedins_september_2024_policy_claims_a_date_before_anyone_could_see_it() -> None:
    old = stated_dates(text_of("linkedin-privacy-policy-2024-08-01.md.gz"))
    new = stated_dates(text_of("linkedin-privacy-policy-2024-09-19.md.gz"))
    notice = change_notice(old, new, at("2024-09-19T00:32:21"), old_seen=at("2024-08-01T00:32:53"))
    assert (notice.stated_effective, notice.notice_days) == (date(2024, 9, 18), -1)
    assert notice_lines(notice.as_json(), date(2024, 9, 19)) == [
        "Effective 18 Sep 2024; first seen 19 Sep 2024: no notice, dated 1 day before it appeared."
    ]


def test_an_announcement_of_future_terms_is_dated_and_counts_as_notice_when_they_take_effect() -> None:
    announcing = stated_dates(text_of("linkedin-user-agreement-2024-09-19.md.gz"))
    assert [(d.kind, d.date) for d in announcing] == [(ANNOUNCED, date(2024, 11, 20)), (EFFECTIVE, date(2022, 2, 1))]
    assert announcing[0].quote == "On November 20, 2024, we are updating our User Agreement."
    [upcoming] = version_dates(announcing, date(2024, 9, 19)).upcoming
    assert upcoming.date == date(2024, 11, 20)
    new = stated_dates(text_of("linkedin-user-agreement-2024-11-21.md.gz"))
    first_seen = at("2024-11-21T00:32:34")
    notice = change_notice(announcing, new, first_seen, [(at("2024-09-19T00:32:13"), announcing)])
    assert (notice.stated_effective, notice.basis, notice.notice_days) == (date(2024, 11, 20), EFFECTIVE, 62)
    assert notice.announced_at == at("2024-09-19T00:32:13")


def test_a_change_that_adds_an_announcement_is_dated_by_it_and_says_when_it_takes_effect() -> None:
    old = stated_dates("Terms\n\nEffective 5 January 2022\n\nYou may use our services.")
    new = stated_dates(
        "Terms\n\nEffective 5 January 2022\n\nWe’re updating our Terms of Service on 22 May 2024 to make it easier "
        "for you to understand what to expect from us.\n\nYou may use our services."
    )
    notice = change_notice(old, new, at("2024-04-16T12:35:47"))
    assert (notice.stated_effective, notice.basis, notice.notice_days) == (date(2024, 5, 22), ANNOUNCED, 36)
    assert notice_lines(notice.as_json(), date(2024, 4, 17)) == [
        "Announces new terms: takes effect in 35 days (22 May 2024); announced 16 Apr 2024."
    ]


def test_a_french_page_states_its_effective_date_and_announces_the_next() -> None:
    dates = stated_dates(text_of("meta-privacy-policy-fr-2024-05-21-head.md.gz"))
    assert [(d.kind, d.date) for d in dates] == [(ANNOUNCED, date(2024, 6, 26)), (EFFECTIVE, date(2023, 12, 27))]
    seen = version_dates(dates, date(2024, 5, 21))
    assert seen.effective is not None and seen.effective.date == date(2023, 12, 27)
    assert [d.date for d in seen.upcoming] == [date(2024, 6, 26)]


def test_a_german_page_states_its_effective_date() -> None:
    dates = stated_dates(text_of("google-privacy-policy-de-2025-12-12-head.md.gz"))
    assert [(d.kind, d.date, d.quote) for d in dates] == [
        (EFFECTIVE, date(2025, 12, 11), "Wirksam ab dem 11. Dezember 2025")
    ]


def test_a_page_without_dates_reports_none_and_no_notice() -> None:
    assert stated_dates("We collect data about you.\n\nAs of June 2017 persons under 16 may not join.") == ()
    notice = change_notice((), (), at("2025-01-02T00:00:00"))
    assert (notice.stated_effective, notice.notice_days, notice.basis) == (None, None, "none")
    assert notice_lines(notice.as_json(), date(2025, 1, 2)) == [
        "The page states no date of effect; first seen 2 Jan 2025."
    ]


def test_contradictory_dates_take_the_latest_and_report_the_others() -> None:
    text = "Privacy Policy\n\nEffective 1 March 2024\n\nWe collect data.\n\nEffective date: 1 June 2023"
    notice = change_notice((), stated_dates(text), at("2024-03-02T00:00:00"))
    assert (notice.stated_effective, notice.conflicting) == (date(2024, 3, 1), (date(2023, 6, 1),))
    assert "The page also states other effective dates: 1 Jun 2023." in notice_lines(notice.as_json(), date(2024, 3, 2))


def test_dates_in_a_cookie_banner_and_a_footer_do_not_date_the_policy() -> None:
    text = (
        "We updated our cookie settings on 5 May 2025. Accept all cookies | Reject\n\n"
        "Privacy Policy\n\nEffective 1 March 2024\n\nWe collect data.\n\n"
        "© 2025 Example Corp. Site last updated 3 May 2025."
    )
    dates = stated_dates(text)
    assert (EFFECTIVE, date(2024, 3, 1)) in [(d.kind, d.date) for d in dates]
    assert date(2025, 5, 5) not in [d.date for d in dates]
    notice = change_notice((), dates, at("2025-05-06T00:00:00"))
    assert notice.stated_effective == date(2024, 3, 1)  # the footer's "last updated" does not beat the effective date


@pytest.mark.parametrize("phrase", ["Effective 31 February 2024", "Last updated 03/04/2023", "Effective 2024-13-45"])
def test_an_unparseable_or_ambiguous_date_is_left_out_not_guessed(phrase: str) -> None:
    assert stated_dates(f"Policy\n\n{phrase}\n\nWe collect data.") == ()


def test_a_text_changed_without_a_new_date_says_so() -> None:
    dates = stated_dates("Effective 5 January 2022")
    notice = change_notice(dates, dates, at("2024-04-16T00:00:00"))
    assert notice.date_unchanged and notice.notice_days == -832
    assert notice_lines(notice.as_json(), date(2024, 4, 16)) == [
        "The text changed but its stated date did not (5 Jan 2022)."
    ]


def test_last_updated_dates_the_change_when_no_effective_date_is_stated() -> None:
    dates = stated_dates("Policy\n\nDate of Last Revision: 4 January, 2022")
    assert [(d.kind, d.date) for d in dates] == [(UPDATED, date(2022, 1, 4))]


# -- how to opt out ------------------------------------------------------------------------------------------


def test_linkedins_opt_out_pointer_is_its_own_sentence_with_its_own_settings_link() -> None:
    raw = fixture_bytes("linkedin-privacy-policy-2024-09-19.md.gz")
    text = extract_text(raw, "text/markdown")
    evidence = [
        "We may use your personal data to improve, develop, and provide products and Services, develop and train "
        "artificial intelligence (AI) models, develop, provide, and personalize our Services"
    ]
    links = page_links(raw, "text/markdown", "https://www.linkedin.com/legal/privacy-policy")
    [pointer] = opt_out_pointers(text, evidence, links)
    assert pointer.where == NEAR and pointer.url == "https://www.linkedin.com/psettings/"
    assert pointer.text.endswith("and the choices you make in your settings.")


def test_a_french_right_to_object_is_found_with_its_form() -> None:
    raw = fixture_bytes("meta-privacy-policy-fr-2024-09-19-head.md.gz")
    text = extract_text(raw, "text/markdown")
    evidence = ["Nous nous apprêtons à étendre nos expériences basées sur l’IA de Meta."]
    pointers = opt_out_pointers(text, evidence, page_links(raw, "text/markdown", "https://fr-fr.facebook.com/"))
    assert pointers[0].text == "Vous avez le droit de vous opposer à l’utilisation de vos informations à ces fins."
    assert pointers[0].url == "https://www.facebook.com/help/contact/6359191084165019"


def test_opt_out_pointers_are_quoted_from_the_page_and_their_links_are_the_pages_own() -> None:
    raw = fixture_bytes("google-privacy-policy-2023-06-29.md.gz")
    text = extract_text(raw, "text/markdown")
    links = page_links(raw, "text/markdown", "https://policies.google.com/privacy")
    pointers = opt_out_pointers(text, ["to help train Google’s AI models and build products and features"], links)
    assert pointers and pointers[0].where == GENERAL
    for pointer in pointers:
        assert pointer.text.removesuffix(" …") in " ".join(text.split())
        assert pointer.url is None or pointer.url in {link.url for link in links}


def test_a_page_that_says_nothing_about_opting_out_gets_no_pointer() -> None:
    text = "Terms\n\nWe use AI to improve our products. We train models on your posts."
    assert opt_out_pointers(text, ["We train models on your posts."]) == ()


def test_a_statement_that_one_cannot_opt_out_is_no_pointer() -> None:
    text = "Policy\n\nWe train AI models on your posts. You cannot opt out of this use of your data."
    assert opt_out_pointers(text, ["We train AI models on your posts."]) == ()


@pytest.mark.parametrize("body", [b"", b"<html><a href='javascript:alert(1)'>opt out</a>", b"\x00\xff<a href=", b"<"])
def test_broken_pages_give_no_links_and_no_error(body: bytes) -> None:
    assert page_links(body, "text/html", "https://example.org/") == ()


def test_html_links_are_absolute_and_carry_their_paragraph() -> None:
    body = b"<main><p>You can <a href='/settings/ai'>opt out</a> of AI training at any time.</p></main>"
    [link] = page_links(body, "text/html; charset=utf-8", "https://example.org/legal/privacy")
    assert (link.text, link.url) == ("opt out", "https://example.org/settings/ai")
    assert link.context == "You can opt out of AI training at any time."
    [pointer] = opt_out_pointers("You can opt out of AI training at any time.", [], [link])
    assert pointer.url == "https://example.org/settings/ai"


# -- variants -------------------------------------------------------------------------------------------------


def test_the_ai_training_clause_is_in_the_global_policy_only_not_in_the_eu_notice() -> None:
    global_policy = text_of("linkedin-privacy-policy-2024-09-19.md.gz")
    eu_notice = text_of("linkedin-privacy-policy-eu-2025-06-10.md.gz")
    clause = next(s for s in only_in(global_policy, eu_notice) if "develop and train artificial intelligence" in s)
    assert absent([clause], eu_notice)
    assert not absent([clause], global_policy)


# -- end to end: checks record the story, the digest and the commands tell it ---------------------------------


VARIANT_CONFIG = """\
fetch: {{host_gap: 0, retries: 0}}
services:
  linkedin:
    name: LinkedIn
    documents:
      privacy-policy:
        name: Privacy Policy
        url: {main}
        variants:
          eu: {{url: {eu}}}
email:
  smtp: {{host: 127.0.0.1, port: 25, security: none}}
  from: tracker@localhost
  to: you@example.org
"""


def test_an_ai_change_in_one_variant_only_is_stored_with_its_story_and_the_digest_says_not_in_the_eu_version(
    page_server: PageServer, database_url: str, tmp_path: Path
) -> None:
    main = page_server.serve("/legal/privacy-policy", fixture_bytes("linkedin-privacy-policy-2024-08-01.md.gz"))
    eu = page_server.serve("/legal/privacy/eu", fixture_bytes("linkedin-privacy-policy-eu-2025-06-10.md.gz"))
    for path in ("/legal/privacy-policy", "/legal/privacy/eu"):
        page_server.pages[path].content_type = "text/markdown; charset=utf-8"
    config_file = tmp_path / "config.yaml"
    config_file.write_text(VARIANT_CONFIG.format(main=main, eu=eu) + f"database: {{url: '{database_url}'}}\n")
    config = load_config(config_file)
    assert [d.key for d in config.documents("linkedin", "privacy-policy")] == ["privacy-policy", "privacy-policy@eu"]
    store = Store(database_url)
    try:
        with Fetcher(config.settings.fetch) as fetcher:
            for doc in config.documents():
                check_document(doc, store, fetcher, now=at("2024-08-01T00:32:53"))
            page_server.serve("/legal/privacy-policy", fixture_bytes("linkedin-privacy-policy-2024-09-19.md.gz"))
            page_server.pages["/legal/privacy-policy"].content_type = "text/markdown; charset=utf-8"
            result = check_document(
                config.document("linkedin", "privacy-policy"), store, fetcher, now=at("2024-09-19T00:32:21")
            )
        assert result.outcome == "changed" and result.flag.ai
        [(_, _, dates), _] = store.version_dates("linkedin", "privacy-policy")
        assert dates == [{"kind": "effective", "date": "2024-07-31", "quote": "Effective July 31, 2024"}]
        change = store.change(result.change_id or 0)
        assert change is not None
        assert (change.stated_effective, change.notice_days) == (date(2024, 9, 18), -1)
        assert change.opt_out and change.opt_out[0]["url"] == "https://www.linkedin.com/psettings/"
        assert [c.id for c in store.changes("linkedin", "privacy-policy")] == [change.id]  # variants included
        assert store.changes("linkedin", "privacy-policy@eu") == []
        digest = preview_digest(config, store, "you@example.org", now=at("2024-09-19T08:00:00"))
        assert digest is not None
        assert (
            "Effective 18 Sep 2024; first seen 19 Sep 2024: no notice, dated 1 day before it appeared." in digest.text
        )
        assert "Not in the EU version." in digest.text and "Not in the EU version." in digest.html
        assert '- "How we use your personal data will depend on' in digest.text
    finally:
        store.close()
    listed = run_tracker("changes", "linkedin", "--json", config=config_file)
    [entry] = json.loads(listed.stdout)
    assert (entry["stated_effective"], entry["notice_days"]) == ("2024-09-18", -1)
    assert entry["first_seen"].startswith("2024-09-19T00:32:21")
    shown = run_tracker("diff", "linkedin", "-d", "privacy-policy", "--format", "text", config=config_file)
    assert "Not in the EU version." in shown.stdout and "https://www.linkedin.com/psettings/" in shown.stdout
    compared = run_tracker("compare-variants", "linkedin", "-d", "privacy-policy", "--json", config=config_file)
    assert compared.returncode == 0, compared.stderr
    main_only = next(entry for entry in json.loads(compared.stdout) if entry["variant"] == "main")
    assert any("develop and train artificial intelligence (AI) models" in s for s in main_only["ai_sentences"])


def test_a_variant_must_differ_from_its_document_and_keys_cannot_hold_the_separator() -> None:
    base = "services:\n  x:\n    documents:\n      privacy{key}:\n        url: https://example.org/p\n"
    with pytest.raises(ConfigError, match="would fetch the document itself"):
        parse_config(base.format(key="") + "        variants:\n          eu: {name: EU}\n")
    with pytest.raises(ConfigError, match="kept for variants"):
        parse_config(base.format(key="@eu"))
    config = parse_config(base.format(key="") + "        variants:\n          de: {accept_language: de-DE}\n")
    [main, german] = config.documents("x", "privacy")
    assert german.headers == (("Accept-Language", "de-DE"),) and german.url == main.url
    assert german.title == "X Privacy (DE)" and [d.key for d in config.documents("x", "privacy@de")] == ["privacy@de"]
