"""The search page: the whole state is in the URL; facets carry ready toggle links."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from archive.catalogue import common
from archive.search.request import MAX_QUERY_CHARS, BadSearchRequest, SearchRequest
from webapp import current_archive, current_viewer
from webapp.i18n import label, language_name
from webapp.page_cache import shared

bp = Blueprint("search", __name__)

_VOCABULARY_OF_FACET = {"stance": "stances", "person_stance": "stances", "theme": "themes", "fate": "fates"}


def search_url(search: SearchRequest) -> str:
    params = search.to_params()
    lang = request.args.get("lang")
    if lang:
        params.append(("lang", lang))
    return "/search" + ("?" + urlencode(params) if params else "")


def _facet_titles() -> dict[str, str]:
    return {
        "kind": _("Kind of record"), "stance": _("Stance of the passage"), "person_stance": _("Stance of the person"),
        "theme": _("Theme"), "person": _("Person"), "fate": _("Fate of relatives"), "place": _("Place"),
        "lang": _("Language"), "source": _("Source"), "decade": _("Decade"),
    }


def _kind_labels() -> dict[str, str]:
    return {"quote": _("Quote"), "person": _("Portrait"), "relative": _("Family history")}


@bp.get("/search")
@shared
def search() -> str:
    try:
        search_request = SearchRequest.from_params([(k, v) for k, v in request.args.items(multi=True) if k != "lang"])
    except BadSearchRequest as error:
        abort(400, description=str(error))
    archive = current_archive()
    result = archive.search(search_request, current_viewer())
    names = common.display_names(archive.engine, current_viewer())
    kinds = _kind_labels()
    if search_request.within_person and search_request.within_person not in names["person"]:
        abort(404)

    def facet_label(name: str, value: str) -> str:
        if name in _VOCABULARY_OF_FACET:
            return label(_VOCABULARY_OF_FACET[name], value)
        if name == "kind":
            return kinds.get(value, value)
        if name == "lang":
            return language_name(value)
        return names.get(name, {}).get(value, value)

    def hit_url(hit) -> str:  # type: ignore[no-untyped-def]
        from flask import url_for

        page = url_for("people.person", person_id=hit.person_id)
        if hit.kind == "quote":
            return f"{page}#quote-{common.anchor(hit.id)}"
        if hit.kind == "relative":
            return f"{page}#relative-{common.anchor(hit.id)}"
        if hit.kind in ("segment", "index_point") and hit.interview_id:  # the interview, at the moment
            interview = hit.interview_id.split("/", 1)[-1]
            return url_for("interviews.interview", person_id=hit.person_id, interview_id=interview,
                           t=int(hit.timecode_in or 0))
        return page

    return render_template(
        "search.html", result=result, search=search_request, search_url=search_url, facet_label=facet_label,
        facet_titles=_facet_titles(), kinds=kinds, hit_url=hit_url, markup=Markup,
        within_name=names["person"].get(search_request.within_person or "", ""), max_query_chars=MAX_QUERY_CHARS,
    )
