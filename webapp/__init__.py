"""The Flask front end of the archive: views call ``archive``, templates render.

``create_app`` builds the site over one archive home: the Flask instance folder *is* the
archive home (``archive.settings.resolve``), so the SQLite file and the search index live
in ``instance/`` next to an optional ``config.py``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, g

from archive.access.visibility import Viewer, viewer_for
from archive.facade import Archive
from archive.settings import (
    ADMIN_EMAIL_VARIABLE,
    BASE_URL_VARIABLE,
    MEDIA_SOURCES_VARIABLE,
    RATE_LIMIT_STORAGE_VARIABLE,
    media_sources,
    resolve,
)

DEFAULTS: dict[str, Any] = {
    # Who the site shows records to. A researcher's own deployment may set "researcher" to
    # see restricted and embargoed records. A logged-in account or an API token wins over it
    # (webapp.auth); a request parameter never changes it.
    "ARCHIVE_VIEWER": "anonymous",
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGE_COOKIE": "lang",
    "SITE_NAME": "The Red Soul oral-history archive",
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The site: defaults, then ``instance/config.py``, then the environment, then ``test_config``."""
    overrides = dict(test_config or {})
    settings = resolve(overrides.get("ARCHIVE_HOME"), overrides.get("DATABASE_URL"))
    app = Flask(__name__, instance_path=str(settings.home), instance_relative_config=True)
    from webapp import auth, secret_key

    app.config.from_mapping({**DEFAULTS, **auth.DEFAULTS})
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("ARCHIVE_VIEWER"):
        app.config["ARCHIVE_VIEWER"] = os.environ["ARCHIVE_VIEWER"]
    if os.environ.get(BASE_URL_VARIABLE):  # links are made from it, never from a request's Host
        app.config["ARCHIVE_BASE_URL"] = os.environ[BASE_URL_VARIABLE]
    if os.environ.get(ADMIN_EMAIL_VARIABLE):
        app.config["ARCHIVE_ADMIN_EMAIL"] = os.environ[ADMIN_EMAIL_VARIABLE]
    if os.environ.get(MEDIA_SOURCES_VARIABLE):  # origins recordings may be played from, checked below
        app.config[MEDIA_SOURCES_VARIABLE] = os.environ[MEDIA_SOURCES_VARIABLE]
    if os.environ.get(RATE_LIMIT_STORAGE_VARIABLE):  # where the login counts live (webapp/rate_limits.py)
        app.config["RATELIMIT_STORAGE_URI"] = os.environ[RATE_LIMIT_STORAGE_VARIABLE]
    if os.environ.get("ARCHIVE_PAGE_CACHE_MB"):  # webapp/page_cache.py; 0 turns it off
        app.config["PAGE_CACHE_BYTES"] = int(os.environ["ARCHIVE_PAGE_CACHE_MB"]) * 1024 * 1024
    app.config.from_mapping(overrides)
    viewer_for(app.config["ARCHIVE_VIEWER"])  # an unknown role stops the start, it is never guessed
    secret_key.configure_secret_key(app, overrides)  # no usable key outside debug/testing stops the start
    from webapp import public_address

    public_address.init_app(app)  # ARCHIVE_BASE_URL and TRUSTED_HOSTS; a bad address stops the start
    # origins recordings may be played from (webapp/security.py); a bad one stops the start
    app.config[MEDIA_SOURCES_VARIABLE] = media_sources(app.config.get(MEDIA_SOURCES_VARIABLE))

    # the site never migrates the schema: an older database is refused, naming `archive db upgrade`
    app.extensions["archive"] = Archive.open(settings.home, settings.database_url, upgrade_schema=False)
    _one_data_version_per_request(app)

    from webapp import i18n, security
    from webapp.views import api, errors, exports, home, interviews, oai, people, search, sources, themes
    from webapp.views import auth as auth_views
    from webapp.views.health import bp as health_bp
    from webapp.views.health import follow_when_set

    i18n.init_app(app)
    security.init_app(app)  # security headers on every response; path ids must be slugs
    for blueprint in (home.bp, people.bp, interviews.bp, themes.bp, sources.bp, search.bp, oai.bp, errors.bp, api.bp,
                      exports.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(health_bp)  # /healthz: this node against the database
    follow_when_set(app)  # ARCHIVE_SYNC_SECONDS set: the index follows a database shared by several nodes
    auth.init_app(app)  # sets g.viewer on each request: a token, a login, else ARCHIVE_VIEWER
    auth_views.init_app(app)
    from webapp import page_cache

    page_cache.init_app(app)  # last: shared pages answered from memory once the viewer is known
    if not app.config.get("ARCHIVE_ADMIN_EMAIL"):
        app.logger.warning("ARCHIVE_ADMIN_EMAIL is not set: OAI-PMH's Identify names webmaster@<host> as the "
                           "repository's contact; set it to the address harvesters should write to "
                           "(docs/configuration.md)")

    return app


def _one_data_version_per_request(app: Flask) -> None:
    """Cached answers (archive/catalogue/read_cache.py) read the database's data version once per request."""
    from archive.catalogue import read_cache
    @app.before_request
    def _pin_data_version() -> None:
        g._read_cache_token = read_cache.begin_request()

    @app.teardown_request
    def _unpin_data_version(_error: BaseException | None) -> None:
        token = g.pop("_read_cache_token", None)
        if token is not None:
            try:
                read_cache.end_request(token)
            except ValueError:  # ended in another context than it began: nothing is pinned there
                pass


def current_archive() -> Archive:
    from flask import current_app

    return current_app.extensions["archive"]


def current_viewer() -> Viewer:
    return g.viewer
