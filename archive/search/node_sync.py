"""One web node's search index, kept in step with a database that several nodes share.

Each node (an ``archive serve`` process with its own home) keeps its own Whoosh index, derived
from the shared database. ``NodeSync`` runs in a background thread of the web process and looks
at the database every ``ARCHIVE_SYNC_SECONDS``: when the database's data version is not the one
this node's index was made for (``archive/search/node_version.py``), it brings the index up to
date in a *new* build, as an import does, and swaps it in atomically:

* incrementally, when the change log tells which people changed: the ``record_change`` rows
  written by commits after the node's snapshot (each row carries the data version of the commit
  that wrote it, so no clock is involved: ``by_version``), and the people the index holds whom
  the database no longer has (a removed record that was never public leaves no change-log row:
  ``gone_people``). Rows written before the change log kept versions have only their stamps:
  while such rows lie near the node's snapshot, it reads the rows stamped since the newest stamp
  the snapshot held, less ``CLOCK_MARGIN`` (for importers on machines whose clocks differ a
  little); of the people stamped within the margin (most of them the imports the build already
  holds), none is re-indexed when every commit since the snapshot is accounted for by a stamp
  after it (``margin_untouched``: an import stamps every person it changed with one time, and
  each commit moves the data version by one), otherwise only those whose documents in the build
  differ from the ones the database implies now (``unchanged_in_build``: the same document ids
  and fingerprints, which hash every field);
* in full, when the node cannot tell (no index yet, no ``NODE`` file for the current build,
  no stamp to start from, a database gone back to an earlier data version: a restore) or
  when more than ``MAX_INCREMENTAL_PEOPLE`` people changed, or more than ``MAX_INCREMENTAL_SHARE``
  of the build's people.

While a node is behind, its searches still answer from its current build; every hit shown is
read and checked against the database snapshot of the answer (``SearchIndex.search``), so a
record the database now withholds is never shown. The people that changed since the node's
build are also left out of its matches, counts and facets (``SearchIndex.excluded_people``) until
the new build is in, as far as the last look at the database knew them.

``node_status`` is what ``/healthz`` and ``archive check`` report: whether the database answers,
the node's build and the database's version, and how long the node has been behind.

The margin's limit, for rows written before the change log kept data versions: a change stamped
by an importer whose clock is behind by more than ``CLOCK_MARGIN`` (against the importer of the
newest stamp the node saw) falls before the margin and is not re-indexed. The node then records
the database's version and says it is in step; ``archive check`` on that node compares every
document's fingerprint with the database, reports the documents that differ and fails, and
``archive reindex`` there repairs it. Hits are still re-read from the database, so such a miss
never shows a record the database withholds. Rows with a data version have no such limit.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from whoosh import index as whoosh_index
from whoosh.reading import TermNotFound

from archive.search import change_notice, index_state
from archive.search.documents import documents_for
from archive.search.index_store import Build, IndexStore, has_live_document
from archive.search.node_version import NodeVersion, build_in_step, read_node_version, write_node_version
from archive.store import models
from archive.store.crashpoints import crash_point

if TYPE_CHECKING:
    from archive.search.engine import SearchIndex

log = logging.getLogger(__name__)

MAX_INCREMENTAL_PEOPLE = 1_000  # more changed people than this: one full build instead
# more changed people than this share of the build's: one full build instead (an update's writer costs
# more per document than a build's, and the replaced documents stay in the index until a merge)
MAX_INCREMENTAL_SHARE = 0.5
CLOCK_MARGIN = dt.timedelta(seconds=60)  # change stamps this much older than the last seen are read again
_CHANGES = models.table_of(models.RecordChange)
_PEOPLE = models.table_of(models.Person)
_STATE = models.table_of(models.IndexState)
_IDS_PER_QUERY = 900  # ids bound in one query (under every database's parameter limit)


@dataclass(frozen=True)
class SyncOutcome:
    """What one look at the database did: ``in step`` (nothing to do), ``noted`` (the version
    recorded, no documents changed), ``updated`` (people re-indexed) or ``rebuilt``; ``compared``:
    the people whose documents in the build were compared with the database's to find out whether
    they changed (``unchanged_in_build``)."""

    action: str
    data_version: int | None
    people: int = 0
    compared: int = 0


def _watermark(conn: Connection) -> dt.datetime | None:
    return conn.scalar(select(func.max(_CHANGES.c.changed_at)))


def _in_database(conn: Connection, people: Iterable[str]) -> set[str]:
    """Those of ``people`` the database has."""
    ids = sorted(set(people))
    found: set[str] = set()
    for start in range(0, len(ids), _IDS_PER_QUERY):
        found.update(row[0] for row in conn.execute(
            select(_PEOPLE.c.id).where(_PEOPLE.c.id.in_(ids[start:start + _IDS_PER_QUERY]))))
    return found


def gone_people(conn: Connection, store: IndexStore, build: str, candidates: set[str]) -> set[str]:
    """The people with a live document in ``build`` whom the database ``conn`` reads no longer has.

    ``candidates`` are the people the change log names since the build's snapshot; every other
    person the database has was in that snapshot, so in the build (each person has a portrait
    document). Then the build's people outside the candidates number the database's people
    outside them, plus the people gone without a change-log row (removed records that were never
    public): when the counts agree, the gone people are among the candidates, which are looked up
    one by one. The build's number of people comes from its writer (``IndexStore.people_count``);
    when it is not known, or the counts disagree, every person of the build is read
    (``IndexStore.people_in_build``)."""
    present = _in_database(conn, candidates)
    people = store.people_count(build)
    ix = whoosh_index.open_dir(str(store.folder(build)))
    try:
        with ix.reader() as reader:
            held = {person for person in candidates if has_live_document(reader, person)}
    finally:
        ix.close()
    if people is not None:
        in_database = conn.scalar(select(func.count()).select_from(_PEOPLE)) or 0
        if people - len(held) == in_database - len(present):
            return held - present
    return store.people_in_build(build) - {row[0] for row in conn.execute(select(_PEOPLE.c.id))}


def _stamped_since(conn: Connection, stamp: dt.datetime, after: bool = False) -> set[str]:
    """The people whose change stamp is at or after ``stamp`` (strictly after, with ``after``)."""
    at = _CHANGES.c.changed_at > stamp if after else _CHANGES.c.changed_at >= stamp
    return {row[0] for row in conn.execute(select(_CHANGES.c.id).where(_CHANGES.c.kind == "person", at))}


def _followable(conn: Connection, store: IndexStore, since: NodeVersion) -> bool:
    """Whether the change log can tell what changed since the node's build: not when the build
    lacks a stamp to start from or a field the archive's schema has now (it cannot take new
    documents), nor when the database went back to an earlier version than the build's (a
    restore from a backup)."""
    if since.watermark is None or not store.has_index(since.build) or not store.has_every_field(since.build):
        return False
    version = index_state.data_version(conn)[1]
    return since.data_version is None or (version is not None and version >= since.data_version)


def by_version(conn: Connection, since: NodeVersion) -> bool:
    """Whether the change log names every change since the node's snapshot by its data version
    (``record_change.data_version``, the version of the commit that wrote the row): not when the
    snapshot's version is unknown, nor while rows written before the change log kept versions lie
    within the margin of the snapshot's newest stamp (those are read by their stamps)."""
    if since.data_version is None or since.watermark is None:
        return False
    unversioned = select(_CHANGES.c.id).where(_CHANGES.c.kind == "person", _CHANGES.c.data_version.is_(None),
                                              _CHANGES.c.changed_at >= since.watermark - CLOCK_MARGIN).limit(1)
    return conn.execute(unversioned).first() is None


