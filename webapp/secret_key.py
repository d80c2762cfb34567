"""The Flask secret key, which signs the session cookie (and so every login).

A site that signs logins with a known or missing key lets anyone forge a researcher's
session, so ``create_app`` refuses to start without a real one, except in debug and
testing mode (which get a random key per process). Where it comes from, first found wins:
the ``test_config``, ``$ARCHIVE_SECRET_KEY``, ``SECRET_KEY`` in ``instance/config.py``, the
file ``instance/secret_key``. ``archive run`` (the one command of a fresh machine) writes
that file once when no key is configured; ``archive serve`` never does.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

KEY_FILE = "secret_key"
ENV_VAR = "ARCHIVE_SECRET_KEY"
# Set by ``archive run`` only: create the key file when no key is configured.
CREATE_FLAG = "ARCHIVE_CREATE_SECRET_KEY"
MIN_LENGTH = 16
# Values seen in tutorials and templates, which are as good as none.
_PLACEHOLDERS = {"dev", "development", "secret", "change-me", "changeme", "change-this", "replace-me",
                 "your-secret-key", "secret-key", "secret_key", "default"}


def is_usable(key: object) -> bool:
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    return isinstance(key, str) and len(key) >= MIN_LENGTH and key.strip().lower() not in _PLACEHOLDERS


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
    if "SECRET_KEY" not in overrides and os.environ.get(ENV_VAR):
        app.config["SECRET_KEY"] = os.environ[ENV_VAR]
    home = Path(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        key = read_key_file(home)
        if key is None and app.config.get(CREATE_FLAG):
            key = create_key_file(home)
        if key is not None:
            app.config["SECRET_KEY"] = key
    if is_usable(app.config.get("SECRET_KEY")):
        return
    if app.debug or app.testing:
        app.config["SECRET_KEY"] = secrets.token_hex(32)  # sessions last as long as this process
        return
    raise RuntimeError(
        "The archive has no usable secret key (it signs the login cookies), so it will not start. "
        f"Set one of at least {MIN_LENGTH} random characters: SECRET_KEY = '…' in {home / 'config.py'}, "
        f"or the {ENV_VAR} environment variable, or write it to {home / KEY_FILE} (mode 0600). "
        "Make one with: python -c 'import secrets; print(secrets.token_hex(32))'. "
        "(`archive run` creates the file by itself; `archive serve` does not.)"
    )
