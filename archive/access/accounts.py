"""Researcher and archivist accounts: who may log in, with which role, and their API tokens.

The web app and the CLI both call this module; it never imports Flask. Passwords are kept
only as argon2id hashes (memory-hard, so a stolen database is slow to crack) and API
tokens only as SHA-256 hashes (a token is 256 random bits, so a fast hash is enough) with
a short prefix to tell them apart in listings. A disabled or removed account stops working
at once: callers ask here on every request.

Web logins are sessions kept here, one row each (``web_session``), named in the signed cookie
by a random session id (stored only as its SHA-256 hash). A cookie is a login only while its
row exists: logging out deletes the row, and a new password, disabling or removing the
account deletes every row of that account. So a cookie copied before any of these stays
dead for good (enabling the account again brings no row back), and no key or stamp in the
cookie could revive it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from archive.access.visibility import Viewer

AccountRole = Literal["researcher", "archivist"]
ACCOUNT_ROLES: tuple[AccountRole, ...] = ("researcher", "archivist")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # longer input is refused rather than hashed: no free work for an attacker
PREFIX_LENGTH = 8
_NAME = re.compile(r"^[\w.@+-]{1,64}$")
# Writing last_used on every API call would make each read a write; once a minute is enough.
_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

_hasher = PasswordHasher()  # argon2id with the RFC 9106 "low memory" parameters


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why, for the CLI and the web."""


class DuplicateUser(AccountError):
    pass


class UnknownUser(AccountError):
    pass


class BadRole(AccountError):
    pass


class BadPassword(AccountError):
    pass


class UnknownToken(AccountError):
    pass


class User(SQLModel, table=True):
    # not "user": a reserved word in PostgreSQL, and DATABASE_URL may name one
    __tablename__ = "archive_user"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    role: str
    password_hash: str
    created: dt.datetime
    disabled: bool = False


class WebSession(SQLModel, table=True):
    """One login on the web site; the cookie names it, and it ends when the row goes."""

    __tablename__ = "web_session"
    id_hash: str = Field(primary_key=True)
    user_id: int = Field(foreign_key="archive_user.id", index=True)
    created: dt.datetime
    expires: dt.datetime = Field(index=True)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="archive_user.id", index=True)
    token_hash: str = Field(unique=True, index=True)
    prefix: str = Field(index=True)
    created: dt.datetime
    last_used: dt.datetime | None = None
    revoked: bool = False


@dataclass(frozen=True)
class Account:
    """A user as callers see it: never the password hash.

    ``stamp`` changes whenever the password hash does (a new password, a rehash): a caller can
    tell that the password changed. Web sessions do not rely on it: they end by their rows.
    """

    id: int
    name: str
    role: AccountRole
    created: dt.datetime
    disabled: bool
    tokens: int
    stamp: str

    @property
    def viewer(self) -> Viewer:
        return Viewer(role=self.role)


@dataclass(frozen=True)
class TokenInfo:
    prefix: str
    user: str
    created: dt.datetime
    last_used: dt.datetime | None
    revoked: bool


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)  # stored as UTC, read back aware


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when the user is unknown, so that both cases cost the same."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise AccountError(f"invalid user name {name!r}: 1 to 64 letters, digits or . _ @ + -")
    return name


def _check_role(role: str) -> AccountRole:
    if role not in ACCOUNT_ROLES:
        raise BadRole(f"unknown role {role!r}; expected one of: {', '.join(ACCOUNT_ROLES)}")
    return role  # type: ignore[return-value]


