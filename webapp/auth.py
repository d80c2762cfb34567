"""Who is asking: the one place the site decides the viewer of a request.

In order: an ``Authorization: Bearer`` token (an invalid or revoked one is a 401, never a
silent fall back to anonymous; on ``/oai`` the 401 is an OAI-PMH document), else the account
logged in on the session cookie, else the deployment's ``ARCHIVE_VIEWER``. The cookie names a
web session that ``archive.access.accounts`` keeps: it is looked up on every request, so
logging out, a new password, disabling or removing the account ends it at once and for good
(a copy of the cookie made before is worth nothing after).

Also here, because they guard the same thing: CSRF protection (Flask-WTF) for every
state-changing request made with the cookie, the session cookie's flags, and the limiter
(Flask-Limiter) whose storage holds the login view's counts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits.errors import ConfigurationError
from werkzeug.exceptions import Unauthorized

from archive.access import accounts
from archive.access.accounts import Account
from archive.access.visibility import Viewer, viewer_for

DEFAULTS: dict[str, Any] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # True behind HTTPS (or PREFERRED_URL_SCHEME = "https"): the session cookie is then Secure
    # on every response; it is Secure anyway on a request that came over HTTPS.
    "ARCHIVE_HTTPS": False,
    # A login lasts this long after it was made (Flask checks the cookie's signed timestamp).
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    # CSRF tokens live as long as the session, so a login form left open does not expire sooner.
    "WTF_CSRF_TIME_LIMIT": None,
    # Checked in ``identify`` below, so that token-authenticated requests skip it.
    "WTF_CSRF_CHECK_DEFAULT": False,
    # Login attempts evaluated per client address; then, per address and account name
    # together, a lockout from the 5th failure on: a minute, doubled with each further failure,
    # at most an hour (webapp.rate_limits.LoginThrottle has the whole rule).
    "LOGIN_RATE_LIMIT": "5 per minute",
    "LOGIN_LOCKOUT_FAILURES": 5,
    "LOGIN_LOCKOUT_SECONDS": 60,
    "LOGIN_LOCKOUT_MAX_SECONDS": 3600,
    # RATELIMIT_STORAGE_URI (config.py or the environment): unset, the counts are kept in the
    # archive's PostgreSQL database when it has one (every node shares them), else in the archive
    # home's rate-limits.sqlite3 (webapp/rate_limits.py), shared by every server process and kept
    # across restarts; "memory://" keeps them per process, "redis://…" in a Redis server.
}

SESSION_USER = "user_id"
SESSION_ID = "session_id"
# Read-only endpoints that accept POST by their protocol (OAI-PMH): no state to forge.
CSRF_EXEMPT = ("webapp.views.oai.endpoint",)
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Identity:
    viewer: Viewer
    account: Account | None = None
    by_token: bool = False


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure on any request that came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))


def init_app(app: Flask) -> None:
    """Sessions, CSRF, the login limiter and the before-request hook that sets ``g.viewer``."""
    https = bool(app.config.get("ARCHIVE_HTTPS") or os.environ.get("ARCHIVE_HTTPS", "").lower() in _TRUE
                 or app.config.get("PREFERRED_URL_SCHEME") == "https")
    app.config["ARCHIVE_HTTPS"] = https  # also read by webapp.security (Strict-Transport-Security)
    if https:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = _SessionInterface()
    csrf = CSRFProtect(app)
    for view in CSRF_EXEMPT:
        csrf.exempt(view)
    from webapp import rate_limits  # registers the archive-sqlite:// and archive-postgresql:// stores with ``limits``

    database_url = app.extensions["archive"].settings.database_url
    app.config.setdefault("RATELIMIT_STORAGE_URI", rate_limits.storage_uri(Path(app.instance_path), database_url))
    try:
        app.extensions["archive_limiter"] = Limiter(
            get_remote_address, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"], headers_enabled=True)
    except (ConfigurationError, ValueError) as error:  # an unknown scheme, a URI without its place
        raise RuntimeError(f"RATELIMIT_STORAGE_URI is not a storage of the login counts ({error}); "
                           "see docs/configuration.md") from None

    @app.before_request
    def _identify() -> Response | None:
        identity = identify()
        if isinstance(identity, Response):
            return identity
        g.viewer, g.account, g.by_token = identity.viewer, identity.account, identity.by_token
        if not identity.by_token and app.config.get("WTF_CSRF_ENABLED", True):
            # a browser never adds a bearer token by itself, so only cookie requests can be forged
            csrf.protect(apply_exemptions=True)
        return None

    @app.after_request
    def _private(response: Response) -> Response:
        response.vary.add("Authorization")
        if g.get("account") is not None:  # a researcher's page must never sit in a shared cache
            response.cache_control.private = True
            response.cache_control.no_store = True
        return response

    @app.context_processor
    def _account() -> dict[str, Any]:
        return {"current_account": g.get("account"), "signed_in_by_token": g.get("by_token", False)}


def identify() -> Identity | Response:
    """The identity of the current request, or the 401 response to a bad bearer token."""
    engine = current_app.extensions["archive"].engine
    token = bearer_token()
    if token is not None:
        account = accounts.account_for_token(engine, token) if token else None
        if account is None:
            return _invalid_token()
        return Identity(_viewer(account), account, by_token=True)
    user_id, session_id = session.get(SESSION_USER), session.get(SESSION_ID)
    if user_id is not None:
        account = None
        if isinstance(user_id, int) and isinstance(session_id, str):
            account = accounts.account_for_session(engine, user_id, session_id)
        if account is not None:
            return Identity(_viewer(account), account)
        session.clear()  # logged out, removed, disabled or given a new password: the session has ended
    # asked afresh on each request, so an embargo ends on its day without a restart
    return Identity(viewer_for(current_app.config["ARCHIVE_VIEWER"], date.today()))


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header ("" when empty), None without one.

    Other schemes (Basic, from a proxy in front of the site) are not ours and are ignored.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def log_in(account: Account) -> None:
    """A fresh session for the account: nothing from before the login survives (session fixation)."""
    engine = current_app.extensions["archive"].engine
    session_id = accounts.start_session(engine, account, current_app.permanent_session_lifetime)
    session.clear()
    session[SESSION_USER] = account.id
    session[SESSION_ID] = session_id


def log_out() -> None:
    """End the cookie's session for good, not only forget it in this browser."""
    session_id = session.get(SESSION_ID)
    if isinstance(session_id, str):
        accounts.end_session(current_app.extensions["archive"].engine, session_id)
    session.clear()


def _viewer(account: Account) -> Viewer:
    return viewer_for(account.role, date.today())


def _invalid_token() -> Response:
    challenge = 'Bearer realm="archive", error="invalid_token"'
    detail = "the bearer token is not valid: unknown, revoked, or its account is disabled"
    if request.path == "/api" or request.path.startswith("/api/"):
        from webapp.views.api import problem

        return problem(401, detail, [("WWW-Authenticate", challenge)])
    g.viewer, g.account, g.by_token = viewer_for("anonymous"), None, False
    g.error_page = True  # no page metadata (webapp/views/site_metadata.py)
    if request.url_rule is not None and request.url_rule.endpoint == "oai.endpoint":
        from webapp.views.oai import invalid_token

        return invalid_token(detail, challenge)
    # the error page renders with the anonymous viewer
    page = render_template("error.html", error=Unauthorized(detail))
    return Response(page, 401, {"WWW-Authenticate": challenge}, mimetype="text/html")