def _changed_after_version(conn: Connection, store: IndexStore, since: NodeVersion) -> set[str]:
    """The people of the change-log rows written by commits after the node's snapshot, and the gone."""
    assert since.data_version is not None
    written = {row[0] for row in conn.execute(
        select(_CHANGES.c.id).where(_CHANGES.c.kind == "person", _CHANGES.c.data_version > since.data_version))}
    return written | gone_people(conn, store, since.build, written)


def changed_people(conn: Connection, store: IndexStore, since: NodeVersion) -> set[str] | None:
    """The people whose documents may differ between the node's build and the database ``conn``
    reads, as the change log names them: by data version (``by_version``), else by stamp with the
    margin (``CLOCK_MARGIN``); None when it cannot tell (``_followable``)."""
    if not _followable(conn, store, since):
        return None
    if by_version(conn, since):
        return _changed_after_version(conn, store, since)
    return _changed_with_margin(conn, store, since)


def _changed_with_margin(conn: Connection, store: IndexStore, since: NodeVersion) -> set[str]:
    assert since.watermark is not None
    stamped = _stamped_since(conn, since.watermark - CLOCK_MARGIN)
    return stamped | gone_people(conn, store, since.build, stamped)


def pending_people(conn: Connection, store: IndexStore, since: NodeVersion) -> set[str] | None:
    """``changed_people``, less the people stamped within the margin when no commit since the
    build's snapshot can have stamped there (``margin_untouched``): the people whose documents
    may differ, found without reading any document (None when the change log cannot tell)."""
    if not _followable(conn, store, since):
        return None
    if by_version(conn, since):
        return _changed_after_version(conn, store, since)
    assert since.watermark is not None
    if not margin_untouched(conn, since):
        return _changed_with_margin(conn, store, since)
    stamped = _stamped_since(conn, since.watermark, after=True)
    return stamped | gone_people(conn, store, since.build, stamped)


