"""Stable permalinks: the one place that knows the public URL of a quote, a person and the collection.

Exports and citations carry these links, and the web app serves the pages they point to
(``/people/<person>`` with the quote's anchor, the anchor being the same fragment the
person page gives each quote).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote as url_quote

from archive.catalogue.pages import anchor

if TYPE_CHECKING:
    from archive.catalogue.result_sets import QuoteRecord

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def _base(base_url: str | None) -> str:
    return (base_url or DEFAULT_BASE_URL).rstrip("/")


def collection_permalink(base_url: str | None) -> str:
    return f"{_base(base_url)}/"


def person_permalink(base_url: str | None, person_id: str) -> str:
    return f"{_base(base_url)}/people/{url_quote(person_id, safe='')}"


def quote_permalink(base_url: str | None, person_id: str, quote_id: str) -> str:
    return f"{person_permalink(base_url, person_id)}#quote-{anchor(quote_id)}"


def permalink(base_url: str | None, record: QuoteRecord) -> str:
    """The permalink of an exported quote: its place on its person's page."""
    return quote_permalink(base_url, record.person_id, record.id)
