"""The OpenAPI 3.1 document of the JSON API (``/api/openapi.json``), as data.

It describes exactly what ``webapp.views.api`` answers: every parameter (with the fixed
enums of the search: sort and kind, and the collection's own stances where a value outside
them is refused), every field of every answer (``additionalProperties: false``, so a new
field must be described here before it ships), and the ``application/problem+json``
errors. The tests check the API against it with schemathesis.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from archive.collection.format import SLUG_PATTERN
from archive.collection.vocabulary import INTERFACE_LANGUAGES
from archive.search.request import (
    FACET_PARAMETERS,
    FACETS,
    KINDS,
    MAX_FILTER_VALUES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    MAX_VALUE_CHARS,
    SORTS,
)

JSON = "application/json"
PROBLEM = "application/problem+json"
TIMECODE_PATTERN = r"^\d{2,}:[0-5]\d:[0-5]\d\.\d{3}$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


def _object(properties: dict[str, Any], description: str | None = None,
            optional: Iterable[str] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in set(optional)],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
URL = {"type": "string", "format": "uri"}
# why a record is withheld, present only for a viewer who may read it (archive/access/visibility.py)
WITHHELD_WHY: dict[str, Any] = {
    "visibility_reason": {"type": "string", "description": "why the record is withheld; researchers only"},
    "visibility_review": {"type": "string", "format": "date",
                          "description": "when the restriction is to be reviewed; archivists only"},
}
NULLABLE_URL = {"type": ["string", "null"], "format": "uri"}
DATE_TEXT = {"type": ["string", "null"], "description": "a date as the sources give it (EDTF subset: 1937, "
                                                        "1937-08-05, 193X, 1937/1945, ../1953)"}
TRANSLATIONS = {"type": "object", "additionalProperties": {"type": "string"},
                "description": "text per language code (en, ru, …)"}
COUNT = {"type": "integer", "minimum": 0}
TIMECODE = {"type": ["string", "null"], "pattern": TIMECODE_PATTERN,
            "description": "HH:MM:SS.mmm from the start of the recording"}


QUERY_TRUNCATED = {"type": "boolean",
                   "description": f"q was longer than {MAX_QUERY_CHARS:,} characters and was cut to them"}


def _stance_schema(stances: list[str]) -> dict[str, Any]:
    stance: dict[str, Any] = {"type": "string", "description": "a stance id of the vocabulary"}
    if stances:
        stance["examples"] = stances
    return stance


PAGING = {
    "total": {**COUNT, "description": "matching records over all pages"},
    "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    "pages": {"type": "integer", "minimum": 1},
}


def _schemas(stances: list[str]) -> dict[str, Any]:
    stance = _stance_schema(stances)
    return {**_shared_schemas(), **_person_schemas(stance), **_quote_schemas(stance), **_search_schemas(stance),
            **_theme_schemas(), **_index_schemas()}


def _shared_schemas() -> dict[str, Any]:
    """Errors, page links and sources, which the other answers refer to."""
    page_links = _object({
        "self": URL, "first": URL, "last": URL,
        "next": {**NULLABLE_URL, "description": "null on the last page"},
        "prev": {**NULLABLE_URL, "description": "null on the first page"},
    }, "links to pages of the same list, with the same parameters")
    return {
        "Problem": _object({
            "type": {"type": "string", "format": "uri-reference", "description": "about:blank: see title"},
            "title": {"type": "string", "description": "the HTTP status phrase"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "what was wrong, for a person to read"},
            "instance": {"type": "string", "description": "the path and query that failed"},
        }, "An RFC 9457 problem detail."),
        "PageLinks": page_links,
        "SourceRef": _object({
            "id": {"type": "string", "description": "the source's id (see the person's sources, or /sources)"},
            "title": STRING,
            "locator": {**NULLABLE_STRING, "description": "where in the source: page, section, line, timecode"},
        }, "Where a fact comes from."),
        "Source": _object({
            "id": STRING, "title": STRING, "author": NULLABLE_STRING, "publisher": NULLABLE_STRING,
            "date": DATE_TEXT, "kind": STRING, "url": NULLABLE_STRING, "locator": NULLABLE_STRING,
            "language": NULLABLE_STRING, "notes": NULLABLE_STRING,
        }, "A source of the collection."),
    }


def _person_schemas(stance: dict[str, Any]) -> dict[str, Any]:
    """The list of people and a person's page, with what it holds."""
    return {
        "PersonLinks": _object({
            "self": {**URL, "description": "this person in the API"},
            "html": {**URL, "description": "the person's page (the permalink)"},
            "quotes": {**URL, "description": "the person's quotes in the API"},
        }),
        "PersonSummary": _object(_person_summary_properties(stance), "A person as the list of people shows them."),
        "PersonList": _object({**PAGING, "items": {"type": "array", "items": _ref("PersonSummary")},
                               "links": _ref("PageLinks")}),
        "Fact": _object({"text": STRING, "detail": NULLABLE_STRING, "source": _nullable(_ref("SourceRef"))},
                        "An age, occupation or place of a person, with its source."),
        "StanceCoding": _object({
            "stance": stance,
            "basis": {"type": "string", "enum": ["stated", "described", "none"],
                      "description": "stated: the person's own words; described: what the sources say; none"},
            "rationale": STRING,
            "coded_by": STRING,
            "source": _nullable(_ref("SourceRef")),
            "supporting_quotes": {"type": "array", "items": STRING,
                                  "description": "ids of the visible quotes the coding rests on"},
            "coded_on": {**STRING, "format": "date", "description": "when the stance was coded; researchers only"},
        }, "The person's stance towards Stalin, as coded, with why and where from.", optional=("coded_on",)),
        "FateEvent": _object({
            "id": STRING, "kind": {"type": "string", "description": "a fate id of the vocabulary"},
            "repression": {"type": "boolean", "description": "the fate is a form of political repression"},
            "date": DATE_TEXT, "place": NULLABLE_STRING, "details": NULLABLE_STRING,
            "source": {**_nullable(_ref("SourceRef")), "description": "null: a source the viewer may not see"},
        }, "What happened to a relative."),
        "ExternalRecord": _object({"label": STRING, "identifier": NULLABLE_STRING, "url": NULLABLE_STRING}),
        "Relative": _object({
            "id": STRING, "relation": {"type": "string", "description": "a relation id of the vocabulary"},
            "name": NULLABLE_STRING, "name_native": NULLABLE_STRING, "notes": NULLABLE_STRING,
            "pseudonym": {"type": "boolean", "description": "the name is a pseudonym chosen to protect the relative"},
            "external_records": {"type": "array", "items": _ref("ExternalRecord")},
            "events": {"type": "array", "items": _ref("FateEvent")},
            "real_name": {**NULLABLE_STRING, "description": "the real name behind a pseudonym; researchers only"},
            "real_name_native": {**NULLABLE_STRING,
                                 "description": "the real name in the native script; researchers only"},
        }, "A relative and their fate events (the family history).", optional=("real_name", "real_name_native")),
        "TimelineEvent": _object({
            "id": STRING, "date": DATE_TEXT, "description": TRANSLATIONS, "place": NULLABLE_STRING,
            "source": {**_nullable(_ref("SourceRef")), "description": "null: a source the viewer may not see"},
        }),
        "Interview": _object({
            "id": {"type": "string", "description": "the id quotes name as their recording"},
            "date": DATE_TEXT, "place": NULLABLE_STRING, "interviewer": NULLABLE_STRING,
            "language": NULLABLE_STRING, "media": NULLABLE_STRING,
            "duration": {"type": ["string", "null"], "description": "HH:MM:SS"},
            "source": _nullable(_ref("SourceRef")),
        }),
        "PersonDetail": _object({
            **_person_summary_properties(stance),
            "portrait": _object({"text": TRANSLATIONS, "sources": {"type": "array", "items": _ref("SourceRef")}}),
            "stance_coding": _ref("StanceCoding"),
            "ages": {"type": "array", "items": _ref("Fact")},
            "occupations": {"type": "array", "items": _ref("Fact")},
            "places": {"type": "array", "items": _ref("Fact")},
            "family": {"type": "array", "items": _ref("Relative")},
            "timeline": {"type": "array", "items": _ref("TimelineEvent")},
            "interviews": {"type": "array", "items": _ref("Interview")},
            "quotes": {"type": "array", "items": _ref("Quote")},
            "sources": {"type": "array", "items": _ref("Source"), "description": "every source cited above"},
            "real_name": {**STRING, "description": "the real name behind a pseudonym; researchers only"},
            "real_name_native": {**NULLABLE_STRING,
                                 "description": "the real name in the native script; researchers only"},
            **WITHHELD_WHY,
        }, "Everything the person's page shows.", optional=("real_name", "real_name_native", *WITHHELD_WHY)),
    }


