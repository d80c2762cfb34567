"""An OAI-PMH 2.0 repository over the archive, as a library function.

``handle(archive, params, base_url, viewer)`` answers one request (the arguments of a GET
query string or a POST form, as a list of pairs) with ``(status, XML bytes)``; the web
app's ``/oai`` route is a thin wrapper over it. Every answer is HTTP 200: OAI-PMH reports
its errors inside the XML.

What is harvested
    One record per **person** (a testimony) that the viewer may see, with the identifier
    ``oai:<host>:person/<id>`` and its Dublin Core from ``archive.interchange.dublin_core`` (the only
    metadata format, ``oai_dc``). Quotes are items too (``oai:<host>:quote/<id>``) but are
    disseminated only inside their person's record, so ``ListMetadataFormats`` answers
    ``noMetadataFormats`` for them. The endpoint serves the anonymous viewer: restricted
    and embargoed records are absent, never marked.

Sets
    ``collection:<collection-id>`` and ``theme:<theme-id>`` (a person is in a theme's set
    when one of their visible quotes has the theme), under the parent sets ``collection``
    and ``theme``. Stance is a political opinion and is never a set. An archive with
    nothing imported has no sets (``noSetHierarchy``).

Datestamps
    The records anyone may see are kept in ``published_record`` (``archive/store/published.py``)
    with a hash of their published content (their Dublin Core and sets): brought up to date
    the first time a request comes after the archive's contents changed, or on a new day. A
    record is stamped when it is first published, and again only when its published content
    hashes differently: with the time the import logged for it in ``record_change`` when that
    is later than its stamp, else with the time the change was found. An import that changes
    nothing a harvester sees stamps nothing. A record whose embargo (or a quote's) has lifted
    is stamped with that day at least, so incremental harvests pick it up. A viewer who sees
    more than the public (a researcher) gets the import's ``record_change`` times instead
    (and for a record imported before that log existed, the time the SQLite file was last
    written). All in UTC with ``Z``; ``earliestDatestamp`` is the oldest stamp.

Deleted records
    ``deletedRecord`` is ``persistent``: a record that was published and is no longer (removed
    by a re-import, made restricted, or embargoed) is listed as deleted for good (header with
    ``status="deleted"``, no metadata), so harvesters drop their copy; a record that was never
    published leaves no trace, which would reveal it.

Resumption tokens
    Stateless: the token encodes the verb, the arguments, the offset and a digest of the
    list it pages (each record's identifier, datestamp and deletion), so no server state is
    kept and nothing but a change of the records listed invalidates it (a new account, a
    token's last use, another list's change do not); a token whose list has changed since is
    a ``badResumptionToken``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lxml import etree
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from archive.access.visibility import ANONYMOUS, Viewer, quote_clause, visible_clause
from archive.catalogue import pages as catalogue
from archive.interchange import dublin_core, qualified_dc
from archive.search.index_state import data_version, write_transaction
from archive.settings import ADMIN_EMAIL_VARIABLE
from archive.store import models
from archive.store.published import PUBLISHED_STATE_ROW, PublishedRecord, PublishedState

if TYPE_CHECKING:
    from archive.facade import Archive

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
XSI_NS = dublin_core.XSI_NS
PAGE_SIZE = 100
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
# the published content is hashed with permalinks under this root, whatever host a request names
CANONICAL_BASE = "https://archive.invalid/"
ADMIN_EMAIL_ENV = ADMIN_EMAIL_VARIABLE

METADATA_FORMATS = {
    "oai_dc": (dublin_core.OAI_DC_SCHEMA, dublin_core.OAI_DC_NS),
    "oai_qdc": (qualified_dc.OAI_QDC_SCHEMA, qualified_dc.OAI_QDC_NS),
}
# metadataPrefix -> a person's record in that format (engine, person id, viewer, base URL)
RECORD_WRITERS: dict[str, Callable[[Engine, str, Viewer, str], etree._Element]] = {
    "oai_dc": lambda *args: dublin_core.person_record(*args).to_oai_dc(),
    "oai_qdc": qualified_dc.person_record,
}

# verb -> (required arguments, optional arguments, exclusive argument)
VERBS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    "Identify": (frozenset(), frozenset(), None),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), None),
    "ListSets": (frozenset(), frozenset(), "resumptionToken"),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), None),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken"),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken"),
}

# OAI-PMH's own patterns: setSpec is unreserved ASCII and ':'; so is a metadataPrefix.
_UNRESERVED = r"[A-Za-z0-9\-_.!~*'()]"
SET_SPEC = re.compile(rf"{_UNRESERVED}+(?::{_UNRESERVED}+)*")
PREFIX = re.compile(rf"{_UNRESERVED}+")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class OAIError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Header:
    """What a list needs of one record before its metadata is read."""

    person_id: str
    datestamp: datetime
    sets: tuple[str, ...]
    deleted: bool = False


@dataclass(frozen=True)
class SetInfo:
    spec: str
    name: str
    description: dublin_core.DublinCore | None = None


@dataclass
class Repository:
    """One request's view of the archive as an OAI-PMH repository."""

    engine: Engine
    base_url: str
    endpoint: str
    viewer: Viewer
    repository_id: str
    admin_emails: list[str]
    page_size: int
    stamp: datetime
    now: datetime

    def identifier(self, kind: str, record_id: str) -> str:
        return f"oai:{self.repository_id}:{kind}/{record_id}"

    def parse_identifier(self, identifier: str) -> tuple[str, str]:
        prefix = f"oai:{self.repository_id}:"
        if identifier.startswith(prefix):
            kind, _, record_id = identifier[len(prefix):].partition("/")
            if kind in ("person", "quote") and record_id:
                return kind, record_id
        raise OAIError("idDoesNotExist", f"{identifier!r} is not an identifier of this repository; "
                                         f"identifiers look like {self.identifier('person', '<id>')}")


