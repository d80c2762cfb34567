"""Where an archive lives and how it imports: its home folder, its database, its search index,
and the number of processes that read a collection's people files.

One folder holds the SQLite file and the Whoosh index: ``--home``, else the
``ARCHIVE_HOME`` environment variable, else ``./instance`` (the Flask instance folder of
the web app, which uses the same folder). ``DATABASE_URL`` (``--database-url``) may point the
database elsewhere: another SQLite file, or a PostgreSQL database
(``postgresql+psycopg://user:password@host:port/name``; what differs between the two is in
``archive/store/database.py``). The index always lives in the home folder.

``ARCHIVE_IMPORT_WORKERS`` is the number of worker processes that read and check the people
files of a large collection (``archive/collection/loader.py``: only from ``PARALLEL_FILES``
files on); ``0`` or ``1`` reads them in the importing process. By default two, or one on a
machine with a single CPU: the importing process writes the rows while they read.

``ARCHIVE_BASE_URL`` is the public address of the archive (``https://archive.example.org/``):
permalinks, citations, OAI-PMH identifiers and ``baseURL``, and the API's links are made from it,
never from a request's ``Host`` header; ``public_base_url`` checks and normalises it.

``ARCHIVE_SYNC_SECONDS`` is how often a web node (``archive serve``) looks whether the database's
data changed under its search index, which matters when several nodes share one database
(``archive/search/node_sync.py``): by default every 5 seconds; ``0`` turns the looking off.

``ARCHIVE_WRITE_WAIT_SECONDS`` is how long a writer of the archive (an import, a reindex, a
restore, a sign-in that records itself) waits for another writer to finish before it gives up and
says the archive is busy: by default 10 seconds.

A setting given a value it cannot take raises ``SettingError``, whose message names the variable
and what it takes (the command line says it in one line).

``ARCHIVE_MEDIA_SOURCES`` lists the origins, besides the site's own, that the web site's players
may load recordings from (the Content-Security-Policy's ``media-src``, ``webapp/security.py``);
an interview page adds the origins of the external recordings it shows. ``media_sources``
checks the list.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_COLLECTION = Path("data")


class SettingError(ValueError):
    """A setting (an environment variable) given a value it cannot take."""


IMPORT_WORKERS_VARIABLE = "ARCHIVE_IMPORT_WORKERS"
BASE_URL_VARIABLE = "ARCHIVE_BASE_URL"
ADMIN_EMAIL_VARIABLE = "ARCHIVE_ADMIN_EMAIL"  # the contact address OAI-PMH's Identify gives harvesters
# where the web site keeps its failed-login counts (a ``limits`` storage URI, webapp/rate_limits.py); unset:
# the archive's PostgreSQL database when it has one, else a file in the home
RATE_LIMIT_STORAGE_VARIABLE = "RATELIMIT_STORAGE_URI"


def public_base_url(raw: str) -> str:
    """The archive's public address, checked: http or https, a host, an optional path; no user,
    query or fragment. Normalised to end with one ``/``, as links are joined onto it."""
    parts = urlsplit(raw.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username is not None
            or parts.password is not None or parts.query or parts.fragment or port == -1
            or any(c.isspace() for c in raw.strip())):
        raise SettingError(f"{BASE_URL_VARIABLE} must be the archive's public address, such as "
                           f"https://archive.example.org/ (http or https, a host, an optional path), got {raw!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}/"


SYNC_SECONDS_VARIABLE = "ARCHIVE_SYNC_SECONDS"
DEFAULT_SYNC_SECONDS = 5.0


def _seconds_from_environment(variable: str, default: float, zero: str) -> float:
    """``variable`` when it is set (a number of seconds, 0 or more; ``zero`` says what 0 means), else
    ``default``."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise SettingError(f"{variable} must be a number of seconds (0: {zero}), got {raw!r}") from None
    if not 0 <= seconds < float("inf"):
        raise SettingError(f"{variable} must be 0 or more seconds, got {raw!r}")
    return seconds


