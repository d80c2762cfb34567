"""The collection, out of the database and back into its own format (``collection.yaml``,
``vocabulary.yaml``, ``people/<id>.yaml`` and the source texts).

This is the inverse of ``collection_rows``: importing the export into an empty archive
gives the same rows, table by table. It is written for a viewer like every other export:
an anonymous export leaves out restricted and embargoed people and quotes (and stance
codings no longer cite the quotes left out), and the fields ``archive.access.visibility`` keeps
from a viewer (why a record is restricted, when it is reviewed, when a stance was coded)
are left out too. Only an archivist's export is the whole collection.

Source texts: the database keeps each source's ``text_file`` path, not the text. The
texts are copied from the collection folder given as ``source_texts`` (the folder the
archive was imported from); a source whose text cannot be found there is exported without
``text_file`` (a warning names it), so the export still passes ``archive check``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import col

from archive.access.visibility import Viewer, may_read_field, visible_clause, visible_items
from archive.catalogue.pages import NotFound
from archive.catalogue.result_sets import BATCH, QuoteRecord
from archive.catalogue.source_visibility import withheld_sources
from archive.collection.loader import COLLECTION_FILE, PEOPLE_DIR, VOCABULARY_FILE
from archive.collection.timecodes import format_timecode
from archive.collection.vocabulary import KINDS
from archive.interchange.exports.chunks import chunked
from archive.interchange.exports.context import ExportContext
from archive.interchange.exports.file_trees import Member, UnsafePath, safe_member_path
from archive.store import models

P, Q, QT, QTh = models.Person, models.Quote, models.QuoteText, models.QuoteTheme


class UnsupportedResultSet(ValueError):
    """The collection format holds whole people: it exports a person or the collection."""


# --- YAML writing -------------------------------------------------------------------------


try:
    _BaseDumper: type = yaml.CSafeDumper  # libyaml's emitter (C), for large collections
except AttributeError:  # PyYAML built without libyaml
    _BaseDumper = yaml.SafeDumper


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Block style, Unicode as is, and multi-line text as literal blocks an archivist can edit."""


