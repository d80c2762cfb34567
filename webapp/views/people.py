"""People: the list (filtered by stance), one person's page, and the paradoxes."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from archive.catalogue import collection as collection_pages
from archive.catalogue import common
from archive.catalogue import paradoxes as paradox_pages
from archive.catalogue import people as people_pages
from webapp import current_archive, current_viewer
from webapp.page_cache import shared

bp = Blueprint("people", __name__)


@bp.get("/people")
@shared
def index() -> str:
    stance = request.args.get("stance") or None
    engine = current_archive().engine
    try:
        cards = people_pages.people(engine, current_viewer(), stance)
    except common.UnknownTerm as exc:
        abort(400, description=str(exc))
    counts = collection_pages.home(engine, current_viewer()).people_by_stance
    return render_template("people.html", people=cards, stance=stance, counts=counts)


@bp.get("/people/<person_id>")
@shared
def person(person_id: str) -> str:
    try:
        detail = people_pages.person(current_archive().engine, current_viewer(), person_id)
    except common.NotFound:
        abort(404)
    info = collection_pages.collection_info(current_archive().engine, current_viewer())
    permalink = url_for("people.person", person_id=person_id, _external=True)
    # the testimony by theme (the default), in the order of its sources, or of its interviews (when it has any)
    asked = request.args.get("order")
    order = asked if asked == "source" or (asked == "interview" and detail.quotes_by_interview) else "theme"
    return render_template("person.html", p=detail, collection=info, permalink=permalink, order=order)


@bp.get("/paradoxes")
@shared
def paradoxes() -> str:
    return render_template("paradoxes.html", page=paradox_pages.paradoxes(current_archive().engine, current_viewer()))
