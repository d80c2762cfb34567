"""Logging in, API tokens, CSRF, rate limits, cookies and the secret key, through Flask's test client
over a real archive of the synthetic fixture collection (``boris-synthetic`` is restricted)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from archive.access import accounts
from archive.facade import Archive
from tests.support import copy_home
from webapp import create_app
from webapp.i18n import compile_catalogues

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "collection"
PASSWORD = "correct horse battery"
RESTRICTED = "/people/boris-synthetic"


@pytest.fixture(scope="module", autouse=True)
def _catalogues() -> None:
    compile_catalogues()  # the Russian interface, as `make setup` compiles it


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, imported_fixture_home: Path) -> Path:
    home = copy_home(imported_fixture_home, tmp_path_factory.mktemp("auth-home") / "home")
    archive = Archive.open(home)
    try:
        accounts.add_user(archive.engine, "vera", "researcher", PASSWORD)
        accounts.add_user(archive.engine, "ivan", "archivist", PASSWORD)
    finally:
        archive.close()
    return home


@pytest.fixture
def app(home: Path) -> Iterator[Flask]:
    """A fresh app per test, with the failed-login counts of the home's shared store emptied."""
    made = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    made.extensions["archive_limiter"].reset()
    yield made
    made.extensions["archive"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _csrf(client: FlaskClient, path: str = "/login", **kwargs) -> str:  # type: ignore[no-untyped-def]
    html = client.get(path, **kwargs).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def _login(client: FlaskClient, name: str = "vera", password: str = PASSWORD, **kwargs):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"name": name, "password": password, "csrf_token": _csrf(client)}, **kwargs)


def _engine(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["archive"].engine


# --- the login page and the session ------------------------------------------------------------------


@pytest.mark.slow
def test_the_login_page_renders(client: FlaskClient) -> None:
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    assert '<label for="login-name">' in html and 'autocomplete="current-password"' in html
    assert 'name="csrf_token"' in html
    home = client.get("/").get_data(as_text=True)
    assert '<a class="account" href="/login"' in home and "Log out" not in home
    assert "Войти" in client.get("/login?lang=ru").get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"name": "vera", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get(RESTRICTED).status_code == 404
    assert client.post("/logout").status_code == 400


@pytest.mark.slow
def test_a_wrong_password_shows_an_error_and_logs_nobody_in(client: FlaskClient) -> None:
    for name, password in (("vera", "not the password"), ("nobody", PASSWORD)):
        response = _login(client, name, password)
        assert response.status_code == 200
        assert "The name or the password is wrong" in response.get_data(as_text=True)
        with client.session_transaction() as session:
            assert "user_id" not in session
    assert client.get(RESTRICTED).status_code == 404


@pytest.mark.slow
def test_logging_in_shows_restricted_records_and_logging_out_hides_them(client: FlaskClient) -> None:
    assert client.get(RESTRICTED).status_code == 404
    token = _csrf(client)
    with client.session_transaction() as session:
        assert session.get("csrf_token")  # the login form put one there
    response = client.post("/login", data={"name": "vera", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert session.get("csrf_token") is None  # a new session: nothing from before the login
        assert isinstance(session.get("user_id"), int)
    page = client.get(RESTRICTED)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Boris (synthetic)" in html
    assert "Log out (vera)" in html and "private" in page.headers["Cache-Control"]
    assert "Authorization" in page.headers["Vary"]

    logout = re.search(r'<form class="account"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"', html)
    assert logout
    out = client.post("/logout", data={"csrf_token": logout.group(1)})
    assert out.status_code == 303
    assert client.get(RESTRICTED).status_code == 404
    assert "Log in" in client.get("/").get_data(as_text=True)


@pytest.mark.slow
def test_back_to_the_page_after_login_but_never_to_another_site(client: FlaskClient) -> None:
    data = {"name": "vera", "password": PASSWORD}
    response = client.post("/login", data={**data, "next": "/people?lang=ru", "csrf_token": _csrf(client)})
    assert response.headers["Location"] == "/people?lang=ru"
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post("/login", data={**data, "next": evil, "csrf_token": _csrf(client)})
        assert response.headers["Location"] == "/"


@pytest.mark.slow
def test_a_disabled_removed_or_repassworded_user_is_logged_out_at_once(app: Flask, client: FlaskClient) -> None:
    engine = _engine(app)
    accounts.add_user(engine, "olga", "researcher", PASSWORD)
    try:
        assert _login(client, "olga").status_code == 303
        assert client.get(RESTRICTED).status_code == 200
        accounts.set_disabled(engine, "olga", True)
        assert client.get(RESTRICTED).status_code == 404
        with client.session_transaction() as session:
            assert "user_id" not in session
        accounts.set_disabled(engine, "olga", False)
        assert _login(client, "olga").status_code == 303
        accounts.set_password(engine, "olga", "another long password")
        assert client.get(RESTRICTED).status_code == 404
        assert _login(client, "olga", "another long password").status_code == 303
        accounts.remove_user(engine, "olga")
        assert client.get(RESTRICTED).status_code == 404
    finally:
        if any(a.name == "olga" for a in accounts.list_users(engine)):
            accounts.remove_user(engine, "olga")


@pytest.mark.slow
def test_a_login_or_token_wins_over_archive_viewer(home: Path) -> None:
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "ARCHIVE_VIEWER": "archivist"})
    token = accounts.issue_token(_engine(app), "vera")
    client = app.test_client()
    try:
        with client:
            client.get("/")
            assert g.viewer.role == "archivist"
            client.get("/", headers={"Authorization": f"Bearer {token}"})
            assert g.viewer.role == "researcher"
            _login(client)
            client.get("/")
            assert g.viewer.role == "researcher" and g.account.name == "vera"
    finally:
        accounts.revoke_token(_engine(app), token[:8])
        app.extensions["archive"].close()


# --- cookies ----------------------------------------------------------------------------------------------


def _session_cookie(response) -> str:  # type: ignore[no-untyped-def]
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


@pytest.mark.slow
def test_the_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient) -> None:
    cookie = _session_cookie(_login(client))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.slow
