"""The home page: the collection, its people, sources, counts, the stances chart and the themes."""

from __future__ import annotations

from flask import Blueprint, render_template

from archive.catalogue import collection as collection_pages
from archive.catalogue import paradoxes as paradox_pages
from archive.catalogue import people as people_pages
from webapp import current_archive, current_viewer
from webapp.date_words import date_words
from webapp.page_cache import shared

bp = Blueprint("home", __name__)
# every page says dates in words; the filter is the site's, registered with the home page's blueprint
bp.add_app_template_filter(date_words, "date_words")


@bp.get("/")
@shared
def index() -> str:
    engine, viewer = current_archive().engine, current_viewer()
    page = collection_pages.home(engine, viewer)
    largest = max([count for _, count in page.people_by_stance] + [1])
    portraits = people_pages.people(engine, viewer)
    # the home page points to the paradoxes only where the collection has one to show
    has_paradoxes = not paradox_pages.paradoxes(engine, viewer).is_empty
    return render_template("home.html", page=page, largest=largest, portraits=portraits,
                           has_paradoxes=has_paradoxes)
