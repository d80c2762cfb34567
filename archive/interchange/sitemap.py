"""The sitemap: every public page of the site, in the sitemaps.org protocol.

The pages are those an anonymous visitor may open: the home page, the lists, each visible
person and their interviews, each theme with visible quotes and its perspectives, the paradoxes, the sources, and
the citation pages of the collection, of each person with a testimony and of each visible
quote. The records are read through the visibility rule, so a restricted or embargoed person
or quote is never listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote as url_quote

from lxml import etree
from sqlalchemy import select
from sqlmodel import col

from archive.access.visibility import ANONYMOUS, Viewer, quote_clause, visible_clause
from archive.catalogue import collection as collection_pages
from archive.store import models

if TYPE_CHECKING:
    from archive.facade import Archive

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def public_urls(archive: Archive, base_url: str, viewer: Viewer = ANONYMOUS) -> list[str]:
    """The absolute URL of every page the viewer may open (a sitemap's is the anonymous visitor)."""
    base = base_url.rstrip("/")
    P, Q, I = models.Person, models.Quote, models.Interview  # noqa: E741
    with archive.engine.connect() as conn:
        people = conn.scalars(select(col(P.id)).where(visible_clause(viewer, P)).order_by(col(P.position))).all()
        quotes = conn.execute(select(col(Q.id), col(Q.person_id)).join(P, col(Q.person_id) == col(P.id))
                              .where(quote_clause(viewer, Q, P)).order_by(col(P.position), col(Q.position))).all()
        interviews = conn.execute(select(col(I.person_id), col(I.local_id)).join(P, col(I.person_id) == col(P.id))
                                  .where(visible_clause(viewer, P)).order_by(col(P.position), col(I.position))).all()
    interviewed = {person_id for person_id, _ in interviews}
    themes = [theme for theme, count in collection_pages.home(archive.engine, viewer).themes if count]
    testimony = {person_id for _, person_id in quotes} | interviewed

    def page(path: str) -> str:
        return base + path

    urls = [page("/"), page("/people"), page("/themes"), page("/paradoxes"), page("/sources"),
            page("/cite/collection")]
    for person_id in people:
        urls.append(page(f"/people/{url_quote(person_id, safe='')}"))
        if person_id in testimony:
            urls.append(page(f"/cite/{url_quote('person:' + person_id, safe=':')}"))
    urls += [page(f"/interviews/{url_quote(str(p), safe='')}/{url_quote(str(i), safe='')}") for p, i in interviews]
    for theme in themes:
        urls.append(page(f"/themes/{url_quote(theme, safe='')}"))
        urls.append(page(f"/themes/{url_quote(theme, safe='')}/perspectives"))
    urls += [page(f"/cite/{url_quote('quote:' + str(quote_id), safe=':')}") for quote_id, _ in quotes]
    return urls


def to_xml(urls: list[str]) -> bytes:
    """The sitemaps.org ``urlset`` document."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for url in urls:
        entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = url
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
