"""Search documents built from the database: quotes, portraits and family-history entries.

The index is derived from the database only, so ``archive reindex`` can always rebuild
it, and an import re-indexes just the people it touched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Connection

from archive.collection import dates
from archive.store import models
from archive.search.index_schema import WORD
from archive.access.visibility import combined

FACET_SEPARATOR = ","
_WORDS = re.compile(WORD)


@dataclass
class Labels:
    """Vocabulary labels and synonyms, per kind and language, for the terms fields."""

    terms: dict[tuple[str, str], dict[str, Any]]

    @classmethod
    def load(cls, conn: Connection) -> "Labels":
        rows = conn.execute(select(models.VocabularyTerm.__table__)).mappings()
        return cls({(r["kind"], r["id"]): dict(r) for r in rows})

    def words(self, kind: str, term_id: str, lang: str) -> list[str]:
        term = self.terms.get((kind, term_id))
        if not term:
            return []
        words = [term["label"].get(lang, "")]
        words += (term.get("synonyms") or {}).get(lang, [])
        return [w for w in words if w]


def _facet_value(value: str) -> str:
    return value.replace(FACET_SEPARATOR, " ").strip()


def _join(values: Iterable[Any]) -> str:
    return FACET_SEPARATOR.join(sorted({_facet_value(str(v)) for v in values if v not in (None, "")}))


def _day(value: date | None) -> int:
    return value.toordinal() if value else 0


def _document(kind: str, record_id: str, person: dict[str, Any], vis: tuple[str, date | None], *,
              text_en: list[str], text_ru: list[str], terms_en: list[str], terms_ru: list[str], names: list[str],
              facets: dict[str, list[str]], sort_date: date | None, spell: str | None = None) -> dict[str, Any]:
    facets = {k: sorted({_facet_value(str(v)) for v in vals if v not in (None, "")}) for k, vals in facets.items()}
    facets = {k: v for k, v in facets.items() if v}
    doc: dict[str, Any] = {
        "doc_id": f"{kind}:{record_id}",
        "kind": kind,
        "record_id": record_id,
        "person_id": person["id"],
        "text_en": "\n".join(t for t in text_en if t),
        "text_ru": "\n".join(t for t in text_ru if t),
        "terms_en": "\n".join(t for t in terms_en if t),
        "terms_ru": "\n".join(t for t in terms_ru if t),
        "names": "\n".join(t for t in names if t),
        "sort_date": _day(sort_date),
        "sort_person": person["name"].casefold(),
        # the facet values and the document's access ("status", embargo day) for the searcher's arrays
        "facets": json.dumps({**facets, "_access": [vis[0], _day(vis[1])]}, ensure_ascii=False, sort_keys=True,
                             separators=(",", ":")).encode(),
    }
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


def _fetch(conn: Connection, table: type, column: str | None, ids: list[str] | None) -> list[dict[str, Any]]:
    sa_table = table.__table__  # type: ignore[attr-defined]
    statement = select(sa_table)
    if ids is not None and column is not None:
        statement = statement.where(sa_table.c[column].in_(ids))
    return [dict(r) for r in conn.execute(statement).mappings()]


def documents_for(conn: Connection, person_ids: list[str] | None = None, labels: Labels | None = None,
                  batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every document of the given people (all people when None), in batches of people."""
    labels = labels or Labels.load(conn)
    sources = {s["id"]: s for s in _fetch(conn, models.Source, None, None)}
    if person_ids is None:
        person_ids = [r[0] for r in conn.execute(select(models.Person.id).order_by(models.Person.position))]
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
            for row in _fetch(conn, models.QuoteText, "quote_id", part):
                texts[row["quote_id"]].append(row)
            for row in _fetch(conn, models.QuoteTheme, "quote_id", part):
                themes[row["quote_id"]].append(row)
        for person in people:
            yield from _person_documents(person, relatives.get(person["id"], []), events, interviews,
                                         quotes.get(person["id"], []), texts, themes, sources, labels)


