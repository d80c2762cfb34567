"""The search page: the whole state is in the URL; facets carry ready toggle links."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from archive.catalogue import common
from archive.catalogue import interviews as interview_pages
from archive.search.request import MAX_PER_PAGE, MAX_QUERY_CHARS, BadSearchRequest, Hit, SearchRequest
from webapp import current_archive, current_viewer
from webapp.i18n import interface_language, label, language_name
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
        "lang": _("Language"), "source": _("Source"), "decade": _("Decade"), "interview": _("Interview"),
        "speaker_role": _("Speaker's role"), "recording": _("Recording"),
    }


def _kind_labels() -> dict[str, str]:
    return {"quote": _("Quote"), "person": _("Portrait"), "relative": _("Family history"),
            "segment": _("Transcript passage"), "index_point": _("Index point")}


def _speaker_roles() -> dict[str, str]:
    return {"interviewer": _("Interviewer"), "interviewee": _("Interviewee"), "interpreter": _("Interpreter"),
            "other": _("Other speaker")}


def _moment_labels() -> dict[str, dict[str, str]]:
    """Names to show for the interview and recording facets' values, in the interface language."""
    labels = interview_pages.interview_labels(current_archive().engine, current_viewer())
    lang = interface_language()

    def title(interview_id: str) -> str:
        found = common.pick_text(labels.interviews.get(interview_id) or {}, lang)
        return found[1] if found else interview_id.rsplit("/", 1)[-1]

    return {"interview": {i: title(i) for i in labels.interviews},
            "recording": {r: f"{local} ({title(interview)})" for r, (interview, local) in labels.recordings.items()}}


@bp.get("/search")
@shared
def search() -> str:
    try:
        search_request = SearchRequest.from_params([(k, v) for k, v in request.args.items(multi=True) if k != "lang"])
    except BadSearchRequest as error:
        abort(400, description=str(error))
    archive = current_archive()
    result = archive.search(search_request, current_viewer())
    names = {**common.display_names(archive.engine, current_viewer()), **_moment_labels(),
             "speaker_role": _speaker_roles()}
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


@dataclass
class InterviewSearch:
    """A search inside one interview: its transcript passages and index points that match, in time order."""

    query: str
    hits: list[Hit] = field(default_factory=list)  # at most MAX_PER_PAGE, the most relevant, in time order
    total: int = 0
    problem: str | None = None  # why the query could not be searched

    @property
    def cut(self) -> bool:
        return self.total > len(self.hits)


@bp.app_template_global()
def search_within_interview(interview_id: str) -> InterviewSearch | None:
    """The request's ``?q=`` searched inside the interview ``interview_id`` (person/interview), as
    the viewer may see it; None when there is no query. The interview page lists the hits, each a
    link to its moment (``?t=``) that the player's script turns into a seek."""
    query = request.args.get("q", "").strip()
    if not query:
        return None
    try:
        search = SearchRequest(query=query, filters={"interview": (interview_id,), "kind": ("segment", "index_point")},
                               per_page=MAX_PER_PAGE)
    except BadSearchRequest as error:
        return InterviewSearch(query[:MAX_QUERY_CHARS], problem=str(error))
    result = current_archive().search(search, current_viewer())
    hits = sorted(result.hits, key=lambda hit: (hit.timecode_in or 0.0, hit.kind != "index_point"))
    return InterviewSearch(search.query, hits, result.total)
