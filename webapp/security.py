"""HTTP hardening: security headers on every response, and ids checked before any lookup.

Every response (pages, the API, OAI-PMH, downloads, static files, error pages) carries:

* ``Content-Security-Policy``: scripts, styles and everything else only from this site, and
  no inline script or style at all (the templates have none: the stance chart's bar widths are
  classes of ``site.css``); no plugins, no ``<base>``, forms only to this site, no framing.
  Recordings (``media-src``) may come from the origins ``ARCHIVE_MEDIA_SOURCES`` lists too, and
  on an interview page from those of the external recordings it shows (``allow_media_from``): a
  recording's ``url`` is the collection's statement that it is played from there, and the page
  names only the recordings its viewer may see, so no other page and no withheld recording
  widens the policy;
* ``X-Frame-Options: DENY`` (``frame-ancestors`` for browsers without CSP 2);
* ``X-Content-Type-Options: nosniff``: a CSV or a JSON quote is never sniffed into a page;
* ``Referrer-Policy: same-origin``: a search (its query is in the URL) is not sent to other sites;
* ``Cross-Origin-Opener-Policy: same-origin`` and a ``Permissions-Policy`` that turns off the
  powerful features the site never uses;
* ``Strict-Transport-Security`` (a year) when the request came over HTTPS or the deployment
  says it is served over HTTPS (``ARCHIVE_HTTPS``, as behind a proxy that ends TLS); never
  over plain HTTP otherwise, where it would mean nothing.

The public read-only API may be read by a page of any other site: an anonymous ``GET`` (or
``HEAD``) of ``/api/…`` is answered with ``Access-Control-Allow-Origin: *``. Never with
``Access-Control-Allow-Credentials``, and never on a response to a request that carries
credentials (an ``Authorization`` header, valid or not, or a logged-in session cookie): what
a researcher sees stays readable by this site's pages only. The anonymous answer is the same
for every origin, so no ``Vary: Origin`` is needed.

A request body is at most ``MAX_CONTENT_LENGTH`` (64 KB unless configured): the site takes no
uploads. A view may set a header itself (it is then left as it is). The ``Server`` header is the WSGI
server's: ``archive serve`` names waitress's ``ident`` without a version.

Path ids: a URL's ``…_id`` part (``/people/<person_id>``, ``/themes/<theme_id>``, their
exports) must be a slug, as every id of the collection format is (``archive.collection.format``),
before any view looks it up; anything else (``..%2F..%2Fetc%2Fpasswd``, a NUL, a backslash) is
a 404 like an unknown id. No view joins a string from a request to a file-system path: the
only files served are Flask's static files (``safe_join``), and a source's text is never served.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, Response, abort, current_app, g, request

from archive.settings import MEDIA_SOURCES_VARIABLE, media_origin


def content_security_policy(media_sources: Iterable[str] = ()) -> str:
    """The site's policy; ``media_sources`` (origins) may serve recordings besides the site itself."""
    media = list(dict.fromkeys(media_sources))
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        *([f"media-src 'self' {' '.join(media)}"] if media else []),  # else default-src's 'self'
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


CONTENT_SECURITY_POLICY = content_security_policy()
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "camera", "microphone", "geolocation", "payment", "usb", "serial", "midi",
    "accelerometer", "gyroscope", "magnetometer", "display-capture", "publickey-credentials-get",
))
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the archive may share a domain with other sites
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,  # a response may name more media origins
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}

# archive.collection_format.SLUG_PATTERN, matched whole (``$`` would also accept a final newline)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_ID_CHARS = 200
MAX_REQUEST_BYTES = 64 * 1024  # a request body larger than this is a 413


def is_slug(value: str) -> bool:
    return len(value) <= MAX_ID_CHARS and _SLUG.fullmatch(value) is not None


def init_app(app: Flask) -> None:
    # the site takes no uploads: a login form or an OAI-PMH request is a few hundred bytes
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit
        app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    configured: tuple[str, ...] = tuple(app.config.get(MEDIA_SOURCES_VARIABLE) or ())  # checked by create_app

    @app.before_request
    def _ids_are_slugs() -> None:
        for name, value in (request.view_args or {}).items():
            if name.endswith("_id") and isinstance(value, str) and not is_slug(value):
                abort(404)  # as an unknown id: nothing about the string reaches a lookup

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # the configured media origins first: HEADERS' policy then stands only where none is set
        response.headers.setdefault("Content-Security-Policy",
                                    content_security_policy(configured))
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure or app.config.get("ARCHIVE_HTTPS") is True:
            # the site is served over HTTPS: browsers keep to it for a year, so a visitor's login
            # is never sent over plain HTTP by a mistyped link or a downgrade (RFC 6797)
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        response.headers.pop("X-Powered-By", None)
        if is_public_api_read():
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response


def allow_media_from(response: Response, urls: Iterable[str | None]) -> Response:
    """``response`` with the site's policy widened to the origins of ``urls`` (the external
    recordings a page plays) for ``media-src``; the configured origins stay."""
    found = [origin for origin in (media_origin(url) for url in urls if url) if origin]
    response.headers["Content-Security-Policy"] = content_security_policy(
        [*(current_app.config.get(MEDIA_SOURCES_VARIABLE) or ()), *found])
    return response


def is_public_api_read() -> bool:
    """An anonymous read of the API: any site's page may read its answer (see the module's notes)."""
    return ((request.path == "/api" or request.path.startswith("/api/"))
            and request.method in ("GET", "HEAD")
            and "Authorization" not in request.headers
            and g.get("account") is None and not g.get("by_token", False))
