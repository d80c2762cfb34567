"""Which version of a shared database one node's search index was built for.

Several web nodes may share one database (PostgreSQL through ``DATABASE_URL``), each with its own
home and so its own index folder. The database names one index build (``index_state.build``,
``archive/search/index_state.py``): the build of the process that last imported or reindexed,
which is in *that* process's home only. Every other node keeps its own builds, made from the
database by ``archive/search/node_sync.py``, and records here which database version each was made
for: the file ``NODE`` in the index folder, written atomically before ``CURRENT`` is pointed at
the build it names. It holds the build's name, the database's data version the build was made
from, and the newest change-log stamp of that snapshot (where the next incremental update reads
the change log from).

A node's index is *in step* with the database when ``CURRENT`` is the build the database names
(this home made it) or when ``NODE`` names ``CURRENT`` at the database's data version. A ``NODE``
naming another build than ``CURRENT`` says nothing (an import in this home swapped in a build after
it was written, or a crash came between the two writes): the node then cannot tell and rebuilds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from archive.search import index_state
from archive.search.index_store import IndexStore

NODE_FILE = "NODE"


@dataclass(frozen=True)
class NodeVersion:
    """A build of this node, the database version it was made from, and that snapshot's newest change stamp."""

    build: str
    data_version: int | None
    watermark: dt.datetime | None


def read_node_version(store: IndexStore) -> NodeVersion | None:
    """What ``NODE`` says about the current build, or None when it names another build or is unreadable."""
    try:
        raw = json.loads((store.root / NODE_FILE).read_text(encoding="utf-8"))
        version = NodeVersion(str(raw["build"]), raw.get("data_version"),
                              dt.datetime.fromisoformat(raw["watermark"]) if raw.get("watermark") else None)
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    return version if version.build == store.current_name() else None


def write_node_version(store: IndexStore, version: NodeVersion) -> None:
    """Replace ``NODE`` atomically and durably (call it under ``store.swap_lock()``)."""
    store.root.mkdir(parents=True, exist_ok=True)
    temporary = store.root / f"{NODE_FILE}.{uuid.uuid4().hex}"
    body = {"build": version.build, "data_version": version.data_version,
            "watermark": version.watermark.isoformat() if version.watermark else None}
    with open(temporary, "w", encoding="utf-8") as out:
        json.dump(body, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, store.root / NODE_FILE)


def build_in_step(conn: Connection, store: IndexStore, build: str | None) -> bool:
    """Whether ``build`` (a build of this home) holds the data of the database version ``conn`` reads."""
    named, version = index_state.data_version(conn)
    if build is None:
        return False
    if build == named:
        return True
    node = read_node_version(store)
    return node is not None and node.build == build and node.data_version == version