# --- entry point ---------------------------------------------------------------------------


def handle(archive: Archive, params: Iterable[tuple[str, str]], base_url: str, viewer: Viewer = ANONYMOUS, *,
           endpoint: str | None = None, admin_email: str | None = None, page_size: int = PAGE_SIZE,
           now: datetime | None = None) -> tuple[int, bytes]:
    """Answer one OAI-PMH request.

    ``archive`` is an opened ``archive.facade.Archive``; ``params`` the request's arguments in
    order (repeats included, so that they can be refused); ``base_url`` the site's root (for
    permalinks); ``endpoint`` the OAI-PMH base URL (default ``<base_url>/oai``);
    ``admin_email`` defaults to ``$ARCHIVE_ADMIN_EMAIL``, then ``webmaster@<host>``.
    """
    engine = archive.engine
    params = list(params)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    host = urlsplit(base_url).hostname or "localhost"
    repo = Repository(
        engine=engine,
        base_url=base_url,
        endpoint=endpoint or base_url.rstrip("/") + "/oai",
        viewer=viewer,
        repository_id=host,
        admin_emails=[admin_email or admin_email_setting() or _webmaster(host)],
        page_size=max(1, page_size),
        stamp=archive_stamp(engine, now),
        now=now,
    )
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = utc(now)
    request = etree.SubElement(root, f"{{{OAI_NS}}}request")
    request.text = repo.endpoint
    try:
        verb, args = _check_arguments(params)
    except OAIError as error:
        _error(root, error)  # badVerb, badArgument: the request element carries no attributes
        return 200, _serialise(root)
    for name, value in [("verb", verb), *sorted(args.items())]:
        request.set(name, value)
    try:
        body = _VERB_HANDLERS[verb](repo, args)
    except OAIError as error:
        if error.code == "badArgument":
            request.attrib.clear()  # the protocol: no attributes when the arguments were bad
        _error(root, error)
    else:
        root.append(body)
    return 200, _serialise(root)


STYLESHEET_HREF = "/static/oai.xsl"  # webapp/static/oai.xsl: a browser shows an answer as a readable page


def _serialise(root: etree._Element) -> bytes:
    """An answer as XML, naming the stylesheet a browser applies (harvesters ignore it)."""
    return styled_xml(root)