def _quote_schemas(stance: dict[str, Any]) -> dict[str, Any]:
    """A quote and a page of quotes."""
    return {
        "QuoteText": _object({
            "lang": STRING, "text": STRING,
            "is_original": {"type": "boolean"},
            "is_published": {"type": "boolean", "description": "the original or a published translation "
                                                               "(not the archive's own translation)"},
        }),
        "Quote": _object({
            "id": STRING,
            "permalink": {**URL, "description": "the quote on its person's page"},
            "person": _object({"id": STRING, "name": STRING, "is_group": {"type": "boolean"},
                               "pseudonym": {"type": "boolean"}, "stance": stance}),
            "stance": {**stance, "description": "the stance of this passage"},
            "themes": {"type": "array", "items": STRING},
            "original_language": STRING,
            "texts": {"type": "array", "items": _ref("QuoteText"), "description": "the original first"},
            "recording": {**NULLABLE_STRING, "description": "the interview id"},
            "timecode_in": TIMECODE, "timecode_out": TIMECODE,
            "context": NULLABLE_STRING,
            "source": {**_nullable(_object({
                "id": STRING, "title": STRING, "author": NULLABLE_STRING, "publisher": NULLABLE_STRING,
                "date": DATE_TEXT, "url": NULLABLE_STRING, "locator": NULLABLE_STRING,
            })), "description": "null: a source the viewer may not see"},
            "access": {"type": "string", "enum": ["public", "restricted", "embargoed"],
                       "description": "whether the quote may be published; only researchers see others"},
            "embargo_until": {"type": ["string", "null"], "format": "date"},
            **WITHHELD_WHY,
        }, "A quote, with the same fields as the JSON export.", optional=tuple(WITHHELD_WHY)),
        "QuoteList": _object({
            **PAGING,
            "query_truncated": QUERY_TRUNCATED,
            "corrected_query": {**NULLABLE_STRING,
                                "description": "nothing matched q; these quotes are for this spelling"},
            "items": {"type": "array", "items": _ref("Quote")},
            "links": _ref("PageLinks"),
        }),
    }


