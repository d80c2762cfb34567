"""Whole pages kept in memory for the visitors who share them, and conditional GETs.

An archive is read far more than it is written: between two imports, every anonymous visitor
asking for the same page in the same language gets the same bytes. A view marked ``@shared``
(the HTML pages: home, people, a person, themes, sources, search, citations) is rendered once
per *page key* and answered from memory afterwards:

    (database, data version, role, day, interface language, Accept, full URL with its host)

* the **data version** (``archive.catalogue.read_cache``) moves with every import and reindex, so a
  page is never older than the data: the first request after an import renders afresh, and
  the pages of older versions are dropped;
* the **role and the day** are the visibility rule's (an embargo ends on a date); only a
  viewer without an account or a token is served from here: a logged-in researcher's page
  carries their name and a CSRF token, and is never shared;
* the URL with its host, because pages print permalinks.

Only a 200 that is not streamed and no larger than ``PAGE_CACHE_MAX_PAGE`` is kept; the whole
cache holds at most ``PAGE_CACHE_BYTES`` (least recently used pages go first; 0 turns it off).
A page computed while an import committed is answered but not kept. Every kept page has an
``ETag`` (a hash of its bytes) and ``Cache-Control: no-cache``: a browser may keep it but asks
again each time, and a ``If-None-Match`` that still matches is a bodiless 304.

``X-Archive-Cache: hit`` or ``miss`` says which it was (the load benchmark counts them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from werkzeug.wrappers import Response as BaseResponse

from archive.catalogue import read_cache
from webapp.i18n import interface_language

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_BYTES = 256 * 1024 * 1024  # per server process
DEFAULT_MAX_PAGE = 2 * 1024 * 1024
HEADER = "X-Archive-Cache"
# a page's own Content-Security-Policy too (an interview page names its recordings' origins)
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Link", "Content-Security-Policy")
_SHARED_ATTRIBUTE = "_shared_page"
# (database, data version, role, day, interface language, Accept header, URL)
PageKey = tuple[str, read_cache.Version, str, str, str, str, str]


def shared(view: F) -> F:
    """Mark a GET view whose page depends only on the data, the viewer's role and day, the
    interface language and the URL: it may be answered from the page cache."""
    setattr(view, _SHARED_ATTRIBUTE, True)
    return view


@dataclass(frozen=True)
class Page:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str

    def response(self) -> Response:
        response = Response(self.body, status=self.status, headers=list(self.headers))
        response.set_etag(self.etag)
        return response


def _weight(page: Page) -> int:
    return len(page.body) + 512


def init_app(app: Flask) -> None:
    """Call after ``webapp.auth.init_app`` (the key needs the request's viewer and account)."""
    budget = int(app.config.get("PAGE_CACHE_BYTES", DEFAULT_BYTES))
    app.config.setdefault("PAGE_CACHE_MAX_PAGE", DEFAULT_MAX_PAGE)
    pages = read_cache.ReadCache(max_entries=1_000_000, max_bytes=budget, size=_weight)
    app.extensions["page_cache"] = pages

    @app.before_request
    def _answer_from_cache() -> Response | None:
        if budget <= 0:
            return None
        key = _page_key()
        if key is None:
            return None
        pages.seen(key[0], key[1])
        found, page = pages.get(key)
        if not found:
            g._page_key = key
            return None
        response = page.response()
        response.headers[HEADER] = "hit"
        return response.make_conditional(request)

    @app.after_request
    def _keep(response: BaseResponse) -> BaseResponse:
        key = g.pop("_page_key", None)
        if key is None:
            return response
        response.headers[HEADER] = "miss"
        if (response.status_code != 200 or response.is_streamed or response.direct_passthrough
                or "Set-Cookie" in response.headers):
            return response
        body = response.get_data()
        if len(body) > app.config["PAGE_CACHE_MAX_PAGE"]:
            return response
        etag = hashlib.blake2b(body, digest_size=16).hexdigest()
        response.set_etag(etag)
        response.headers.setdefault("Cache-Control", "no-cache")
        database, version = read_cache.current_version(_engine())
        if version == key[1]:  # else an import committed while the page was made: answer it, keep nothing
            headers = tuple((name, value) for name, value in response.headers.items() if name in _KEPT_HEADERS)
            headers += (("Cache-Control", response.headers["Cache-Control"]),)
            pages.put(key, Page(response.status_code, headers, body, etag))
        return response.make_conditional(request)


def _engine() -> Any:
    return current_app.extensions["archive"].engine


def _page_key() -> PageKey | None:
    if request.method != "GET" or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None or not getattr(view, _SHARED_ATTRIBUTE, False):
        return None
    if g.get("account") is not None or g.get("by_token"):
        return None
    viewer = g.viewer
    database, version = read_cache.current_version(_engine())
    if version == (None, None):
        return None  # nothing imported yet: no version to key on
    return (database, version, viewer.role, viewer.today.isoformat(), interface_language(),
            request.headers.get("Accept", ""), request.url)