def _person_documents(person, relatives, events, interviews, quotes, texts, themes, sources, labels):  # type: ignore[no-untyped-def]
    person_vis = (person["visibility"], person["embargo_until"])
    places = [p["name"] for p in person.get("places") or []]
    place_names = places + [p.get("name_native") or "" for p in person.get("places") or []]
    person_fates = [e["kind"] for r in relatives for e in events.get(r["id"], [])]
    common = {"person_stance": [person["stance"]], "person": [person["id"]], "place": places}
    names = [person["name"], person.get("name_native") or ""] + place_names
    stance_terms = lambda lang, stance: labels.words("stances", stance, lang)  # noqa: E731

    portrait = person.get("portrait") or {}
    # "Did you mean" draws from the words of the whole testimony, indexed once on the person's
    # document (not on every quote: that would double the postings, the cost of indexing).
    spoken = [t["text"] for q in quotes for t in texts.get(q["id"], [])]
    spoken += list(portrait.values()) + names
    spoken += [e.get("details") or "" for r in relatives for e in events.get(r["id"], [])]
    spell = " ".join(sorted({w.lower().replace("ё", "е") for t in spoken if t for w in _WORDS.findall(t)}))
    yield _document(
        "person", person["id"], person, person_vis,
        text_en=[portrait.get("en", "")] + [o["value"] for o in person.get("occupations") or []],
        text_ru=[portrait.get("ru", "")],
        terms_en=stance_terms("en", person["stance"]) + labels.words("roles", person["role"], "en"),
        terms_ru=stance_terms("ru", person["stance"]) + labels.words("roles", person["role"], "ru"),
        names=names,
        facets={**common, "kind": ["person"], "stance": [person["stance"]], "fate": person_fates,
                "lang": list(portrait), "source": [s["source"] for s in person.get("portrait_sources") or []]},
        sort_date=None, spell=spell,
    )
    for relative in relatives:
        relative_events = events.get(relative["id"], [])
        kinds = [e["kind"] for e in relative_events]
        yield _document(
            "relative", relative["id"], person, person_vis,
            text_en=[e.get("details") or "" for e in relative_events] + [relative.get("notes") or ""],
            text_ru=[],
            terms_en=labels.words("relations", relative["relation"], "en")
            + [w for k in kinds for w in labels.words("fates", k, "en")],
            terms_ru=labels.words("relations", relative["relation"], "ru")
            + [w for k in kinds for w in labels.words("fates", k, "ru")],
            names=[relative.get("name") or "", relative.get("name_native") or ""]
            + [e.get("place") or "" for e in relative_events],
            facets={**common, "kind": ["relative"], "stance": [person["stance"]], "fate": kinds,
                    "place": [e["place"] for e in relative_events if e.get("place")],
                    "decade": [f"{dates.parse_period(e['date']).decade}s" for e in relative_events if e.get("date")],
                    "source": [e["source"] for e in relative_events], "lang": ["en"]},
            sort_date=min((e["date_start"] for e in relative_events if e.get("date_start")), default=None),
        )
    for quote in quotes:
        by_lang = {t["lang"]: t["text"] for t in texts.get(quote["id"], [])}
        theme_ids = [t["theme"] for t in sorted(themes.get(quote["id"], []), key=lambda t: t["position"])]
        when = _quote_date(quote, interviews, sources)
        yield _document(
            "quote", quote["id"], person, combined(person_vis, (quote["visibility"], quote["embargo_until"])),
            text_en=[by_lang.get("en", "")],
            text_ru=[by_lang.get("ru", "")],
            terms_en=[w for t in theme_ids for w in labels.words("themes", t, "en")] + stance_terms("en", quote["stance"]),
            terms_ru=[w for t in theme_ids for w in labels.words("themes", t, "ru")] + stance_terms("ru", quote["stance"]),
            names=names,
            facets={**common, "kind": ["quote"], "stance": [quote["stance"]], "theme": theme_ids, "fate": person_fates,
                    "lang": list(by_lang), "source": [quote["source"]],
                    "decade": [f"{when.year // 10 * 10}s"] if when else []},
            sort_date=when,
        )


def _quote_date(quote, interviews, sources) -> date | None:  # type: ignore[no-untyped-def]
    """When a passage was said: its interview's date, else its source's date."""
    interview = interviews.get(f"{quote['person_id']}/{quote['recording']}") if quote.get("recording") else None
    text = (interview or {}).get("date") or (sources.get(quote["source"]) or {}).get("date")
    return dates.parse_period(text).start if text else None