def _search_schemas(stance: dict[str, Any]) -> dict[str, Any]:
    """A search: its hits and facets."""
    return {
        "Hit": _object({
            "kind": {"type": "string", "enum": list(KINDS)},
            "id": STRING, "person_id": STRING, "person_name": STRING, "title": STRING,
            "snippets": {"type": "object", "additionalProperties": {"type": "string"},
                         "description": "HTML-safe snippet per language, matches in <mark>"},
            "facts": {"type": "object", "additionalProperties": {"type": "string"},
                      "description": "relatives: per language, an HTML-safe line of what the record is "
                                     "also found by (the relation's and fates' labels, places), "
                                     "matches in <mark>; empty for other kinds"},
            "matched_terms": {"type": "object", "additionalProperties": {"type": "array", "items": STRING},
                              "description": "the vocabulary terms the record is found by that the query "
                                             "matched (a label or a synonym), their ids by kind: themes, "
                                             "stances, relations, fates, roles"},
            "score": {"type": "number"},
            "stance": _nullable(stance),
            "themes": {"type": "array", "items": STRING},
            "date": DATE_TEXT,
            "timecode_in": TIMECODE, "timecode_out": TIMECODE,
            "links": _object({"html": URL, "person": URL}),
        }),
        "FacetValue": _object({
            "value": STRING, "count": COUNT, "selected": {"type": "boolean"},
            "label": {**NULLABLE_STRING, "description": "a name to show: the person's name, the source's "
                                                        "title, the English label of a term; an interview's title, "
                                                        "a recording's name or a speaker's role, in the "
                                                        "request's language"},
            "labels": {"type": ["object", "null"], "additionalProperties": {"type": "string"},
                       "description": "labels per language of a vocabulary term, an interview or a "
                                      "speaker's role"},
            "toggle": {**URL, "description": "this search with the value added or removed"},
        }),
        "Facet": _object({"values": {"type": "array", "items": _ref("FacetValue")},
                          "estimated": {"type": "boolean"}}),
        "SearchResult": _object({
            "query": {**STRING, "description": f"q as searched: at most {MAX_QUERY_CHARS:,} characters"},
            "query_truncated": QUERY_TRUNCATED,
            "sort": {"type": "string", "enum": list(SORTS)},
            **PAGING,
            "hits": {"type": "array", "items": _ref("Hit")},
            "facets": _object({name: _ref("Facet") for name in FACETS}),
            "suggestion": {**NULLABLE_STRING, "description": "a spelling of q that finds visible records"},
            "corrected_query": {**NULLABLE_STRING,
                                "description": "nothing matched q; these hits are for this spelling"},
            "query_fell_back": {"type": "boolean", "description": "q could not be parsed; read as plain words"},
            "links": _ref("PageLinks"),
        }),
    }


