"""The JSON API under ``/api/``: people, one person, quotes, search with facets, themes.

Each view asks ``archive`` (the catalogue, the search index, the result sets) exactly what
the matching HTML page asks, for the same viewer, and only shapes the answer as JSON; the
OpenAPI document that describes every field is ``webapp.api_spec``. Errors on ``/api/``
paths are ``application/problem+json`` (RFC 9457), while the HTML pages keep their
friendly error pages: the handlers below belong to this blueprint, and routing errors
(an unknown ``/api/`` path, a wrong method) are answered before dispatch, only under ``/api/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import force_locale
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, NotFound

from archive.catalogue import collection as collection_pages
from archive.catalogue import common
from archive.catalogue import people as people_pages
from archive.catalogue.interviews import interview_labels
from archive.catalogue.result_sets import ResultSet, iter_quotes, load_quotes
from archive.collection.timecodes import format_timecode
from archive.collection.vocabulary import INTERFACE_LANGUAGES
from archive.interchange.exports.access import with_access
from archive.interchange.exports.context import ExportContext
from archive.interchange.exports.quote_fields import quote_document
from archive.search.request import (
    FACETS,
    KINDS,
    MAX_PAGE,
    MAX_PER_PAGE,
    BadSearchRequest,
    Hit,
    SearchRequest,
    SearchResult,
    whole_number,
)
from webapp import current_archive, current_viewer
from webapp.api_spec import openapi_document
from webapp.views import search as search_page

bp = Blueprint("api", __name__, url_prefix="/api")

JSON = "application/json"
PROBLEM = "application/problem+json"
_VOCABULARY_OF_FACET = {"stance": "stances", "person_stance": "stances", "theme": "themes", "fate": "fates"}


# --- responses and errors --------------------------------------------------------------------


def _json(data: Any, status: int = 200, mimetype: str = JSON) -> Response:
    # Cyrillic as itself, not as \u escapes: the API is read by people too
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype=mimetype)


def problem(status: int, detail: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """An RFC 9457 problem: ``about:blank`` with the HTTP phrase as its title, the reason in ``detail``."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail,
            "instance": request.full_path.rstrip("?")}
    response = _json(body, status, PROBLEM)
    for name, value in headers:
        response.headers[name] = value
    return response


@bp.errorhandler(HTTPException)
def _http_problem(error: HTTPException) -> Response:
    allow = [(k, v) for k, v in error.get_headers() if k.lower() == "allow"]
    status = error.code or 500
    if status >= 500:  # the standard text only: an exception's own may hold a path or a query
        current_app.logger.error("HTTP %s in the API: %s", status, error.description)
        return problem(status, InternalServerError.description)
    return problem(status, error.description or error.name, allow)


@bp.errorhandler(Exception)
def _unexpected_problem(error: Exception) -> Response:
    from webapp.views.errors import damage_watch, database_away, no_search_index, unavailable

    if no_search_index(error):
        return unavailable(no_index=True)
    away = database_away(error)  # a database server that does not answer: 503 until it does
    if away is not None:
        return away
    if damage_watch().note(error):  # a damaged database or index: the site's 503, as on the pages
        return unavailable()
    current_app.logger.exception("unhandled error in the API")
    return problem(500, InternalServerError.description)


def _routing_problem() -> Response | None:
    """An unknown path or a wrong method under ``/api/``: a problem, not the HTML error page."""
    error = request.routing_exception
    if (isinstance(error, HTTPException) and (error.code or 0) >= 400
            and (request.path == "/api" or request.path.startswith("/api/"))):
        return _http_problem(error)
    return None


@bp.record_once
def _answer_routing_errors_first(state: Any) -> None:
    # First of the site's before-request hooks: a later one (the ?lang= check) would otherwise
    # answer an unknown /api/ path with an HTML page, since no blueprint owns that request.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _routing_problem)


# --- parameters and links ----------------------------------------------------------------------


