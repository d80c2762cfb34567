"""A recording given as an external URL plays in the interview page's player: the page's
Content-Security-Policy lets ``media-src`` load from the recording's origin and from those
``ARCHIVE_MEDIA_SOURCES`` lists, and from no other. The browser test serves the generated
synthetic audio from a second local HTTP server on another port."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from archive.settings import media_sources
from tests.browser import serve_app, watch_csp, watch_failures
from tests.interviews.conftest import INTERVIEW_ID, PERSON_FILE, PERSON_ID
from tests.support import import_into
from webapp import create_app

PAGE = f"/interviews/{PERSON_ID}/{INTERVIEW_ID}"
CONFIGURED = "https://cdn.example.org"


class _QuietFiles(SimpleHTTPRequestHandler):
    """Files of one folder, without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def media_origin(generated_example: Path) -> Iterator[str]:
    """Another origin (a second port) serving the generated example's audio."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietFiles, directory=str(generated_example / "media")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def external_home(generated_example: Path, media_origin: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example interview with its recording given as the other origin's URL instead of a file."""
    collection = tmp_path_factory.mktemp("external-recording") / "collection"
    shutil.copytree(generated_example, collection, ignore=shutil.ignore_patterns("media"))
    person = collection / PERSON_FILE
    lines = person.read_text(encoding="utf-8").splitlines(keepends=True)
    recording = next(n for n, line in enumerate(lines) if line.strip() == "file: media/synthetic-interview-1.wav")
    lines[recording] = lines[recording].replace("file: media/", f"url: {media_origin}/")
    person.write_text("".join(line for line in lines if not line.strip().startswith("sha256:")), encoding="utf-8")
    return import_into(collection.parent / "home", collection)


@pytest.fixture(scope="module")
def app(external_home: Path) -> Iterator[Any]:
    site = create_app({"ARCHIVE_HOME": str(external_home), "TESTING": True, "ARCHIVE_MEDIA_SOURCES": CONFIGURED,
                       "SECRET_KEY": "media-sources-test-key-0123456789"})
    yield site
    site.extensions["archive"].close()


@pytest.mark.slow
def test_the_interview_page_lets_its_recordings_origin_play(app: Any, media_origin: str) -> None:
    client = app.test_client()
    first, again = client.get(PAGE), client.get(PAGE)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("X-Archive-Cache") == "hit"  # a page from the page cache keeps its own policy
    for response in (first, again):
        policy = response.headers["Content-Security-Policy"]
        assert f"media-src 'self' {CONFIGURED} {media_origin};" in policy
        assert "default-src 'self';" in policy and "script-src 'self';" in policy
    assert f'src="{media_origin}/synthetic-interview-1.wav"' in first.get_data(as_text=True)
    # another page plays nothing: only the configured origins
    other = client.get(f"/people/{PERSON_ID}").headers["Content-Security-Policy"]
    assert f"media-src 'self' {CONFIGURED};" in other and media_origin not in other


def test_the_setting_takes_origins_only() -> None:
    assert media_sources("https://CDN.example.org:8443, http://127.0.0.1:9000 https://*.media.example.org") == (
        "https://cdn.example.org:8443", "http://127.0.0.1:9000", "https://*.media.example.org")
    assert media_sources(["https://cdn.example.org/"]) == ("https://cdn.example.org",)
    for bad in ("cdn.example.org", "ftp://cdn.example.org", "https://cdn.example.org/audio", "https://u@cdn.example.org",
                "https://*.", "'unsafe-inline'"):
        with pytest.raises(ValueError, match="ARCHIVE_MEDIA_SOURCES must list origins such as"):
            media_sources(bad)


@pytest.fixture(scope="module")
def site(app: Any) -> Iterator[str]:
    yield from serve_app(app)


def test_an_external_recording_loads_in_the_player(site: str, media_origin: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        page = context.new_page()
        refused, failed = watch_csp(page), watch_failures(page)
        page.goto(site + PAGE)
        assert page.evaluate("document.querySelector('audio.player').currentSrc").startswith(media_origin)
        page.wait_for_function("() => document.querySelector('audio.player').readyState >= 1", timeout=15_000)
        assert page.evaluate("document.querySelector('audio.player').duration") == pytest.approx(36, abs=0.1)
        assert not refused, refused
        assert not failed, failed
    finally:
        context.close()