def _theme_schemas() -> dict[str, Any]:
    """The themes of the vocabulary."""
    return {
        "Theme": _object({
            "id": STRING, "label": TRANSLATIONS, "definition": TRANSLATIONS,
            "synonyms": {"type": "object", "additionalProperties": {"type": "array", "items": STRING}},
            "quote_count": {**COUNT, "description": "visible quotes on the theme"},
            "links": _object({"html": URL, "quotes": URL, "search": URL}),
        }),
        "ThemeList": _object({"total": COUNT, "items": {"type": "array", "items": _ref("Theme")}}),
    }


def _index_schemas() -> dict[str, Any]:
    """The API's front door."""
    return {
        "Index": _object({
            "title": STRING,
            "links": _object({name: URL for name in ("openapi", "people", "quotes", "search", "themes")}),
        }),
    }


def _person_summary_properties(stance: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": STRING, "name": STRING, "name_native": NULLABLE_STRING,
        "pseudonym": {"type": "boolean"}, "is_group": {"type": "boolean", "description": "stands for several people"},
        "role": STRING, "stance": stance, "portrait": TRANSLATIONS,
        "quote_count": {**COUNT, "description": "visible quotes"},
        "withheld": {"type": "boolean", "description": "restricted or embargoed: shown only to researchers"},
        "links": _ref("PersonLinks"),
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _paging_parameters() -> list[dict[str, Any]]:
    return [
        _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
               "the page, from 1; a page past the last is empty"),
        _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
               "records per page"),
    ]


_FACET_HELP = {
    "stance": "stance of the passage (a stance id); repeat for any of several",
    "person_stance": "overall stance of the person (a stance id)",
    "theme": "a theme id",
    "person": "a person id",
    "fate": "a fate id: people with a relative of this fate",
    "place": "a place name",
    "source": "a source id",
    "decade": "a decade, as the facet gives it",
    "lang": "language of the text: a language code (ru, en, uk, …)",
    "interview": "an interview id (person/interview): its transcript passages, index points and quotes",
    "speaker_role": "the role of a transcript passage's speaker (interviewer, interviewee, interpreter, other)",
    "recording": "a recording id (person/interview/recording): the moments of that recording",
}


def _search_parameters(with_kind: bool) -> list[dict[str, Any]]:
    params = [_query("q", {"type": "string"},
                     "words, \"phrases\", prefix*, -excluded; Russian and English, stemmed; a longer q than "
                     f"{MAX_QUERY_CHARS:,} characters is cut to them (query_truncated)")]
    for name in FACETS:
        if name == "kind":
            if with_kind:
                params.append({**_query("kind", {"type": "array", "items": {"type": "string", "enum": list(KINDS)},
                                                 "maxItems": MAX_FILTER_VALUES},
                                        "kind of record; repeat for any of several"),
                               "style": "form", "explode": True})
            continue
        # the facet's URL parameter: ``language`` for the language of the texts, since ``lang`` is the
        # site's interface language
        parameter = FACET_PARAMETERS.get(name, name)
        help_text = _FACET_HELP[name]
        if name == "lang":
            # ``lang`` is still read as this facet, but not declared: the site answers 400 to a ?lang= that
            # is no interface language, and both parameters fill one facet of at most MAX_FILTER_VALUES
            # values, a limit two parameters declared apart could not state
            help_text += (f" (the API also reads `lang` as this filter, for {' and '.join(INTERFACE_LANGUAGES)} "
                          "only; values of both count together)")
        params.append({**_query(parameter, {"type": "array", "items": {"type": "string", "maxLength": MAX_VALUE_CHARS},
                                            "maxItems": MAX_FILTER_VALUES},
                                help_text + f"; repeat for any of several (at most {MAX_FILTER_VALUES})"),
                       "style": "form", "explode": True})
    params.append(_query("within", {"type": "string", "maxLength": MAX_VALUE_CHARS},
                         "search one person's testimony (a person id); 404 when there is no such person"))
    params.append(_query("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"},
                         "relevance, date, or person (collection order)"))
    return params + _paging_parameters()


def _responses(schema: str, *errors: int) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "OK", "content": {JSON: {"schema": _ref(schema)}}}}
    for status in errors:
        responses[str(status)] = {"$ref": f"#/components/responses/{_ERROR_NAMES[status]}"}
    return responses


_ERROR_NAMES = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 500: "ServerError"}
_ERROR_HELP = {
    400: "A parameter that cannot be understood.",
    401: "The bearer token sent is not valid (unknown, revoked, or its account disabled); "
         "send none to read as an anonymous visitor.",
    404: "No such record, or one this viewer may not see (never 403).",
    500: "The server failed; no details are given.",
}
BEARER_SCHEME = "bearerToken"