def _whole_number(name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return whole_number(name, raw, low, high)
    except BadSearchRequest as error:
        raise BadRequest(str(error)) from None


def _url(endpoint: str, params: Iterable[tuple[str, str]] = (), **values: Any) -> str:
    base = url_for(endpoint, _external=True, **values)
    query = urlencode(list(params))
    return f"{base}?{query}" if query else base


def _page_links(endpoint: str, params: list[tuple[str, str]], page: int, pages: int, per_page: int,
                default_per_page: int = 20) -> dict[str, str | None]:
    def at(number: int) -> str:
        extra = ([("page", str(number))] if number != 1 else []) + (
            [("per_page", str(per_page))] if per_page != default_per_page else [])
        return _url(endpoint, [*params, *extra])

    return {
        "self": at(page),
        "first": at(1),
        "last": at(pages),
        "next": at(page + 1) if page < pages else None,
        "prev": at(min(page - 1, pages)) if page > 1 else None,
    }


def _search_request(forced_kind: str | None = None) -> SearchRequest:
    """The request's search, as the search page reads it (``lang`` is the language of the texts here)."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if not (forced_kind and k == "kind")]
    for key, value in pairs:
        if key == "kind" and value and value not in KINDS:
            raise BadRequest(f"unknown kind {value!r}; expected one of: {', '.join(KINDS)}")
    if forced_kind:
        pairs.append(("kind", forced_kind))
    try:
        search = SearchRequest.from_params(pairs)
    except BadSearchRequest as error:
        raise BadRequest(str(error)) from None
    if search.within_person:
        names = common.display_names(current_archive().engine, current_viewer())["person"]
        if search.within_person not in names:  # unknown and withheld alike
            raise NotFound(f"no person {search.within_person!r}")
    return search


def _search_params(search: SearchRequest, drop_kind: bool = False) -> list[tuple[str, str]]:
    """The search's URL parameters without its page (the links add their own)."""
    return [(k, v) for k, v in search.to_params()
            if k not in ("page", "per_page") and not (drop_kind and k == "kind")]


def _timecode(seconds: float | None) -> str | None:
    return None if seconds is None else format_timecode(seconds, millis=True)


# --- shapes --------------------------------------------------------------------------------------


def _source_ref(cite: common.Cite | None) -> dict[str, Any] | None:
    if cite is None:
        return None
    return {"id": cite.source, "title": cite.title, "locator": cite.locator}


def _person_links(person_id: str) -> dict[str, str]:
    return {
        "self": url_for("api.person", person_id=person_id, _external=True),
        "html": url_for("people.person", person_id=person_id, _external=True),
        "quotes": _url("api.quotes", [("person", person_id)]),
    }


def _person_summary(card: people_pages.PersonCard) -> dict[str, Any]:
    return {
        "id": card.id, "name": card.name, "name_native": card.name_native, "pseudonym": card.pseudonym,
        "is_group": card.is_group, "role": card.role, "stance": card.stance, "portrait": dict(card.portrait),
        "quote_count": card.quote_count, "withheld": card.withheld, "links": _person_links(card.id),
    }


def _quote_items(records: Iterable[Any]) -> list[dict[str, Any]]:
    """Quotes as the JSON export writes them (same fields), marked with their access for the public."""
    context = ExportContext(base_url=request.url_root)
    viewer = current_viewer()
    return [quote_document(record, context) for record in with_access(current_archive(), records, viewer)]


def _fact(fact: people_pages.FactView) -> dict[str, Any]:
    # an age keeps the date it was true in its text, as the collection file gives it ("80 (2020)")
    text = f"{fact.text} ({fact.as_of})" if fact.as_of else fact.text
    return {"text": text, "detail": fact.detail, "source": _source_ref(fact.cite)}


def _fate(event: people_pages.FateView) -> dict[str, Any]:
    return {"id": event.id, "kind": event.kind, "repression": event.repression, "date": event.date,
            "place": event.place, "details": event.details, "source": _source_ref(event.cite)}


def _relative(relative: people_pages.RelativeView) -> dict[str, Any]:
    return {
        "id": relative.id, "relation": relative.relation, "name": relative.name,
        "name_native": relative.name_native, "notes": relative.notes, "pseudonym": relative.pseudonym,
        "external_records": [{"label": str(r.get("label", "")), "identifier": r.get("identifier"),
                              "url": r.get("url")} for r in relative.external_records],
        "events": [_fate(e) for e in relative.events],
        # present only for a viewer who may read it: catalogue asks the visibility rule
        **({"real_name": relative.real_name, "real_name_native": relative.real_name_native}
           if relative.real_name or relative.real_name_native else {}),
    }


def _source(info: common.SourceInfo) -> dict[str, Any]:
    return {"id": info.id, "title": info.title, "author": info.author, "publisher": info.publisher,
            "date": info.date, "kind": info.kind, "url": info.url, "locator": info.locator,
            "language": info.language, "notes": info.notes}


def _hit(hit: Hit) -> dict[str, Any]:
    page = url_for("people.person", person_id=hit.person_id, _external=True)
    if hit.kind in ("quote", "relative"):
        page = f"{page}#{hit.kind}-{common.anchor(hit.id)}"
    elif hit.kind in ("segment", "index_point") and hit.interview_id:  # the interview, at the moment
        page = url_for("interviews.interview", person_id=hit.person_id,
                       interview_id=hit.interview_id.split("/", 1)[1], t=int(hit.timecode_in or 0), _external=True)
    return {
        "kind": hit.kind, "id": hit.id, "person_id": hit.person_id, "person_name": hit.person_name,
        "title": hit.title, "snippets": dict(hit.snippets), "facts": dict(hit.facts),
        "matched_terms": {kind: list(ids) for kind, ids in hit.matched_terms.items()}, "score": hit.score,
        "stance": hit.stance,
        "themes": list(hit.themes), "date": hit.date, "timecode_in": _timecode(hit.timecode_in),
        "timecode_out": _timecode(hit.timecode_out),
        "links": {"html": page, "person": url_for("api.person", person_id=hit.person_id, _external=True)},
    }


def _moment_labels() -> dict[str, dict[str, tuple[str, dict[str, str] | None]]]:
    """(label in the request's language, labels per language or None) of the values of the facets
    ``interview``, ``recording`` and ``speaker_role``: named as the search page names them, and only
    the interviews and recordings the viewer may see (a withheld one has no label)."""
    shown = {**search_page.moment_labels(), "speaker_role": search_page.speaker_role_labels()}
    titles = interview_labels(current_archive().engine, current_viewer()).interviews
    roles: dict[str, dict[str, str]] = {}
    for lang in INTERFACE_LANGUAGES:
        with force_locale(lang):
            for role, name in search_page.speaker_role_labels().items():
                roles.setdefault(role, {})[lang] = name
    per_language: dict[str, dict[str, dict[str, str] | None]] = {
        "interview": {i: dict(t) or None for i, t in titles.items()}, "speaker_role": dict(roles)}
    return {facet: {value: (label, per_language.get(facet, {}).get(value)) for value, label in labels.items()}
            for facet, labels in shown.items()}


def _facets(result: SearchResult) -> dict[str, Any]:
    search = result.request
    vocabulary = common.vocabulary(current_archive().engine)
    names = common.display_names(current_archive().engine, current_viewer())
    moments = _moment_labels()
    facets: dict[str, Any] = {}
    for name in FACETS:
        facet = result.facets.get(name)
        values = []
        terms = vocabulary.terms(_VOCABULARY_OF_FACET[name]) if name in _VOCABULARY_OF_FACET else {}
        for value in facet.values if facet else []:
            term = terms.get(value.value)
            label, labels = moments.get(name, {}).get(value.value, (None, None))
            values.append({
                "value": value.value, "count": value.count, "selected": value.selected,
                "label": label or names.get(name, {}).get(value.value) or (term.label.get("en") if term else None),
                "labels": dict(term.label) if term else labels,
                "toggle": _url("api.search", _search_params(search.toggled(name, value.value))),
            })
        facets[name] = {"values": values, "estimated": bool(facet.estimated) if facet else False}
    return facets


# --- endpoints ------------------------------------------------------------------------------------


@bp.get("/")
def index() -> Response:
    return _json({
        "title": current_app.config["SITE_NAME"],
        "links": {
            "openapi": url_for("api.openapi", _external=True),
            "people": url_for("api.people", _external=True),
            "quotes": url_for("api.quotes", _external=True),
            "search": url_for("api.search", _external=True),
            "themes": url_for("api.themes", _external=True),
        },
    })


@bp.get("/openapi.json")
def openapi() -> Response:
    return _json(openapi_document(common.vocabulary(current_archive().engine).stance_order()))


@bp.get("/people")
def people() -> Response:
    stance = request.args.get("stance") or None
    page = _whole_number("page", 1, 1)
    if page > MAX_PAGE:
        raise BadRequest(f"page must be between 1 and {MAX_PAGE}")
    per_page = _whole_number("per_page", 20, 1, MAX_PER_PAGE)
    try:
        cards = people_pages.people(current_archive().engine, current_viewer(), stance)
    except common.UnknownTerm as error:
        raise BadRequest(str(error)) from None
    total = len(cards)
    pages = max(1, -(-total // per_page))
    shown = cards[(page - 1) * per_page: page * per_page]
    params = [("stance", stance)] if stance else []
    return _json({
        "total": total, "page": page, "per_page": per_page, "pages": pages,
        "items": [_person_summary(card) for card in shown],
        "links": _page_links("api.people", params, page, pages, per_page),
    })


@bp.get("/people/<person_id>")
def person(person_id: str) -> Response:
    archive, viewer = current_archive(), current_viewer()
    try:
        detail = people_pages.person(archive.engine, viewer, person_id)
    except common.NotFound:
        raise NotFound(f"no person {person_id!r}") from None  # unknown and withheld alike
    card = detail.card
    return _json({
        **_person_summary(card),
        "portrait": {"text": dict(card.portrait), "sources": [_source_ref(c) for c in detail.portrait_cites]},
        "stance_coding": {
            "stance": card.stance, "basis": detail.stance_basis, "rationale": detail.stance_rationale,
            "coded_by": detail.stance_coded_by, "source": _source_ref(detail.stance_cite),
            "supporting_quotes": [q.id for q in detail.supporting_quotes],
            **({"coded_on": detail.stance_coded_on} if detail.stance_coded_on else {}),
        },
        "ages": [_fact(f) for f in detail.ages],
        "occupations": [_fact(f) for f in detail.occupations],
        "places": [_fact(f) for f in detail.places],
        "family": [_relative(r) for r in detail.relatives],
        "timeline": [
            {"id": e.id, "date": e.date, "description": dict(e.description), "place": e.place,
             "source": _source_ref(e.cite)}
            for e in detail.events
        ],
        "interviews": [
            {"id": i.local_id, "date": i.date, "place": i.place, "interviewer": i.interviewer,
             "language": i.language, "media": i.media, "duration": i.duration, "source": _source_ref(i.cite)}
            for i in detail.interviews
        ],
        "quotes": _quote_items(iter_quotes(archive, ResultSet.person(person_id), viewer)),
        "sources": [_source(s) for s in detail.sources],
        # present only for a viewer who may read it: catalogue asks the visibility rule
        **({"real_name": detail.real_name, "real_name_native": detail.real_name_native} if detail.real_name else {}),
        **{name: value for name, value in (("visibility_reason", detail.visibility_reason),
                                           ("visibility_review", detail.visibility_review)) if value},
    })


@bp.get("/quotes")
def quotes() -> Response:
    search = _search_request(forced_kind="quote")
    archive = current_archive()
    result = archive.search(search, current_viewer())
    records = load_quotes(archive, [hit.id for hit in result.hits if hit.kind == "quote"], current_viewer())
    return _json({
        "total": result.total, "page": search.page, "per_page": search.per_page, "pages": result.pages,
        "query_truncated": search.query_truncated, "corrected_query": result.corrected_query,
        "items": _quote_items(records),
        "links": _page_links("api.quotes", _search_params(search, drop_kind=True), search.page, result.pages,
                             search.per_page),
    })


@bp.get("/search")
def search() -> Response:
    search_request = _search_request()
    result = current_archive().search(search_request, current_viewer())
    return _json({
        "query": search_request.query, "query_truncated": search_request.query_truncated,
        "sort": search_request.sort,
        "total": result.total, "page": search_request.page, "per_page": search_request.per_page,
        "pages": result.pages,
        "hits": [_hit(hit) for hit in result.hits],
        "facets": _facets(result),
        "suggestion": result.suggestion, "corrected_query": result.corrected_query,
        "query_fell_back": result.query_fell_back,
        "links": _page_links("api.search", _search_params(search_request), search_request.page, result.pages,
                             search_request.per_page),
    })


@bp.get("/themes")
def themes() -> Response:
    engine = current_archive().engine
    counts = dict(collection_pages.home(engine, current_viewer()).themes)
    vocabulary = common.vocabulary(engine)
    items = [
        {
            "id": theme_id, "label": dict(term.label), "definition": dict(term.definition),
            "synonyms": {lang: list(words) for lang, words in (getattr(term, "synonyms", None) or {}).items()},
            "quote_count": counts.get(theme_id, 0),
            "links": {
                "html": url_for("themes.theme", theme_id=theme_id, _external=True),
                "quotes": _url("api.quotes", [("theme", theme_id)]),
                "search": _url("api.search", [("theme", theme_id)]),
            },
        }
        for theme_id, term in vocabulary.themes.items()
    ]
    return _json({"total": len(items), "items": items})