def margin_untouched(conn: Connection, since: NodeVersion) -> bool:
    """Whether no commit since the node's snapshot can have stamped a change at or before its newest
    stamp (within the margin): as many commits came since (the data version moves by one with each)
    as there are distinct stamps after that newest one. An import stamps every person it changed
    with one time, so each of those stamps is a commit of its own, and these commits are all of them.
    A commit that stamped nobody (a reindex, an import that changed nothing), or whose stamps were
    all replaced since, leaves it unsure (False)."""
    version = index_state.data_version(conn)[1]
    if since.watermark is None or since.data_version is None or version is None:
        return False
    stamps = conn.scalar(select(func.count(func.distinct(_CHANGES.c.changed_at)))
                         .where(_CHANGES.c.kind == "person", _CHANGES.c.changed_at > since.watermark)) or 0
    return version - since.data_version == stamps


def _stamped_within_margin(conn: Connection, watermark: dt.datetime) -> set[str]:
    """The people whose change stamp lies in the margin before ``watermark`` (at or before it)."""
    return {row[0] for row in conn.execute(
        select(_CHANGES.c.id).where(_CHANGES.c.kind == "person", _CHANGES.c.changed_at >= watermark - CLOCK_MARGIN,
                                    _CHANGES.c.changed_at <= watermark))}


def unchanged_in_build(conn: Connection, store: IndexStore, build: str, people: set[str]) -> set[str]:
    """Those of ``people`` whose live documents in ``build`` are exactly the documents the database
    ``conn`` reads implies for them (the same ids, the same fingerprints): re-indexing them would
    write the same documents again."""
    if not people:
        return set()
    implied: dict[str, dict[str, str]] = {person: {} for person in people}
    for document in documents_for(conn, sorted(people)):
        implied.setdefault(document["person_id"], {})[document["doc_id"]] = document["fingerprint"]
    ix = whoosh_index.open_dir(str(store.folder(build)))
    try:
        with ix.reader() as reader:
            unchanged = set()
            for person, expected in implied.items():
                held: dict[str, str] = {}
                try:
                    docnums = list(reader.postings("person_id", person).all_ids())
                except TermNotFound:
                    docnums = []
                for docnum in docnums:
                    if not reader.is_deleted(docnum):
                        fields = reader.stored_fields(docnum)
                        held[fields["doc_id"]] = fields.get("fingerprint", "")
                if held == expected:
                    unchanged.add(person)
            return unchanged
    finally:
        ix.close()


