"""``/healthz``: whether this web node can answer, for a proxy's health check and for monitoring.

A JSON object: ``status`` (``ok``: the database answers and this node's search index holds its
current data; ``behind``: the index holds an older version of the data and is being brought up to
date, answers still withhold what the database withholds now; ``unavailable``: the database does
not answer or the node has no index yet), ``database`` (it answered), ``index_build`` and
``index_version`` (this node's build and the database data version it holds, null when unknown),
``database_version`` and ``lag_seconds`` (how long the index has been behind). ``ok`` and ``behind``
answer 200, ``unavailable`` 503, so a proxy sends visitors only to nodes that can serve them.
Nothing else is said (no paths, no error text): the reason is in the node's log.

``follow_the_database`` starts the node's background thread that keeps its index in step with
the database (``archive/search/node_sync.py``): ``archive serve`` calls it, and ``create_app``
when ``ARCHIVE_SYNC_SECONDS`` is set (``waitress-serve``).
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask, Response, current_app, jsonify

from archive.search.node_sync import NodeStatus, NodeSync, node_status
from archive.settings import SYNC_SECONDS_VARIABLE, sync_seconds_from_environment
from webapp import current_archive

bp = Blueprint("health", __name__)
EXTENSION = "archive_node_sync"


def follow_the_database(app: Flask, interval: float) -> NodeSync | None:
    """Start keeping this node's search index in step with the database every ``interval``
    seconds (none when 0): the first look at once, so that a node started late catches up.
    Started once per app: a second call gives the running one."""
    if EXTENSION in app.extensions or interval <= 0:
        return app.extensions.get(EXTENSION)
    follower = NodeSync(app.extensions["archive"].index, interval).start()
    app.extensions[EXTENSION] = follower
    return follower


def follow_when_set(app: Flask) -> None:
    """In ``create_app``: follow the database when ``ARCHIVE_SYNC_SECONDS`` is set in the environment,
    as for a node served by ``waitress-serve --call webapp:create_app`` (``archive serve`` follows
    it by default). A bad value stops the start in one line."""
    if not os.environ.get(SYNC_SECONDS_VARIABLE, "").strip():
        return
    try:
        seconds = sync_seconds_from_environment()
    except ValueError as error:
        raise RuntimeError(str(error)) from None
    follow_the_database(app, seconds)


def current_status() -> NodeStatus:
    follower: NodeSync | None = current_app.extensions.get(EXTENSION)
    return follower.status() if follower is not None else node_status(current_archive().index)


@bp.get("/healthz")
def healthz() -> Response:
    status = current_status()
    if status.problem and status.status != "ok":
        current_app.logger.debug("health: %s: %s", status.status, status.problem)  # a proxy asks every few seconds
    response = jsonify({"status": status.status, "database": status.database, "index_build": status.index_build,
                        "index_version": status.index_version, "database_version": status.database_version,
                        "lag_seconds": status.lag_seconds})
    response.status_code = 503 if status.status == "unavailable" else 200
    response.headers["Cache-Control"] = "no-store"
    return response
