"""Friendly error pages: 400 for a bad parameter, 404 for an unknown (or withheld) id, 500 without a traceback.

An error page reveals nothing of the inside: a 5xx always shows the generic text (never the
exception's, which may hold a path, a query or a value), and only a 400 shows its reason
(written by the archive for the visitor: which parameter, and what it expects).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, make_response, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

bp = Blueprint("errors", __name__)


def _page(error: HTTPException) -> Response:
    code = error.code or 500
    if code >= 500:
        error = InternalServerError()  # its standard text only
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


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception) -> Response | tuple[str, int]:
    current_app.logger.exception("unhandled error")
    try:
        return _page(InternalServerError())
    except Exception:  # the error page itself failed: still no traceback for the visitor
        return "Internal server error", 500
