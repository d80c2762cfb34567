"""What the site tells other programs about itself: each page's metadata, the sitemap, robots.txt.

    /sitemap.xml     every public page (the sitemaps.org protocol); restricted pages never
    /robots.txt      points crawlers at the sitemap

``page_metadata()`` (a template global, rendered by ``templates/_metadata.html`` in every
page's ``<head>``) asks ``archive.interchange.page_metadata`` for the page the request is on.
The routes and the global join the exports blueprint (``webapp.views.exports`` imports this
module), so the app's list of blueprints stays as it is.
"""

from __future__ import annotations

import json

from flask import Response, g, request, url_for
from markupsafe import Markup

from archive.access.visibility import ANONYMOUS
from archive.catalogue.pages import NotFound
from archive.interchange import page_metadata as metadata
from archive.interchange import sitemap
from webapp import current_archive, current_viewer
from webapp.i18n import interface_language
from webapp.views.exports import bp


class RenderedMetadata:
    """A page's metadata, ready for the template: the JSON-LD as safe script text."""

    def __init__(self, found: metadata.PageMetadata) -> None:
        text = json.dumps(found.json_ld, ensure_ascii=False, sort_keys=False)
        # inside <script>, "</script>" or "<!--" would end or change it: escape the markup characters
        self.json_ld = Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
        self.meta = found.meta


def _page() -> tuple[metadata.PageKind, str | None] | None:
    """The kind of record the current page shows, and its id; None for a page without metadata."""
    endpoint, args = request.endpoint or "", request.view_args or {}
    if endpoint == "home.index":
        return "collection", None
    if endpoint == "people.person":
        return "person", args.get("person_id")
    if endpoint == "interviews.interview":
        return "interview", f"{args.get('person_id')}/{args.get('interview_id')}"
    if endpoint in ("themes.theme", "themes.perspectives"):
        return "theme", args.get("theme_id")
    if endpoint == "exports.cite_page":
        kind, _, record_id = str(args.get("target", "")).partition(":")
        if kind in ("quote", "person") and record_id:
            return kind, record_id  # type: ignore[return-value]
        return ("collection", None) if kind == "collection" else None
    if endpoint in ("people.index", "people.paradoxes", "themes.index", "sources.index", "search.search"):
        return "page", None
    return None


@bp.app_template_global("page_metadata")
def page_metadata() -> RenderedMetadata | None:
    if g.get("viewer") is None or request.routing_exception is not None or g.get("error_page"):
        return None  # an error page, or a request refused before its page was read: nothing to describe
    page = _page()
    if page is None:
        return None
    try:
        found = metadata.page_metadata(current_archive(), page[0], page[1], request.url_root, current_viewer(),
                                       lang=interface_language())
    except NotFound:
        return None
    return RenderedMetadata(found)


@bp.get("/sitemap.xml")
def sitemap_xml() -> Response:
    # the anonymous visitor's pages, whoever asks: a sitemap is for the public
    base = request.url_root
    urls = sitemap.public_urls(current_archive(), base, ANONYMOUS)
    response = Response(sitemap.to_xml(urls), content_type="application/xml; charset=utf-8")
    return response


@bp.get("/robots.txt")
def robots_txt() -> Response:
    lines = ["User-agent: *", "Disallow: /login", "", f"Sitemap: {url_for('exports.sitemap_xml', _external=True)}"]
    return Response("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
