"""CSS rules compiled to XPath match what soupsieve matches; what the compiler leaves out goes to soupsieve."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import soupsieve
from bs4 import BeautifulSoup
from conftest import fixture_bytes
from lxml import etree
from soup_reference import soup_extract_html

from tracker.css import compile_selector
from tracker.extract import ExtractionError, Rules, _Page, _pre_strip, decode, extract_text

PAGE = """<!DOCTYPE html><html><head><title>Policy</title></head><body>
<div id="root" class="page">
  <div id="a" class="x y" data-k="v w"><h1>Title</h1><a href="#s1">Section 1</a><a href="#">Top</a></div>
  <section><div class="x	y"><p>Tab in class.</p></div><div class="x\u00a0z"><p class="x">No-break space.</p></div>
    <h2>Uses</h2><p>First.</p><p class="x">Second <span>Meta</span>  <b>AI</b> here.</p>
    <ul><li>One</li><li class="x">Two</li><li>Three</li><li>Four</li></ul><ul><li>Only</li></ul>
    <div><span>Archived</span><a href="/archive/1">versions</a><span><a href="/terms.pdf">PDF</a></span></div>
  </section>
  <div><aside>Nav</aside></div><div><div role="heading">Policy</div><p>Chat with Meta AI</p></div>
  <p data-k="en-GB" data-q="it's" data-r='say "hi"'>Language</p><p data-k="">Empty value</p><div></div><div> </div>
  <div class="a:b" id="123">Escapes</div><a>No href</a><pre>  kept   </pre>
