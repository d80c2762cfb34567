"""Waitress's own answers carry the site's security headers (issue 20, item 20).

A request waitress cannot parse (400), headers too large (431) and an application that fails
before its answer begins (500) are answered by waitress itself, never reaching Flask. The site
is served here as ``archive serve`` serves it (``webapp.server.create_server``), over a real
socket, and the raw answers are read.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from tests.support import copy_home
from webapp import create_app
from webapp.security import HEADERS
from webapp.server import create_server


def _serve(app) -> Iterator[int]:
    server = create_server(app, host="127.0.0.1", port=0, threads=1, max_request_header_size=8192,
                           ident="red-soul-archive")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        server.task_dispatcher.shutdown()
        server.close()


@pytest.fixture(scope="module")
def site_port(tmp_path_factory, imported_fixture_home) -> Iterator[int]:
    home = copy_home(imported_fixture_home, tmp_path_factory.mktemp("waitress") / "home")
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    try:
        yield from _serve(app)
    finally:
        app.extensions["archive"].close()


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str]]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


def _assert_secured(headers: dict[str, str]) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name.lower()) == value, name


@pytest.mark.slow
def test_the_site_itself_still_answers_with_its_headers(site_port):
    status, headers = _raw(site_port, b"GET /people HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status == 200
    _assert_secured(headers)


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /people HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: nonsense\r\n\r\n", 400),
    (b"GET /people HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + b"a" * 20_000 + b"\r\n\r\n", 431),
])
def test_waitress_own_error_answers_carry_the_security_headers(site_port, request_bytes, status):
    answered, headers = _raw(site_port, request_bytes)
    assert answered == status
    _assert_secured(headers)
    assert headers["server"] == "red-soul-archive"


def test_waitress_own_500_carries_the_security_headers():
    def failing_app(environ, start_response):  # an application failing before its answer begins
        raise RuntimeError("synthetic failure")

    for port in _serve(failing_app):
        status, headers = _raw(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert status == 500
        _assert_secured(headers)


@pytest.mark.slow
def test_serve_on_an_address_in_use_says_so_in_one_line(tmp_path, imported_fixture_home):
    """A second server on a port another process listens on: one line, exit status 1, and no
    "Serving on" (it never served)."""
    import os
    import secrets
    import subprocess
    import sys

    home = copy_home(imported_fixture_home, tmp_path / "home")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "archive.cli.main", "--home", str(home), "serve",
                               "--port", str(port)], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "ARCHIVE_SECRET_KEY": secrets.token_hex(32)})
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Serving on" not in done.stdout
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and f"127.0.0.1:{port}" in errors[0] and "another --port" in errors[0], done.stderr
