"""The web site in a real browser: Debian's chromium driven by Playwright, against the app
served by waitress on 127.0.0.1, with axe-core checking each main page.

Chromium comes from ``bash tests/setup-debian.sh`` (apt-get), and so does axe-core (npm,
into tests/browser/node_modules). Missing either is a failure, not a skip: CI installs both.
Screenshots of each main page go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import DESKTOP, PHONE, SCREENSHOTS, axe_violations, describe, watch_csp, watch_failures

MAIN_PAGES = {
    "home": "/",
    "people": "/people",
    "person": "/people/anna-synthetic",
    "theme": "/themes/the-terror",
    "perspectives": "/themes/the-terror/perspectives",
    "paradoxes": "/paradoxes",
    "sources": "/sources",
    "search": "/search?q=Stalin+OR+camp",
}
RED_SOUL_PAGES = {"home": "/", "people": "/people", "person": "/people/jessica-gorter",
                  "theme": "/themes/the-terror", "perspectives": "/themes/the-terror/perspectives"}


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_main_pages_have_no_serious_accessibility_violations(name, lang, fixture_site, page):  # type: ignore[no-untyped-def]
    path = MAIN_PAGES[name]
    refused, failed = watch_csp(page), watch_failures(page)
    response = page.goto(f"{fixture_site}{path}{'&' if '?' in path else '?'}lang={lang}")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1
    page.screenshot(path=str(SCREENSHOTS / f"fixture-{name}-{lang}.png"), full_page=True)
    violations = axe_violations(page)
    assert not violations, describe(violations)
    assert not refused, refused  # no inline style or script anywhere on the page
    page.wait_for_load_state("networkidle")
    assert not failed, failed


@pytest.mark.parametrize("name", list(RED_SOUL_PAGES))
def test_red_soul_pages_on_desktop_and_phone(name, red_soul_site, tab):  # type: ignore[no-untyped-def]
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = tab(*viewport)
        refused = watch_csp(page)
        response = page.goto(red_soul_site + RED_SOUL_PAGES[name])
        assert response is not None and response.status == 200
        page.screenshot(path=str(SCREENSHOTS / f"red-soul-{name}-{label}.png"), full_page=True)
        # readable on a phone: nothing wider than the screen
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} is {overflow}px wider than a {label} screen"
        violations = axe_violations(page)
        assert not violations, describe(violations)
        assert not refused, refused


def test_switching_language_is_remembered(fixture_site, page):  # type: ignore[no-untyped-def]
    page.goto(fixture_site + "/people/anna-synthetic")
    assert page.locator("h2#family-heading").inner_text() == "Family history"
    page.get_by_role("link", name="Русский").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("h2#family-heading").inner_text() == "История семьи"
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Люди").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Люди"  # remembered without ?lang=
    assert "lang=" not in page.url
    page.screenshot(path=str(SCREENSHOTS / "fixture-people-after-switch-ru.png"), full_page=True)
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "People"


def test_keyboard_reaches_the_skip_link_and_navigation_with_visible_focus(fixture_site, page):  # type: ignore[no-untyped-def]
    page.goto(fixture_site + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0, "the skip link must come into view when focused"
    page.screenshot(path=str(SCREENSHOTS / "fixture-home-skip-link-focus.png"))
    page.keyboard.press("Enter")
    page.wait_for_url("**#main")  # the fragment navigation ends after the key press returns
    page.goto(fixture_site + "/")
    texts = []
    for _ in range(12):
        page.keyboard.press("Tab")
        texts.append(page.evaluate("document.activeElement.textContent.trim()"))
        if texts[-1] == "People":
            break
    assert texts[-1] == "People", f"Tab never reached the People link: {texts}"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "focus must be visible"
    page.keyboard.press("Enter")
    page.wait_for_url("**/people")


def test_the_site_works_without_javascript(fixture_site, browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(fixture_site + "/")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
        page.get_by_role("link", name="Admirer of Stalin").first.click()
        page.wait_for_url("**/people?stance=admirer")
        page.goto(fixture_site + "/people")
        page.get_by_role("link", name="Anna (synthetic)").click()
        page.wait_for_url("**/people/anna-synthetic")
        assert page.locator("h1").inner_text().startswith("Anna (synthetic)")
        page.get_by_role("link", name="Cite this").click()
        page.wait_for_url("**#cite")
    finally:
        context.close()


def test_search_toggle_two_facets_open_a_hit_switch_language_and_page_through(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/")
    page.get_by_role("search").first.get_by_role("searchbox").fill("Stalin OR Russia")
    page.get_by_role("search").first.get_by_role("button").click()
    page.wait_for_url("**/search?q=Stalin+OR+Russia")
    total = int(page.locator("#results-heading").inner_text().split()[0])
    assert total > 2
    facets = page.get_by_role("complementary")
    facets.get_by_role("link", name=re.compile(r"^Quote \d+")).click()
    page.wait_for_url("**kind=quote**")
    facets.get_by_text("Person", exact=True).click()  # a folded facet opens like any <details>
    facets.get_by_role("link", name=re.compile(r"^Jessica Gorter \d+")).click()
    page.wait_for_url("**person=jessica-gorter**")
    assert "kind=quote" in page.url
    narrowed = int(page.locator("#results-heading").inner_text().split()[0])
    assert 0 < narrowed <= total
    assert page.locator("a.chip").count() == 2
    page.screenshot(path=str(SCREENSHOTS / "red-soul-search-two-facets.png"), full_page=True)
    assert not axe_violations(page)
    # page through with two per page, the facets kept in the URL
    page.goto(page.url.split("#", 1)[0] + "&per_page=2")  # a facet's link ends at that facet (#facet-…)
    first = page.locator(".hit .hit-head a").first.inner_text()
    page.get_by_role("navigation", name="Pages").get_by_role("link", name=re.compile("Next")).click()
    page.wait_for_url("**page=2**")
    assert "person=jessica-gorter" in page.url and page.locator(".hit").count() == 2
    assert page.locator("ol.hits").get_attribute("start") == "3"
    # switch language: the same search in Russian
    page.get_by_role("link", name="Русский").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "page=2" in page.url and "person=jessica-gorter" in page.url
    assert page.locator("#facets-heading").inner_text() == "Уточнить"
    # open a hit: it leads to the quote on the person's page
    hit = page.locator(".hit .hit-head a").first
    href = hit.get_attribute("href")
    hit.click()
    page.wait_for_url("**/people/jessica-gorter#quote-*")
    assert page.locator(href.split("#", 1)[1].join(["#", ""])).count() == 1
    assert first  # the first page had hits to show


def test_search_inside_one_testimony_from_the_person_page(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/people/igor")
    page.get_by_label("Search inside this testimony").fill("shark")
    page.get_by_role("button", name="Find").click()
    page.wait_for_url("**within=igor**")
    assert page.locator("h1").inner_text() == "Search inside the testimony of Igor"
    assert page.locator(".hit mark").first.inner_text().lower() == "shark"


def test_downloads_work_without_javascript_with_sensible_file_names(fixture_site, browser):  # type: ignore[no-untyped-def]
    import csv
    from urllib.parse import parse_qsl, urlsplit

    context = browser.new_context(java_script_enabled=False, accept_downloads=True, locale="en-GB")
    page = context.new_page()

    def download(button) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
        with page.expect_download() as info:
            button.click()
        got = info.value
        return got.suggested_filename, got.url, Path(got.path()).read_text(encoding="utf-8-sig")

    try:
        page.goto(fixture_site + "/search?q=camp&stance=critic")
        shown = page.locator(".hit-quote").count()
        page.get_by_text("Export these results").click()  # a <details>: opens without script
        name, url, text = download(page.get_by_role("button", name=re.compile(r"^CSV spreadsheet")))
        assert name == "search-camp-critic.csv"
        assert urlsplit(url).path == "/search/export.csv"
        assert parse_qsl(urlsplit(url).query) == [("q", "camp"), ("stance", "critic")]
        assert len(list(csv.DictReader(text.splitlines()))) == shown == 2

        page.goto(fixture_site + "/search?q=лагерь")
        page.get_by_text("Export these results").click()
        name, _, _ = download(page.get_by_role("button", name=re.compile(r"^JSON Lines")))
        assert name == "search-лагерь.jsonl"

        page.goto(fixture_site + "/people/anna-synthetic")
        page.get_by_text("Export this testimony").click()
        page.screenshot(path=str(SCREENSHOTS / "fixture-person-export-menu.png"), full_page=True)
        name, _, text = download(page.get_by_role("button", name=re.compile(r"^WebVTT subtitles · English")))
        assert name == "person-anna-synthetic.en.vtt" and text.startswith("WEBVTT")
        name, _, text = download(page.get_by_role("button", name="BibTeX", exact=True))
        assert name == "person-anna-synthetic.bib" and text.startswith("@misc{")
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/people/anna-synthetic", "/search?q=camp", "/themes/the-gulag",
                                  "/cite/quote:anna-victory", "/cite/collection"])
def test_open_download_menus_and_cite_pages_have_no_serious_accessibility_violations(path, fixture_site, page):  # type: ignore[no-untyped-def]
    response = page.goto(fixture_site + path)
    assert response is not None and response.status == 200
    for summary in page.locator("details.export-menu > summary").all():
        summary.click()
    name = path.strip("/").replace("/", "-").replace("?", "-").replace(":", "-").replace("=", "-")
    page.screenshot(path=str(SCREENSHOTS / f"fixture-downloads-{name}.png"), full_page=True)
    violations = axe_violations(page)
    assert not violations, describe(violations)