</div></body></html>"""

SELECTORS = [
    "div", "DIV", "*", "#a", ".x", ".x.y", "p.x", "[data-k]", "[data-k=v]", "[data-k='v w']", '[data-k="v w"]',
    "[data-k^=v]", "[data-k$=w]", "[data-k*=' ']", "[data-k~=w]", "[data-k|=en]", "[data-k!=v]", "[data-k='']",
    "[data-k^='']", "[class='x y']", "[class^=x]", "[class='']", "[class!='x y']", "[href^='#']:not([href='#'])",
    "div p", "div > p", "h2 + p", "h2 ~ p", "section div > span + a", "body > div div", "div:has(p)",
    "div:has(> p)", "h2:has(+ p)", "h2:has(~ ul)", "div:has(> a[href*='#']:only-child)",
    "div:has(aside) ~ div:has([role=heading])", "[id^=ro] div:has(aside) ~ div:has([role=heading])",
    ":first-child", "p:last-child", "li:only-child", "li:first-of-type", "p:last-of-type", "li:only-of-type",
    "li:nth-child(2)", "li:nth-child(odd)", "li:nth-child(even)", "li:nth-child(2n+1)", "li:nth-child(-n+2)",
    "li:nth-child(n+3)", "li:nth-child(3n-1)", "li:nth-last-child(1)", "li:nth-of-type(2n)",
    "li:nth-last-of-type(2)", ":empty", "div:empty", ":root", "html:root", ":-soup-contains('Chat with')",
    ":-soup-contains-own('Chat with Meta AI')", "p:-soup-contains(\"x\", 'First')", "p:-soup-contains('Meta AI')",
    "span:-soup-contains('Meta')", ":is(h1, h2)", "div:where(.x, #a)", "p:not(.x)", "a:not([href])",
    "li:not(:first-child)", "div,p", "h1, .x, [role=heading]",
    "#root div:has(> h1):has(> a[href^='#']:not([href='#']))",
    "a[href='#']:has(> img), a[href='#']:has(> div)", "span:has(+ a[href*='/archive']), span + a[href*='/archive']",
    "span:has(> a[href$='.pdf'])", "h2:first-child:has(+ div), div:has(> a[href*='#']:only-child)",
    ".a\\:b", "#\\31 23", "[data-q='it\\'s']", "[data-r='say \"hi\"']", "[data-q=\"it's\"]",
    "pre:-soup-contains('kept')",
]  # fmt: skip

# Valid for soupsieve, but outside what the compiler covers: soupsieve matches them.
LEFT_TO_SOUPSIEVE = [
    ":lang(en)", "p:dir(ltr)", "[lang|=en]", "[data-k=V i]", "li:nth-child(2 of .x)", ":scope > p", "a:link",
    ":checked", "*:first-of-type", "[rel~=noopener]", ":-soup-contains('')", "p:not(div p)", "p:-soup-contains(' ')",
]  # fmt: skip

NOT_CSS = ["div[", "p::", "", "a >", ">> b", "div:has()", ":not()", "div:has(> a > img)", "div:has(:has(a))"]


def positions_by_xpath(html: str, selector: str) -> list[int]:
    page = _Page(html, Rules(select=(selector,)))
    elements = list(page.root.iter(etree.Element))
    return [elements.index(element) for element in page.select(selector)]


def positions_by_soupsieve(html: str, selector: str) -> list[int]:
    soup = BeautifulSoup(html, "lxml")
    tags = soup.find_all(True)
    at = {id(tag): index for index, tag in enumerate(tags)}
    return [at[id(tag)] for tag in soup.select(selector)]


@pytest.mark.parametrize("selector", SELECTORS)
def test_a_compiled_selector_matches_what_soupsieve_matches(selector: str) -> None:
    assert compile_selector(selector) is not None
    assert positions_by_xpath(PAGE, selector) == positions_by_soupsieve(PAGE, selector)


def test_compiled_selectors_match_what_soupsieve_matches_on_a_real_page() -> None:
    html = decode(_pre_strip(fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")), "text/html")
    for selector in SELECTORS:
        assert positions_by_xpath(html, selector) == positions_by_soupsieve(html, selector), selector


@pytest.mark.parametrize("selector", LEFT_TO_SOUPSIEVE)
def test_selectors_outside_the_compiler_are_left_to_soupsieve(selector: str) -> None:
    soupsieve.compile(selector)  # valid CSS
    assert compile_selector(selector) is None
    assert positions_by_xpath(PAGE, selector) == positions_by_soupsieve(PAGE, selector)


@pytest.mark.parametrize("selector", NOT_CSS)
def test_what_soupsieve_refuses_is_never_compiled(selector: str) -> None:
    # The config asks soupsieve about every selector the compiler does not take: it must not take invalid ones.
    assert compile_selector(selector) is None
    with pytest.raises(soupsieve.SelectorSyntaxError):
        soupsieve.compile(selector)


def test_rules_soupsieve_matches_extract_the_same_text_as_compiled_ones() -> None:
    page = fixture_bytes("linkedin-service-terms-2023-03-14.html.gz")
    compiled = Rules(select=("main",), remove=("section > ul",))
    by_soupsieve = Rules(select=("main:not(:lang(zz))",), remove=("section > ul:not(:lang(zz))",))
    assert compile_selector(by_soupsieve.select[0]) is None
    assert extract_text(page, "text/html", by_soupsieve) == extract_text(page, "text/html", compiled)
    assert extract_text(page, "text/html", by_soupsieve) == soup_extract_html(page, "text/html", by_soupsieve)


def test_a_page_with_characters_xpath_cannot_take_is_matched_by_soupsieve() -> None:
    # A form feed is whitespace between class names for Beautiful Soup, and XPath cannot be given one.
    page = b"<html><body><main><p class='x\x0cy'>Removed.</p><p>Kept.</p></main></body></html>"
    rules = Rules(select=("main",), remove=(".y",))
    assert extract_text(page, "text/html", rules) == soup_extract_html(page, "text/html", rules) == "Kept."


def test_removing_an_element_keeps_the_text_around_it_apart_for_later_rules() -> None:
    # Beautiful Soup's decompose() leaves the strings on both sides as two strings: a later own-text rule must not
    # find a phrase that only the removal joined.
    page = b"<html><body><main><p>Chat with <b>x</b>Meta AI</p><p>Policy.</p></main></body></html>"
    rules = Rules(select=("main",), remove=("b", ":-soup-contains-own('Chat with Meta AI')"))
    assert extract_text(page, "text/html", rules) == soup_extract_html(page, "text/html", rules)


def test_control_characters_written_as_references_are_matched_by_soupsieve_too() -> None:
    # A form feed between two class names, written as a reference: Beautiful Soup sees classes x and y.
    page = b"<html><body><main><p class='x&#12;y'>Removed.</p><p>Kept.</p></main></body></html>"
    rules = Rules(select=("main",), remove=(".y",))
    assert extract_text(page, "text/html", rules) == soup_extract_html(page, "text/html", rules) == "Kept."


@pytest.mark.parametrize("page", [b"", b"   ", b"<script>var x = 1;</script>", b"<!-- nothing -->"])
@pytest.mark.parametrize("rules", [Rules(), Rules(select=("*",)), Rules(select=(":lang(en)",))], ids=str)
def test_a_page_without_elements_extracts_as_beautiful_soup_did(page: bytes, rules: Rules) -> None:
    def outcome(extract: Callable[[bytes, str, Rules], str]) -> str:
        try:
            return extract(page, "text/html", rules)
        except ExtractionError as exc:
            return str(exc)

    assert outcome(extract_text) == outcome(soup_extract_html)