def sync_seconds_from_environment() -> float:
    """``ARCHIVE_SYNC_SECONDS`` when it is set (seconds, 0 or more; 0: no looking), else the default."""
    return _seconds_from_environment(SYNC_SECONDS_VARIABLE, DEFAULT_SYNC_SECONDS, "never look")


MEDIA_SOURCES_VARIABLE = "ARCHIVE_MEDIA_SOURCES"


_HOST = re.compile(r"(\*\.)?[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")


def media_origin(url: str) -> str | None:
    """The origin of an http(s) address as a Content-Security-Policy source (``https://host[:port]``,
    in lower case); None for anything else."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not _HOST.fullmatch(host) or host.startswith("*."):
        return None
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")


def media_sources(raw: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``ARCHIVE_MEDIA_SOURCES`` checked: origins (``https://media.example.org``, a port allowed, a
    host may start with ``*.`` for its subdomains) separated by spaces or commas, or a list of
    them (in ``config.py``); ``ValueError`` naming the first that is not one."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else [str(item) for item in raw or []]
    found: list[str] = []
    for item in items:
        parts = urlsplit(item.strip())
        host = (parts.netloc.rsplit(":", 1)[0] if parts.netloc.count(":") == 1 else parts.netloc).lower()
        wildcard = host.startswith("*.") and _HOST.fullmatch(host)
        plain = parts.path in ("", "/") and not (parts.query or parts.fragment or "@" in parts.netloc)
        origin = media_origin(item.replace("*.", "", 1) if wildcard else item) if plain else None
        if origin is None:
            raise SettingError(f"{MEDIA_SOURCES_VARIABLE} must list origins such as https://media.example.org "
                               f"(http or https, a host, an optional port; no path), got {item!r}")
        origin = origin.replace("://", "://*.", 1) if wildcard else origin
        if origin not in found:
            found.append(origin)
    return tuple(found)
WRITE_WAIT_VARIABLE = "ARCHIVE_WRITE_WAIT_SECONDS"
DEFAULT_WRITE_WAIT_SECONDS = 10.0


def write_wait_seconds_from_environment() -> float:
    """``ARCHIVE_WRITE_WAIT_SECONDS`` when it is set (seconds, 0 or more; 0: do not wait), else the default."""
    return _seconds_from_environment(WRITE_WAIT_VARIABLE, DEFAULT_WRITE_WAIT_SECONDS, "do not wait")


def default_import_workers() -> int:
    return min(2, os.cpu_count() or 1)


def import_workers_from_environment() -> int:
    """``ARCHIVE_IMPORT_WORKERS`` when it is set (a whole number, 0 or more), else the default."""
    raw = os.environ.get(IMPORT_WORKERS_VARIABLE, "").strip()
    if not raw:
        return default_import_workers()
    try:
        workers = int(raw)
    except ValueError:
        raise SettingError(f"{IMPORT_WORKERS_VARIABLE} must be a whole number of processes (0 or 1: read the files "
                           f"in the importing process), got {raw!r}") from None
    if workers < 0:
        raise SettingError(f"{IMPORT_WORKERS_VARIABLE} must be 0 or more, got {raw!r}")
    return workers


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    import_workers: int = field(default_factory=default_import_workers)  # 0 or 1: no worker process
    write_wait_seconds: float = DEFAULT_WRITE_WAIT_SECONDS  # how long a writer waits for another

    @property
    def index_dir(self) -> Path:
        return self.home / "index"


def resolve(home: str | os.PathLike[str] | None = None, database_url: str | None = None,
            import_workers: int | None = None) -> Settings:
    chosen = Path(home or os.environ.get("ARCHIVE_HOME") or Path.cwd() / "instance").resolve()
    url = database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{chosen / 'archive.sqlite3'}"
    workers = import_workers_from_environment() if import_workers is None else import_workers
    return Settings(home=chosen, database_url=url, import_workers=workers,
                    write_wait_seconds=write_wait_seconds_from_environment())
