"""Search documents built from the database: quotes, portraits and family-history entries.

The index is derived from the database only, so ``archive reindex`` can always rebuild
it, and an import re-indexes just the people it touched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel, col

from archive.access.visibility import always_public, combined, item_rule
from archive.collection import dates
from archive.collection.vocabulary import Vocabulary
from archive.search.index_schema import FACET_SEPARATOR, WORD, facet_value, text_language
from archive.store import models
from archive.store.vocabulary_table import load_vocabulary

_WORDS = re.compile(WORD)
_SENTENCE_END = re.compile(r"[.!?…:;«\"“„(\[-]\s*$")


def proper_names(texts: Iterable[str]) -> list[str]:
    """The capitalised words of a text (names, places), searched in the ``names`` field so that a
    name typed in the other script finds the text that says it (Смитсон → Smithson, Fyodor → Федор).
    A capitalised word that starts a sentence is kept only when it is long enough to be a name."""
    found: list[str] = []
    for text in texts:
        for match in _WORDS.finditer(text or ""):
            word = match.group(0)
            if not word[:1].isupper():
                continue
            starts_sentence = match.start() == 0 or bool(_SENTENCE_END.search(text[max(0, match.start() - 3):
                                                                                   match.start()]))
            if len(word) >= (4 if starts_sentence else 2):
                found.append(word)
    return found


def _by_language(texts: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {"en": [], "ru": []}
    for text in texts:
        if text:
            grouped[text_language(text)].append(text)
    return grouped


def _day(value: date | None) -> int:
    return value.toordinal() if value else 0


def _document(kind: str, record_id: str, person: dict[str, Any], vis: tuple[str, date | None], *,
              text_en: list[str], text_ru: list[str], terms_en: list[str], terms_ru: list[str], names: list[str],
              facets: dict[str, list[str]], sort_date: date | None) -> dict[str, Any]:
    facets = {k: sorted({facet_value(str(v)) for v in vals if v not in (None, "")}) for k, vals in facets.items()}
    facets = {k: v for k, v in facets.items() if v}
    doc: dict[str, Any] = {
        "doc_id": f"{kind}:{record_id}",
        "kind": kind,
        "record_id": record_id,
        "person_id": person["id"],
        "text_en": "\n".join(t for t in text_en if t),
        "text_ru": "\n".join(t for t in text_ru if t),
        "family_en": "\n".join(t for t in text_en if t),
        "family_ru": "\n".join(t for t in text_ru if t),
        "terms_en": "\n".join(t for t in terms_en if t),
        "terms_ru": "\n".join(t for t in terms_ru if t),
        "names": "\n".join(t for t in names if t),
        "sort_date": _day(sort_date),
        "sort_person": person["name"].casefold(),
        # the facet values and the document's access ("status", embargo day) for the searcher's arrays
        "facets": json.dumps({**facets, "_access": [vis[0], _day(vis[1])]}, ensure_ascii=False, sort_keys=True,
                             separators=(",", ":")).encode(),
    }
    # "Did you mean" draws from the words of the documents a viewer may see: each document carries
    # its own words, unstemmed, so a word of withheld text is never offered (archive/search/suggestions.py)
    spell = " ".join(sorted({w.lower().replace("ё", "е") for t in [*text_en, *text_ru, *names] if t
                             for w in _WORDS.findall(t)}))
    if spell:
        doc["spell"] = spell
    for name, values in facets.items():
        doc[f"f_{name}"] = FACET_SEPARATOR.join(values)
    doc["fingerprint"] = hashlib.blake2b(
        json.dumps({k: v for k, v in doc.items() if k != "facets"}, sort_keys=True, default=str).encode()
        + doc["facets"], digest_size=12).hexdigest()
    return doc


def _by(rows: Iterable[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


def _fetch(conn: Connection, table: type[SQLModel], column: str | None, ids: list[str] | None,
           order: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    sa_table = models.table_of(table)
    statement = select(sa_table)
    if ids is not None and column is not None:
        statement = statement.where(sa_table.c[column].in_(ids))
    if order:
        statement = statement.order_by(*(sa_table.c[name] for name in order))
    return [dict(r) for r in conn.execute(statement).mappings()]


def documents_for(conn: Connection, person_ids: list[str] | None = None, vocabulary: Vocabulary | None = None,
                  batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every document of the given people (all people when None), in batches of people."""
    vocabulary = vocabulary or load_vocabulary(conn)
    # a source with a visibility of its own is named by no document (its id in a facet, its date in a
    # passage's decade): documents are shared by every viewer, so only sources public on every day
    sources = {s["id"]: s for s in _fetch(conn, models.Source, None, None) if always_public(_rule(s))}
    if person_ids is None:
        person_ids = [r[0] for r in conn.execute(select(col(models.Person.id)).order_by(col(models.Person.position)))]
    for start in range(0, len(person_ids), batch):
        chunk = person_ids[start:start + batch]
        people = _fetch(conn, models.Person, "id", chunk)
        relatives = _by(_fetch(conn, models.Relative, "person_id", chunk), "person_id")
        events = _by(_fetch(conn, models.FateEvent, "person_id", chunk), "relative_id")
        interviews = {r["id"]: r for r in _fetch(conn, models.Interview, "person_id", chunk)}
        quotes = _by(_fetch(conn, models.Quote, "person_id", chunk), "person_id")
        quote_ids = [q["id"] for qs in quotes.values() for q in qs]
        texts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        themes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for i in range(0, len(quote_ids), 900):  # stay under SQL parameter limits
            part = quote_ids[i:i + 900]
            # a quote's texts by language, on every database (what SQLite's primary key gave unasked)
            for row in _fetch(conn, models.QuoteText, "quote_id", part, order=("quote_id", "lang")):
                texts[row["quote_id"]].append(row)
            for row in _fetch(conn, models.QuoteTheme, "quote_id", part):
                themes[row["quote_id"]].append(row)
        batch_rows = _Batch(relatives, events, interviews, quotes, texts, themes, sources,
                            _by(_fetch(conn, models.Recording, "person_id", chunk), "person_id"),
                            _by(_fetch(conn, models.TranscriptSegment, "person_id", chunk), "person_id"),
                            _by(_fetch(conn, models.IndexPoint, "person_id", chunk), "person_id"))
        for person in people:
            yield from _person_documents(person, batch_rows, vocabulary)


