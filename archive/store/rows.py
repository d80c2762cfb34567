"""From a validated collection to the rows of each table.

The import compares these rows with what the database holds, so a re-import writes
only what changed. Child ids are derived from their parents' stable ids
(``igor/son-1#1`` is the first fate event of Igor's first son).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any

from sqlmodel import SQLModel

from archive.collection import dates, timecodes
from archive.collection import format as fmt
from archive.collection.vocabulary import KINDS
from archive.store import models


def _cited(items: list[Any]) -> list[dict[str, Any]]:
    """Cited facts as JSON items; a fact's own ``visibility`` (a place's) is kept only when it is
    not public, as the collection format gives it (``archive.access.visibility.item_rule`` reads it)."""
    return [item.model_dump(exclude_none=True, exclude=_PUBLIC_FACT if _is_public(item) else None) for item in items]


_PUBLIC_FACT = {"visibility"}


def _is_public(item: Any) -> bool:
    """A fact without a visibility of its own, or with a public one (written out or not)."""
    visibility = getattr(item, "visibility", fmt.PUBLIC)
    return visibility is fmt.PUBLIC or visibility == fmt.PUBLIC


def _visibility(vis: fmt.Visibility) -> dict[str, Any]:
    if vis is fmt.PUBLIC:  # most records: the shared default
        return _PUBLIC_ROW
    return {
        "visibility": vis.status,
        "embargo_until": dates.parse_day(vis.until) if vis.until else None,
        "visibility_reason": vis.reason,
        "visibility_review": dates.parse_day(vis.review) if vis.review else None,
    }


def _rights(rights: fmt.Rights | None) -> dict[str, Any]:
    return {"rights_uri": rights.uri if rights else None, "rights_holder": rights.holder if rights else None}


_PUBLIC_ROW = {"visibility": "public", "embargo_until": None, "visibility_reason": None, "visibility_review": None}


def _period(text: str | None) -> dict[str, Any]:
    if not text:
        return {"date": None, "date_start": None, "date_end": None}
    period = dates.parse_period(text)
    return {"date": text, "date_start": period.start, "date_end": period.end}


_KEY_NAMES: dict[type, tuple[str, ...]] = {}


Values = tuple[Any, ...]  # a row's values in the order of its table's columns

_VALUES: dict[type, Any] = {}


def column_names(table: type[SQLModel]) -> list[str]:
    return [column.name for column in models.table_of(table).columns]


def _values_getter(table: type[SQLModel]) -> Callable[[dict[str, Any]], Values]:
    """The C getter of a row dict's values in the table's column order (one per table)."""
    pick = _VALUES.get(table)
    if pick is None:
        pick = _VALUES[table] = operator.itemgetter(*column_names(table))
    return pick


def values_of(table: type[SQLModel], row: dict[str, Any]) -> Values:
    """A row dict (naming every column) as the tuple of its values in the table's column order:
    what the import compares and writes, and smaller than the dict to send between processes."""
    return _values_getter(table)(row)


def primary_key(table: type[SQLModel], row: dict[str, Any]) -> tuple[Any, ...]:
    # the key's column names once per table, rather than walking SQLAlchemy's column collection
    # for each of an import's rows
    names = _KEY_NAMES.get(table)
    if names is None:
        names = _KEY_NAMES[table] = tuple(c.name for c in models.table_of(table).primary_key.columns)
    return tuple(row[name] for name in names)


TableRows = Iterator[tuple[type, dict[str, Any]]]  # (table, a row naming every column)


def person_rows(person: fmt.Person, position: int) -> TableRows:
    """Every row one person file produces, parents before their children."""
    yield models.Person, _person_row(person, position)
    yield from _family_rows(person)
    yield from _interview_rows(person)
    yield from _quote_rows(person)
    yield from _timeline_rows(person)


def _person_row(person: fmt.Person, position: int) -> dict[str, Any]:
    stance = person.stance
    return {
        "id": person.id,
        "position": position,
        "name": person.name,
        "name_native": person.name_native,
        "pseudonym": person.pseudonym,
        "real_name": person.real_name,
        "real_name_native": person.real_name_native,
        "is_group": person.group,
        "role": person.role,
        "ages": _cited(person.ages),
        "occupations": _cited(person.occupations),
        "places": _cited(person.places),
        "stance": stance.value,
        "stance_basis": stance.basis,
        "stance_rationale": stance.rationale,
        "stance_supporting_quotes": list(stance.supporting_quotes),
        "stance_coded_by": stance.coded_by,
        "stance_coded_on": dates.parse_day(stance.coded_on) if stance.coded_on else None,
        "stance_source": stance.source,
        "stance_locator": stance.locator,
        "portrait": dict(person.portrait.text),
        "portrait_sources": _cited(person.portrait.sources),
        **_visibility(person.visibility),
        "private_notes": person.private_notes,
        **_rights(person.rights),
    }


def _family_rows(person: fmt.Person) -> TableRows:
    """Each relative, followed by their fate events."""
    for r, relative in enumerate(person.family, start=1):
        relative_id = fmt.relative_key(person.id, relative, r)
        yield models.Relative, {
            "id": relative_id,
            "person_id": person.id,
            "position": r,
            "relation": relative.relation,
            "name": relative.name,
            "name_native": relative.name_native,
            "pseudonym": relative.pseudonym,
            "real_name": relative.real_name,
            "real_name_native": relative.real_name_native,
            "external_records": _cited(relative.external_records),
            "notes": relative.notes,
            "private_notes": relative.private_notes,
            **_visibility(relative.visibility),
        }
        for e, event in enumerate(relative.events, start=1):
            yield models.FateEvent, {
                "id": f"{relative_id}#{e}",
                "relative_id": relative_id,
                "person_id": person.id,
                "position": e,
                "kind": event.kind,
                **_period(event.date),
                "place": event.place,
                "details": event.details,
                "source": event.source,
                "locator": event.locator,
                "private_notes": event.private_notes,
                **_visibility(event.visibility),
            }


def _seconds(timecode: str | None) -> float | None:
    return timecodes.parse_timecode(timecode) if timecode else None


def recording_key(person_id: str, interview_id: str, recording_id: str) -> str:
    """The stable id of a recording: ``person/interview/recording``."""
    return f"{person_id}/{interview_id}/{recording_id}"


def _interview_rows(person: fmt.Person) -> TableRows:
    """Each interview, followed by its recordings, transcript segments and index points."""
    for i, interview in enumerate(person.interviews, start=1):
        interview_key = f"{person.id}/{interview.id}"

        def recording_of(local: str | None, interview_id: str = interview.id) -> str | None:
            return recording_key(person.id, interview_id, local) if local else None

        yield models.Interview, {
            "id": interview_key,
            "person_id": person.id,
            "local_id": interview.id,
            "position": i,
            "date": interview.date,
            "place": interview.place,
            "interviewer": interview.interviewer,
            "language": interview.language,
            "media": interview.media,
            "duration_seconds": timecodes.parse_timecode(interview.duration) if interview.duration else None,
            "source": interview.source,
            "locator": interview.locator,
            "private_notes": interview.private_notes,
            "title": dict(interview.title) or None,
            "catalogue": interview.catalogue.model_dump(exclude_none=True, exclude_defaults=True)
            if interview.catalogue else None,
        }
        for r, recording in enumerate(interview.recordings, start=1):
            yield models.Recording, {
                "id": recording_of(recording.id),
                "interview_id": interview_key,
                "person_id": person.id,
                "local_id": recording.id,
                "position": r,
                "file": recording.file,
                "media_path": recording._media_path,
                "url": recording.url,
                "mime_type": recording.mime_type,
                "duration_seconds": _seconds(recording.duration),
                "sha256": recording.sha256,
                "rights_uri": recording.rights.uri if recording.rights else None,
                "rights_holder": recording.rights.holder if recording.rights else None,
                **_visibility(recording.visibility),
            }
        segments = interview.transcript.segments if interview.transcript else []
        for s, segment in enumerate(segments, start=1):
            yield models.TranscriptSegment, {
                "id": f"{interview_key}#s{s}",
                "interview_id": interview_key,
                "person_id": person.id,
                "recording_id": recording_of(segment.recording),
                "position": s,
                "start_seconds": timecodes.parse_timecode(segment.start),
                "end_seconds": timecodes.parse_timecode(segment.end),
                "speaker_name": segment.speaker.name,
                "speaker_role": segment.speaker.role,
                "original_language": segment.original_language,
                "text": dict(segment.text),
                **_visibility(segment.visibility),
            }
        for n, point in enumerate(interview.index_points, start=1):
            gps = point.gps
            yield models.IndexPoint, {
                "id": f"{interview_key}#p{n}",
                "interview_id": interview_key,
                "person_id": person.id,
                "recording_id": recording_of(point.recording),
                "position": n,
                "start_seconds": timecodes.parse_timecode(point.start),
                "title": dict(point.title),
                "synopsis": dict(point.synopsis),
                "partial_transcript": dict(point.partial_transcript),
                "keywords": {lang: list(words) for lang, words in point.keywords.items()},
                "subjects": list(point.subjects),
                "latitude": gps.latitude if gps else None,
                "longitude": gps.longitude if gps else None,
                "zoom": gps.zoom if gps else None,
                "place": dict(gps.place) if gps else {},
                "hyperlinks": [link.model_dump() for link in point.hyperlinks],
            }


def _quote_rows(person: fmt.Person) -> TableRows:
    """Each quote, followed by its texts and themes."""
    recording_interview = {r.id: i.id for i in person.interviews for r in i.recordings}
    for q, quote in enumerate(person.quotes, start=1):
        span = quote.span
        yield models.Quote, {
            "id": quote.id,
            "person_id": person.id,
            "position": q,
            "original_language": quote.original_language,
            "published_translations": list(quote.published_translations),
            "recording": quote.recording,
            "timecode_in": timecodes.parse_timecode(quote.timecode_in) if quote.timecode_in else None,
            "timecode_out": timecodes.parse_timecode(quote.timecode_out) if quote.timecode_out else None,
            "stance": quote.stance,
            "context": quote.context,
            "source": quote.source,
            "locator": quote.locator,
            **_visibility(quote.visibility),
            "private_notes": quote.private_notes,
            "span_recording": (recording_key(person.id, recording_interview[span.recording], span.recording)
                               if span else None),
            "span_start": timecodes.parse_timecode(span.start) if span else None,
            "span_end": timecodes.parse_timecode(span.end) if span else None,
            **_rights(quote.rights),
        }
        for lang, text in quote.text.items():
            yield models.QuoteText, {
                "quote_id": quote.id,
                "lang": lang,
                "text": text,
                "is_original": lang == quote.original_language,
                "is_published": lang == quote.original_language or lang in quote.published_translations,
            }
        for t, theme in enumerate(quote.themes, start=1):
            yield models.QuoteTheme, {"quote_id": quote.id, "theme": theme, "position": t}


def _timeline_rows(person: fmt.Person) -> TableRows:
    for e, event in enumerate(person.events, start=1):
        yield models.TimelineEvent, {
            "id": f"{person.id}#{e}",
            "person_id": person.id,
            "position": e,
            **_period(event.date),
            "description": dict(event.description),
            "place": event.place,
            "source": event.source,
            "locator": event.locator,
            "private_notes": event.private_notes,
            **_visibility(event.visibility),
        }


def head_rows(info: fmt.CollectionInfo, sources: list[fmt.Source],
              vocabulary: fmt.VocabularyFile) -> TableRows:
    """The rows of ``collection.yaml`` and ``vocabulary.yaml``."""
    yield models.CollectionRecord, {
        "id": info.id,
        "title": info.title,
        "title_native": info.title_native,
        "kind": info.kind,
        "year": info.year,
        "runtime_minutes": info.runtime_minutes,
        "languages": list(info.languages),
        "subtitle_languages": list(info.subtitle_languages),
        "directors": list(info.directors),
        "organisations": _cited(info.organisations),
        "premiere": info.premiere.model_dump(exclude_none=True) if info.premiere else None,
        "description": dict(info.description),
        "description_sources": _cited(info.description_sources),
        "facts_sources": _cited(info.facts_sources),
        "rights": info.rights.uri if isinstance(info.rights, fmt.Rights) else info.rights,
        "rights_holder": info.rights.holder if isinstance(info.rights, fmt.Rights) else None,
    }
    for s, source in enumerate(sources, start=1):
        yield models.Source, {"position": s, **source.model_dump(exclude={"visibility"}),
                              **_visibility(source.visibility)}
    for kind in KINDS:
        for t, term in enumerate(getattr(vocabulary, kind), start=1):
            yield models.VocabularyTerm, {
                "kind": kind,
                "id": term.id,
                "position": t,
                "label": dict(term.label),
                "definition": dict(term.definition),
                "synonyms": {k: list(v) for k, v in getattr(term, "synonyms", {}).items()},
                "repression": getattr(term, "repression", None),
            }


# a person's rows, a table at a time: (table number, the rows' primary keys, their values_of)
KeyedRows = list[tuple[int, list[tuple[Any, ...]], list[Values]]]


def _key_getter(table: type[SQLModel]) -> Callable[[Values], tuple[Any, ...]]:
    """The primary key of a table's value tuples, by position (a C getter when it has two
    columns or more)."""
    names = column_names(table)
    at = [names.index(c.name) for c in models.table_of(table).primary_key.columns]
    if len(at) == 1:
        return lambda values: (values[at[0]],)
    return operator.itemgetter(*at)


_LAYOUT = [(number, table, _key_getter(table)) for number, table in enumerate(models.TABLES_IN_ORDER)]
# per table: its number, its key getter, and the C getter of its values (``values_of``)
_TABLE_LAYOUT = {table: (number, key, _values_getter(table)) for number, table, key in _LAYOUT}


def keyed_person_rows(person: fmt.Person, position: int) -> KeyedRows:
    """A person's rows, grouped by table in the order of TABLES_IN_ORDER (parents first), as
    ``(table number, keys, values)``: compact to send from a worker process, and written a
    table's run at a time. A key given twice (a theme listed twice in a quote) keeps its first
    place and its last row."""
    groups: dict[int, tuple[list[tuple[Any, ...]], list[Values]]] = {}
    layouts = _TABLE_LAYOUT
    for table, row in person_rows(person, position):
        number, key, pick = layouts[table]
        row_values = pick(row)
        group = groups.get(number)
        if group is None:
            group = groups[number] = ([], [])
        group[0].append(key(row_values))
        group[1].append(row_values)
    rows = []
    for number in sorted(groups):
        keys, values = groups[number]
        if len(set(keys)) < len(keys):
            last = dict(zip(keys, values, strict=False))
            keys, values = list(last), list(last.values())
        rows.append((number, keys, values))
    return rows