def test_the_session_cookie_is_secure_over_https(client: FlaskClient) -> None:
    https = {"base_url": "https://localhost"}
    token = _csrf(client, **https)
    response = client.post("/login", data={"name": "vera", "password": PASSWORD, "csrf_token": token},
                           headers={"Referer": "https://localhost/login"}, **https)
    assert response.status_code == 303
    assert "Secure" in _session_cookie(response)


def test_https_deployments_always_mark_the_cookie_secure(home: Path) -> None:
    for setting in ({"ARCHIVE_HTTPS": True}, {"PREFERRED_URL_SCHEME": "https"}):
        app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, **setting})
        try:
            assert app.config["SESSION_COOKIE_SECURE"] is True
            assert "Secure" in _session_cookie(app.test_client().get("/login"))
        finally:
            app.extensions["archive"].close()


# --- rate limits ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_failed_logins_are_rate_limited_per_address(client: FlaskClient) -> None:
    for _ in range(5):
        assert _login(client, "vera", "not the password").status_code == 200
    assert _login(client, "vera", "not the password").status_code == 429
    assert _login(client, "vera").status_code == 429  # even the right password, until the minute is over
    other = client.application.test_client()
    response = _login(other, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 303  # another address is not slowed down


@pytest.mark.slow
def test_failed_logins_are_counted_across_server_processes_and_restarts(home: Path) -> None:
    """Two apps over one home stand for two `archive serve` processes: they share the counts
    of the home's rate-limits.sqlite3; a third, made later, stands for a restart."""
    first = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    second = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    first.extensions["archive_limiter"].reset()
    try:
        assert (home / "rate-limits.sqlite3").is_file()
        for number in range(5):  # 5 per minute and address, spread over both processes
            client = (first if number % 2 else second).test_client()
            assert _login(client, "vera", "not the password").status_code == 200
        assert _login(first.test_client(), "vera").status_code == 429
        assert _login(second.test_client(), "vera").status_code == 429
        restarted = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
        try:
            assert _login(restarted.test_client(), "vera").status_code == 429
        finally:
            restarted.extensions["archive"].close()
        other_address = {"environ_base": {"REMOTE_ADDR": "192.0.2.9"}}
        assert _login(second.test_client(), **other_address).status_code == 303
    finally:
        first.extensions["archive_limiter"].reset()
        first.extensions["archive"].close()
        second.extensions["archive"].close()


def test_the_sqlite_store_counts_in_fixed_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from limits.storage import storage_from_string

    from webapp import rate_limits

    now = [1_000_000.0]
    monkeypatch.setattr(rate_limits.time, "time", lambda: now[0])
    store = storage_from_string(rate_limits.storage_uri(tmp_path))
    other = storage_from_string(rate_limits.storage_uri(tmp_path))  # another process's view of the file
    assert isinstance(store, rate_limits.SQLiteStorage) and store.check()
    assert store.incr("k", 60) == 1 and other.incr("k", 60) == 2 and store.incr("k", 60, amount=3) == 5
    assert other.get("k") == 5 and store.get_expiry("k") == now[0] + 60
    now[0] += 59
    assert store.get("k") == 5  # the window is fixed: later increments do not extend it
    now[0] += 1
    assert store.get("k") == 0 and other.incr("k", 60) == 1  # a new window
    store.incr("j", 60)
    store.clear("k")
    assert store.get("k") == 0 and store.get("j") == 1
    assert store.reset() == 1 and other.get("j") == 0


# --- bearer tokens ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_bearer_token_gives_its_owners_view_everywhere(app: Flask, client: FlaskClient) -> None:
    token = accounts.issue_token(_engine(app), "vera")
    auth = {"Authorization": f"Bearer {token}"}
    try:
        assert client.get("/api/people/boris-synthetic").status_code == 404
        response = client.get("/api/people/boris-synthetic", headers=auth)
        assert response.status_code == 200 and response.get_json()["id"] == "boris-synthetic"
        assert "no-store" in response.headers["Cache-Control"]
        assert client.get(RESTRICTED, headers=auth).status_code == 200
        assert "Set-Cookie" not in client.get(RESTRICTED, headers=auth).headers  # no session for a token
        ids = {p["id"] for p in client.get("/api/people", headers=auth).get_json()["items"]}
        assert "boris-synthetic" in ids
        assert "boris-synthetic" in client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc",
                                               headers=auth).get_data(as_text=True)
        assert "boris-synthetic" not in client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"
                                                   ).get_data(as_text=True)
    finally:
        accounts.revoke_token(_engine(app), token[:8])

    revoked = client.get("/api/people", headers=auth)
    assert revoked.status_code == 401 and revoked.mimetype == "application/problem+json"
    assert revoked.get_json()["status"] == 401
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")
    page = client.get("/people", headers=auth)
    assert page.status_code == 401 and page.mimetype == "text/html"
    assert client.get("/api/people", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/api/people", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 200


def test_token_requests_need_no_csrf_token_and_oai_post_works(app: Flask, client: FlaskClient) -> None:
    token = accounts.issue_token(_engine(app), "vera")
    try:
        # a browser never adds the header by itself, so a token request cannot be forged
        response = client.post("/logout", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 303
    finally:
        accounts.revoke_token(_engine(app), token[:8])
    assert client.post("/oai", data={"verb": "Identify"}).status_code == 200  # read-only, OAI allows POST
    assert client.get("/api/people").status_code == 200


# --- the secret key -----------------------------------------------------------------------------------------


def test_create_app_refuses_a_missing_or_default_secret_key(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARCHIVE_SECRET_KEY", raising=False)
    for config in ({}, {"SECRET_KEY": "dev"}, {"SECRET_KEY": "short"}):
        with pytest.raises(RuntimeError, match="ARCHIVE_SECRET_KEY") as refused:
            create_app({"ARCHIVE_HOME": str(home), **config})
        assert "config.py" in str(refused.value)
    good = create_app({"ARCHIVE_HOME": str(home), "SECRET_KEY": secrets.token_hex(32)})
    good.extensions["archive"].close()
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("ARCHIVE_SECRET_KEY", key)
    from_env = create_app({"ARCHIVE_HOME": str(home)})
    assert from_env.config["SECRET_KEY"] == key
    from_env.extensions["archive"].close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_once(home: Path, collection: Path) -> None:
    """``archive run`` as `make run` starts it, until it answers; then stopped."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_SECRET_KEY", "ARCHIVE_HOME", "DATABASE_URL")}
    command = Path(sys.executable).with_name("archive")  # the installed command, as `make run` calls it
    process = subprocess.Popen([str(command), "--home", str(home), "run", str(collection),
                                "--port", str(port), "--threads", "1"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    assert response.status == 200
                    return
            except OSError:
                assert time.monotonic() < deadline, "archive run did not answer"
                time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()


@pytest.mark.slow
def test_archive_run_writes_a_secret_key_once_and_serve_refuses_without_one(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archive.cli.main import main

    collection = tmp_path / "collection"
    shutil.copytree(FIXTURE, collection)
    home = tmp_path / "home"
    runner_env = {"ARCHIVE_SECRET_KEY": None, "ARCHIVE_HOME": None, "DATABASE_URL": None}
    refused = CliRunner().invoke(main, ["--home", str(home), "serve", "--collection", str(collection)],
                                 env=runner_env)
    assert refused.exit_code == 1 and "ARCHIVE_SECRET_KEY" in refused.output
    assert not (home / "secret_key").exists()  # serve never makes one

    _run_once(home, collection)
    key_file = home / "secret_key"
    key = key_file.read_text().strip()
    assert len(key) == 64 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    _run_once(home, collection)
    assert key_file.read_text().strip() == key  # reused, so logins survive a restart
