"""The browser and the served sites of tests/web/test_web_browser.py, for the other browser
tests of this folder (tests/web/test_web_visit.py)."""

from tests.web.test_web_browser import browser, fixture_site, page, red_soul_site  # noqa: F401
