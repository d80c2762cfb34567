"""The interview page in a real browser (Debian's chromium through Playwright) on the generated
synthetic interview: it plays, the current transcript line follows the recording, a click
seeks, ``?t=`` opens at a moment, the keyboard works, and axe-core finds no serious or
critical violation. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import SCREENSHOTS, axe_violations, serve_home, watch_csp, watch_failures
from tests.interviews.conftest import INTERVIEW_ID, PERSON_ID
from webapp.i18n import compile_catalogues

PAGE = f"/interviews/{PERSON_ID}/{INTERVIEW_ID}"


@pytest.fixture(scope="module")
def site(example_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import shutil

    compile_catalogues()
    home = tmp_path_factory.mktemp("interview-site") / "home"
    shutil.copytree(example_home, home)
    yield from serve_home(home, secret_key="interview-browser-test-key-0123456789")


def _current_time(page) -> float:  # type: ignore[no-untyped-def]
    return float(page.evaluate("document.querySelector('audio.player').currentTime"))


def _current_line(page) -> str | None:  # type: ignore[no-untyped-def]
    return page.evaluate("(document.querySelector('tr.segment.current') || {}).id || null")


def _wait_metadata(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("() => document.querySelector('audio.player').readyState >= 1", timeout=15_000)


def test_it_plays_and_the_current_line_follows(site: str, page) -> None:  # type: ignore[no-untyped-def]
    refused, failed = watch_csp(page), watch_failures(page)
    page.goto(site + PAGE)
    _wait_metadata(page)
    assert page.evaluate("document.querySelector('audio.player').duration") == pytest.approx(36, abs=0.1)
    page.click("#segment-2 a.timecode")  # a click seeks and plays
    page.wait_for_function("() => document.querySelector('audio.player').currentTime > 6.2", timeout=15_000)
    assert not page.evaluate("document.querySelector('audio.player').paused")
    assert _current_line(page) == "segment-2"
    assert page.get_attribute("#segment-2", "aria-current") == "true"
    # playing on into the next line moves the mark there
    page.evaluate("document.querySelector('audio.player').currentTime = 11.6")
    page.wait_for_function("() => document.querySelector('tr.segment.current')?.id === 'segment-3'", timeout=15_000)
    page.screenshot(path=str(SCREENSHOTS / "interview-playing.png"), full_page=True)
    page.evaluate("document.querySelector('audio.player').pause()")
    assert not refused, refused
    assert not failed, failed


def test_a_click_on_an_index_point_seeks_and_keeps_the_line_in_view(site: str, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1280, "height": 420})
    page.goto(site + PAGE)
    _wait_metadata(page)
    page.click("#point-3 a.timecode")
    page.wait_for_function("() => Math.abs(document.querySelector('audio.player').currentTime - 30.5) < 1.5",
                           timeout=15_000)
    page.evaluate("document.querySelector('audio.player').pause()")
    assert _current_line(page) == "segment-6"  # 30.5 s: the closing line
    assert page.evaluate("document.querySelector('#point-3').classList.contains('current')")
    box = page.evaluate("(() => { const r = document.querySelector('tr.segment.current').getBoundingClientRect();"
                        " return [r.top, r.bottom, window.innerHeight]; })()")
    assert 0 <= box[0] and box[1] <= box[2] + 1, box  # scrolled into view (to the pixel: layouts round)


def test_t_opens_the_page_at_the_moment(site: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + PAGE + "?t=17.5")
    _wait_metadata(page)
    page.wait_for_function("() => document.querySelector('audio.player').currentTime >= 17.4", timeout=15_000)
    assert _current_time(page) == pytest.approx(17.5, abs=0.2)
    assert _current_line(page) == "segment-4"
    assert page.get_attribute("a.cite-moment", "href").endswith(f"{PAGE}?t=17")


def test_the_keyboard_moves_the_player(site: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + PAGE)
    _wait_metadata(page)
    page.keyboard.press("n")  # next index point
    page.wait_for_function("() => Math.abs(document.querySelector('audio.player').currentTime - 12.5) < 0.2")
    page.keyboard.press("n")
    page.wait_for_function("() => Math.abs(document.querySelector('audio.player').currentTime - 30.5) < 0.2")
    page.keyboard.press("p")  # previous index point
    page.wait_for_function("() => Math.abs(document.querySelector('audio.player').currentTime - 12.5) < 0.2")
    page.keyboard.press("l")  # forward 5 s
    page.wait_for_function("() => Math.abs(document.querySelector('audio.player').currentTime - 17.5) < 0.2")
    page.keyboard.press("j")  # back 5 s
    page.wait_for_function("() => Math.abs(document.querySelector('audio.player').currentTime - 12.5) < 0.2")
    page.keyboard.press("k")  # play
    page.wait_for_function("() => !document.querySelector('audio.player').paused", timeout=15_000)
    page.keyboard.press("k")  # pause
    page.wait_for_function("() => document.querySelector('audio.player').paused")


def test_without_javascript_a_timecode_opens_the_media_at_that_moment(browser, site: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site + PAGE)
        href = page.get_attribute("#segment-4 a.timecode", "href")
        assert href == f"/media/{PERSON_ID}/{INTERVIEW_ID}/part-1#t=17.5"
        response = page.request.get(site + href.split("#")[0], headers={"Range": "bytes=0-15"})
        assert response.status == 206 and response.body()[:4] == b"RIFF"
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_serious_accessibility_violations(site: str, page, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site}{PAGE}?lang={lang}")
    _wait_metadata(page)
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    page.screenshot(path=str(SCREENSHOTS / f"interview-{lang}.png"), full_page=True)


def test_a_hit_of_the_search_inside_the_interview_seeks_the_player(site: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + PAGE + "?q=катались")
    _wait_metadata(page)
    page.click("a.hit-moment")
    page.wait_for_function("() => Math.abs(document.querySelector('audio.player').currentTime - 17.5) < 1.5",
                           timeout=15_000)
    page.evaluate("document.querySelector('audio.player').pause()")
    assert "t=" not in page.url  # the page stayed where it was: the player moved
    assert _current_line(page) == "segment-4"
    page.screenshot(path=str(SCREENSHOTS / "interview-search.png"), full_page=True)
