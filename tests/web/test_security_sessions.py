"""A login session ends for good: logging out, a new password and disabling the account each end
it, and a session cookie copied before that (a stolen one) shows nothing restricted afterwards.

Over a real archive of the synthetic fixture collection (``boris-synthetic`` is restricted)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from archive.access import accounts
from tests.support import home_with_users
from webapp import create_app
from webapp.i18n import compile_catalogues

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "collection"
PASSWORD = "correct horse battery"
RESTRICTED = "/people/boris-synthetic"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, imported_fixture_home: Path) -> Path:
    compile_catalogues()
    target = tmp_path_factory.mktemp("sessions-home") / "home"
    return home_with_users(imported_fixture_home, target, {"vera": "researcher"}, PASSWORD)


@pytest.fixture
def app(home: Path) -> Iterator[Flask]:
    made = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "WTF_CSRF_ENABLED": False})
    made.extensions["archive_limiter"].reset()
    yield made
    made.extensions["archive"].close()


def _logged_in(app: Flask, name: str = "vera", password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert client.post("/login", data={"name": name, "password": password}).status_code == 303
    assert client.get(RESTRICTED).status_code == 200
    return client


def _stolen(app: Flask, cookie: str) -> FlaskClient:
    """Another browser, with a copy of the session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


@pytest.mark.slow
def test_a_cookie_copied_before_logout_shows_nothing_restricted_after_it(app: Flask) -> None:
    client = _logged_in(app)
    copied = _cookie(client)
    assert _stolen(app, copied).get(RESTRICTED).status_code == 200  # the copy works while logged in
    assert client.post("/logout").status_code == 303
    assert client.get(RESTRICTED).status_code == 404
    thief = _stolen(app, copied)
    assert thief.get(RESTRICTED).status_code == 404
    assert "Log in" in thief.get("/").get_data(as_text=True)


@pytest.mark.slow
def test_logging_out_ends_this_session_only(app: Flask) -> None:
    laptop, office = _logged_in(app), _logged_in(app)
    assert laptop.post("/logout").status_code == 303
    assert laptop.get(RESTRICTED).status_code == 404
    assert office.get(RESTRICTED).status_code == 200


@pytest.mark.slow
def test_disable_then_enable_does_not_bring_an_old_cookie_back(app: Flask) -> None:
    engine = app.extensions["archive"].engine
    accounts.add_user(engine, "olga", "researcher", PASSWORD)
    try:
        copied = _cookie(_logged_in(app, "olga"))
        accounts.set_disabled(engine, "olga", True)
        assert _stolen(app, copied).get(RESTRICTED).status_code == 404
        accounts.set_disabled(engine, "olga", False)
        assert _stolen(app, copied).get(RESTRICTED).status_code == 404
        _logged_in(app, "olga")  # enabled again: a new login works
    finally:
        accounts.remove_user(engine, "olga")


@pytest.mark.slow
def test_a_new_password_ends_every_session_of_the_account(app: Flask) -> None:
    engine = app.extensions["archive"].engine
    accounts.add_user(engine, "pavel", "researcher", PASSWORD)
    try:
        first, second = _logged_in(app, "pavel"), _logged_in(app, "pavel")
        copied = _cookie(first)
        accounts.set_password(engine, "pavel", "another long password")
        for client in (first, second, _stolen(app, copied)):
            assert client.get(RESTRICTED).status_code == 404
        _logged_in(app, "pavel", "another long password")
    finally:
        accounts.remove_user(engine, "pavel")


@pytest.mark.slow
def test_a_removed_and_recreated_account_does_not_inherit_old_sessions(app: Flask) -> None:
    engine = app.extensions["archive"].engine
    accounts.add_user(engine, "sofia", "researcher", PASSWORD)
    copied = _cookie(_logged_in(app, "sofia"))
    accounts.remove_user(engine, "sofia")
    accounts.add_user(engine, "sofia", "researcher", PASSWORD)
    try:
        assert _stolen(app, copied).get(RESTRICTED).status_code == 404
    finally:
        accounts.remove_user(engine, "sofia")


@pytest.mark.slow
def test_a_session_row_is_the_only_proof_of_a_login(app: Flask) -> None:
    """A cookie signed with the right key but naming no session (a forged or pre-upgrade one) is anonymous."""
    client = _logged_in(app)
    with client.session_transaction() as session:
        session.pop("session_id", None)
    assert client.get(RESTRICTED).status_code == 404
    assert re.search(r"Log in", client.get("/").get_data(as_text=True))
