"""The login limits: an attempt is counted before it is evaluated, so concurrent requests cannot
pass the per-address limit; wrong guesses lock out the guesser (its address and the account name
together, for longer after each further failure), never the account's owner at another address.

Over a real archive and the real shared store of failed-login counts (``rate-limits.sqlite3``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import home_with_users
from webapp import create_app
from webapp.i18n import compile_catalogues

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "collection"
PASSWORD = "correct horse battery"
WRONG = "not the password"
GUESSER = "203.0.113.66"
OWNER = "198.51.100.20"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, imported_fixture_home: Path) -> Path:
    compile_catalogues()
    target = tmp_path_factory.mktemp("limits-home") / "home"
    return home_with_users(imported_fixture_home, target, {"vera": "researcher", "ivan": "archivist"}, PASSWORD)


def _app(home: Path, **config: Any) -> Flask:
    made = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "WTF_CSRF_ENABLED": False, **config})
    made.extensions["archive_limiter"].reset()
    return made


@pytest.fixture
def app(home: Path) -> Iterator[Flask]:
    made = _app(home)
    yield made
    made.extensions["archive"].close()


def _login(client: FlaskClient, name: str, password: str, address: str) -> Any:
    return client.post("/login", data={"name": name, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.mark.slow
def test_concurrent_attempts_never_pass_the_per_address_limit(app: Flask) -> None:
    """Sixteen threads at once from one address: at most five attempts (the limit) are evaluated."""
    threads, statuses = 16, []
    start = threading.Barrier(threads)
    lock = threading.Lock()

    def attempt() -> None:
        client = app.test_client()
        start.wait()
        status = _login(client, "vera", WRONG, GUESSER).status_code
        with lock:
            statuses.append(status)

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    evaluated = statuses.count(200)  # the form again, with "the name or the password is wrong"
    assert evaluated + statuses.count(429) == threads, statuses
    assert 1 <= evaluated <= 5, statuses


@pytest.mark.slow
def test_wrong_guesses_lock_out_the_guesser_not_the_owner(home: Path) -> None:
    """Guesses from several addresses (more than any one address may make) do not lock the owner out."""
    app = _app(home)
    try:
        guessers = [f"192.0.2.{number}" for number in range(1, 6)]
        for address in guessers:
            for _ in range(5):
                assert _login(app.test_client(), "vera", WRONG, address).status_code == 200
            assert _login(app.test_client(), "vera", WRONG, address).status_code == 429
        # 25 wrong guesses at vera: the owner, at her own address, still gets in
        assert _login(app.test_client(), "vera", PASSWORD, OWNER).status_code == 303
    finally:
        app.extensions["archive"].close()


@pytest.mark.slow
def test_a_guessers_lockout_grows_with_each_failure_and_is_per_account(home: Path) -> None:
    """With the per-address limit out of the way, the lockout of one address and one account name
    starts after the allowed failures and doubles with each further one."""
    app = _app(home, LOGIN_RATE_LIMIT="1000 per minute", LOGIN_LOCKOUT_FAILURES=3, LOGIN_LOCKOUT_SECONDS=1)
    try:
        client = app.test_client()
        for _ in range(3):
            assert _login(client, "vera", WRONG, GUESSER).status_code == 200
        locked = _login(client, "vera", PASSWORD, GUESSER)  # even the right password, while locked
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) == 1
        assert _login(client, "ivan", PASSWORD, GUESSER).status_code == 303  # another account: not locked
        assert _login(client, "vera", PASSWORD, OWNER).status_code == 303  # the owner elsewhere: not locked
        waits = []
        for _ in range(2):
            time.sleep(int(locked.headers["Retry-After"]) + 0.2)
            assert _login(client, "vera", WRONG, GUESSER).status_code == 200  # the lock has ended: evaluated
            locked = _login(client, "vera", WRONG, GUESSER)
            assert locked.status_code == 429
            waits.append(int(locked.headers["Retry-After"]))
        assert waits == [2, 4]
        time.sleep(waits[-1] + 0.2)
        assert _login(client, "vera", PASSWORD, GUESSER).status_code == 303  # a success forgets the failures
        assert _login(client, "vera", WRONG, GUESSER).status_code == 200
        assert _login(client, "vera", WRONG, GUESSER).status_code == 200
    finally:
        app.extensions["archive"].close()


@pytest.mark.slow
def test_a_successful_login_does_not_use_up_the_address_limit(app: Flask) -> None:
    """Researchers behind one address (a reading room) may log in more often than five times a minute."""
    for _ in range(7):
        client = app.test_client()
        assert _login(client, "vera", PASSWORD, GUESSER).status_code == 303
