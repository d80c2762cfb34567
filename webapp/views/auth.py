"""Logging in and out (``/login``, ``/logout``); who a request is lives in ``webapp.auth``.

The login form's failures are rate limited per client address and per account name; the
limits are attached in ``init_app`` because each app has its own limiter (and its own counts).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import Limiter

from archive.access import accounts
from webapp import auth, current_archive

bp = Blueprint("auth", __name__)


def _safe_next(value: str | None) -> str | None:
    """A path on this site to go back to after logging in; anything else (another host) is dropped."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(char) < 0x20 for char in value):
        return None
    parts = urlsplit(value)
    return None if parts.scheme or parts.netloc else value


def _form(next_url: str | None, name: str = "", failed: bool = False) -> Response:
    response = Response(render_template("login.html", next_url=next_url, name=name, failed=failed))
    response.cache_control.no_store = True  # it carries this session's CSRF token
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return _form(next_url)
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    account = accounts.login(current_archive().engine, name, password)
    if account is None:
        return _form(next_url, name=name, failed=True)
    auth.log_in(account)
    current_app.logger.info("login: %s", account.name)
    return redirect(next_url or url_for("home.index"), 303)  # type: ignore[return-value]


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    auth.log_out()
    g.account = None
    return redirect(url_for("home.index"), 303)  # type: ignore[return-value]


def _failed(response: Response) -> bool:
    return response.status_code != 303


def _account_key() -> str:
    return "login:" + request.form.get("name", "").strip().casefold()[:64]


def init_app(app: Flask) -> None:
    """Rate limit failed logins with this app's limiter (see ``LOGIN_*RATE_LIMIT`` in ``webapp.auth``)."""
    limiter: Limiter = app.extensions["archive_limiter"]
    view = app.view_functions["auth.login"]
    view = limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], key_func=_account_key,
                         methods=["POST"], deduct_when=_failed, scope="login-account")(view)
    view = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
                         deduct_when=_failed)(view)
    app.view_functions["auth.login"] = view