def people_to_reindex(conn: Connection, store: IndexStore, since: NodeVersion) -> set[str] | None:
    """``pending_people``; when that still holds people stamped within the margin, less those whose
    documents in the node's build are already the database's (``unchanged_in_build``); None when
    the change log cannot tell."""
    return _reindexing(conn, store, since)[0]


def _reindexing(conn: Connection, store: IndexStore, since: NodeVersion,
                max_people: int | None = None) -> tuple[set[str] | None, int]:
    """``people_to_reindex``, and the number of people whose documents it compared. No comparison
    when more than ``max_people`` would be re-indexed whatever it finds (a rebuild follows)."""
    pending = pending_people(conn, store, since)
    if not pending or since.watermark is None or by_version(conn, since):
        return pending, 0
    within = pending & _stamped_within_margin(conn, since.watermark)
    if max_people is not None and len(pending) - len(within) > max_people:
        return pending, 0
    return pending - unchanged_in_build(conn, store, since.build, within), len(within)


def sync_once(index: SearchIndex, max_people: int = MAX_INCREMENTAL_PEOPLE) -> SyncOutcome:
    """Bring this node's index to the database's current version (see the module's docstring)."""
    store = index.store
    base = store.current_name()
    build: Build | None = None
    with index_state.read_snapshot(index.engine) as conn:
        named, version = index_state.data_version(conn)
        if named is None and version is None:  # nothing imported or indexed yet: no index to follow with
            return SyncOutcome("in step", version)
        node = read_node_version(store)
        if build_in_step(conn, store, base) and node is not None and node.data_version == version:
            return SyncOutcome("in step", version)
        watermark = _watermark(conn)
        changed: set[str] | None = set()  # the database names this home's build: nothing to re-index
        compared = 0
        if base is None or base != named:
            changed, compared = _reindexing(conn, store, node, max_people) if node is not None else (None, 0)
        rebuild = changed is None or len(changed) > max_people or _most_of(store, base, changed)
        try:
            if rebuild:
                build = store.write_build(documents_for(conn))
            elif changed:
                ids = sorted(changed)
                assert base is not None
                build = store.write_update(base, ids, documents_for(conn, ids))
        except BaseException:
            if build is not None:
                build.release()
            raise
    try:
        with store.swap_lock():
            if store.current_name() != base:  # an import in this home swapped meanwhile: look again next time
                if build is not None:
                    build.discard()
                return SyncOutcome("in step", version)
            write_node_version(store, NodeVersion(build.name if build else (base or ""), version, watermark))
            crash_point("node-version-written")  # NODE names the new build, CURRENT still the old one
            if build is not None:
                store.point_to(build.name)
                store.collect_garbage([build.name, named])
    finally:
        if build is not None:
            build.release()
    if build is None:
        return SyncOutcome("noted", version)
    return SyncOutcome("updated" if changed is not None and not rebuild else "rebuilt", version,
                       len(changed) if changed is not None else build.count, compared)


def _most_of(store: IndexStore, build: str | None, changed: set[str] | None) -> bool:
    """Whether ``changed`` are more than ``MAX_INCREMENTAL_SHARE`` of the build's people (its writer's count)."""
    people = store.people_count(build) if build else None
    return bool(changed) and people is not None and len(changed or ()) > people * MAX_INCREMENTAL_SHARE


@dataclass(frozen=True)
class NodeStatus:
    """This node against the shared database: what ``/healthz`` answers."""

    status: str  # "ok", "behind" or "unavailable"
    database: bool  # the database answered
    index_build: str | None  # the node's current build
    index_version: int | None  # the database version the node's build holds (None: unknown)
    database_version: int | None
    lag_seconds: float  # how long the database has been at a version the node's index does not hold
    problem: str | None = None


