"""The site's public address: links are made from ``ARCHIVE_BASE_URL``, and only trusted hosts are served.

Permalinks, citations, OAI-PMH identifiers and ``baseURL``, the API's links and every absolute URL
the site writes come from the request (``request.url_root``, ``url_for(..., _external=True)``). A
request's ``Host`` header is the client's to choose, so with a configured base URL the request is
answered as if it had been asked at that address: ``PublicAddress`` rewrites the host, scheme and
script root of every request on a trusted host before Flask sees it.

A request on a host not in ``TRUSTED_HOSTS`` is refused with a 400. It is still rewritten to the
public address, marked, and refused by the first before-request hook, so that the refusal is the
site's own page (or the API's problem document) with the security headers, and its links point
at the public address. (Flask's own ``TRUSTED_HOSTS`` check fails before the request has a URL
adapter, so its error page could not be rendered.) With a base URL configured, ``TRUSTED_HOSTS``
defaults to the base URL's host; list more (another name, ``.example.org`` for its subdomains)
in ``config.py``. Without a base URL the site answers on the host it is asked on, as a
development server does, limited to ``TRUSTED_HOSTS`` when that is set.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import request
from flask_babel import gettext
from werkzeug.exceptions import BadRequest, SecurityError
from werkzeug.wsgi import get_host

from archive.settings import public_base_url

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

DEFAULT_PORTS = {"http": "80", "https": "443"}
UNTRUSTED_HOST = "archive.untrusted_host"  # in a request's environ: the host it named, refused


class PublicAddress:
    """WSGI middleware: a request on a trusted host is seen by the site as asked at ``base_url``."""

    def __init__(self, app: WSGIApplication, base_url: str, trusted_hosts: Iterable[str]) -> None:
        self.app = app
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.netloc = parts.netloc
        self.server_name = parts.hostname or ""
        self.server_port = str(parts.port) if parts.port else DEFAULT_PORTS[parts.scheme]
        self.script_name = parts.path.rstrip("/")
        self.trusted_hosts = list(trusted_hosts)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            get_host(environ, self.trusted_hosts)
        except SecurityError:
            public = self.at_public_address(environ)
            public[UNTRUSTED_HOST] = environ.get("HTTP_HOST", "")
            return self.app(public, start_response)
        return self.app(self.at_public_address(environ), start_response)

    def at_public_address(self, environ: WSGIEnvironment) -> WSGIEnvironment:
        public = dict(environ)
        public.update({"HTTP_HOST": self.netloc, "SERVER_NAME": self.server_name, "SERVER_PORT": self.server_port,
                       "wsgi.url_scheme": self.scheme, "SCRIPT_NAME": self.script_name})
        path = environ.get("PATH_INFO", "")
        if self.script_name and (path == self.script_name or path.startswith(self.script_name + "/")):
            public["PATH_INFO"] = path[len(self.script_name):]  # a proxy that passed the prefix on
        return public


class RefuseUntrusted(PublicAddress):
    """Without a public address: requests on a trusted host pass as asked; the others are refused
    (rewritten to ``refused_at`` and marked, as ``PublicAddress`` does)."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            get_host(environ, self.trusted_hosts)
        except SecurityError:
            return super().__call__(environ, start_response)
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    """Apply ``ARCHIVE_BASE_URL`` (config key or environment) and ``TRUSTED_HOSTS``; a bad address stops the start."""
    raw: Any = app.config.get("ARCHIVE_BASE_URL")
    trusted = list(app.config.get("TRUSTED_HOSTS") or [])
    middleware: type[PublicAddress]
    if raw:
        address = public_base_url(str(raw))
        app.config["ARCHIVE_BASE_URL"] = address
        host = urlsplit(address).hostname or ""
        if host not in trusted:
            trusted.append(host)
        middleware = PublicAddress
    elif trusted:  # no public address: trusted hosts keep their own; a refusal's page links to the first
        first = next((h for h in trusted if not h.startswith(".")), trusted[0].lstrip("."))
        address = public_base_url(f"{app.config.get('PREFERRED_URL_SCHEME') or 'http'}://{first}/")
        middleware = RefuseUntrusted
    else:
        return
    app.config["TRUSTED_HOSTS"] = trusted
    app.wsgi_app = middleware(app.wsgi_app, address, trusted)  # type: ignore[method-assign]
    # first of the before-request hooks: nothing (not the page cache) answers a refused host
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)


def is_loopback(host: str) -> bool:
    """Whether a listening address is reachable from this machine only (``127.0.0.1``, ``::1``,
    ``localhost``)."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:  # a host name: it may resolve to any address
        return False


def open_host_warning(app: Flask, listen_host: str) -> str | None:
    """The start-up warning for a site that listens beyond this machine with neither
    ``ARCHIVE_BASE_URL`` nor ``TRUSTED_HOSTS`` set: it answers any host a request names and makes
    its links from it. None when the site is configured or listens on a loopback address."""
    if app.config.get("ARCHIVE_BASE_URL") or app.config.get("TRUSTED_HOSTS") or is_loopback(listen_host):
        return None
    return (f"listening on {listen_host} with neither ARCHIVE_BASE_URL nor TRUSTED_HOSTS set: the site answers "
            "any host a request names and makes its links from it; set ARCHIVE_BASE_URL to the public address "
            "(docs/configuration.md)")


def _refuse_untrusted_host() -> None:
    if UNTRUSTED_HOST in request.environ:
        raise BadRequest(gettext("This site is not served under the host name the request named."))
