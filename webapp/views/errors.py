"""Friendly error pages: 400 for a bad parameter, 404 for an unknown (or withheld) id, 500 without a traceback."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

bp = Blueprint("errors", __name__)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[str, int]:
    return render_template("error.html", error=error), error.code or 500


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception) -> tuple[str, int]:
    current_app.logger.exception("unhandled error")
    try:
        return render_template("error.html", error=InternalServerError()), 500
    except Exception:  # the error page itself failed: still no traceback for the visitor
        return "Internal server error", 500
