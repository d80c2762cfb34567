"""Logging in and out (``/login``, ``/logout``); who a request is lives in ``webapp.auth``.

Login attempts are limited per client address, and wrong guesses lock out their address for
that account name (``webapp.rate_limits.LoginThrottle`` has the rule; the limits are read from
the app's config, see ``LOGIN_*`` in ``webapp.auth``). The counts live in the storage of the
app's limiter, shared by every server process of the archive home.
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
from flask_limiter.util import get_remote_address
from limits import parse
from werkzeug.exceptions import TooManyRequests

from archive.access import accounts
from webapp import auth, current_archive
from webapp.rate_limits import LoginThrottle

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
    throttle, address = _throttle(), get_remote_address()
    if throttle is not None:
        wait = throttle.before_attempt(address, name)
        if wait is not None:
            raise TooManyRequests("Too many login attempts from this address; try again later.", retry_after=wait)
    account = accounts.login(current_archive().engine, name, password)
    if account is None:
        if throttle is not None:
            throttle.failed(address, name)
        return _form(next_url, name=name, failed=True)
    if throttle is not None:
        throttle.succeeded(address, name)
    auth.log_in(account)
    current_app.logger.info("login: %s", account.name)
    return redirect(next_url or url_for("home.index"), 303)  # type: ignore[return-value]


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    auth.log_out()
    g.account = None
    return redirect(url_for("home.index"), 303)  # type: ignore[return-value]


def _throttle() -> LoginThrottle | None:
    """The login limits, kept in the rate limiter's store; None where rate limiting is turned off
    (``RATELIMIT_ENABLED = False``: the limiter then has no store)."""
    config = current_app.config
    limiter: Limiter = current_app.extensions["archive_limiter"]
    if not limiter.enabled:
        return None
    return LoginThrottle(limiter.storage, parse(config["LOGIN_RATE_LIMIT"]),
                         lockout_failures=int(config["LOGIN_LOCKOUT_FAILURES"]),
                         lockout_seconds=int(config["LOGIN_LOCKOUT_SECONDS"]),
                         lockout_max_seconds=int(config["LOGIN_LOCKOUT_MAX_SECONDS"]))


def init_app(app: Flask) -> None:
    """Check the login limits when the app is made: a mistyped ``LOGIN_RATE_LIMIT`` stops the start."""
    try:
        parse(app.config["LOGIN_RATE_LIMIT"])
        for name in ("LOGIN_LOCKOUT_FAILURES", "LOGIN_LOCKOUT_SECONDS", "LOGIN_LOCKOUT_MAX_SECONDS"):
            if int(app.config[name]) < 1:
                raise ValueError(f"{name} must be at least 1")
    except (KeyError, TypeError, ValueError) as exc:
        raise RuntimeError(f"the login limits are not valid ({exc}); see LOGIN_* in webapp/auth.py") from None
