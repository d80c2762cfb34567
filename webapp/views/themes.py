"""Themes: the list, one theme's quotes and people, and its perspectives side by side."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from archive.catalogue import collection as collection_pages
from archive.catalogue import common
from archive.catalogue import themes as theme_pages
from webapp import current_archive, current_viewer
from webapp.page_cache import shared

bp = Blueprint("themes", __name__)


@bp.get("/themes")
@shared
def index() -> str:
    page = collection_pages.home(current_archive().engine, current_viewer())
    vocabulary = common.vocabulary(current_archive().engine)
    with_perspectives = theme_pages.themes_with_perspectives(current_archive().engine, current_viewer())
    return render_template("themes.html", themes=page.themes, vocabulary=vocabulary,
                           with_perspectives=with_perspectives)


@bp.get("/themes/<theme_id>")
@shared
def theme(theme_id: str) -> str:
    try:
        page = theme_pages.theme(current_archive().engine, current_viewer(), theme_id)
    except common.NotFound:
        abort(404)
    return render_template("theme.html", page=page)


@bp.get("/themes/<theme_id>/perspectives")
@shared
def perspectives(theme_id: str) -> str:
    try:
        page = theme_pages.perspectives(current_archive().engine, current_viewer(), theme_id)
    except common.NotFound:
        abort(404)
    return render_template("perspectives.html", page=page)