Row = dict[str, Any]


@dataclass
class _Batch:
    """The rows of a batch of people that their documents are made of, grouped as they are looked up."""

    relatives: dict[str, list[Row]]  # by person id
    events: dict[str, list[Row]]  # fate events by relative id
    interviews: dict[str, Row]  # by id
    quotes: dict[str, list[Row]]  # by person id
    texts: dict[str, list[Row]]  # quote texts by quote id
    themes: dict[str, list[Row]]  # quote themes by quote id
    sources: dict[str, Row]  # every source by id
    recordings: dict[str, list[Row]] = field(default_factory=dict)  # by person id
    segments: dict[str, list[Row]] = field(default_factory=dict)  # transcript segments by person id
    index_points: dict[str, list[Row]] = field(default_factory=dict)  # by person id


@dataclass
class _Person:
    """What every document of a person shares."""

    row: Row
    visibility: tuple[str, date | None]
    names: list[str]  # the person's names and places, in both scripts (searched on the portrait only)
    facets: dict[str, list[str]]  # the person's stance, id and places
    fates: list[str]  # the fates of all the person's relatives


def _person_documents(person: Row, batch: _Batch, vocabulary: Vocabulary) -> Iterator[dict[str, Any]]:
    """The person's portrait document, then one per relative, then one per quote."""
    relatives = batch.relatives.get(person["id"], [])
    quotes = batch.quotes.get(person["id"], [])
    # only places public on every day: the portrait is shown to everyone who may see the person
    # (a withheld place is on the person's page and in exports for those who may see it, not in search)
    shown_places = [p for p in person.get("places") or [] if always_public(item_rule(p))]
    places = [p["name"] for p in shown_places]
    place_names = places + [p.get("name_native") or "" for p in shown_places]
    shared = _Person(
        row=person,
        visibility=(person["visibility"], person["embargo_until"]),
        names=[person["name"], person.get("name_native") or ""] + place_names,
        facets={"person_stance": [person["stance"]], "person": [person["id"]], "place": places},
        # the family's fates on the person's own documents: only from records public on every day
        # (a withheld relative or fate is found through the relative's document only)
        fates=[e["kind"] for r in relatives if always_public(_rule(r))
               for e in batch.events.get(r["id"], []) if always_public(_rule(e))],
    )
    yield _portrait_document(shared, relatives, quotes, batch, vocabulary)
    for relative in relatives:
        yield _relative_document(shared, relative, batch.events.get(relative["id"], []), vocabulary, batch.sources)
    for quote in quotes:
        yield _quote_document(shared, quote, batch, vocabulary)
    yield from _interview_documents(shared, batch, vocabulary)


