"""HTTP hardening (issue 6, item 5): security headers on every kind of response, no inline
script or style for the Content-Security-Policy to refuse, and error pages that reveal nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.exceptions import abort

from tests.support import copy_home
from webapp import create_app
from webapp.i18n import compile_catalogues
from webapp.security import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "webapp" / "templates"
SECRET = "SECRET-MARKER-7f3a /srv/archive/instance/archive.sqlite3 password=hunter2"

EXPECTED = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory, imported_fixture_home):
    compile_catalogues()
    home = copy_home(imported_fixture_home, tmp_path_factory.mktemp("hardening") / "home")
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})

    @app.get("/_test/boom")
    def boom():  # a test-only route: an unexpected exception, whose text must never be shown
        raise RuntimeError(SECRET)

    @app.get("/_test/abort-500")
    def abort_500():  # an HTTP 500 raised with a description that must not be shown either
        abort(500, description=SECRET)

    yield app
    app.extensions["archive"].close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client(use_cookies=False)


def _assert_hardened(response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    policy = response.headers["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    server = response.headers.get("Server", "")
    assert not re.search(r"\d", server), f"the Server header names a version: {server}"
    assert "X-Powered-By" not in response.headers


@pytest.mark.parametrize("method, url, status, mimetype", [
    ("GET", "/", 200, "text/html"),
    ("GET", "/people/anna-synthetic", 200, "text/html"),
    ("GET", "/search?q=camp", 200, "text/html"),
    ("GET", "/api/people", 200, "application/json"),
    ("GET", "/api/openapi.json", 200, "application/json"),
    ("GET", "/oai?verb=Identify", 200, "text/xml"),
    ("GET", "/export.csv", 200, "text/csv"),
    ("GET", "/search/export.jsonl?q=camp", 200, "application/jsonl"),
    ("GET", "/people/anna-synthetic/subtitles.vtt?language=en", 200, "text/vtt"),
    ("GET", "/cite/collection.bibtex", 200, "application/x-bibtex"),
    ("GET", "/static/site.css", 200, "text/css"),
    ("GET", "/no-such-page", 404, "text/html"),
    ("GET", "/people/nobody", 404, "text/html"),
    ("GET", "/search?page=0", 400, "text/html"),
    ("POST", "/people", 405, "text/html"),
    ("GET", "/api/no-such-thing", 404, "application/problem+json"),
    ("GET", "/api/search?per_page=1000", 400, "application/problem+json"),
    ("POST", "/api/people", 405, "application/problem+json"),
    ("GET", "/_test/boom", 500, "text/html"),
])
@pytest.mark.slow
def test_every_kind_of_response_carries_the_security_headers(client, method, url, status, mimetype):
    response = client.open(url, method=method)
    response.get_data()  # a download streams: read it to the end
    response.close()
    assert response.status_code == status, url
    assert response.mimetype == mimetype, (url, response.mimetype)
    _assert_hardened(response)


@pytest.mark.slow
def test_strict_transport_security_only_where_the_site_is_served_over_https(app, client, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/").headers  # plain HTTP: it would mean nothing
    over_tls = client.get("/", base_url="https://archive.example.org")
    assert over_tls.headers["Strict-Transport-Security"] == "max-age=31536000"
    behind_proxy = create_app({"ARCHIVE_HOME": app.config["ARCHIVE_HOME"], "TESTING": True, "ARCHIVE_HTTPS": True})
    try:  # TLS ends at the proxy: the request reaches the app over HTTP, the visitor is on HTTPS
        for url in ("/", "/api/people", "/no-such-page"):
            answer = behind_proxy.test_client().get(url)
            assert answer.headers["Strict-Transport-Security"] == "max-age=31536000", url
    finally:
        behind_proxy.extensions["archive"].close()


def test_the_policy_is_the_one_the_module_declares():
    assert CONTENT_SECURITY_POLICY == EXPECTED["Content-Security-Policy"]


def test_a_large_request_body_is_refused(client):
    response = client.post("/oai", data={"verb": "Identify", "padding": "x" * 200_000})
    assert response.status_code == 413 and response.mimetype == "text/html"
    _assert_hardened(response)
    assert client.post("/oai", data={"verb": "Identify"}).status_code == 200


def test_a_405_page_says_which_methods_are_allowed(client):
    response = client.post("/people")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


# --- no inline script or style: nothing for the policy to refuse -------------------------------------


# a <script> without src that a browser would run; a JSON-LD data block is never run (and the
# policy's script-src does not apply to it), so the page metadata may carry one
INLINE_SCRIPT = r'<script(?![^>]*\b(?:src=|type="application/ld\+json"))[^>]*>'


def test_templates_have_no_inline_script_style_or_handlers():
    for template in sorted(TEMPLATES.glob("**/*.html")):
        text = template.read_text(encoding="utf-8")
        assert not re.search(INLINE_SCRIPT, text, re.I), f"inline <script> in {template.name}"
        assert not re.search(r"<style\b", text, re.I), f"<style> in {template.name}"
        assert not re.search(r"\sstyle\s*=", text, re.I), f"style= attribute in {template.name}"
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), f"on…= event handler in {template.name}"
        assert "javascript:" not in text.lower(), f"javascript: URL in {template.name}"


@pytest.mark.parametrize("url", ["/", "/people", "/people/anna-synthetic", "/themes/the-terror",
                                 "/themes/the-terror/perspectives", "/paradoxes", "/sources",
                                 "/search?q=Stalin+OR+camp", "/cite/quote:anna-victory", "/no-such-page"])
def test_rendered_pages_have_no_inline_script_or_style(client, url):
    html = client.get(url).get_data(as_text=True)
    assert not re.search(INLINE_SCRIPT, html, re.I), url
    assert not re.search(r"\sstyle\s*=|<style\b|\son[a-z]+\s*=", html, re.I), url


def test_the_stance_chart_draws_its_bars_with_classes(client):
    html = client.get("/").get_data(as_text=True)
    widths = re.findall(r'class="bar stance-bg-[a-z-]+ bar-w-(\d+)"', html)
    assert widths and max(map(int, widths)) == 100
    css = (ROOT / "webapp" / "static" / "site.css").read_text(encoding="utf-8")
    for width in range(101):
        assert f".bar-w-{width} {{ width: {width}%; }}" in css


# --- error pages reveal nothing --------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/_test/boom", "/_test/abort-500"])
def test_a_server_error_page_reveals_nothing(client, url):
    response = client.get(url)
    assert response.status_code == 500 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for leak in ("SECRET-MARKER", "hunter2", "/srv/archive", "Traceback", "RuntimeError", 'File "', ".py"):
        assert leak not in html, leak
    assert "Something went wrong" in html
    _assert_hardened(response)


def test_an_api_server_error_is_a_problem_that_reveals_nothing(client, monkeypatch):
    from archive.catalogue import people as catalogue_people
    def broken(*args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(catalogue_people, "people", broken)
    response = client.get("/api/people")
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    body = response.get_data(as_text=True)
    assert "SECRET-MARKER" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert response.get_json()["detail"].startswith("The server encountered an internal error")
    _assert_hardened(response)


def test_an_api_http_500_with_a_description_reveals_nothing(client, monkeypatch):
    from archive.catalogue import people as catalogue_people
    def aborting(*args, **kwargs):
        abort(500, description=SECRET)

    monkeypatch.setattr(catalogue_people, "people", aborting)
    response = client.get("/api/people")
    assert response.status_code == 500 and "SECRET-MARKER" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/people/nobody", "/themes/nothing/perspectives", "/people/..%2F..%2Fetc%2Fpasswd",
                                 "/static/..%2F..%2Fsecurity.py", "/api/people/nobody", "/cite/person:nobody"])
def test_not_found_pages_reveal_nothing_of_the_inside(client, app, url):
    response = client.get(url)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    for leak in (app.instance_path, str(ROOT), "sqlite", "Traceback", "SELECT "):
        assert leak not in body, leak


def test_a_bad_request_page_shows_only_the_archives_own_reason(client):
    html = client.get("/search?sort=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "unknown sort" in html and "<script>alert(1)" not in html  # escaped, never markup