def node_status(index: SearchIndex, behind_since: float | None = None) -> NodeStatus:
    """Whether this node's index holds the database's current version. ``behind_since`` (a
    ``time.time()``) is when this process first saw the index behind; else the database's own
    time of naming its build is used for the lag."""
    store = index.store
    current = store.current_name()
    try:
        with index.engine.connect() as conn:
            named, version = index_state.data_version(conn)
            changed_at = conn.scalar(select(_STATE.c.changed_at).where(_STATE.c.id == models.INDEX_STATE_ROW))
            in_step = build_in_step(conn, store, current)
    except Exception as error:  # any failure to reach or read the database means the same here
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return NodeStatus("unavailable", False, current, None, None, 0.0, f"the database cannot be read: {first_line}")
    node = read_node_version(store)
    held = version if in_step else (node.data_version if node is not None else None)
    if current is None or not store.is_complete(current) and not store.has_index(current):
        return NodeStatus("unavailable", True, current, None, version, _lag(behind_since, changed_at),
                          f"this node has no search index yet in {store.root}")
    if in_step:
        return NodeStatus("ok", True, current, held, version, 0.0)
    return NodeStatus("behind", True, current, held, version, _lag(behind_since, changed_at),
                      f"the search index {current} holds database version {held if held is not None else 'unknown'}, "
                      f"the database is at {version}")


def _lag(behind_since: float | None, changed_at: dt.datetime | None) -> float:
    if behind_since is not None:
        return round(max(0.0, time.time() - behind_since), 1)
    if changed_at is not None:
        stamp = changed_at if changed_at.tzinfo else changed_at.replace(tzinfo=dt.timezone.utc)
        return round(max(0.0, (dt.datetime.now(dt.timezone.utc) - stamp).total_seconds()), 1)
    return 0.0


class NodeSync:
    """The background thread of a web process that keeps its index in step (``sync_once`` every
    ``interval`` seconds, and at once when woken: on PostgreSQL by the notice every import's commit
    sends, ``archive/search/change_notice.py``)."""

    def __init__(self, index: SearchIndex, interval: float):
        self.index = index
        self.interval = interval
        self.behind_since: float | None = None
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="archive-node-sync", daemon=True)
        self._listener: threading.Thread | None = None

    def start(self) -> NodeSync:
        self._thread.start()
        if change_notice.can_listen(self.index.engine):  # PostgreSQL: woken by each commit's NOTIFY
            self._listener = threading.Thread(target=change_notice.listen, name="archive-node-listen", daemon=True,
                                              args=(self.index.engine, self.wake, self._stop, max(self.interval, 1.0)))
            self._listener.start()
        return self

    def stop(self, timeout: float | None = 30) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if self._listener is not None:
            self._listener.join(timeout)

    def wake(self) -> None:
        """Look at the database now rather than at the next interval."""
        self._wake.set()

    def status(self) -> NodeStatus:
        return node_status(self.index, self.behind_since)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._wake.wait(self.interval)
            self._wake.clear()

    def step(self) -> SyncOutcome | None:
        """One look at the database; failures are logged and tried again at the next look."""
        try:
            self._note_pending()
            outcome = sync_once(self.index)
        except Exception as error:  # the database away, a full disk: the node serves what it has and retries
            message = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
            if message != self.last_error:
                log.warning("the search index could not be brought up to date with the database: %s", message)
            self.last_error = message
            return None
        self.last_error = None
        self.behind_since = None
        self.index.excluded_people = None
        if outcome.action in ("updated", "rebuilt"):
            log.info("search index %s to database version %s (%s)", outcome.action, outcome.data_version,
                     f"{outcome.people} people" if outcome.action == "updated" else "every document")
        return outcome

    def _note_pending(self) -> None:
        """When behind: from when, and which people the current build may hold wrongly (left out of searches)."""
        store = self.index.store
        current = store.current_name()
        with index_state.read_snapshot(self.index.engine) as conn:
            if build_in_step(conn, store, current):
                return
            node = read_node_version(store)
            pending = pending_people(conn, store, node) if node is not None else None
        if self.behind_since is None:
            self.behind_since = time.time()
        if current is not None and pending:
            self.index.excluded_people = (current, frozenset(pending))
