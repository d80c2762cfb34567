"""The real browser and the served sites that every browser test shares, once per test session
(and per xdist worker): Debian's chromium driven by Playwright, and the fixture collection and
the shipped collection, each imported once and served by waitress on 127.0.0.1.

Registered as a plugin in tests/conftest.py, so that every module gets the same instances: one
chromium and one Playwright driver per worker, however many modules drive them. Chromium comes
from ``bash tests/setup-debian.sh`` (apt-get), and so does axe-core (npm, into
tests/browser/node_modules). Missing either is a failure, not a skip: CI installs both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from archive.facade import Archive
from webapp import create_app
from webapp.i18n import compile_catalogues

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]


def serve_app(app: Flask) -> Iterator[str]:
    """``app`` served by waitress on a free port of 127.0.0.1, in a thread; yields its address."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


def serve_home(home: Path, secret_key: str = "browser-test-key-0123456789") -> Iterator[str]:
    """The site of the archive in ``home``, served; its archive is closed afterwards."""
    app = create_app({"ARCHIVE_HOME": str(home), "SECRET_KEY": secret_key})
    try:
        yield from serve_app(app)
    finally:
        app.extensions["archive"].close()


def serve(home: Path, collection: Path) -> Iterator[str]:
    """``collection`` imported into ``home`` and served on a free port of 127.0.0.1; yields its address."""
    archive = Archive.open(home)
    try:
        archive.import_collection(collection)
    finally:
        archive.close()
    yield from serve_home(home)


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The synthetic test collection, served (read only: no test writes to it)."""
    compile_catalogues()
    yield from serve(tmp_path_factory.mktemp("browser-fixture"), ROOT / "tests" / "fixtures" / "collection")


@pytest.fixture(scope="session")
def red_soul_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shipped collection (data/), served (read only: no test writes to it)."""
    compile_catalogues()
    yield from serve(tmp_path_factory.mktemp("browser-data"), ROOT / "data")


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash tests/setup-debian.sh` (installs Debian's chromium)")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `bash tests/setup-debian.sh` (installs axe-core with npm)")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield launched
        launched.close()


# The pages of the browser tests. Opening a browser context or a new page (a tab) starts a renderer
# and compiles the site's styles and axe-core afresh, which costs chromium several times what reading
# a page costs. So each test module keeps one page per screen size and hands it to each test that asks
# for that size as a visitor arriving anew: its cookies cleared (no language chosen, no session) and
# no media emulated. Every test starts by going to a page, which resets the document, its focus and
# its scripts. Tests that need other options (no JavaScript, downloads) open a context of their own.
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
    """This module's page at desktop width, as a new visitor sees it (no cookies)."""
    return tab(*DESKTOP)


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    # evaluated by the driver, not added as a <script>: the site's Content-Security-Policy refuses
    # inline scripts (webapp/security.py), and rightly so
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def watch_csp(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What Chromium refuses under the site's Content-Security-Policy, as it reports it on the console."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def watch_failures(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Every request of the page (styles, images, the favicon the browser asks for by itself)
    that the site answered with an error."""
    failed: list[str] = []
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    # the favicon is fetched by the browser itself: no response event, only this console error
    page.on("console", lambda message: failed.append(message.text)
            if message.type == "error" and "Failed to load resource" in message.text else None)
    return failed


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in violations)
