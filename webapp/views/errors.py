"""Friendly error pages: 400 for a bad parameter, 404 for an unknown (or withheld) id, 500 without a traceback,
and 503 while the archive is damaged.

An error page reveals nothing of the inside: a 5xx always shows the generic text (never the
exception's, which may hold a path, a query or a value), and only a 400 shows its reason
(written by the archive for the visitor: which parameter, and what it expects).

A damaged archive (an SQLite file SQLite calls malformed, a search index that cannot be
opened: ``archive/health.py``) is noticed when the site starts (the index) or when a request
meets the damage (an error only damage raises, or any unexpected error while the index does
not open). From then on every request is answered ``503 Service Unavailable`` with
``Retry-After`` (a problem document under ``/api/``, a short page of its own elsewhere: the
site's frame reads the archive), with the security headers of every answer, and the damage is
logged one line per part. Every ``RECHECK_SECONDS`` (the setting ``ARCHIVE_DAMAGE_RECHECK_SECONDS``)
a request checks the files again, so the site answers as before once the database is restored
or the index rebuilt.

A database server that does not answer (stopped, restarting) is not damage: each request that meets
it is answered 503 with a page (or problem document) that says so and a short ``Retry-After``, and
nothing is remembered, so the first request after the server is back is answered as usual. The
connection pool drops the connections the server closed when it meets them.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, make_response, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException, InternalServerError

from archive.health import Damage, archive_damage, index_damage, is_damage_error, is_database_away

bp = Blueprint("errors", __name__)
RECHECK_SECONDS = 30.0
RETRY_AFTER_SECONDS = 300
DATABASE_AWAY_RETRY_SECONDS = 30  # a database server's restart takes seconds, not the repair of a file


class DamageWatch:
    """What is known to be damaged in the site's archive, checked again at most every ``RECHECK_SECONDS``."""

    def __init__(self, app: Flask | Any) -> None:  # the App a blueprint is set up on
        settings = app.extensions["archive"].settings
        self.database_url: str = settings.database_url
        self.index_dir = settings.index_dir
        self.logger = app.logger
        self.recheck_seconds = float(app.config.get("ARCHIVE_DAMAGE_RECHECK_SECONDS", RECHECK_SECONDS))
        self.found: list[Damage] = []
        self.checked_at = 0.0
        self.lock = threading.Lock()

    def _set(self, found: list[Damage]) -> None:
        if found and found != self.found:
            for damage in found:
                self.logger.error("the archive is damaged: %s", damage)
        elif self.found and not found:
            self.logger.warning("the archive is no longer damaged: answering requests again")
        self.found, self.checked_at = found, time.monotonic()

    def check_index(self) -> None:
        """At the start: whether the index opens (cheap; the database is checked when it fails)."""
        with self.lock:
            self._set(index_damage(self.index_dir))

    def note(self, error: BaseException) -> bool:
        """After an unexpected error: whether it came from damage (and it is then remembered)."""
        with self.lock:
            if is_damage_error(error):
                found = archive_damage(self.database_url, self.index_dir)
                self._set(found or [Damage("database", " ".join(str(error).split()[:12]))])
            else:
                self._set(index_damage(self.index_dir))
            return bool(self.found)

    def current(self) -> list[Damage]:
        """The damage known, checked again when it was last checked ``recheck_seconds`` ago."""
        if not self.found:
            return []
        with self.lock:
            if self.found and time.monotonic() - self.checked_at >= self.recheck_seconds:
                self._set(archive_damage(self.database_url, self.index_dir))
            return self.found


def damage_watch() -> DamageWatch:
    return current_app.extensions["archive_damage"]


@bp.record_once
def _watch_the_archive(state: BlueprintSetupState) -> None:
    watch = state.app.extensions["archive_damage"] = DamageWatch(state.app)
    watch.check_index()


def unavailable(no_index: bool = False, database_away: bool = False) -> Response:
    """The answer while the archive is damaged, (``no_index``) while it has no search index
    yet: an archive served before anything was imported into it, or (``database_away``) while its
    database server does not answer."""
    if request.path == "/api" or request.path.startswith("/api/"):
        from webapp.views.api import problem

        detail = ("The archive has no search index yet; please try again later." if no_index
                  else "The archive's database cannot be reached at the moment; please try again shortly."
                  if database_away else "The archive's files cannot be read at the moment; please try again later.")
        response = problem(503, detail)
    else:
        response = make_response(render_template("unavailable.html", no_index=no_index, database_away=database_away),
                                 503)
    response.headers["Retry-After"] = str(DATABASE_AWAY_RETRY_SECONDS if database_away else RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def _damaged_archive() -> Response | None:
    if request.endpoint == "static":
        return None
    return unavailable() if damage_watch().current() else None


@bp.before_app_request
def _refused_by_the_api_document() -> Response | None:
    """An API request whose query the OpenAPI document refuses (an empty value of an enumerated
    parameter: ``/api/people?stance=``, ``/api/search?kind=``) is a 400, as the document says."""
    if not request.path.startswith("/api/") or not any(value == "" for _, value in request.args.items(multi=True)):
        return None
    from archive.catalogue import common
    from webapp import current_archive
    from webapp.api_spec import openapi_document, refused_value
    from webapp.views.api import problem

    document = openapi_document(common.vocabulary(current_archive().engine).stance_order())
    reason = refused_value(document, request.path.rstrip("/") or request.path, request.args.items(multi=True))
    return problem(400, reason) if reason else None


def _page(error: HTTPException) -> Response:
    code = error.code or 500
    if code >= 500:
        error = InternalServerError()  # its standard text only
    g.error_page = True  # it describes no record: no page metadata (webapp/views/site_metadata.py)
    response = make_response(render_template("error.html", error=error), code)
    for name, value in error.get_headers():  # a 405's Allow, a 401's challenge, a 429's wait
        if name.lower() in ("allow", "www-authenticate", "retry-after"):
            response.headers[name] = value
    return response


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    if (error.code or 500) >= 500:
        current_app.logger.error("HTTP %s: %s", error.code, error.description)
    return _page(error)


def no_search_index(error: Exception) -> bool:
    """Whether ``error`` is a search before any index was built (logged for the administrators)."""
    from archive.search.index_store import IndexMissing

    if not isinstance(error, IndexMissing):
        return False
    current_app.logger.warning("a search was asked for, but %s", error)
    return True


def database_away(error: BaseException) -> Response | None:
    """The 503 for an error that says the database server does not answer (logged in one line for
    the administrators; nothing is remembered: the next request tries the server again), else None."""
    if not is_database_away(error):
        return None
    current_app.logger.warning("the database cannot be reached: %s", " ".join(str(error).split())[:300])
    return unavailable(database_away=True)


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception) -> Response | tuple[str, int]:
    if no_search_index(error):
        return unavailable(no_index=True)
    away = database_away(error)
    if away is not None:
        return away
    current_app.logger.exception("unhandled error")
    try:
        if damage_watch().note(error):
            return unavailable()
    except Exception:  # the check itself failed: the generic page below
        current_app.logger.exception("checking the archive for damage failed")
    try:
        return _page(InternalServerError())
    except Exception:  # the error page itself failed: still no traceback for the visitor
        return "Internal server error", 500
