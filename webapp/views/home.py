"""The home page: the collection, its sources, counts, the stances chart and the themes."""

from __future__ import annotations

from flask import Blueprint, render_template

from archive.catalogue import collection as collection_pages
from webapp import current_archive, current_viewer
from webapp.page_cache import shared

bp = Blueprint("home", __name__)


@bp.get("/")
@shared
def index() -> str:
    page = collection_pages.home(current_archive().engine, current_viewer())
    largest = max([count for _, count in page.people_by_stance] + [1])
    return render_template("home.html", page=page, largest=largest)