def styled_xml(root: etree._Element) -> bytes:
    """``root`` as an XML document that names the site's OAI-PMH stylesheet."""
    root.addprevious(etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{STYLESHEET_HREF}"'))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _error(root: etree._Element, error: OAIError) -> None:
    element = etree.SubElement(root, f"{{{OAI_NS}}}error", code=error.code)
    element.text = error.message


def admin_email_setting() -> str | None:
    """The address set by ``$ARCHIVE_ADMIN_EMAIL`` for OAI-PMH's ``adminEmail``, if any."""
    return os.environ.get(ADMIN_EMAIL_ENV) or None


def _webmaster(host: str) -> str:
    # RFC 2142's mailbox for a web host; OAI-PMH requires an address with a dotted domain
    return f"webmaster@{host if '.' in host else host + '.localdomain'}"


def _check_arguments(params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    verbs = [value for name, value in params if name == "verb"]
    if not verbs:
        raise OAIError("badVerb", "the verb argument is missing; expected one of: " + ", ".join(VERBS))
    if len(verbs) > 1:
        raise OAIError("badVerb", "the verb argument is repeated")
    verb = verbs[0]
    if verb not in VERBS:
        raise OAIError("badVerb", f"{verb!r} is not an OAI-PMH verb; expected one of: " + ", ".join(VERBS))
    required, optional, exclusive = VERBS[verb]
    args: dict[str, str] = {}
    for name, value in params:
        if name == "verb":
            continue
        if name in args:
            raise OAIError("badArgument", f"the argument {name!r} is repeated")
        if name not in required | optional and name != exclusive:
            allowed = sorted(required | optional | ({exclusive} if exclusive else set()))
            raise OAIError("badArgument", f"{verb} does not take the argument {name!r}; "
                                          f"it takes: {', '.join(allowed) or 'no arguments'}")
        args[name] = value
    if exclusive and exclusive in args:
        if len(args) > 1:
            raise OAIError("badArgument", f"{exclusive} is an exclusive argument: send it with the verb only")
    else:
        missing = sorted(required - set(args))
        if missing:
            raise OAIError("badArgument", f"{verb} needs the argument(s): {', '.join(missing)}")
    if "metadataPrefix" in args and not PREFIX.fullmatch(args["metadataPrefix"]):
        raise OAIError("badArgument", f"{args['metadataPrefix']!r} is not a metadataPrefix")
    if "set" in args and not SET_SPEC.fullmatch(args["set"]):
        raise OAIError("badArgument", f"{args['set']!r} is not a setSpec (unreserved ASCII characters and ':')")
    for name in ("from", "until"):
        if name in args and not (_DAY.fullmatch(args[name]) or _SECONDS.fullmatch(args[name])):
            raise OAIError("badArgument", f"{name}={args[name]!r} is not a UTC datestamp; "
                                          f"expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")
    return verb, args


# --- datestamps ------------------------------------------------------------------------------


def utc(moment: datetime) -> str:
    """A datestamp to the second, in UTC, with the trailing ``Z`` OAI-PMH requires."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def archive_stamp(engine: Engine, now: datetime) -> datetime:
    """When the archive last changed, as far as it can be known (see the module's docstring)."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if path and path != ":memory:" and Path(path).is_file():
        # WAL: the newest writes may still be in the -wal file, not yet in the database file
        mtimes = [Path(p).stat().st_mtime for p in (path, path + "-wal") if Path(p).is_file()]
        return datetime.fromtimestamp(int(max(mtimes)), timezone.utc)
    # another database: when the last import or reindex committed (the index state's row)
    with engine.connect() as conn:
        state = models.table_of(models.IndexState)
        changed = conn.scalar(select(state.c.changed_at).where(state.c.id == models.INDEX_STATE_ROW))
    if changed is not None:
        return _aware(changed).replace(microsecond=0)
    return datetime.combine(now.date(), time(0), timezone.utc)


def _parse_bound(text: str, upper: bool) -> datetime:
    try:
        if _DAY.fullmatch(text):
            moment = datetime.combine(date.fromisoformat(text), time(0), timezone.utc)
            return moment + timedelta(days=1, seconds=-1) if upper else moment
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise OAIError("badArgument", f"{text!r} is not a valid date and time") from None


# --- records, sets ---------------------------------------------------------------------------


def _headers(repo: Repository) -> list[Header]:
    """Every visible person, in collection order, with datestamp and sets; then the deleted ones."""
    P, Q, QTh = models.Person, models.Quote, models.QuoteTheme
    viewer = repo.viewer
    with repo.engine.connect() as conn:
        collection_ids = list(conn.execute(select(col(models.CollectionRecord.id))).scalars())
        people = conn.execute(
            select(col(P.id), col(P.visibility), col(P.embargo_until)).where(visible_clause(viewer, P))
            .order_by(col(P.position))
        ).all()
        themes: dict[str, set[str]] = {}
        for person_id, theme in conn.execute(
            select(col(Q.person_id), col(QTh.theme)).join(Q, col(QTh.quote_id) == Q.id)
            .join(P, col(Q.person_id) == P.id)
            .where(quote_clause(viewer, Q, P)).distinct()
        ):
            themes.setdefault(person_id, set()).add(theme)
        lifted: dict[str, date] = {}
        for person_id, until in conn.execute(
            select(col(Q.person_id), col(Q.embargo_until)).join(P, col(Q.person_id) == P.id)
            .where(quote_clause(viewer, Q, P), col(Q.visibility) == "embargoed", col(Q.embargo_until).is_not(None))
        ):
            if until is not None and until <= viewer.today:
                lifted[person_id] = max(until, lifted.get(person_id, until))
        theme_order = {t: i for i, t in enumerate(conn.execute(
            select(col(models.VocabularyTerm.id)).where(col(models.VocabularyTerm.kind) == "themes")
            .order_by(col(models.VocabularyTerm.position))).scalars())}
        changes = {row.id: row for row in conn.execute(
            select(models.RecordChange).where(col(models.RecordChange.kind) == "person"))}
    sets_of: dict[str, tuple[str, ...]] = {}
    for person_id, _, _ in people:
        person_themes = sorted(themes.get(person_id, ()), key=lambda t: (theme_order.get(t, len(theme_order)), t))
        sets = [f"collection:{c}" for c in collection_ids] + [f"theme:{t}" for t in person_themes]
        sets_of[person_id] = tuple(s for s in sets if SET_SPEC.fullmatch(s))
    published = _published(repo, sets_of, changes) if _sees_what_is_published(viewer) else None
    headers = []
    for person_id, visibility, until in people:
        change = changes.get(person_id)
        if published is not None and person_id in published:
            stamp = published[person_id].datestamp
        else:
            stamp = _aware(change.changed_at) if change else repo.stamp
        days = [d for d in (lifted.get(person_id), until if visibility == "embargoed" else None)
                if d is not None and d <= viewer.today]
        if days:
            stamp = max(stamp, datetime.combine(max(days), time(0), timezone.utc))
        headers.append(Header(person_id, stamp, sets_of[person_id]))
    present = set(sets_of)
    deleted: dict[str, datetime] = {}
    for person_id, change in changes.items():
        if change.deleted and person_id not in present:
            deleted[person_id] = _aware(change.changed_at)
    for person_id, record in (published or {}).items():
        if record.deleted and person_id not in present:
            deleted[person_id] = record.datestamp
    headers += [Header(person_id, stamp, (), deleted=True) for person_id, stamp in sorted(deleted.items())]
    return headers


# --- the published records (archive/store/published.py) ----------------------------------------


@dataclass(frozen=True)
class Published:
    content_hash: str
    datestamp: datetime
    deleted: bool


def _sees_what_is_published(viewer: Viewer) -> bool:
    """The public on the real today: the viewer whose records are the published ones."""
    return not viewer.sees_withheld and viewer.today == date.today()


def _generation(engine: Engine, today: date) -> str:
    """The state of the archive the published records follow: its contents' version, and the day."""
    with engine.connect() as conn:
        return _generation_in(conn, today)


def _content_hash(repo: Repository, person_id: str, sets: tuple[str, ...]) -> str:
    """A digest of what a harvester receives of a record: its Dublin Core (permalinks under one
    fixed root, whichever host was asked) and its sets."""
    dc = dublin_core.person_record(repo.engine, person_id, repo.viewer, CANONICAL_BASE)
    digest = hashlib.sha256(etree.tostring(dc.to_oai_dc(), method="c14n"))
    digest.update("\n".join(sets).encode())
    return digest.hexdigest()


def _published(repo: Repository, sets_of: dict[str, tuple[str, ...]],
               changes: Mapping[str, Any]) -> dict[str, Published]:
    """The published records, brought up to date first if the archive changed since they last were."""
    engine, now = repo.engine, repo.now
    generation = _generation(engine, repo.viewer.today)
    with engine.connect() as conn:
        stored = conn.scalar(select(col(PublishedState.generation))
                             .where(col(PublishedState.id) == PUBLISHED_STATE_ROW))
        R = PublishedRecord
        records = {row.id: Published(row.content_hash, _aware(row.datestamp), row.deleted) for row in conn.execute(
            select(col(R.id), col(R.content_hash), col(R.datestamp), col(R.deleted)).where(col(R.kind) == "person"))}
    if stored == generation:
        return records

    def logged(person_id: str) -> datetime | None:
        change = changes.get(person_id)
        return _aware(change.changed_at) if change is not None else None

    updated: dict[str, Published] = {}
    for person_id, sets in sets_of.items():
        content_hash = _content_hash(repo, person_id, sets)
        old = records.get(person_id)
        if old is not None and not old.deleted and old.content_hash == content_hash:
            continue
        at = logged(person_id)
        stamp = at if at is not None and (old is None or at > old.datestamp) else now
        updated[person_id] = Published(content_hash, stamp, False)
    for person_id, old in records.items():
        if person_id not in sets_of and not old.deleted:  # withdrawn: removed, restricted or embargoed
            at = logged(person_id)
            updated[person_id] = Published("", at if at is not None and at > old.datestamp else now, True)
    try:
        with write_transaction(engine) as conn:
            if _generation_in(conn, repo.viewer.today) == generation:  # nothing imported meanwhile
                _write_published(conn, generation, updated)
                conn.commit()
    except OperationalError:  # the database is busy (an import): found again by the next request
        pass
    return {**records, **updated}


def _generation_in(conn: Any, today: date) -> str:
    build, version = data_version(conn)
    return f"{build}|{version}|{today.isoformat()}"


def _write_published(conn: Any, generation: str, updated: dict[str, Published]) -> None:
    record_table = models.table_of(PublishedRecord)
    state_table = models.table_of(PublishedState)
    if updated:
        conn.execute(record_table.delete().where(record_table.c.kind == "person",
                                                 record_table.c.id.in_(list(updated))))
        conn.execute(record_table.insert(), [
            {"kind": "person", "id": person_id, "content_hash": record.content_hash,
             "datestamp": record.datestamp, "deleted": record.deleted}
            for person_id, record in updated.items()])
    conn.execute(state_table.delete())
    conn.execute(state_table.insert(), [{"id": PUBLISHED_STATE_ROW, "generation": generation}])


def _sets(repo: Repository) -> list[SetInfo]:
    with repo.engine.connect() as conn:
        collections = conn.execute(select(col(models.CollectionRecord.id), col(models.CollectionRecord.title))).all()
    vocabulary = catalogue.vocabulary(repo.engine)
    result: list[SetInfo] = []
    if collections:
        result.append(SetInfo("collection", "Collections"))
        collection_dc = dublin_core.collection_record(repo.engine, repo.base_url, repo.viewer)
        result += [SetInfo(f"collection:{cid}", title, collection_dc) for cid, title in collections]
    if vocabulary.themes:
        result.append(SetInfo("theme", "Themes"))
        for theme_id, term in vocabulary.themes.items():
            description = dublin_core.DublinCore()
            for lang in ("en", "ru"):
                description.add("title", term.label.get(lang), lang)
            for lang in ("en", "ru"):
                description.add("description", (term.definition or {}).get(lang), lang)
            result.append(SetInfo(f"theme:{theme_id}", vocabulary.label("themes", theme_id, "en"), description))
    return [s for s in result if SET_SPEC.fullmatch(s.spec)]


def _in_set(header: Header, spec: str) -> bool:
    return any(s == spec or s.startswith(spec + ":") for s in header.sets)


# --- resumption tokens -----------------------------------------------------------------------


def list_digest(items: Iterable[str]) -> str:
    """What a resumption token is tied to: the records (or sets) of the list it pages."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(item.encode())
        digest.update(b"\n")
    return digest.hexdigest()[:24]


def _headers_digest(headers: list[Header]) -> str:
    return list_digest(f"{h.person_id}|{utc(h.datestamp)}|{int(h.deleted)}|{' '.join(h.sets)}" for h in headers)


def _token(verb: str, args: dict[str, str], offset: int, digest: str) -> str:
    state = {"v": verb, "a": args, "o": offset, "t": digest}
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class Continued:
    """What a resumption token carries: the request's arguments, where to go on, and the list's digest."""

    args: dict[str, str]
    offset: int
    digest: str

    def check(self, digest: str) -> None:
        if digest != self.digest:
            raise OAIError("badResumptionToken",
                           "the records of this list have changed since it began; start the harvest again "
                           "without a token")


def _untoken(repo: Repository, verb: str, token: str) -> Continued:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state = json.loads(raw)
        args, offset, digest, token_verb = state["a"], state["o"], state["t"], state["v"]
        if not (isinstance(args, dict) and all(isinstance(v, str) for v in args.values())
                and isinstance(offset, int) and offset >= 0 and isinstance(digest, str)):
            raise ValueError("malformed")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise OAIError("badResumptionToken", f"{token!r} is not a resumption token of this repository") from None
    if token_verb != verb:
        raise OAIError("badResumptionToken", f"this resumption token continues {token_verb}, not {verb}")
    return Continued(args, offset, digest)


def _page(repo: Repository, verb: str, args: dict[str, str], offset: int, total: int,
          container: etree._Element, digest: str) -> None:
    """Add the resumptionToken element an incomplete list needs (and the empty one that ends it)."""
    if offset == 0 and total <= repo.page_size:
        return
    end = offset + repo.page_size
    token = etree.SubElement(container, f"{{{OAI_NS}}}resumptionToken",
                             completeListSize=str(total), cursor=str(offset))
    if end < total:
        token.text = _token(verb, args, end, digest)


# --- verbs -------------------------------------------------------------------------------------


def _identify(repo: Repository, args: dict[str, str]) -> etree._Element:
    info = catalogue.collection_info(repo.engine, repo.viewer)
    body = etree.Element(f"{{{OAI_NS}}}Identify")
    for name, value in [
        ("repositoryName", info.title if info else "Oral-history archive"),
        ("baseURL", repo.endpoint),
        ("protocolVersion", "2.0"),
        *[("adminEmail", email) for email in repo.admin_emails],
        ("earliestDatestamp", utc(min([h.datestamp for h in _headers(repo)] + [repo.stamp]))),
        ("deletedRecord", "persistent"),
        ("granularity", GRANULARITY),
    ]:
        etree.SubElement(body, f"{{{OAI_NS}}}{name}").text = value
    collection_dc = dublin_core.collection_record(repo.engine, repo.base_url, repo.viewer)
    if collection_dc is not None:
        etree.SubElement(body, f"{{{OAI_NS}}}description").append(collection_dc.to_oai_dc())
    return body


def _find(repo: Repository, identifier: str) -> tuple[str, str]:
    """(kind, id) of a visible person or quote; idDoesNotExist otherwise (restricted records included)."""
    kind, record_id = repo.parse_identifier(identifier)
    P, Q, C = models.Person, models.Quote, models.RecordChange
    with repo.engine.connect() as conn:
        if kind == "person":
            found = conn.scalar(select(col(P.id)).where(col(P.id) == record_id, visible_clause(repo.viewer, P)))
            if found is None:  # a deleted record is still answered, as deleted
                found = conn.scalar(select(col(C.id)).where(col(C.kind) == "person", col(C.id) == record_id,
                                                            col(C.deleted).is_(True)))
            if found is None and _sees_what_is_published(repo.viewer):  # withdrawn from publication
                R = PublishedRecord
                found = conn.scalar(select(col(R.id)).where(col(R.kind) == "person", col(R.id) == record_id,
                                                            col(R.deleted).is_(True)))
        else:
            found = conn.scalar(select(col(Q.id)).join(P, col(Q.person_id) == P.id)
                                .where(col(Q.id) == record_id, quote_clause(repo.viewer, Q, P)))
    if found is None:
        raise OAIError("idDoesNotExist", f"no record {identifier!r} in this repository")
    return kind, record_id


def _formats(kind: str) -> list[str]:
    """The metadata formats an item is disseminated in: quotes only inside their person's record."""
    return list(METADATA_FORMATS) if kind == "person" else []


def _list_metadata_formats(repo: Repository, args: dict[str, str]) -> etree._Element:
    prefixes = list(METADATA_FORMATS)
    if "identifier" in args:
        kind, _ = _find(repo, args["identifier"])
        prefixes = _formats(kind)
        if not prefixes:
            raise OAIError("noMetadataFormats", f"{args['identifier']!r} is a quote: it is disseminated only "
                                                "inside its person's record (oai:…:person/<id>)")
    body = etree.Element(f"{{{OAI_NS}}}ListMetadataFormats")
    for prefix in prefixes:
        schema, namespace = METADATA_FORMATS[prefix]
        element = etree.SubElement(body, f"{{{OAI_NS}}}metadataFormat")
        etree.SubElement(element, f"{{{OAI_NS}}}metadataPrefix").text = prefix
        etree.SubElement(element, f"{{{OAI_NS}}}schema").text = schema
        etree.SubElement(element, f"{{{OAI_NS}}}metadataNamespace").text = namespace
    return body


def _list_sets(repo: Repository, args: dict[str, str]) -> etree._Element:
    continued = _untoken(repo, "ListSets", args["resumptionToken"]) if "resumptionToken" in args else None
    offset = continued.offset if continued else 0
    sets = _sets(repo)
    if not sets:
        raise OAIError("noSetHierarchy", "this repository has no sets (nothing has been imported)")
    digest = list_digest(f"{s.spec}|{s.name}" for s in sets)
    if continued:
        continued.check(digest)
    if offset >= len(sets):
        raise OAIError("badResumptionToken", "this resumption token points past the end of the list")
    body = etree.Element(f"{{{OAI_NS}}}ListSets")
    for info in sets[offset:offset + repo.page_size]:
        element = etree.SubElement(body, f"{{{OAI_NS}}}set")
        etree.SubElement(element, f"{{{OAI_NS}}}setSpec").text = info.spec
        etree.SubElement(element, f"{{{OAI_NS}}}setName").text = info.name
        if info.description is not None:
            etree.SubElement(element, f"{{{OAI_NS}}}setDescription").append(info.description.to_oai_dc())
    _page(repo, "ListSets", {}, offset, len(sets), body, digest)
    return body


def _check_prefix(prefix: str) -> None:
    if prefix not in METADATA_FORMATS:
        raise OAIError("cannotDisseminateFormat",
                       f"{prefix!r} is not a metadata format of this repository; expected one of: "
                       + ", ".join(METADATA_FORMATS))


def _header_element(repo: Repository, header: Header) -> etree._Element:
    element = etree.Element(f"{{{OAI_NS}}}header")
    if header.deleted:
        element.set("status", "deleted")
    etree.SubElement(element, f"{{{OAI_NS}}}identifier").text = repo.identifier("person", header.person_id)
    etree.SubElement(element, f"{{{OAI_NS}}}datestamp").text = utc(header.datestamp)
    for spec in header.sets:
        etree.SubElement(element, f"{{{OAI_NS}}}setSpec").text = spec
    return element


def _record_element(repo: Repository, header: Header, prefix: str = "oai_dc") -> etree._Element:
    record = etree.Element(f"{{{OAI_NS}}}record")
    record.append(_header_element(repo, header))
    if header.deleted:
        return record  # a deleted record has a header and no metadata
    metadata = RECORD_WRITERS[prefix](repo.engine, header.person_id, repo.viewer, repo.base_url)
    etree.SubElement(record, f"{{{OAI_NS}}}metadata").append(metadata)
    return record


def _get_record(repo: Repository, args: dict[str, str]) -> etree._Element:
    kind, record_id = _find(repo, args["identifier"])
    _check_prefix(args["metadataPrefix"])
    if args["metadataPrefix"] not in _formats(kind):
        raise OAIError("cannotDisseminateFormat", f"{args['identifier']!r} is a quote: it is disseminated only "
                                                  "inside its person's record (oai:…:person/<id>)")
    header = next(h for h in _headers(repo) if h.person_id == record_id)
    body = etree.Element(f"{{{OAI_NS}}}GetRecord")
    body.append(_record_element(repo, header, args["metadataPrefix"]))
    return body


def _selected(repo: Repository, verb: str, args: dict[str, str]
              ) -> tuple[list[Header], dict[str, str], int, str]:
    offset = 0
    continued = None
    if "resumptionToken" in args:
        continued = _untoken(repo, verb, args["resumptionToken"])
        args, offset = continued.args, continued.offset
        if "metadataPrefix" not in args:
            raise OAIError("badResumptionToken", "this resumption token carries no metadataPrefix")
    _check_prefix(args["metadataPrefix"])
    headers = _headers(repo)
    if "set" in args:
        known = {s.spec for s in _sets(repo)}
        if not known:
            raise OAIError("noSetHierarchy", "this repository has no sets (nothing has been imported)")
        if args["set"] not in known:
            raise OAIError("noRecordsMatch", f"there is no set {args['set']!r}; ListSets names them")
        headers = [h for h in headers if _in_set(h, args["set"])]
    lower = _parse_bound(args["from"], upper=False) if "from" in args else None
    upper = _parse_bound(args["until"], upper=True) if "until" in args else None
    if lower and upper:
        if len(args["from"]) != len(args["until"]):
            raise OAIError("badArgument", "from and until must have the same granularity")
        if lower > upper:
            raise OAIError("badArgument", f"from ({args['from']}) is later than until ({args['until']})")
    if lower:
        headers = [h for h in headers if h.datestamp >= lower]
    if upper:
        headers = [h for h in headers if h.datestamp <= upper]
    digest = _headers_digest(headers)
    if continued:
        continued.check(digest)
    if not headers:
        raise OAIError("noRecordsMatch", "no record matches these arguments")
    if offset >= len(headers):
        raise OAIError("badResumptionToken", "this resumption token points past the end of the list")
    return headers, args, offset, digest


def _list_identifiers(repo: Repository, args: dict[str, str]) -> etree._Element:
    headers, args, offset, digest = _selected(repo, "ListIdentifiers", args)
    body = etree.Element(f"{{{OAI_NS}}}ListIdentifiers")
    for header in headers[offset:offset + repo.page_size]:
        body.append(_header_element(repo, header))
    _page(repo, "ListIdentifiers", args, offset, len(headers), body, digest)
    return body


def _list_records(repo: Repository, args: dict[str, str]) -> etree._Element:
    headers, args, offset, digest = _selected(repo, "ListRecords", args)
    body = etree.Element(f"{{{OAI_NS}}}ListRecords")
    for header in headers[offset:offset + repo.page_size]:
        body.append(_record_element(repo, header, args["metadataPrefix"]))
    _page(repo, "ListRecords", args, offset, len(headers), body, digest)
    return body


_VERB_HANDLERS: dict[str, Callable[[Repository, dict[str, str]], etree._Element]] = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": _list_identifiers,
    "ListRecords": _list_records,
}


def _aware(moment: datetime) -> datetime:
    """A stored datetime in UTC (databases may hand it back without its zone)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
