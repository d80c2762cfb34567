"""Themes: the list, one theme's quotes and people, and its perspectives side by side."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from archive.catalogue import pages as catalogue
from webapp import current_archive, current_viewer
from webapp.page_cache import shared

bp = Blueprint("themes", __name__)


@bp.get("/themes")
@shared
def index() -> str:
    page = catalogue.home(current_archive().engine, current_viewer())
    vocabulary = catalogue.vocabulary(current_archive().engine)
    return render_template("themes.html", themes=page.themes, vocabulary=vocabulary)


@bp.get("/themes/<theme_id>")
@shared
def theme(theme_id: str) -> str:
    try:
        page = catalogue.theme(current_archive().engine, current_viewer(), theme_id)
    except catalogue.NotFound:
        abort(404)
    return render_template("theme.html", page=page)


@bp.get("/themes/<theme_id>/perspectives")
@shared
def perspectives(theme_id: str) -> str:
    try:
        page = catalogue.perspectives(current_archive().engine, current_viewer(), theme_id)
    except catalogue.NotFound:
        abort(404)
    return render_template("perspectives.html", page=page)
