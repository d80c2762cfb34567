"""Researcher accounts and API tokens (``archive.access.accounts``) and ``archive user …``, over real SQLite files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from archive.access import accounts
from archive.access.accounts import ApiToken, User
from archive.cli.main import main
from archive.facade import Archive

PASSWORD = "correct horse battery"


@pytest.fixture
def engine(archive: Archive):  # type: ignore[no-untyped-def]
    return archive.engine


def _row(engine, name: str) -> User:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return session.exec(select(User).where(User.name == name)).one()


# --- the library -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_password_is_stored_as_an_argon2id_hash(engine):  # type: ignore[no-untyped-def]
    account = accounts.add_user(engine, "vera", "researcher", PASSWORD)
    stored = _row(engine, "vera").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert account.role == "researcher" and account.tokens == 0 and not account.disabled
    assert not hasattr(account, "password_hash")  # callers never see it


@pytest.mark.slow
def test_authenticate_right_wrong_unknown_and_disabled(engine):  # type: ignore[no-untyped-def]
    accounts.add_user(engine, "vera", "archivist", PASSWORD)
    viewer = accounts.authenticate(engine, "vera", PASSWORD)
    assert viewer is not None and viewer.role == "archivist" and viewer.sees_withheld
    assert accounts.authenticate(engine, "vera", PASSWORD + "!") is None
    assert accounts.authenticate(engine, "nobody", PASSWORD) is None
    assert accounts.authenticate(engine, "vera", "") is None
    accounts.set_disabled(engine, "vera", True)
    assert accounts.authenticate(engine, "vera", PASSWORD) is None
    accounts.set_disabled(engine, "vera", False)
    assert accounts.authenticate(engine, "vera", PASSWORD) is not None


@pytest.mark.slow
def test_an_outdated_hash_is_replaced_on_login(engine):  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    accounts.add_user(engine, "vera", "researcher", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.name == "vera")).one()
        user.password_hash = weak
        session.add(user)
        session.commit()
    assert accounts.login(engine, "vera", PASSWORD) is not None
    renewed = _row(engine, "vera").password_hash
    assert renewed != weak and not PasswordHasher().check_needs_rehash(renewed)


@pytest.mark.slow
def test_clear_errors(engine):  # type: ignore[no-untyped-def]
    accounts.add_user(engine, "vera", "researcher", PASSWORD)
    with pytest.raises(accounts.DuplicateUser, match="already exists"):
        accounts.add_user(engine, "vera", "archivist", PASSWORD)
    with pytest.raises(accounts.BadRole, match="expected one of: researcher, archivist"):
        accounts.add_user(engine, "ivan", "anonymous", PASSWORD)
    with pytest.raises(accounts.BadPassword, match="empty"):
        accounts.add_user(engine, "ivan", "researcher", "")
    with pytest.raises(accounts.BadPassword, match="at least 12"):
        accounts.add_user(engine, "ivan", "researcher", "short pass")
    with pytest.raises(accounts.UnknownUser, match="no user 'ivan'"):
        accounts.set_password(engine, "ivan", PASSWORD)
    with pytest.raises(accounts.UnknownUser):
        accounts.remove_user(engine, "ivan")
    with pytest.raises(accounts.AccountError, match="invalid user name"):
        accounts.add_user(engine, "a b", "researcher", PASSWORD)


@pytest.mark.slow
def test_set_password_changes_the_stamp(engine):  # type: ignore[no-untyped-def]
    before = accounts.add_user(engine, "vera", "researcher", PASSWORD)
    accounts.set_password(engine, "vera", "another long password")
    assert accounts.authenticate(engine, "vera", PASSWORD) is None
    after = accounts.login(engine, "vera", "another long password")
    assert after is not None and after.stamp != before.stamp  # web sessions made before it end


@pytest.mark.slow
def test_tokens_issue_verify_revoke(engine):  # type: ignore[no-untyped-def]
    accounts.add_user(engine, "vera", "researcher", PASSWORD)
    token = accounts.issue_token(engine, "vera")
    assert len(token) >= 43
    with Session(engine) as session:
        row = session.exec(select(ApiToken)).one()
    assert token not in (row.token_hash, row.prefix) and row.prefix == token[:8] and len(row.token_hash) == 64
    viewer = accounts.viewer_for_token(engine, token)
    assert viewer is not None and viewer.role == "researcher"
    assert accounts.viewer_for_token(engine, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert accounts.viewer_for_token(engine, "") is None
    [info] = accounts.list_tokens(engine, "vera")
    assert info.prefix == token[:8] and info.last_used is not None and not info.revoked
    assert accounts.get_account(engine, "vera").tokens == 1

    revoked = accounts.revoke_token(engine, token[:8])
    assert revoked.revoked and revoked.user == "vera"
    assert accounts.viewer_for_token(engine, token) is None
    with pytest.raises(accounts.UnknownToken):
        accounts.revoke_token(engine, token[:8])  # already revoked
    with pytest.raises(accounts.UnknownToken, match="8 characters"):
        accounts.revoke_token(engine, "abc")


@pytest.mark.slow
def test_a_disabled_or_removed_users_tokens_stop_working(engine):  # type: ignore[no-untyped-def]
    accounts.add_user(engine, "vera", "researcher", PASSWORD)
    token = accounts.issue_token(engine, "vera")
    accounts.set_disabled(engine, "vera", True)
    assert accounts.viewer_for_token(engine, token) is None
    accounts.set_disabled(engine, "vera", False)
    assert accounts.viewer_for_token(engine, token) is not None
    accounts.remove_user(engine, "vera")
    assert accounts.viewer_for_token(engine, token) is None
    with Session(engine) as session:
        assert session.exec(select(ApiToken)).all() == []
    assert accounts.list_users(engine) == []


# --- the command line -------------------------------------------------------------------------------


def _run(home: Path, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--home", str(home), "user", *args], input=stdin)


@pytest.mark.slow
def test_cli_user_add_list_passwd_remove(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = _run(home, "add", "vera", "--role", "researcher", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "added researcher vera" in result.output

    prompted = _run(home, "add", "ivan", "--role", "archivist", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORD not in prompted.output  # the prompt hides what is typed

    duplicate = _run(home, "add", "vera", "--role", "researcher", "--password-stdin", stdin=PASSWORD + "\n")
    assert duplicate.exit_code == 1 and "a user 'vera' already exists" in duplicate.output
    short = _run(home, "add", "olga", "--role", "researcher", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    bad_role = _run(home, "add", "olga", "--role", "anonymous", "--password-stdin", stdin=PASSWORD + "\n")
    assert bad_role.exit_code == 2 and "anonymous" in bad_role.output

    listing = _run(home, "list")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[0].split() == ["name", "role", "created", "tokens"]
    assert any(line.split()[:2] == ["ivan", "archivist"] for line in lines)
    assert any(line.split()[:2] == ["vera", "researcher"] for line in lines)
    assert "$argon2" not in listing.output

    changed = _run(home, "passwd", "vera", "--password-stdin", stdin="a brand new password\n")
    assert changed.exit_code == 0, changed.output
    archive = Archive.open(home)
    try:
        assert accounts.authenticate(archive.engine, "vera", "a brand new password") is not None
        assert accounts.authenticate(archive.engine, "vera", PASSWORD) is None
    finally:
        archive.close()
    unknown = _run(home, "passwd", "nobody", "--password-stdin", stdin=PASSWORD + "\n")
    assert unknown.exit_code == 1 and "no user 'nobody'" in unknown.output

    assert _run(home, "remove", "ivan").exit_code == 0
    assert "ivan" not in _run(home, "list").output
    again = _run(home, "remove", "ivan")
    assert again.exit_code == 1 and "no user 'ivan'" in again.output


@pytest.mark.slow
def test_cli_tokens(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _run(home, "add", "vera", "--role", "researcher", "--password-stdin", stdin=PASSWORD + "\n").exit_code == 0
    issued = CliRunner().invoke(main, ["--home", str(home), "user", "token", "issue", "vera"])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()  # the token alone on stdout, for scripts
    assert len(token) >= 43 and "not shown again" in issued.stderr

    listed = _run(home, "token", "list", "vera")
    assert token[:8] in listed.output and "active" in listed.output and token not in listed.output
    assert _run(home, "list").output.splitlines()[1].split()[-1] == "1"

    archive = Archive.open(home)
    try:
        assert accounts.viewer_for_token(archive.engine, token) is not None
        revoked = _run(home, "token", "revoke", token[:8])
        assert revoked.exit_code == 0 and f"revoked token {token[:8]} of vera" in revoked.output
        assert accounts.viewer_for_token(archive.engine, token) is None
    finally:
        archive.close()
    assert "revoked" in _run(home, "token", "list", "vera").output
    unknown = _run(home, "token", "revoke", "zzzzzzzz")
    assert unknown.exit_code == 1 and "no active token" in unknown.output
    assert _run(home, "token", "issue", "nobody").exit_code == 1


@pytest.mark.parametrize("command", [["user"], ["user", "add"], ["user", "remove"], ["user", "list"],
                                     ["user", "passwd"], ["user", "token"], ["user", "token", "issue"],
                                     ["user", "token", "list"], ["user", "token", "revoke"]])
def test_every_user_command_has_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "archive user" in result.output