def _named(ids: list[str | None], sources: dict[str, Row]) -> list[str]:
    """The source ids a document may name: those of ``sources`` (the sources public on every day)."""
    return [i for i in ids if i and i in sources]


def _rule(row: Row) -> tuple[str, date | None]:
    """A relative's or fate's visibility (rows of databases from before it was stored have none: public)."""
    return row.get("visibility") or "public", row.get("embargo_until")


def _portrait_document(shared: _Person, relatives: list[Row], quotes: list[Row], batch: _Batch,
                       vocabulary: Vocabulary) -> dict[str, Any]:
    person = shared.row
    portrait = person.get("portrait") or {}
    def terms(lang: str) -> list[str]:
        return vocabulary.words("stances", person["stance"], lang) + vocabulary.words("roles", person["role"], lang)

    occupations = _by_language(o["value"] for o in person.get("occupations") or [])
    return _document(
        "person", person["id"], person, shared.visibility,
        text_en=[portrait.get("en", "")] + occupations["en"],
        text_ru=[portrait.get("ru", "")] + occupations["ru"],
        terms_en=terms("en"),
        terms_ru=terms("ru"),
        names=shared.names + proper_names(portrait.values()),
        # "stance" is the stance of a passage: a portrait has the person's only (person_stance)
        facets={**shared.facets, "kind": ["person"], "fate": shared.fates,
                "lang": list(portrait),
                "source": _named([s["source"] for s in person.get("portrait_sources") or []], batch.sources)},
        sort_date=None,
    )


def _relative_document(shared: _Person, relative: Row, events: list[Row], vocabulary: Vocabulary,
                       sources: dict[str, Row]) -> dict[str, Any]:
    person = shared.row
    kinds = [e["kind"] for e in events]

    def terms(lang: str) -> list[str]:
        return (vocabulary.words("relations", relative["relation"], lang)
                + [w for k in kinds for w in vocabulary.words("fates", k, lang)])

    # the format gives no language for details and notes: each is analysed in the one it is written in
    texts = _by_language([e.get("details") or "" for e in events] + [relative.get("notes") or ""])
    return _document(
        "relative", relative["id"], person, combined(shared.visibility, _rule(relative), *map(_rule, events)),
        text_en=texts["en"],
        text_ru=texts["ru"],
        terms_en=terms("en"),
        terms_ru=terms("ru"),
        names=[relative.get("name") or "", relative.get("name_native") or ""] + [e.get("place") or "" for e in events]
        + proper_names(texts["en"] + texts["ru"]),
        facets={**shared.facets, "kind": ["relative"], "fate": kinds,
                "place": [e["place"] for e in events if e.get("place")],
                "decade": [f"{dates.parse_period(e['date']).decade}s" for e in events if e.get("date")],
                "source": _named([e["source"] for e in events], sources),
                "lang": [lang for lang, found in texts.items() if found]},
        sort_date=min((e["date_start"] for e in events if e.get("date_start")), default=None),
    )


def _quote_document(shared: _Person, quote: Row, batch: _Batch, vocabulary: Vocabulary) -> dict[str, Any]:
    by_lang = {t["lang"]: t["text"] for t in batch.texts.get(quote["id"], [])}
    theme_ids = [t["theme"] for t in sorted(batch.themes.get(quote["id"], []), key=lambda t: t["position"])]
    when = _quote_date(quote, batch.interviews, batch.sources)
    # a quote said in an interview of the collection is a moment of it: its interview's and recording's facets
    interview_id = f"{quote['person_id']}/{quote['recording']}" if quote.get("recording") else ""

    def terms(lang: str) -> list[str]:
        return ([w for t in theme_ids for w in vocabulary.words("themes", t, lang)]
                + vocabulary.words("stances", quote["stance"], lang))

    return _document(
        "quote", quote["id"], shared.row, combined(shared.visibility, (quote["visibility"], quote["embargo_until"])),
        text_en=[by_lang.get("en", "")],
        text_ru=[by_lang.get("ru", "")],
        terms_en=terms("en"),
        terms_ru=terms("ru"),
        # A passage matches on its own words (the names it says, in either script): its person's names
        # and places are the portrait's (else a place the person lives in would find every passage).
        names=proper_names(by_lang.values()),
        facets={**shared.facets, "kind": ["quote"], "stance": [quote["stance"]], "theme": theme_ids,
                "fate": shared.fates, "lang": list(by_lang), "source": _named([quote["source"]], batch.sources),
                "decade": [f"{when.year // 10 * 10}s"] if when else [],
                "interview": [interview_id] if interview_id in batch.interviews else [],
                "recording": [quote.get("span_recording") or ""]},
        sort_date=when,
    )


