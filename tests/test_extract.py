"""Extraction: small pages pin the layout rules; the real corpus checks the shipped config.yaml rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, corpus_dir, fixture_bytes
from soup_reference import soup_extract_html

from tracker.config import Document, load_config
from tracker.css import compile_selector
from tracker.extract import ExtractionError, Rules, extract_text

SHIPPED = load_config(REPO / "config.yaml")


def html(body: str) -> bytes:
    return f"<!DOCTYPE html><html><head><title>Policy</title></head><body>{body}</body></html>".encode()


def shipped_rules(service: str, document: str) -> Rules:
    found = SHIPPED.document(service, document)
    return Rules(found.select, found.remove)


# -- layout and clean-up, on small pages ----------------------------------------------------------------------


def test_headings_list_items_and_table_rows_are_lines_of_their_own() -> None:
    page = html(
        "<main><h1>Privacy Policy</h1><p>We collect <b>data</b>.</p><h2>Uses</h2>"
        "<ul><li>Ads</li><li>Safety</li></ul>"
        "<table><tr><th>Data</th><th>Purpose</th></tr><tr><td>Email</td><td>Login</td></tr></table></main>"
    )
    assert extract_text(page, "text/html") == (
        "# Privacy Policy\n\nWe collect data.\n\n## Uses\n\n- Ads\n\n- Safety\n\nData | Purpose\n\nEmail | Login"
    )


def test_empty_table_cells_add_no_separator() -> None:
    # Meta's mobile Data Policy lays text out in tables whose first cell only held an icon.
    page = html("<main><table><tr><td></td><td><div>Clause</div></td></tr><tr><td>A</td><td></td><td>C</td></tr>")
    assert extract_text(page, "text/html") == "Clause\n\nA | C"


def test_scripts_styles_templates_and_hidden_elements_are_dropped() -> None:
    page = html(
        "<main><p>Policy text.</p><script>var tracking = 1;</script><style>p { color: red }</style>"
        "<template><p>Template</p></template><noscript>Enable JavaScript</noscript>"
        "<p hidden>Hidden attribute</p><p style='display: none'>Display none</p>"
        "<p style='visibility:hidden'>Invisible</p></main>"
    )
    assert extract_text(page, "text/html") == "Policy text."


def test_navigation_dialogs_and_cookie_banners_are_dropped() -> None:
    page = html(
        "<nav>Home | Legal</nav><main><div role='navigation'>Contents</div><p>Policy text.</p>"
        "<div id='onetrust-banner-sdk'>We use cookies. Accept all</div>"
        "<div class='artdeco-global-alert'>LinkedIn uses cookies</div>"
        "<div role='dialog'>Allow the use of cookies?</div></main>"
    )
    assert extract_text(page, "text/html") == "Policy text."


def test_collapsed_panels_marked_aria_hidden_are_policy_text() -> None:
    # LinkedIn's "Key terms" panels are aria-hidden until opened; Meta marks its whole page aria-hidden while
    # its cookie dialog is open. aria-hidden hides from screen readers, not from the page.
    page = html("<main><p>Intro.</p><div aria-hidden='true'><h4>Affiliates</h4><p>Companies we control.</p></div>")
    assert extract_text(page, "text/html") == "Intro.\n\n#### Affiliates\n\nCompanies we control."


def test_unicode_is_normalized() -> None:
    # A byte order mark, a decomposed "é", no-break spaces and zero-width characters: what two copies of one
    # page differ by while reading the same.
    page = "\ufeff" + html("<p>Cafe\u0301\u00a0policy\u200b for\u00a0\u00a0you\u2060.\ufeff</p>").decode()
    assert extract_text(page.encode(), "text/html; charset=utf-8") == "Café policy for you."


def test_control_codes_a_terminal_would_obey_are_dropped() -> None:
    # ESC and CSI sequences from a hostile page would recolour, hide or overwrite lines of `tracker diff`; the
    # controls str.split() reads as spaces (tab, form feed, NEL) stay word breaks.
    page = html("<p>We \x1b[8mdo not\x1b[0m train&#x1b;]0;x&#7; models.\u009b2J Tab\tand\x0cfeed\u0085end.</p>")
    assert extract_text(page, "text/html; charset=utf-8") == "We [8mdo not[0m train]0;x models.2J Tab and feed end."
    plain = b"Terms \x1b[2Jhere\x7f.\r\nNext line"
    assert extract_text(plain, "text/plain; charset=utf-8") == "Terms [2Jhere.\nNext line"


def test_link_targets_are_not_in_the_text() -> None:
    page = html("<p>Read our <a href='https://example.com/cookies?utm_source=policy'>Cookie Policy</a>.</p>")
    text = extract_text(page, "text/html")
    assert text == "Read our Cookie Policy."


def test_markdown_links_and_images_are_stripped_to_their_text() -> None:
    source = b"See [our Cookie Policy](https://example.com/c?x=(1)) and ![the logo](logo.png).\n"
    assert extract_text(source, "text/markdown") == "See our Cookie Policy and the logo."


def test_plain_text_is_kept_with_its_lines() -> None:
    source = b"Terms of Service\r\n\r\n\r\n\r\nYou agree   to these\tterms.\n  Last updated: 2024  \n"
    assert extract_text(source, "text/plain") == "Terms of Service\n\nYou agree to these terms.\nLast updated: 2024"


def test_the_same_bytes_always_give_the_same_text() -> None:
    page = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")
    rules = shipped_rules("linkedin", "user-agreement")
    assert extract_text(page, "text/html", rules) == extract_text(page, "text/html", rules)


def test_page_churn_without_a_text_change_gives_the_same_text() -> None:
    # Two real captures of LinkedIn's Service Terms six hours apart: tokens and scripts differ, the text does not.
    rules = shipped_rules("linkedin", "user-agreement")
    first = extract_text(fixture_bytes("linkedin-service-terms-2023-03-14.html.gz"), "text/html", rules)
    later = extract_text(fixture_bytes("linkedin-service-terms-2023-03-14-churn.html.gz"), "text/html", rules)
    changed = extract_text(fixture_bytes("linkedin-service-terms-2023-04-06.html.gz"), "text/html", rules)
    assert first == later != changed


def test_a_select_rule_that_matches_nothing_is_an_extraction_error() -> None:
    page = html("<main><p>This Page Isn't Available Right Now</p></main>")
    with pytest.raises(ExtractionError, match="#policy"):
        extract_text(page, "text/html", Rules(select=("#policy",)))


def test_remove_rules_take_out_their_matches_inside_the_selection() -> None:
    page = html(
        "<p>Outside.</p><article><div class='toc'>Contents</div><p>Clause one.</p>"
        "<p>Clause two. <a class='print' href='/print'>Print</a></p></article>"
    )
    rules = Rules(select=("article",), remove=(".toc", "a.print"))
    assert extract_text(page, "text/html", rules) == "Clause one.\n\nClause two."


def test_several_select_rules_take_their_matches_once_in_page_order() -> None:
    page = html("<section id='b'><p>First.</p><div class='a'><p>Nested.</p></div></section><p class='a'>Last.</p>")
    rules = Rules(select=(".a", "#b"))
    assert extract_text(page, "text/html", rules) == "First.\n\nNested.\n\nLast."


# -- the shipped config.yaml ----------------------------------------------------------------------------------


@pytest.mark.parametrize("document", list(SHIPPED.documents()), ids=lambda d: f"{d.service}/{d.key}")
def test_every_shipped_rule_is_valid_css(document: Document) -> None:
    empty = BeautifulSoup("<html><body></body></html>", "lxml")
    for selector in document.select + document.remove:
        empty.select(selector)  # raises on a selector soupsieve cannot read


# -- the shipped rules on real captures ------------------------------------------------------------------------
# The corpus (../shared/corpus, or $TRACKER_CORPUS) holds pages captured by Open Terms Archive from 2022 to 2026
# in every layout these sites used. Its "snapshots-only" pages are captures whose text did not change from the
# version in force: extraction must give them exactly the text of that version's own capture.

CORPUS = corpus_dir()
NO_CORPUS = "the shared corpus of real captures is not on this machine (../shared/corpus, or set $TRACKER_CORPUS)"
CONFIG_SERVICE = {"facebook": "meta", "linkedin": "linkedin", "google": "google"}
# LinkedIn's business Service Terms are not tracked by default; they are built like the User Agreement, so they
# are checked with its rules: more captures of that layout.
CONFIG_DOCUMENT = {("linkedin", "service-terms"): "user-agreement"}
SIX_DOCUMENTS = {(d.service, d.key) for d in SHIPPED.documents()}
# Page chrome seen in these captures (and the help widget the corpus README warns about): never policy text.
CHROME = (
    "Chat with Meta AI",
    "cookies de Facebook sur ce navigateur",  # Meta's cookie banner, French
    "Uniquement autoriser les cookies essentiels",  # its button
    "nous-mêmes utilisons des cookies",  # LinkedIn's cookie banner, French
    "Revenir en haut",  # "back to top" links, French, English and Hindi
    "Return to top",
    "सबसे ऊपर वापस जाएँ",
    "version imprimable",  # print and download links
    "PDF herunterladen",
)


def _manifest() -> list[dict]:
    if CORPUS is None:
        return []
    return [e for e in json.loads((CORPUS / "manifest.json").read_text()) if e["service"] in CONFIG_SERVICE]


MANIFEST = _manifest()


def _config_key(entry: dict) -> tuple[str, str]:
    service = CONFIG_SERVICE[entry["service"]]
    return service, CONFIG_DOCUMENT.get((entry["service"], entry["doc_type"]), entry["doc_type"])


@cache
def _extract(path_html: str, service: str, document: str) -> str:
    assert CORPUS is not None
    return extract_text((CORPUS / path_html).read_bytes(), "text/html", shipped_rules(service, document))


def _version_in_force(snapshot: dict) -> dict | None:
    series = (snapshot["service"], snapshot["doc_type"], snapshot["source"])
    earlier = [
        e
        for e in MANIFEST
        if e["kind"] == "version"
        and (e["service"], e["doc_type"], e["source"]) == series
        and e["timestamp"] <= snapshot["timestamp"]
    ]
    return max(earlier, key=lambda e: e["timestamp"], default=None)


def _snapshot_pairs() -> list:
    if CORPUS is None:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=NO_CORPUS), id="no-corpus")]
    pairs = []
    for snapshot in MANIFEST:
        if snapshot["kind"] != "snapshot_only" or not snapshot["path_html"]:
            continue
        version = _version_in_force(snapshot)
        if version and version["path_html"]:  # the corpus keeps only the text of some versions
            pairs.append(pytest.param(snapshot, version, id=Path(snapshot["path_html"]).with_suffix("").as_posix()))
    return pairs


def _version_captures() -> list:
    if CORPUS is None:
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_CORPUS), id="no-corpus")]
    return [
        pytest.param(e, id=Path(e["path_html"]).with_suffix("").as_posix())
        for e in MANIFEST
        if e["kind"] == "version" and e["path_html"] and _config_key(e) in SIX_DOCUMENTS
    ]


@pytest.mark.parametrize(("snapshot", "version"), _snapshot_pairs())
def test_a_capture_without_a_text_change_extracts_to_the_version_in_force(snapshot: dict, version: dict) -> None:
    key = _config_key(snapshot)
    assert _extract(snapshot["path_html"], *key) == _extract(version["path_html"], *key)


@pytest.mark.parametrize("capture", _version_captures())
def test_every_version_capture_extracts_to_the_policy_alone(capture: dict) -> None:
    assert CORPUS is not None
    text = _extract(capture["path_html"], *_config_key(capture))
    # Every one of these policies runs to more than 30,000 characters. Open Terms Archive's Markdown of the same
    # capture also carries link targets and markup, so our text is shorter than it: much longer would mean that
    # page chrome came in.
    markdown = (CORPUS / capture["path_md"]).read_text(encoding="utf-8")
    assert 20_000 < len(text) < 1.25 * len(markdown)
    assert [phrase for phrase in CHROME if phrase in text] == []


# -- the lxml extraction gives Beautiful Soup's text ----------------------------------------------------------
# Extraction parses with lxml and matches the rules as XPath (tracker/css.py); it used to build a Beautiful Soup
# tree and match with soupsieve. Every capture of the corpus, under its document's shipped rules and under none,
# must give the very text the Beautiful Soup extraction gives (tests/soup_reference.py).


def _every_capture() -> list:
    if CORPUS is None:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=NO_CORPUS), id="no-corpus")]
    entries = [e for e in json.loads((CORPUS / "manifest.json").read_text()) if e["path_html"]]
    params = []
    for index, entry in enumerate(entries):
        configured = entry["service"] in CONFIG_SERVICE and _config_key(entry) in SIX_DOCUMENTS
        name = Path(entry["path_html"]).with_suffix("").as_posix()
        if configured:
            params.append(pytest.param(entry, _config_key(entry), id=name))
        # Without rules (the page's <main> or <body>): every capture of the series no rules are shipped for
        # (Instagram), and every tenth of the others.
        if not configured or index % 10 == 0:
            params.append(pytest.param(entry, None, id=f"{name}-without-rules"))
    return params


def _outcome(extract: Callable[[], str]) -> str:
    try:
        return extract()
    except ExtractionError as exc:
        return f"ExtractionError: {exc}"


@pytest.mark.parametrize(("capture", "document"), _every_capture())
def test_every_capture_extracts_to_the_text_beautiful_soup_gave(
    capture: dict, document: tuple[str, str] | None
) -> None:
    assert CORPUS is not None
    page = (CORPUS / capture["path_html"]).read_bytes()
    rules = shipped_rules(*document) if document else Rules()
    expected = _outcome(lambda: soup_extract_html(page, "text/html", rules))
    assert _outcome(lambda: extract_text(page, "text/html", rules)) == expected


def test_rules_left_to_soupsieve_give_the_same_text_on_a_real_meta_page() -> None:
    # `:lang()` is outside the XPath compiler: these rules are matched by soupsieve on a Beautiful Soup twin of the
    # page, mapped element by element onto the lxml tree (removals made in both).
    if CORPUS is None:
        pytest.skip(NO_CORPUS)
    page = (CORPUS / "facebook/privacy-policy/cote-d-ivoire/2023-05-01T043028Z.html").read_bytes()
    shipped = shipped_rules("meta", "privacy-policy")
    twin = Rules(
        tuple(f"{s}:not(:lang(zz))" if "," not in s else s for s in shipped.select),
        tuple(f"{s}:not(:lang(zz))" if "," not in s else s for s in shipped.remove),
    )
    assert all(compile_selector(selector) is None for selector in twin.select)
    assert extract_text(page, "text/html", twin) == extract_text(page, "text/html", shipped)


# -- charsets as browsers read them (issue 10) -----------------------------------------------------------------

FRENCH_TERMS = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")  # UTF-8, with accents and ’


def test_utf8_bytes_labelled_latin1_are_read_as_utf8() -> None:
    expected = extract_text(FRENCH_TERMS, "text/html; charset=utf-8")
    assert "é" in expected
    assert extract_text(FRENCH_TERMS, "text/html; charset=ISO-8859-1") == expected


def test_windows_1252_bytes_labelled_utf8_or_not_at_all_are_read_as_windows_1252() -> None:
    expected = extract_text(FRENCH_TERMS, "text/html; charset=utf-8")
    windows = FRENCH_TERMS.decode("utf-8").encode("cp1252", errors="xmlcharrefreplace")
    assert extract_text(windows, "text/html; charset=utf-8") == expected
    assert extract_text(windows, "text/html") == expected


def test_a_byte_order_mark_wins_over_the_header() -> None:
    page = "\ufeff<html><body><p>Données personnelles</p></body></html>".encode("utf-16-le")
    assert extract_text(page, "text/html; charset=iso-8859-1") == "Données personnelles"


def test_a_declared_charset_that_fits_is_kept() -> None:
    page = "<html><body><p>Политика конфиденциальности</p></body></html>".encode("koi8-r")
    assert extract_text(page, "text/html; charset=koi8-r") == "Политика конфиденциальности"
