"""The browser pages of this folder's browser tests (test_web_browser.py, test_web_visit.py).

Opening a browser context or a new page (a tab) starts a renderer and compiles the site's styles
and axe-core afresh, which costs chromium several times what reading a page costs. So each module
keeps one page per screen size and hands it to each test that asks for that size as a visitor
arriving anew: its cookies cleared (no language chosen, no session) and no media emulated. Every
test starts by going to a page, which resets the document, its focus and its scripts. Tests that
need other options (no JavaScript, downloads) open a context of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

DESKTOP = (1280, 900)
PHONE = (390, 844)


class ModulePages:
    """One page per viewport, each in a browser context of its own (locale en-GB)."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.pages: dict[tuple[int, int], Any] = {}

    def arrive(self, width: int, height: int) -> Any:
        """The page of this viewport, as a new visitor sees it: no cookies, no media emulated."""
        page = self.pages.get((width, height))
        if page is None or page.is_closed():
            context = self.browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
            page = self.pages[width, height] = context.new_page()
        page.context.clear_cookies()
        page.emulate_media(media="null")  # the screen, whatever the test before asked for
        return page

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def module_pages(browser: Any) -> Iterator[ModulePages]:
    opened = ModulePages(browser)
    yield opened
    opened.close()


@pytest.fixture
def tab(module_pages: ModulePages) -> Callable[[int, int], Any]:
    """``tab(width, height)``: this module's page of that viewport, as a new visitor sees it."""
    return module_pages.arrive


@pytest.fixture
def page(tab: Callable[[int, int], Any]) -> Any:
    """A page at desktop width with no cookies (as tests/browser.py's ``page``), this module's."""
    return tab(*DESKTOP)
