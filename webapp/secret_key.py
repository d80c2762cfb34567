"""The Flask secret key, which signs the session cookie (and so every login).

A site that signs logins with a known or missing key lets anyone forge a researcher's
session, so ``create_app`` refuses to start without a real one, except in debug and
testing mode (which get a random key per process). Where it comes from, first found wins:
the ``test_config``, ``$ARCHIVE_SECRET_KEY``, ``SECRET_KEY`` in ``instance/config.py``, the
file ``instance/secret_key``. ``archive run`` (the one command of a fresh machine) writes
that file once when no key is configured; ``archive serve`` never does.

A key that is there but weak is refused the same way, with the reason: shorter than
``MIN_LENGTH``, a placeholder from a tutorial, few distinct characters (``aaaa…``; at least a
quarter of its length, up to ``MIN_DISTINCT``), or a shorter piece repeated (``abcdabcd…``).
A random key (``secrets.token_hex(32)``) passes all of these.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

KEY_FILE = "secret_key"
ENV_VAR = "ARCHIVE_SECRET_KEY"
# Set by ``archive run`` only: create the key file when no key is configured.
CREATE_FLAG = "ARCHIVE_CREATE_SECRET_KEY"
MIN_LENGTH = 16
MIN_DISTINCT = 10
# Values seen in tutorials and templates, which are as good as none.
_PLACEHOLDERS = {"dev", "development", "secret", "change-me", "changeme", "change-this", "replace-me",
                 "your-secret-key", "secret-key", "secret_key", "default"}


def weakness(key: object) -> str | None:
    """Why ``key`` cannot sign logins, or None when it can (the rules are in the module's notes)."""
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    if not isinstance(key, str) or not key:
        return "there is none"
    if key.strip().lower() in _PLACEHOLDERS:
        return "it is a well-known placeholder"
    if len(key) < MIN_LENGTH:
        return f"it is too short ({len(key)} characters, at least {MIN_LENGTH})"
    distinct = len(set(key))
    if distinct < max(4, min(MIN_DISTINCT, len(key) // 4)):
        return f"it has too few distinct characters ({distinct})"
    for period in range(1, len(key) // 2 + 1):
        if all(key[i] == key[i - period] for i in range(period, len(key))):
            return f"it is a piece of {period} characters repeated"
    return None


def is_usable(key: object) -> bool:
    return weakness(key) is None


def _source(app: Flask, overrides: Mapping[str, Any], from_env: bool, from_file: bool) -> str:
    """Where the configured key came from, for the message that refuses it."""
    home = Path(app.instance_path)
    if "SECRET_KEY" in overrides:
        return "the SECRET_KEY given to create_app"
    if from_env:
        return f"the {ENV_VAR} environment variable"
    if from_file:
        return str(home / KEY_FILE)
    return f"SECRET_KEY in {home / 'config.py'}"


def read_key_file(home: Path) -> str | None:
    path = home / KEY_FILE
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return key or None


def create_key_file(home: Path) -> str:
    """A new random key in ``home/secret_key``, readable by its owner only (mode 0600).

    Created exclusively, so two processes starting at once end up with the same key.
    """
    home.mkdir(parents=True, exist_ok=True)
    path = home / KEY_FILE
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = read_key_file(home)
        if existing is None:
            raise RuntimeError(f"{path} exists but is empty; delete it, or set {ENV_VAR}") from None
        return existing
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def configure_secret_key(app: Flask, overrides: Mapping[str, Any]) -> None:
    """Set ``SECRET_KEY`` from where it may come from, or refuse to start (see the module's doc)."""
    from_env = "SECRET_KEY" not in overrides and bool(os.environ.get(ENV_VAR))
    if from_env:
        app.config["SECRET_KEY"] = os.environ[ENV_VAR]
    home = Path(app.instance_path)
    from_file = False
    if not app.config.get("SECRET_KEY"):
        key = read_key_file(home)
        if key is None and app.config.get(CREATE_FLAG):
            key = create_key_file(home)
        if key is not None:
            app.config["SECRET_KEY"], from_file = key, True
    reason = weakness(app.config.get("SECRET_KEY"))
    if reason is None:
        return
    if app.debug or app.testing:
        app.config["SECRET_KEY"] = secrets.token_hex(32)  # sessions last as long as this process
        return
    found = "" if not app.config.get("SECRET_KEY") else \
        f"The secret key from {_source(app, overrides, from_env, from_file)} is weak: {reason}. "
    raise RuntimeError(
        found + "The archive has no usable secret key (it signs the login cookies), so it will not start. "
        f"Set one of at least {MIN_LENGTH} random characters: SECRET_KEY = '…' in {home / 'config.py'}, "
        f"or the {ENV_VAR} environment variable, or write it to {home / KEY_FILE} (mode 0600). "
        "Make one with: python -c 'import secrets; print(secrets.token_hex(32))'. "
        "(`archive run` creates the file by itself; `archive serve` does not.)"
    )