def _operation(operation_id: str, summary: str, parameters: list[dict[str, Any]], schema: str,
               *errors: int, description: str = "") -> dict[str, Any]:
    # every operation may be sent a bearer token, and answers 401 to one that is not valid
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary, "parameters": parameters,
                                 "responses": _responses(schema, *sorted({*errors, 401}))}
    if description:
        operation["description"] = description
    return {"get": operation}


def _paths(stances: list[str]) -> dict[str, Any]:
    """Every operation of the API: all are GET, all answer JSON or a problem."""
    stance_param: dict[str, Any] = {"type": "string"}
    if stances:
        stance_param["enum"] = stances
    return {
        "/api/": _operation("index", "Links to the lists and to this document", [], "Index", 500),
        "/api/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document", "parameters": [],
            "responses": {"200": {"description": "OpenAPI 3.1", "content": {JSON: {"schema": {"type": "object"}}}},
                          "401": {"$ref": "#/components/responses/Unauthorized"},
                          "500": {"$ref": "#/components/responses/ServerError"}},
        }},
        "/api/people": _operation(
            "listPeople", "People, in collection order",
            [_query("stance", stance_param, "only people of this overall stance"), *_paging_parameters()],
            "PersonList", 400, 500),
        "/api/people/{person_id}": _operation(
            "getPerson", "One person: portrait, stance coding, family history, timeline, quotes",
            [{"name": "person_id", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": SLUG_PATTERN}}],
            "PersonDetail", 404, 500),
        "/api/quotes": _operation(
            "listQuotes", "Quotes matching a search",
            _search_parameters(with_kind=False), "QuoteList", 400, 404, 500,
            description="The parameters of /api/search, always for quotes (kind=quote)."),
        "/api/search": _operation(
            "search", "Search with facets, as the search page",
            _search_parameters(with_kind=True), "SearchResult", 400, 404, 500,
            description="Several values of one facet match any of them; different facets all apply."),
        "/api/themes": _operation("listThemes", "The themes of the vocabulary, with counts", [], "ThemeList", 500),
    }


def enumerated_values(document: dict[str, Any], path: str) -> dict[str, list[str]]:
    """The query parameters of the operation at ``path`` whose values the document enumerates
    (a value, or each item of a repeated one), with their values."""
    operation = document["paths"].get(path, {}).get("get", {})
    found = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        schema = parameter["schema"]
        enum = schema.get("enum") or schema.get("items", {}).get("enum")
        if enum:
            found[parameter["name"]] = list(enum)
    return found


def refused_value(document: dict[str, Any], path: str, args: Iterable[tuple[str, str]]) -> str | None:
    """Why the document refuses a request's query (an enumerated parameter given an empty value,
    which no enum holds), or None. Other values are checked by the views, with their own reasons."""
    enumerated = enumerated_values(document, path)
    for name, value in args:
        if name in enumerated and value == "":
            return f"{name} is empty; expected one of: {', '.join(enumerated[name])} (or leave it out)"
    return None


def openapi_document(stances: Iterable[str] = ()) -> dict[str, Any]:
    """The document; ``stances`` are the collection's stance ids (the people list refuses others)."""
    stances = list(stances)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "The Red Soul oral-history archive API",
            "version": "1",
            "description": (
                "Read-only JSON over the archive: people with their stance coding and family history, "
                "quotes with their texts, themes, timecodes and sources, and search with facets. "
                "Restricted and embargoed records are absent for anonymous visitors (an id of one answers "
                "404), and present for a researcher's deployment, marked with `withheld` or `access`. "
                "Errors are application/problem+json (RFC 9457)."
            ),
        },
        # anonymous reading needs nothing; a researcher's token is sent as "Authorization: Bearer <token>"
        "security": [{}, {BEARER_SCHEME: []}],
        "paths": _paths(stances),
        "components": {
            "securitySchemes": {BEARER_SCHEME: {
                "type": "http", "scheme": "bearer",
                "description": "An API token of a researcher's or archivist's account (`archive user token NAME`): "
                               "withheld records are then present, marked. Without one, the API answers as to "
                               "an anonymous visitor.",
            }},
            "schemas": _schemas(stances),
            "responses": {
                name: {"description": _ERROR_HELP[status], "content": {PROBLEM: {"schema": _ref("Problem")}}}
                for status, name in _ERROR_NAMES.items()
            },
        },
    }
