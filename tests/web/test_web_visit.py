"""What a first-time visitor sees (issue #23), in a real browser: Debian's chromium driven by
Playwright against the shipped collection (data/) and the synthetic fixture collection.

Each test reads the page as a person does (what is shown, in which words, in which order) and
keeps a screenshot under test-artifacts/screenshots/. The browser, the served sites and the axe
check are those of tests/web/test_web_browser.py.
"""

from __future__ import annotations

import re

import yaml

from tests.browser import DESKTOP, PHONE, SCREENSHOTS, axe_violations, describe
from tests.support import DATA


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SCREENSHOTS / f"visit-{name}.png"), full_page=True)


def _shipped_people() -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((DATA / "people").glob("*.yaml"))]


# --- the front door and the views that are empty ------------------------------------------------


def test_the_home_page_shows_every_portrait_with_role_stance_and_one_line(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/")
    _shot(page, "red-soul-home")
    people = page.get_by_role("region", name="The people")
    cards = people.locator("article")
    shipped = _shipped_people()
    assert cards.count() == len(shipped)
    for person in shipped:
        card = cards.filter(has=page.get_by_role("link", name=person["name"], exact=True))
        assert card.count() == 1, person["name"]
        assert card.locator(".stance").inner_text().strip(), person["name"]
        line = card.locator(".card-text").inner_text()
        portrait = " ".join(person["portrait"]["text"]["en"].split())
        # one line: the portrait's opening, not the whole of it
        assert line and portrait.startswith(line.rstrip("…").strip()) and len(line) < len(portrait), person["name"]
    assert people.get_by_text("Interviewee", exact=True).count() == 3
    assert people.get_by_text("Filmmaker", exact=True).count() == 1
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_the_home_page_promotes_the_paradoxes_only_where_there_are_some(red_soul_site, fixture_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/")
    main = page.locator("main")
    assert main.locator('a[href="/paradoxes"]').count() == 0
    page.goto(fixture_site + "/")
    assert page.locator("main").locator('a[href="/paradoxes"]').count() == 1


def test_an_empty_paradoxes_page_says_what_it_shows_why_it_is_empty_and_what_would_fill_it(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/paradoxes")
    _shot(page, "red-soul-paradoxes")
    assert page.get_by_text("No such person in the archive.").count() == 0
    for section in ("#repressed-empty", "#opposing-empty"):
        explained = page.locator(section)
        terms = [t.strip() for t in explained.locator("dt").all_inner_texts()]
        assert terms == ["What this shows", "Why it is empty here", "What would fill it"], section
        assert all(len(text) > 20 for text in explained.locator("dd").all_inner_texts()), section
    # why, from the data: who is coded admirer, who lost a relative to repression
    why = page.locator("#repressed-empty dd").nth(1)
    assert why.get_by_role("link", name="Igor").count() == 1
    assert why.get_by_role("link", name="The sisters").count() == 1
    assert "Not stated: 16" in page.locator("#opposing-empty dd").nth(1).inner_text()
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_perspectives_draw_only_stances_that_hold_a_passage(red_soul_site, fixture_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/themes/filmmaking/perspectives")
    _shot(page, "red-soul-perspectives-filmmaking")
    columns = page.locator(".perspective h2")
    assert [re.sub(r"\s*\(\d+\)$", "", t) for t in columns.all_inner_texts()] == ["Not stated"]
    explained = page.locator("#perspectives-empty")
    assert "Why there is nothing to compare here" in explained.inner_text()
    assert "Admirer, Ambivalent, Critic" in explained.inner_text()
    page.goto(fixture_site + "/themes/the-terror/perspectives")
    _shot(page, "fixture-perspectives-the-terror")
    assert page.locator(".perspective h2").count() == 2  # ambivalent and critic; no empty column
    assert page.locator("#perspectives-empty").count() == 0


def test_the_stance_chart_draws_nothing_for_a_count_of_zero(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/")
    rows = page.locator("table.chart tbody tr")
    seen_zero = False
    for i in range(rows.count()):
        row = rows.nth(i)
        count = int(row.locator(".bar-count").inner_text())
        bars = row.locator(".bar")
        if count == 0:
            seen_zero = True
            assert bars.count() == 0 or bars.first.bounding_box() is None or bars.first.bounding_box()["width"] == 0
        else:
            box = bars.first.bounding_box()
            assert box is not None and box["width"] > 0
    assert seen_zero  # the shipped data has nobody coded ambivalent


def test_a_fate_of_kind_other_is_headed_by_what_happened(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/people/igor")
    cell = page.locator("table.family tbody td").first
    assert cell.inner_text().strip().startswith("died from drug abuse")
    assert "Other" not in page.locator("#family").inner_text().split()


def test_sorting_by_date_shows_each_hits_date(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/search?q=Stalin+OR+father&sort=date")
    _shot(page, "red-soul-search-by-date")
    hits = page.locator(".hit")
    assert hits.count() > 2
    dates = [hits.nth(i).locator(".hit-date").inner_text() for i in range(hits.count())]
    assert dates[0] == "the 1960s"  # Jessica Gorter's father, dated 196X
    assert dates[-1] == "date unknown"


# --- words meant for people, not ids -------------------------------------------------------------

_ID = re.compile(r"\b[a-z]+(?:-[a-z0-9]+){2,}\b")  # a record id such as igor-shark-feed


def test_supporting_quotes_are_named_by_their_first_words(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/people/igor")
    supporting = page.locator("#stance p", has_text="Supporting quotes:")
    assert not _ID.search(supporting.inner_text()), supporting.inner_text()
    link = supporting.get_by_role("link")
    assert link.inner_text().startswith("“In the new capitalist era")
    link.click()
    page.wait_for_url("**#quote-igor-shark-feed")


def test_the_sources_table_names_each_quote_by_its_first_words_linked(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/sources")
    _shot(page, "red-soul-sources")
    # what the cell shows (the hidden words that tell one link's name from another's come after a line break)
    records = [text.split("\n")[0].strip() for text in page.locator("table.citations td:first-child").all_inner_texts()]
    quotes = [text for text in records if text.startswith("Quote:")]
    assert len(quotes) == 16
    assert not [text for text in records if _ID.search(text)], [text for text in records if _ID.search(text)]
    assert not [text for text in records if text.endswith(": Other")]  # the fate "other" reads as what happened
    assert "Fate of a relative: died from drug abuse" in records
    alexis = page.get_by_role("link", name=re.compile("^Quote: “His name was Alexis"))
    assert alexis.get_attribute("href") == "/people/jessica-gorter#quote-gorter-his-name-was-alexis"


def test_dates_are_words_in_the_interface_language(red_soul_site, page):  # type: ignore[no-untyped-def]
    for lang, before, decade, day in (("en", "before 2017", "the 1960s", "November 19, 2017"),
                                      ("ru", "до 2017", "1960-е годы", "19 ноября 2017\u202fг.")):
        page.goto(f"{red_soul_site}/people/galina?lang={lang}")
        assert page.locator("#events .when").first.inner_text() == before
        page.goto(f"{red_soul_site}/people/jessica-gorter?lang={lang}")
        _shot(page, f"red-soul-jessica-gorter-dates-{lang}")
        assert decade in [cell.strip() for cell in page.locator("#family table.family td").all_inner_texts()]
        assert page.locator("#events .when").last.inner_text() == day
        shown = page.locator("main").inner_text()
        assert "196X" not in shown and "../" not in shown and "1989/1990" not in shown


def test_undated_entries_come_after_the_dated_under_one_heading(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/people/jessica-gorter")
    events = page.locator("#events")
    assert events.get_by_role("heading", name="Date unknown").count() == 1
    order = events.evaluate("e => [...e.children].map(c => c.tagName + (c.className ? '.' + c.className : ''))")
    assert order.index("OL.timeline") < order.index("H3.date-unknown") < order.index("OL.timeline timeline-undated")
    assert "undated" not in events.inner_text()
    page.goto(red_soul_site + "/people/igor")  # nothing dated: the heading, then the entries
    assert page.locator("#events").get_by_role("heading", name="Date unknown").count() == 1
    assert page.locator("#family").get_by_role("heading", name="Date unknown").count() == 1
    assert "undated" not in page.locator("main").inner_text()


# --- the testimony in order, and on paper ---------------------------------------------------------


def _quote_ids_in_yaml_order(person_id: str) -> list[str]:
    record = yaml.safe_load((DATA / "people" / f"{person_id}.yaml").read_text(encoding="utf-8"))
    return [quote["id"] for quote in record.get("quotes", [])]


def _shown_quote_ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [anchor.removeprefix("quote-") for anchor in page.locator("#quotes figure.quote").evaluate_all(
        "figures => figures.map(f => f.id)")]


def test_the_testimony_reads_in_the_order_of_its_sources(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/people/jessica-gorter")
    page.get_by_role("navigation", name="Order of the testimony").get_by_role(
        "link", name="In the order of the sources").click()
    page.wait_for_url("**order=source**")
    _shot(page, "red-soul-jessica-gorter-source-order")
    headings = page.locator("#quotes .quote-group h3").all_inner_texts()
    assert headings == ["Stalin's Troubled Legacy: The Red Soul", "The Red Soul: press kit"]
    shown = _shown_quote_ids(page)
    expected = _quote_ids_in_yaml_order("jessica-gorter")
    assert sorted(shown) == sorted(expected)  # every quote, once
    record = yaml.safe_load((DATA / "people" / "jessica-gorter.yaml").read_text(encoding="utf-8"))
    by_source = {source: [q["id"] for q in record["quotes"] if q["source"] == source]
                 for source in ("idfa-2017-goodfellow", "red-soul-press-kit")}
    assert shown == by_source["idfa-2017-goodfellow"] + by_source["red-soul-press-kit"]


def test_the_testimony_by_theme_shows_each_quote_once_and_no_heading_without_a_quote(red_soul_site, page):  # type: ignore[no-untyped-def]
    for person in ("jessica-gorter", "igor", "galina"):
        page.goto(f"{red_soul_site}/people/{person}")
        shown = _shown_quote_ids(page)
        assert sorted(shown) == sorted(_quote_ids_in_yaml_order(person)), person
        groups = page.locator("#quotes section")
        for i in range(groups.count()):
            assert groups.nth(i).locator("figure.quote").count() >= 1, groups.nth(i).locator("h3").inner_text()


def test_a_printed_page_has_no_navigation_forms_or_empty_headings(red_soul_site, page):  # type: ignore[no-untyped-def]
    for path in ("/people/jessica-gorter", "/people/igor", "/search?q=Stalin", "/themes/filmmaking"):
        page.goto(red_soul_site + path)
        page.emulate_media(media="print")
        _shot(page, "print" + path.replace("/", "-").replace("?", "-").replace("=", "-"))
        visible = page.evaluate("""() => [...document.querySelectorAll('nav, form, button, input, select')]
            .filter(e => e.getClientRects().length > 0).map(e => e.outerHTML.slice(0, 80))""")
        assert not visible, (path, visible)
        # a heading is followed by something to read before the next heading of its rank or above
        empty = page.evaluate("""() => [...document.querySelectorAll('main h2, main h3')]
            .filter(h => h.getClientRects().length > 0).filter(h => {
              let next = h.nextElementSibling;
              while (next && next.getClientRects().length === 0) next = next.nextElementSibling;
              return !next || (/^H[1-6]$/.test(next.tagName) && next.tagName <= h.tagName);
            }).map(h => h.textContent.trim())""")
        assert not empty, (path, empty)
        assert page.locator("main").inner_text().strip()


# --- Russian that is Russian ----------------------------------------------------------------------

# names of file formats and programs, the same in every language
_FORMAT_NAMES = {"JSON", "Lines", "CSV", "YAML", "zip", "Frictionless", "Data", "Python", "OpenRefine", "Open", "APA",
                 "BibTeX", "CSL", "RIS", "Zotero", "EndNote", "LibreOffice", "Excel", "Google", "OHMS", "XML", "Oral",
                 "History", "Metadata", "Synchronizer", "WebVTT", "SRT", "Chicago", "Stal", "OAI", "PMH"}
_ENGLISH_IN_RUSSIAN = """formats => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, element = node.parentElement;
    if (!element || element.getClientRects().length === 0) continue;
    if (element.closest('[lang]').getAttribute('lang') !== 'ru') continue;
    const words = (node.textContent.replace(/https?:\\/\\/\\S+/g, '').match(/[A-Za-z][A-Za-z'’]{2,}/g) || [])
      .filter(word => !formats.includes(word));
    if (words.length) found.push(node.textContent.trim().slice(0, 80));
  }
  return found;
}"""
RUSSIAN_PAGES = ["/", "/people", "/people/igor", "/people/jessica-gorter", "/people/the-sisters", "/people/galina",
                 "/themes", "/themes/filmmaking", "/themes/filmmaking/perspectives", "/paradoxes", "/sources",
                 "/search?q=Stalin+OR+mother&person=jessica-gorter", "/cite/collection"]


def test_russian_pages_write_russian_and_mark_english_data_as_english(red_soul_site, page):  # type: ignore[no-untyped-def]
    """Text read as Russian (inside lang="ru") holds no English words: the interface's own words
    come from the catalogue, and names, places and other data that exist only in English carry
    lang="en" so that a screen reader reads them in English."""
    found = {}
    for path in RUSSIAN_PAGES:
        page.goto(f"{red_soul_site}{path}{'&' if '?' in path else '?'}lang=ru")
        english = page.evaluate(_ENGLISH_IN_RUSSIAN, sorted(_FORMAT_NAMES))
        if english:
            found[path] = english
    assert not found, found


def test_russian_labels_come_from_the_catalogue_with_one_stance_term(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/?lang=ru")
    facts = page.locator("#facts dl.facts").inner_text()
    assert "Производство" in facts and "Прокат и международные продажи" in facts
    page.goto(red_soul_site + "/people/igor?lang=ru")
    assert "Кодировали: редакторы архива." in page.locator("#stance").inner_text()
    page.goto(red_soul_site + "/search?q=Stalin&lang=ru")
    assert page.title().startswith("Stalin · Поиск ·") and page.locator("h1").inner_text() == "Поиск"
    facets = page.locator("aside.facets").inner_text()
    assert "Позиция фрагмента" in facets and "Позиция человека" in facets
    page.goto(red_soul_site + "/people/igor?lang=ru")
    assert page.locator("#stance-heading").inner_text().startswith("Позиция в отношении Сталина")
    for path in RUSSIAN_PAGES:
        page.goto(f"{red_soul_site}{path}{'&' if '?' in path else '?'}lang=ru")
        assert "Отношение" not in page.locator("body").inner_text(), path  # the stance is «Позиция» throughout


# --- phone and keyboard ---------------------------------------------------------------------------

PAGE_TYPES = {
    "home": "/", "people": "/people", "person": "/people/jessica-gorter", "person-short": "/people/igor",
    "themes": "/themes", "theme": "/themes/filmmaking", "perspectives": "/themes/filmmaking/perspectives",
    "paradoxes": "/paradoxes", "sources": "/sources", "search": "/search?q=Stalin",
    "search-facets": "/search?q=Stalin+OR+mother&person=jessica-gorter&kind=quote", "search-empty": "/search?q=zzzzqx",
    "cite": "/cite/collection", "login": "/login", "not-found": "/people/nobody",
}


def test_no_page_type_is_wider_than_a_phone_or_a_tablet(red_soul_site, tab):  # type: ignore[no-untyped-def]
    """The smallest phone and a tablet; a 390-pixel phone and the desktop in both languages are
    checked by the screenshots' test below, which visits every page type at those widths."""
    too_wide = []
    for width in (320, 768):
        page = tab(width, 800)
        for lang in ("en", "ru") if width == 320 else ("en",):
            for name, path in PAGE_TYPES.items():
                page.goto(f"{red_soul_site}{path}{'&' if '?' in path else '?'}lang={lang}")
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    too_wide.append(f"{name} ({lang}) is {overflow}px wider than {width}px")
    assert not too_wide, too_wide


def test_on_a_phone_the_results_come_before_the_facets(red_soul_site, tab):  # type: ignore[no-untyped-def]
    for viewport, facets_below in ((PHONE, True), (DESKTOP, False)):
        page = tab(*viewport)
        page.goto(red_soul_site + "/search?q=Stalin")
        results = page.locator("section.results").bounding_box()
        facets = page.locator("aside.facets").bounding_box()
        assert results is not None and facets is not None
        if facets_below:
            page.screenshot(path=str(SCREENSHOTS / "visit-red-soul-search-phone.png"), full_page=True)
            assert facets["y"] >= results["y"] + results["height"] - 1
        else:
            assert facets["x"] > results["x"] and abs(facets["y"] - results["y"]) < 200


def test_a_table_wider_than_the_phone_says_it_scrolls_and_scrolls_from_the_keyboard(red_soul_site, tab):  # type: ignore[no-untyped-def]
    page = tab(*PHONE)
    page.goto(red_soul_site + "/people/jessica-gorter")
    scroller = page.locator("#family .table-scroll")
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")
    cue = page.locator("#family .scroll-cue")
    assert cue.is_visible() and "scrolls sideways" in cue.inner_text()
    scroller.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # polled from here: the page's CSP (no eval) stops wait_for_function's in-page polling
    for _ in range(50):
        if scroller.evaluate("e => e.scrollLeft") > 0:
            break
        page.wait_for_timeout(100)
    assert scroller.evaluate("e => e.scrollLeft") > 0, "the arrow keys scroll the table"
    page.screenshot(path=str(SCREENSHOTS / "visit-red-soul-family-table-phone.png"), full_page=False)
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page = tab(*DESKTOP)
    page.goto(red_soul_site + "/people/jessica-gorter")
    assert not page.locator("#family .scroll-cue").is_visible()  # nothing to scroll on a wide screen


def test_a_skip_link_leads_to_the_results(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/search?q=Stalin")
    names = []
    for _ in range(3):
        page.keyboard.press("Tab")
        names.append(page.evaluate("document.activeElement.textContent.trim()"))
        if names[-1] == "Skip to the results":
            break
    assert names[-1] == "Skip to the results", names
    page.keyboard.press("Enter")
    # following a link to a fragment is a navigation the browser finishes after the key press
    # returns: wait for it (it fails with a timeout if the link leads elsewhere)
    page.wait_for_url("**#results")
    page.wait_for_function("document.querySelector(':target') && document.querySelector(':target').id === 'results'")
    page.keyboard.press("Tab")
    inside = page.evaluate("!!document.activeElement.closest('section.results')")
    assert inside, "the next Tab after the skip link is in the results"


def test_choosing_a_facet_keeps_the_visitor_at_the_facets(red_soul_site, page):  # type: ignore[no-untyped-def]
    page.goto(red_soul_site + "/search?q=Stalin+OR+Russia")
    link = page.locator("aside.facets a", has_text=re.compile(r"^\W*Quote \d+")).first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**kind=quote**")
    assert page.url.endswith("#facet-kind")
    # the browser moves its focus starting point to the fragment when it scrolls there, which can
    # come after the load event on a busy machine: wait for it as a reader's eyes would
    page.wait_for_function("document.querySelector(':target') && document.querySelector(':target').id === 'facet-kind'")
    page.keyboard.press("Tab")
    where = page.evaluate("document.activeElement.closest('aside.facets') ? 'facets'"
                          " : document.activeElement.outerHTML")
    assert where == "facets", f"focus went to {where}, not back to the facets"


_SAME_NAME_ELSEWHERE = """() => {
  const destinations = {};
  for (const a of document.querySelectorAll('main a[href]')) {
    if (a.getClientRects().length === 0) continue;
    const name = (a.getAttribute('aria-label') || a.textContent).trim().replace(/\\s+/g, ' ');
    (destinations[name] = destinations[name] || new Set()).add(a.getAttribute('href'));
  }
  return Object.entries(destinations).filter(([, hrefs]) => hrefs.size > 1)
    .map(([name, hrefs]) => `${name} ×${hrefs.size}`);
}"""


def test_links_that_lead_to_different_places_have_different_names(red_soul_site, page):  # type: ignore[no-untyped-def]
    """A screen reader's list of links tells them apart: "Perspectives side by side: Filmmaking",
    not fourteen times "Perspectives side by side"."""
    found = {}
    for name, path in PAGE_TYPES.items():
        page.goto(red_soul_site + path)
        same = page.evaluate(_SAME_NAME_ELSEWHERE)
        if same:
            found[name] = same
    assert not found, found


# --- screenshots of every page type -------------------------------------------------------------


def test_screenshots_of_every_page_type_at_desktop_and_phone_width_in_both_languages(red_soul_site, tab):  # type: ignore[no-untyped-def]
    """test-artifacts/screenshots/page-NAME-WIDTH-LANG.jpg: the whole shipped site as a visitor
    sees it, to be looked at; each page answers, is in the language asked for and fits the screen."""
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = tab(*viewport)
        for lang in ("en", "ru"):
            for name, path in PAGE_TYPES.items():
                response = page.goto(f"{red_soul_site}{path}{'&' if '?' in path else '?'}lang={lang}")
                assert response is not None and response.status == (404 if name == "not-found" else 200), name
                assert page.locator("html").get_attribute("lang") == lang
                shot = SCREENSHOTS / f"page-{name}-{label}-{lang}.jpg"
                page.screenshot(path=str(shot), full_page=True, type="jpeg", quality=70)
                assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, name
                assert shot.stat().st_size > 0