_DATE_OR_TIMECODE = re.compile(r"^[0-9][0-9X:./-]*$")


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Dates and timecodes are always quoted, as the format's documentation writes them: a YAML 1.1
    # reader would take 10:00:00 for a number of seconds and 2017 for an integer.
    style = "|" if "\n" in value else "'" if _DATE_OR_TIMECODE.match(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


def _clean(mapping: dict[str, Any]) -> dict[str, Any]:
    """Without the empty fields: they take their defaults on import."""
    return {k: v for k, v in mapping.items() if v is not None and v != [] and v != {}}


def _cited(items: Iterable[dict[str, Any]] | None, viewer: Viewer | None = None) -> list[dict[str, Any]]:
    """Cited facts as stored, with ``source`` and ``locator`` last, as archivists write them. Facts
    with a visibility of their own (a person's places) are given with ``viewer``: those the viewer
    may see, each with the parts of its ``visibility`` the viewer may read."""
    result = []
    for item in (items or []) if viewer is None else visible_items(viewer, items):
        head = {k: v for k, v in item.items() if k not in ("source", "locator", "visibility")}
        if viewer is not None and isinstance(item.get("visibility"), dict):
            head["visibility"] = _fact_visibility(viewer, item["visibility"])
        result.append(_clean({**head, "source": item.get("source"), "locator": item.get("locator")}))
    return result


def _fact_visibility(viewer: Viewer, given: dict[str, Any]) -> dict[str, Any] | None:
    """A fact's ``visibility`` mapping as the viewer may read it (``_visibility`` for one kept in JSON)."""
    block = _clean({
        "status": given.get("status"),
        "until": given.get("until"),
        "reason": given.get("reason") if may_read_field(viewer, "visibility_reason") else None,
        "review": given.get("review") if may_read_field(viewer, "visibility_review") else None,
    })
    return None if block in ({"status": "public"}, {}) else block


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def visibility_block(viewer: Viewer, row: Any) -> dict[str, Any] | None:
    """A record's ``visibility`` mapping as the collection format writes it, for what ``viewer`` may see."""
    block = _clean({
        "status": row.visibility,
        "until": _day(row.embargo_until),
        "reason": row.visibility_reason if may_read_field(viewer, "visibility_reason") else None,
        "review": _day(row.visibility_review) if may_read_field(viewer, "visibility_review") else None,
    })
    return None if block == {"status": "public"} else block


def _rights(row: Any) -> dict[str, Any] | None:
    """A person's or a quote's own rights statement, as the format writes it."""
    return {"uri": row.rights_uri, "holder": row.rights_holder} if row.rights_uri else None


def _only_for(viewer: Viewer, name: str, value: Any) -> Any:
    """A field kept for the viewers the rule lets read it (real names, private notes), else left out."""
    return value if may_read_field(viewer, name) else None


def _header(ctx: ExportContext, what: str) -> str:
    scope = ("the whole collection" if ctx.viewer.role == "archivist" else
             "restricted and embargoed records included; internal review dates and private notes left out"
             if ctx.viewer.sees_withheld else
             "public records only: restricted and embargoed people, quotes, places, sources, recordings and passages "
             "are left out")
    return f"# {what}, exported from the archive on {ctx.generated_at_text} (viewer: {ctx.viewer.role}; {scope})\n"


# --- collection.yaml and vocabulary.yaml ---------------------------------------------------------


def _source_text_path(ctx: ExportContext, text_file: str) -> Path | None:
    """The source's text in the folder it was imported from, if it is there and inside it."""
    if ctx.source_texts is None:
        return None
    try:
        member = safe_member_path(text_file)
    except UnsafePath:
        return None
    root = Path(ctx.source_texts).resolve()
    candidate = root.joinpath(*member.parts).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(64 * 1024):
            yield chunk


def _collection_file(conn: Connection, ctx: ExportContext, texts: dict[str, Path], hidden: frozenset[str],
                     unseen: frozenset[str] = frozenset()) -> str:
    c = conn.execute(select(models.CollectionRecord)).first()
    if c is None:
        raise NotFound("the archive is empty: there is no collection to export")
    info = _clean({
        "id": c.id, "title": c.title, "title_native": c.title_native, "kind": c.kind, "year": c.year,
        "runtime_minutes": c.runtime_minutes, "languages": c.languages, "subtitle_languages": c.subtitle_languages,
        "directors": c.directors, "organisations": _cited(c.organisations),
        "premiere": _cited([c.premiere])[0] if c.premiere else None,
        "description": c.description, "description_sources": _cited(c.description_sources),
        "rights": {"uri": c.rights, "holder": c.rights_holder} if c.rights_holder else c.rights,
        "facts_sources": _cited(c.facts_sources),
    })
    sources = []
    for s in conn.execute(select(models.Source).order_by(col(models.Source.position))):
        if s.id in hidden:
            continue
        sources.append(_clean({
            "id": s.id, "title": s.title, "author": s.author, "publisher": s.publisher, "date": s.date,
            "kind": s.kind, "url": s.url, "locator": s.locator, "language": s.language,
            "text_file": s.text_file if s.id in texts else None, "notes": s.notes,
            "visibility": visibility_block(ctx.viewer, s),
        }))
    return _header(ctx, "The collection and its sources") + dump({"collection": _uncited(info, unseen),
                                                                  "sources": sources})


def _vocabulary_file(conn: Connection, ctx: ExportContext) -> str:
    terms: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    rows = conn.execute(select(models.VocabularyTerm).order_by(col(models.VocabularyTerm.position)))
    for t in rows:
        if t.kind not in terms:
            continue
        term = {"id": t.id, "label": t.label, "definition": t.definition}
        if t.kind == "themes":
            term["synonyms"] = t.synonyms
        if t.kind == "fates":
            term["repression"] = bool(t.repression)
        terms[t.kind].append(_clean(term))
    return _header(ctx, "The vocabularies") + dump(terms)


# --- people/<id>.yaml ------------------------------------------------------------------------------


def _quote_documents(conn: Connection, person_id: str, viewer: Viewer,
                     recordings: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The person's visible quotes in their order, a batch at a time; a quote keeps the transcript
    span it comes from when the viewer may see that recording."""
    statement = (select(Q).where(col(Q.person_id) == person_id, visible_clause(viewer, Q)).order_by(col(Q.position))
                 .execution_options(yield_per=BATCH))
    batch: list[Any] = []
    for row in conn.execute(statement):
        batch.append(row)
        if len(batch) == BATCH:
            yield from _quote_batch(conn, batch, viewer, recordings)
            batch = []
    if batch:
        yield from _quote_batch(conn, batch, viewer, recordings)


def _quote_batch(conn: Connection, quotes: list[Any], viewer: Viewer,
                 recordings: dict[str, Any]) -> Iterator[dict[str, Any]]:
    ids = [q.id for q in quotes]
    texts: dict[str, dict[str, str]] = {}
    for t in conn.execute(select(col(QT.quote_id), col(QT.lang), col(QT.text)).where(col(QT.quote_id).in_(ids))):
        texts.setdefault(t.quote_id, {})[t.lang] = t.text
    themes: dict[str, list[str]] = {}
    for th in conn.execute(select(col(QTh.quote_id), col(QTh.theme)).where(col(QTh.quote_id).in_(ids))
                           .order_by(col(QTh.position))):
        themes.setdefault(th.quote_id, []).append(th.theme)
    for q in quotes:
        yield _clean({
            "id": q.id,
            "text": dict(sorted(texts.get(q.id, {}).items(), key=lambda kv: (kv[0] != q.original_language, kv[0]))),
            "original_language": q.original_language,
            "published_translations": q.published_translations,
            "recording": q.recording,
            "timecode_in": format_timecode(q.timecode_in) if q.timecode_in is not None else None,
            "timecode_out": format_timecode(q.timecode_out) if q.timecode_out is not None else None,
            "span": {"recording": _local(q.span_recording), "start": _timecode(q.span_start),
                     "end": _timecode(q.span_end)} if q.span_recording in recordings else None,
            "themes": themes.get(q.id),
            "stance": q.stance,
            "context": q.context,
            "rights": _rights(q),
            "source": q.source,
            "locator": q.locator,
            "visibility": visibility_block(viewer, q),
            "private_notes": _only_for(viewer, "private_notes", q.private_notes),
        })


def _visible_quote_ids(conn: Connection, person_id: str, viewer: Viewer) -> set[str]:
    return set(conn.scalars(select(col(Q.id)).where(col(Q.person_id) == person_id, visible_clause(viewer, Q))))


def _family(conn: Connection, person_id: str, viewer: Viewer) -> list[dict[str, Any]]:
    events: dict[str, list[dict[str, Any]]] = {}
    FE = models.FateEvent
    for e in conn.execute(select(FE).where(col(FE.person_id) == person_id, visible_clause(viewer, FE))
                          .order_by(col(FE.relative_id), col(FE.position))):
        events.setdefault(e.relative_id, []).append(_clean({
            "kind": e.kind, "date": e.date, "place": e.place, "details": e.details,
            "source": e.source, "locator": e.locator, "visibility": visibility_block(viewer, e),
            "private_notes": _only_for(viewer, "private_notes", e.private_notes),
        }))
    R = models.Relative
    family = []
    for r in conn.execute(select(R).where(col(R.person_id) == person_id, visible_clause(viewer, R))
                          .order_by(col(R.position))):
        family.append(_clean({
            "id": r.id.split("/", 1)[1], "relation": r.relation, "name": r.name, "name_native": r.name_native,
            "pseudonym": r.pseudonym or None, "real_name": _only_for(viewer, "real_name", r.real_name),
            "real_name_native": _only_for(viewer, "real_name_native", r.real_name_native),
            "events": events.get(r.id), "external_records": r.external_records, "notes": r.notes,
            "visibility": visibility_block(viewer, r),
            "private_notes": _only_for(viewer, "private_notes", r.private_notes),
        }))
    return family


def _timeline(conn: Connection, person_id: str, viewer: Viewer) -> list[dict[str, Any]]:
    T = models.TimelineEvent
    return [_clean({"date": e.date, "description": e.description, "place": e.place,
                    "source": e.source, "locator": e.locator, "visibility": visibility_block(viewer, e),
                    "private_notes": _only_for(viewer, "private_notes", e.private_notes)})
            for e in conn.execute(select(T).where(col(T.person_id) == person_id, visible_clause(viewer, T))
                                  .order_by(col(T.position)))]


def _timecode(seconds: float | None) -> str | None:
    return format_timecode(seconds) if seconds is not None else None


def _local(key: str | None) -> str | None:
    """A recording's own id, out of its stable id ``person/interview/recording``."""
    return key.rsplit("/", 1)[-1] if key else None


def _visible_recordings(conn: Connection, person_id: str, viewer: Viewer) -> dict[str, Any]:
    """The person's recordings ``viewer`` may see, by their stable id, in their order."""
    R = models.Recording
    return {r.id: r for r in conn.execute(select(R).where(col(R.person_id) == person_id, visible_clause(viewer, R))
                                          .order_by(col(R.interview_id), col(R.position)))}


def _recording(viewer: Viewer, r: Any) -> dict[str, Any]:
    return _clean({
        "id": r.local_id, "file": r.file, "url": r.url, "mime_type": r.mime_type,
        "duration": _timecode(r.duration_seconds), "sha256": r.sha256,
        "rights": _clean({"uri": r.rights_uri, "holder": r.rights_holder}) or None,
        "visibility": visibility_block(viewer, r),
    })


def _interviews(conn: Connection, person_id: str, viewer: Viewer,
                recordings: dict[str, Any]) -> list[dict[str, Any]]:
    """The person's interviews with what of them ``viewer`` may see: the recordings, the transcript's
    segments (a withheld passage, and everything of a withheld recording, left out) and index points."""
    I, TS, IP = models.Interview, models.TranscriptSegment, models.IndexPoint  # noqa: E741
    segments: dict[str, list[dict[str, Any]]] = {}
    for s in conn.execute(select(TS).where(col(TS.person_id) == person_id, visible_clause(viewer, TS))
                          .order_by(col(TS.interview_id), col(TS.position))):
        if s.recording_id is None or s.recording_id in recordings:
            segments.setdefault(s.interview_id, []).append(_clean({
                "recording": _local(s.recording_id), "start": format_timecode(s.start_seconds),
                "end": format_timecode(s.end_seconds),
                "speaker": {"name": s.speaker_name, "role": s.speaker_role},
                "text": dict(sorted((s.text or {}).items(), key=lambda kv: (kv[0] != s.original_language, kv[0]))),
                "original_language": s.original_language, "visibility": visibility_block(viewer, s),
            }))
    points: dict[str, list[dict[str, Any]]] = {}
    for p in conn.execute(select(IP).where(col(IP.person_id) == person_id)
                          .order_by(col(IP.interview_id), col(IP.position))):
        if p.recording_id is None or p.recording_id in recordings:
            gps = _clean({"latitude": p.latitude, "longitude": p.longitude, "zoom": p.zoom, "place": p.place})
            points.setdefault(p.interview_id, []).append(_clean({
                "recording": _local(p.recording_id), "start": format_timecode(p.start_seconds), "title": p.title,
                "synopsis": p.synopsis, "partial_transcript": p.partial_transcript, "keywords": p.keywords,
                "subjects": p.subjects, "gps": gps if p.latitude is not None else None, "hyperlinks": p.hyperlinks,
            }))
    return [_clean({
        "id": i.local_id, "title": i.title, "date": i.date, "place": i.place, "interviewer": i.interviewer,
        "language": i.language, "media": i.media, "duration": _timecode(i.duration_seconds),
        "source": i.source, "locator": i.locator,
        "recordings": [_recording(viewer, r) for r in recordings.values() if r.interview_id == i.id],
        "transcript": {"segments": segments[i.id]} if i.id in segments else None,
        "index_points": points.get(i.id), "catalogue": i.catalogue,
        "private_notes": _only_for(viewer, "private_notes", i.private_notes),
    }) for i in conn.execute(select(I).where(col(I.person_id) == person_id).order_by(col(I.position)))]


def _uncited(data: Any, unseen: frozenset[str]) -> Any:
    """``data`` without the citations of sources the viewer may not see (their id and locator left
    out; an entry of a list of citations, whole), at any depth: a withheld source is not named, not
    even by its id."""
    if not unseen:
        return data
    if isinstance(data, list):
        return [_uncited(item, unseen) for item in data
                if not (isinstance(item, dict) and item.get("source") in unseen and set(item) <= {"source", "locator"})]
    if isinstance(data, dict):
        if data.get("source") in unseen:
            data = {k: v for k, v in data.items() if k not in ("source", "locator")}
        return {k: _uncited(v, unseen) for k, v in data.items()}
    return data


def _person_pieces(conn: Connection, p: Any, ctx: ExportContext, recordings: dict[str, Any],
                   unseen: frozenset[str] = frozenset()) -> Iterator[str]:
    """One person's file, streamed: the portrait and family at once, then quote by quote; without
    the citations of the sources in ``unseen``."""
    viewer = ctx.viewer
    visible_quotes = _visible_quote_ids(conn, p.id, viewer)
    stance = _clean({
        "value": p.stance, "basis": p.stance_basis, "rationale": p.stance_rationale,
        "supporting_quotes": [q for q in p.stance_supporting_quotes or [] if q in visible_quotes],
        "coded_by": p.stance_coded_by,
        "coded_on": _day(p.stance_coded_on) if may_read_field(viewer, "stance_coded_on") else None,
        "source": p.stance_source, "locator": p.stance_locator,
    })
    head = _clean({
        "id": p.id, "name": p.name, "name_native": p.name_native, "pseudonym": p.pseudonym or None,
        "real_name": _only_for(viewer, "real_name", p.real_name),
        "real_name_native": _only_for(viewer, "real_name_native", p.real_name_native),
        "group": p.is_group or None, "role": p.role, "ages": _cited(p.ages),
        "occupations": _cited(p.occupations), "places": _cited(p.places, viewer), "stance": stance,
        "portrait": {"text": p.portrait, "sources": _cited(p.portrait_sources)},
        "rights": _rights(p), "visibility": visibility_block(viewer, p), "family": _family(conn, p.id, viewer),
    })
    yield _header(ctx, f"Person {p.id}") + dump(_uncited(head, unseen))
    first = True
    for quote in _quote_documents(conn, p.id, viewer, recordings):
        if first:
            yield "quotes:\n"
            first = False
        yield dump([_uncited(quote, unseen)])
    for key, items in (("events", _timeline(conn, p.id, viewer)),
                       ("interviews", _interviews(conn, p.id, viewer, recordings))):
        if items:
            yield dump({key: _uncited(items, unseen)})
    private = _only_for(viewer, "private_notes", p.private_notes)
    if private:
        yield dump({"private_notes": private})


def _people(conn: Connection, ctx: ExportContext) -> Iterator[Any]:
    statement = select(P).where(visible_clause(ctx.viewer, P)).order_by(col(P.position))
    if ctx.result_set.kind == "person":
        statement = statement.where(col(P.id) == ctx.result_set.person_id)
    found = False
    for person in conn.execute(statement).all():
        found = True
        yield person
    if ctx.result_set.kind == "person" and not found:
        raise NotFound(f"no person {ctx.result_set.person_id!r} that this viewer may see")


def render_collection_yaml(records: Iterable[QuoteRecord], ctx: ExportContext) -> Iterator[Member]:
    """The collection format as file members; ``records`` is unused (whole people are exported)."""
    if ctx.result_set.kind not in ("collection", "person"):
        raise UnsupportedResultSet(
            "the collection format exports whole people: choose the collection or a person, "
            f"not a {ctx.result_set.kind}")
    if ctx.archive is None:
        raise ValueError("the YAML export reads the archive: build the context with build_context()")
    with ctx.archive.engine.connect() as conn:
        texts: dict[str, Path] = {}
        hidden = withheld_sources(ctx.archive.engine, ctx.viewer)  # cited only by records left out, or withheld
        S = models.Source
        unseen = frozenset(conn.execute(select(col(S.id)).where(~visible_clause(ctx.viewer, S))).scalars())
        for source_id, text_file in conn.execute(select(col(models.Source.id), col(models.Source.text_file))):
            if not text_file or source_id in hidden:
                continue
            found = _source_text_path(ctx, text_file)
            if found is None:
                ctx.warnings.append(f"source {source_id!r}: its text {text_file!r} was not found"
                                    f"{' in ' + str(ctx.source_texts) if ctx.source_texts else ''}; "
                                    "exported without text_file")
            else:
                texts[source_id] = found
        people = list(_people(conn, ctx))  # ids and fields of people only; their quotes stream
        yield COLLECTION_FILE, [_collection_file(conn, ctx, texts, hidden, unseen).encode("utf-8")]
        yield VOCABULARY_FILE, [_vocabulary_file(conn, ctx).encode("utf-8")]
        for source_id, path in texts.items():
            text_file = conn.scalar(select(col(models.Source.text_file)).where(col(models.Source.id) == source_id))
            if text_file:  # read above in the same transaction, so always there
                yield str(PurePosixPath(text_file)), _file_chunks(path)
        written: set[str] = set()
        for person in people:
            ctx.count += 1
            recordings = _visible_recordings(conn, person.id, ctx.viewer)
            yield f"{PEOPLE_DIR}/{person.id}.yaml", chunked(_person_pieces(conn, person, ctx, recordings, unseen))
            for recording in recordings.values():
                if recording.file is None or recording.file in written:
                    continue
                written.add(recording.file)
                if recording.media_path and Path(recording.media_path).is_file():
                    yield str(PurePosixPath(recording.file)), _file_chunks(Path(recording.media_path))
                else:
                    ctx.warnings.append(f"recording {recording.id!r}: its file {recording.file!r} is no longer at "
                                        f"{recording.media_path!r}; exported without it, so the export does not "
                                        "import until the file is put back")
