"""The sources: each with an anchor (``/sources#<id>``) and every record that cites it."""

from __future__ import annotations

from flask import Blueprint, render_template

from archive.catalogue import sources as source_pages
from webapp import current_archive, current_viewer
from webapp.i18n import interface_language
from webapp.page_cache import shared

bp = Blueprint("sources", __name__)


@bp.get("/sources")
@shared
def index() -> str:
    page = source_pages.sources_page(current_archive().engine, current_viewer(), interface_language())
    return render_template("sources.html", sources=page)