def _quote_date(quote: Row, interviews: dict[str, Row], sources: dict[str, Row]) -> date | None:
    """When a passage was said: its interview's date, else its source's date."""
    interview = interviews.get(f"{quote['person_id']}/{quote['recording']}") if quote.get("recording") else None
    text = (interview or {}).get("date") or (sources.get(quote["source"]) or {}).get("date")
    return dates.parse_period(text).start if text else None


def _interview_documents(shared: _Person, batch: _Batch, vocabulary: Vocabulary) -> Iterator[dict[str, Any]]:
    """A document per transcript segment and per index point of the person's interviews.

    A segment is as visible as its person, its recording and itself together (the strictest
    wins, ``visibility.combined``); an index point as its person and its recording."""
    person = shared.row
    recordings = {r["id"]: r for r in batch.recordings.get(person["id"], [])}

    def recording_access(recording_id: str | None) -> tuple[str, date | None]:
        recording = recordings.get(recording_id or "")
        return (recording["visibility"], recording["embargo_until"]) if recording else ("public", None)

    def interview_facets(row: Row) -> dict[str, list[str]]:
        interview = batch.interviews.get(row["interview_id"]) or {}
        return {**shared.facets, "source": _named([interview.get("source")], batch.sources),
                "decade": [f"{dates.parse_period(interview['date']).decade}s"] if interview.get("date") else [],
                "interview": [row["interview_id"]], "recording": [row["recording_id"] or ""]}

    def interview_date(row: Row) -> date | None:
        text = (batch.interviews.get(row["interview_id"]) or {}).get("date")
        return dates.parse_period(text).start if text else None

    for segment in batch.segments.get(person["id"], []):
        texts = segment["text"] or {}
        yield _document(
            "segment", segment["id"], person,
            combined(shared.visibility, recording_access(segment["recording_id"]),
                     (segment["visibility"], segment["embargo_until"])),
            text_en=[texts.get("en", "")], text_ru=[texts.get("ru", "")], terms_en=[], terms_ru=[],
            # its own words and speaker, not the person's names and places (those are the portrait's)
            names=proper_names(texts.values()) + [segment["speaker_name"] or ""],
            facets={**interview_facets(segment), "kind": ["segment"], "fate": shared.fates, "lang": list(texts),
                    "speaker_role": [segment["speaker_role"]]},
            sort_date=interview_date(segment),
        )
    for point in batch.index_points.get(person["id"], []):
        subjects = point["subjects"] or []
        theme_ids = [s for s in subjects if s in vocabulary.terms("themes")]

        def text(lang: str, point: Row = point) -> list[str]:
            return [(point[name] or {}).get(lang, "") for name in ("title", "synopsis", "partial_transcript")]

        def terms(lang: str, point: Row = point, subjects: list[str] = subjects,
                  theme_ids: list[str] = theme_ids) -> list[str]:
            return ((point["keywords"] or {}).get(lang, []) + [s for s in subjects if s not in theme_ids]
                    + [w for t in theme_ids for w in vocabulary.words("themes", t, lang)])

        yield _document(
            "index_point", point["id"], person, combined(shared.visibility, recording_access(point["recording_id"])),
            text_en=text("en"), text_ru=text("ru"), terms_en=terms("en"), terms_ru=terms("ru"),
            names=proper_names(text("en") + text("ru")) + list((point["place"] or {}).values()),
            facets={**interview_facets(point), "kind": ["index_point"], "theme": theme_ids, "fate": shared.fates,
                    "lang": sorted({lang for name in ("title", "synopsis") for lang in (point[name] or {})})},
            sort_date=interview_date(point),
        )
