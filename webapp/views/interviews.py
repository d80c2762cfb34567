"""Interviews: the page with the player, transcript and index; the media files (with HTTP
Range requests, for seeking) and the transcript as WebVTT captions per language."""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, abort, g, make_response, render_template, request, send_file, url_for
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from archive.catalogue import collection as collection_pages
from archive.catalogue import common
from archive.catalogue import interviews as interview_pages
from archive.interchange.iiif import interview_manifest
from archive.interchange.subtitles import cues_to_srt, cues_to_vtt, segment_cues
from webapp import current_archive, current_viewer, security
from webapp.page_cache import shared

bp = Blueprint("interviews", __name__)

# how long a browser or a shared cache may keep a public media file: its URL names one
# checked file (a re-import with another file changes its ETag, the checksum)
MEDIA_MAX_AGE = 24 * 3600
_LANG = re.compile(r"[a-z]{2,3}")


def _page(person_id: str, interview_id: str) -> interview_pages.InterviewPage:
    try:
        return interview_pages.interview_page(current_archive().engine, current_viewer(), person_id, interview_id)
    except common.NotFound:
        abort(404)


def _start_seconds() -> float | None:
    """``?t=SECONDS`` (a number, or a timecode such as 1:05): the moment the page opens at."""
    raw = request.args.get("t", "").strip()
    if not raw:
        return None
    try:
        parts = [float(part) for part in raw.split(":")]
    except ValueError:
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds if 0 <= seconds < 1e7 else None


@bp.get("/interviews/<person_id>/<interview_id>")
@shared
def interview(person_id: str, interview_id: str) -> Response:
    page = _page(person_id, interview_id)
    info = collection_pages.collection_info(current_archive().engine, current_viewer())
    permalink = url_for("interviews.interview", person_id=person_id, interview_id=interview_id, _external=True)
    theme_ids = set(common.vocabulary(current_archive().engine).themes)
    body = render_template("interview.html", page=page, collection=info, start=_start_seconds(), permalink=permalink,
                           theme_ids=theme_ids)
    # the player loads an external recording from its own origin (webapp/security.py)
    return security.allow_media_from(make_response(body), [r.url for r in page.recordings])


@bp.get("/interviews/<person_id>/<interview_id>/captions/<recording_id>/<lang>.<fmt>")
def captions(person_id: str, interview_id: str, recording_id: str, lang: str, fmt: str) -> Response:
    """The transcript of one recording in one language as WebVTT (each cue voiced by its
    speaker, ``<v Name>``) or SRT (the speaker leading the cue, ``Name: ``)."""
    if not _LANG.fullmatch(lang) or fmt not in ("vtt", "srt"):
        abort(404)
    page = _page(person_id, interview_id)
    if page.recording(recording_id) is None or lang not in page.languages:
        abort(404)
    only = len(page.recordings) == 1
    cues = segment_cues(page.segments, lang, None if only else recording_id)
    if fmt == "vtt":
        response = Response(cues_to_vtt(cues), mimetype="text/vtt")
    else:
        response = Response(cues_to_srt(cues, speakers=True), mimetype="application/x-subrip")
    response.headers["Cache-Control"] = "no-cache"
    if _public_read():
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _public_read() -> bool:
    """A request that no login or token stands behind: any site (an IIIF viewer) may read its answer."""
    return "Authorization" not in request.headers and g.get("account") is None and not g.get("by_token", False)


@bp.get("/interviews/<person_id>/<interview_id>/manifest.json")
def manifest(person_id: str, interview_id: str) -> Response:
    """The interview as a IIIF Presentation 3 manifest (``archive/interchange/iiif.py``)."""
    page = _page(person_id, interview_id)

    def media_url(recording: interview_pages.RecordingView) -> str:
        if not recording.has_file:
            return recording.url or ""
        return url_for("interviews.media", person_id=person_id, interview_id=interview_id,
                       recording_id=recording.local_id, _external=True)

    def captions_url(recording: interview_pages.RecordingView, lang: str) -> str:
        return url_for("interviews.captions", person_id=person_id, interview_id=interview_id,
                       recording_id=recording.local_id, lang=lang, fmt="vtt", _external=True)

    data = interview_manifest(
        page, url_for("interviews.manifest", person_id=person_id, interview_id=interview_id, _external=True),
        media_url, captions_url,
        url_for("interviews.interview", person_id=person_id, interview_id=interview_id, _external=True))
    response = Response(json.dumps(data, ensure_ascii=False, indent=1),
                        mimetype='application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"')
    response.headers["Cache-Control"] = "no-cache"
    if _public_read():
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/interviews/<person_id>/<interview_id>/ohms.xml")
def ohms_export(person_id: str, interview_id: str) -> Response:
    """The interview's index points and transcript as OHMS XML 6.0 (``archive/interchange/ohms.py``)."""
    from archive.interchange.ohms import interview_to_ohms

    try:
        data = interview_to_ohms(current_archive(), person_id, interview_id, current_viewer(),
                                 url_for("home.index", _external=True))
    except common.NotFound:
        abort(404)
    response = Response(data, mimetype="application/xml")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/media/<person_id>/<interview_id>/<recording_id>")
def media(person_id: str, interview_id: str, recording_id: str) -> Response:
    """A recording's file, with Range requests (206 and Content-Range; a range past the end is
    416), its MIME type, an ETag (its checksum) and caching for public recordings; a
    recording the viewer may not see is a 404, as is one the archive holds no file of."""
    try:
        found = interview_pages.media_file(current_archive().engine, current_viewer(), person_id, interview_id,
                                           recording_id)
    except common.NotFound:
        abort(404)
    try:
        response = send_file(found.path, mimetype=found.mime_type, conditional=True, etag=found.sha256 or True,
                             max_age=MEDIA_MAX_AGE if found.public else None)
    except RequestedRangeNotSatisfiable:
        # answered here rather than by the site's error page, which would drop the header
        # that tells the client the file's length (RFC 9110, 15.5.17)
        response = Response(status=416)
        response.headers["Content-Range"] = f"bytes */{found.path.stat().st_size}"
    response.headers["Accept-Ranges"] = "bytes"
    if found.public and _public_read():  # an IIIF viewer on another site plays it
        response.headers["Access-Control-Allow-Origin"] = "*"
    if found.public:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response