def _check_password(password: str) -> str:
    if not password or not password.strip():
        raise BadPassword("the password is empty")
    if len(password) < MIN_PASSWORD:
        raise BadPassword(f"the password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise BadPassword(f"the password is too long: at most {MAX_PASSWORD} characters")
    return password


def _user(session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise UnknownUser(f"no user {name!r}")
    return user


def _account(session: Session, user: User) -> Account:
    tokens = session.exec(select(func.count()).select_from(ApiToken)
                          .where(ApiToken.user_id == user.id, ApiToken.revoked == False)).one()  # noqa: E712
    return Account(id=user.id or 0, name=user.name, role=_check_role(user.role), created=user.created,
                   disabled=user.disabled, tokens=int(tokens), stamp=_stamp(user.password_hash))


# --- users -----------------------------------------------------------------------------------------


def add_user(engine: Engine, name: str, role: str, password: str) -> Account:
    _check_name(name)
    _check_role(role)
    _check_password(password)
    with Session(engine) as session:
        if session.exec(select(User).where(User.name == name)).first() is not None:
            raise DuplicateUser(f"a user {name!r} already exists")
        user = User(name=name, role=role, password_hash=_hasher.hash(password), created=_now())
        session.add(user)
        session.commit()
        session.refresh(user)
        return _account(session, user)


def remove_user(engine: Engine, name: str) -> None:
    """The user and all their tokens."""
    with Session(engine) as session:
        user = _user(session, name)
        for token in session.exec(select(ApiToken).where(ApiToken.user_id == user.id)):
            session.delete(token)
        _end_sessions(session, user)
        session.flush()
        session.delete(user)
        session.commit()


def list_users(engine: Engine) -> list[Account]:
    with Session(engine) as session:
        return [_account(session, user) for user in session.exec(select(User).order_by(User.name))]


def get_account(engine: Engine, name: str) -> Account:
    with Session(engine) as session:
        return _account(session, _user(session, name))


def set_password(engine: Engine, name: str, password: str) -> None:
    """A new password; every web session of the account ends (whoever knew the old one is out)."""
    _check_password(password)
    with Session(engine) as session:
        user = _user(session, name)
        user.password_hash = _hasher.hash(password)
        session.add(user)
        _end_sessions(session, user)
        session.commit()


def set_disabled(engine: Engine, name: str, disabled: bool) -> None:
    """Disabling ends every web session of the account; enabling it again brings none back."""
    with Session(engine) as session:
        user = _user(session, name)
        user.disabled = disabled
        session.add(user)
        if disabled:
            _end_sessions(session, user)
        session.commit()


def login(engine: Engine, name: str, password: str) -> Account | None:
    """The account when the name and password are right and it is enabled, else None.

    An unknown name costs one argon2 verification too, so timing does not tell which names
    exist. A hash made with older parameters is replaced on success.
    """
    if not name or not password or len(password) > MAX_PASSWORD:
        _verify(_dummy_hash(), password or "")
        return None
    with Session(engine) as session:
        user = session.exec(select(User).where(User.name == name)).first()
        if user is None:
            _verify(_dummy_hash(), password)
            return None
        if not _verify(user.password_hash, password) or user.disabled:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
            session.add(user)
            session.commit()
            session.refresh(user)
        return _account(session, user)


def authenticate(engine: Engine, name: str, password: str) -> Viewer | None:
    account = login(engine, name, password)
    return account.viewer if account else None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- web sessions --------------------------------------------------------------------------------


def start_session(engine: Engine, account: Account, lifetime: dt.timedelta) -> str:
    """A new web session for the account, lasting ``lifetime``: its id, for the signed cookie only.

    Sessions that have expired, of any account, are removed on the way.
    """
    session_id = secrets.token_urlsafe(32)
    now = _now()
    with Session(engine) as session:
        for old in session.exec(select(WebSession).where(WebSession.expires <= now)):
            session.delete(old)
        session.add(WebSession(id_hash=_token_hash(session_id), user_id=account.id, created=now,
                               expires=now + lifetime))
        session.commit()
    return session_id


def account_for_session(engine: Engine, user_id: int, session_id: str) -> Account | None:
    """The enabled account of this live web session (the cookie's user id must be its owner), else None."""
    if not session_id or len(session_id) > 256:
        return None
    with Session(engine) as session:
        row = session.get(WebSession, _token_hash(session_id))
        if row is None or row.user_id != user_id or _aware(row.expires) <= _now():
            return None
        user = session.get(User, user_id)
        if user is None or user.disabled:
            return None
        return _account(session, user)


def end_session(engine: Engine, session_id: str) -> None:
    """Log this web session out for good (a copy of its cookie is then worth nothing)."""
    if not session_id:
        return
    with Session(engine) as session:
        row = session.get(WebSession, _token_hash(session_id))
        if row is not None:
            session.delete(row)
            session.commit()


def _end_sessions(session: Session, user: User) -> None:
    for row in session.exec(select(WebSession).where(WebSession.user_id == user.id)):
        session.delete(row)


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives datetimes back without their zone; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


# --- API tokens ----------------------------------------------------------------------------------


def issue_token(engine: Engine, name: str) -> str:
    """A new token for the user: returned once, stored only as its hash."""
    with Session(engine) as session:
        user = _user(session, name)
        token = secrets.token_urlsafe(32)
        while token.startswith("-"):  # a prefix like "-x" would read as an option on the command line
            token = secrets.token_urlsafe(32)
        session.add(ApiToken(user_id=user.id or 0, token_hash=_token_hash(token), prefix=token[:PREFIX_LENGTH],
                             created=_now()))
        session.commit()
        return token


def list_tokens(engine: Engine, name: str) -> list[TokenInfo]:
    with Session(engine) as session:
        user = _user(session, name)
        tokens = session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created))
        return [TokenInfo(prefix=t.prefix, user=user.name, created=t.created, last_used=t.last_used,
                          revoked=t.revoked) for t in tokens]


def revoke_token(engine: Engine, prefix: str) -> TokenInfo:
    """Revoke the one active token whose prefix (or whole text) this is."""
    if len(prefix) < PREFIX_LENGTH:
        raise UnknownToken(f"a token prefix has {PREFIX_LENGTH} characters, got {prefix!r}")
    if len(prefix) == PREFIX_LENGTH:
        match = ApiToken.prefix == prefix
    else:
        match = ApiToken.token_hash == _token_hash(prefix)
        prefix = prefix[:PREFIX_LENGTH]
    with Session(engine) as session:
        found = session.exec(select(ApiToken).where(match, ApiToken.revoked == False)).all()  # noqa: E712
        if not found:
            raise UnknownToken(f"no active token with prefix {prefix!r}")
        if len(found) > 1:
            raise UnknownToken(f"{len(found)} active tokens share the prefix {prefix!r}; revoke by the whole token")
        token = found[0]
        token.revoked = True
        session.add(token)
        session.commit()
        user = session.get(User, token.user_id)
        return TokenInfo(prefix=token.prefix, user=user.name if user else "?", created=token.created,
                         last_used=token.last_used, revoked=True)


def account_for_token(engine: Engine, token: str) -> Account | None:
    """The enabled account that owns this unrevoked token, else None."""
    if not token or len(token) > 256:
        return None
    with Session(engine) as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
        if row is None or row.revoked:
            return None
        user = session.get(User, row.user_id)
        if user is None or user.disabled:
            return None
        now = _now()
        if row.last_used is None or now - row.last_used >= _LAST_USED_RESOLUTION:
            row.last_used = now
            session.add(row)
            session.commit()
            session.refresh(user)
        return _account(session, user)


def viewer_for_token(engine: Engine, token: str) -> Viewer | None:
    account = account_for_token(engine, token)
    return account.viewer if account else None
