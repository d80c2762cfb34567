"""Downloads: every page's records in another dress, and citations (Datasette's renderers).

An export is the page's own query handed to ``archive.interchange.exports.render`` with another format
name, for the same viewer; nothing here reads or filters records itself.

    /search/export.<fmt>?<the search's query string>   the search's quotes, every page of them
    /people/<id>/export.<fmt>    /themes/<id>/export.<fmt>    /export.<fmt> (the collection)
    /people/<id>/ohms.xml        /people/<id>/subtitles.vtt|.srt [?recording=ID&language=LANG]
    /cite/<target>               a page with the APA and Chicago text and the downloads
    /cite/<target>.<fmt>         csl-json, bibtex, ris, apa, chicago or chicago-notes, as a file

``<fmt>`` is a name in ``archive.interchange.exports.FORMATS``; ``<target>`` is ``person:ID``,
``quote:ID`` or ``collection``, as for ``archive cite``. What the viewer may not see is a 404,
like its page. The menus on the pages are template globals defined here (``page_downloads``,
``citations``), rendered by ``templates/_downloads.html``. Downloads are GET forms whose
buttons carry the URL (``formaction``): one click, no JavaScript, and the site's link
crawl (tests/web/test_web_pages.py) stays on HTML pages.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote as url_quote

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _

from archive.catalogue import common
from archive.catalogue import people as people_pages
from archive.catalogue.quotes import QuoteView
from archive.catalogue.result_sets import ResultSet, iter_quotes
from archive.interchange import citations, ohms, subtitles
from archive.interchange.exports import FORMATS, UnknownFormat, get_format, render
from archive.search.request import BadSearchRequest, SearchRequest
from archive.search.transliteration import matching_key
from webapp import current_archive, current_viewer
from webapp.i18n import interface_language, language_name
from webapp.page_cache import shared

bp = Blueprint("exports", __name__)

CITATION_FILES = {  # citation format -> (file name suffix, media type)
    "csl-json": (".csl.json", "application/vnd.citationstyles.csl+json; charset=utf-8"),
    "bibtex": (".bib", "application/x-bibtex; charset=utf-8"),
    "ris": (".ris", "application/x-research-info-systems; charset=utf-8"),
    "apa": (".apa.txt", "text/plain; charset=utf-8"),
    "chicago": (".chicago.txt", "text/plain; charset=utf-8"),
    "chicago-notes": (".chicago-notes.txt", "text/plain; charset=utf-8"),
}
RENDERED_STYLES = tuple(citations.STYLES)  # what the "cite this" box shows
CITATION_DOWNLOADS = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON"}
SUBTITLE_MEDIA = {"vtt": "text/vtt; charset=utf-8", "srt": "application/x-subrip; charset=utf-8"}
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
RENDERED_LIMIT = 8192  # APA and Chicago texts kept (a few hundred bytes each): every person of a 100k collection
_RENDERED: dict[tuple[str, str], str] = {}
_RENDERED_LOCK = threading.Lock()


_PURPOSES: dict[str, dict[str, tuple[str, str]]] = {}  # interface language -> _purposes()


def _purposes() -> dict[str, tuple[str, str]]:
    """What each download is, and is for, in the visitor's language. A format registered later
    without an entry here still shows, under its registry title. Translated once per language
    (a person page lists a dozen downloads)."""
    lang = interface_language()
    found = _PURPOSES.get(lang)
    if found is None:
        found = _PURPOSES[lang] = _translated_purposes()
    return found


def _translated_purposes() -> dict[str, tuple[str, str]]:
    return {
        "csv": (_("CSV spreadsheet"), _("one row per quote, for Excel, LibreOffice or Google Sheets")),
        "jsonl": (_("JSON Lines"), _("one JSON object per quote and line, for scripts")),
        "json": (_("JSON"), _("the quotes and the query behind them, in one JSON document")),
        "datapackage": (_("Data package (zip)"),
                        _("Frictionless Data: CSV tables with typed schemas, for R, Python or OpenRefine")),
        "yaml": (_("Collection YAML (zip)"), _("the archive's own collection format, to import into another archive")),
        "ohms": (_("OHMS XML"), _("for the Oral History Metadata Synchronizer and its viewer")),
        "vtt": (_("WebVTT subtitles"), _("the timecoded quotes, for web video players")),
        "srt": (_("SRT subtitles"), _("the timecoded quotes, for video editors and players")),
    }


# --- responses ---------------------------------------------------------------------------------


def _ascii_name(name: str) -> str:
    """A plain-ASCII stand-in for ``filename=`` (``filename*`` carries the real name)."""
    parts = []
    for part in re.split(r"([-.])", name):
        if not part.isascii():
            part = "".join(ch for ch in matching_key(part) if ch.isascii() and (ch.isalnum() or ch in "_"))
        parts.append(part)
    text = re.sub(r"-{2,}", "-", "".join(parts)).strip("-")
    return re.sub(r'[^A-Za-z0-9._-]', "_", text) or "download"


def content_disposition(name: str) -> str:
    """``attachment`` with the file name, RFC 6266 style: the name in ASCII, and as UTF-8
    (RFC 5987 ``filename*``) when it is not ASCII (a Cyrillic query)."""
    fallback = _ascii_name(name)
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{url_quote(name, safe='')}"


def download(body: bytes | str | Iterable[bytes], media_type: str, file_name: str) -> Response:
    response = Response(body, content_type=media_type)
    response.headers["Content-Disposition"] = content_disposition(file_name)
    response.headers["X-Content-Type-Options"] = "nosniff"  # quotes are text, never a page to run
    return response


def _export(result_set: ResultSet, fmt: str) -> Response:
    try:
        chosen = get_format(fmt)
        chunks = render(current_archive(), result_set, fmt, current_viewer(), request.url_root)
    except (UnknownFormat, common.NotFound):
        abort(404)
    return download(stream_with_context(chunks), chosen.media_type, chosen.file_name(result_set.file_stem()))


def _search_request() -> SearchRequest:
    try:
        return SearchRequest.from_params([(k, v) for k, v in request.args.items(multi=True) if k != "lang"])
    except BadSearchRequest as error:
        abort(400, description=str(error))


# --- data exports --------------------------------------------------------------------------------


@bp.get("/search/export.<fmt>")
def search_export(fmt: str) -> Response:
    search = _search_request()
    if search.within_person:  # as on the search page: a testimony the viewer may not see is not found
        names = common.display_names(current_archive().engine, current_viewer())
        if search.within_person not in names["person"]:
            abort(404)
    return _export(ResultSet.search(search), fmt)


@bp.get("/people/<person_id>/export.<fmt>")
def person_export(person_id: str, fmt: str) -> Response:
    return _export(ResultSet.person(person_id), fmt)


@bp.get("/themes/<theme_id>/export.<fmt>")
def theme_export(theme_id: str, fmt: str) -> Response:
    return _export(ResultSet.theme(theme_id), fmt)


@bp.get("/export.<fmt>")
def collection_export(fmt: str) -> Response:
    return _export(ResultSet.collection(), fmt)


# --- OHMS and subtitles --------------------------------------------------------------------------


@bp.get("/people/<person_id>/ohms.xml")
def person_ohms(person_id: str) -> Response:
    try:
        body = ohms.person_to_ohms(current_archive(), person_id, current_viewer(), request.url_root)
    except common.NotFound:
        abort(404)
    return download(body, "application/xml; charset=utf-8", f"person-{person_id}.ohms.xml")


@bp.get("/people/<person_id>/subtitles.<any(vtt, srt):fmt>")
def person_subtitles(person_id: str, fmt: str) -> Response | tuple[str, int]:
    archive, viewer = current_archive(), current_viewer()
    recording = request.args.get("recording") or None
    language = request.args.get("language") or None
    if language is not None and not _LANGUAGE_CODE.fullmatch(language):
        abort(400, description=f"language must be a language code such as 'en' or 'ru', got {language!r}")
    try:
        found = subtitles.recordings(archive, person_id, viewer)
    except common.NotFound:
        abort(404)
    if not found:
        card = people_pages.person(archive.engine, viewer, person_id).card
        return render_template("no_subtitles.html", person=card), 404
    if recording is not None and recording not in found:
        abort(404)
    write = subtitles.person_to_vtt if fmt == "vtt" else subtitles.person_to_srt
    try:
        text = write(archive, person_id, viewer, lang=language, recording=recording)
    except subtitles.AmbiguousRecording as error:
        abort(400, description=f"{error}, with ?recording= one of: {', '.join(found)}")
    stem = f"person-{person_id}" + (f"-{recording}" if recording else "") + (f".{language}" if language else "")
    return download(text, SUBTITLE_MEDIA[fmt], f"{stem}.{fmt}")


# --- citations -----------------------------------------------------------------------------------


@dataclass
class Citations:
    """One record's citation in every format, read once, for the "cite this" box."""

    target: str
    data: citations.CitationData
    text: dict[str, str] = field(default_factory=dict)
    in_text: dict[str, str] = field(default_factory=dict)  # style -> the in-text citation or note

    @property
    def file_stem(self) -> str:
        return self.target.replace(":", "-")


def _read_citations(target: str, formats: Iterable[str] = citations.FORMATS) -> Citations:
    """``NotFound`` for a record the viewer may not see or a target that names none."""
    try:
        parsed = citations.CitationTarget.parse(target)
    except ValueError:
        raise common.NotFound(target) from None
    data = citations.citation_data(current_archive(), parsed, request.url_root, current_viewer(),
                                   lang=interface_language())
    return Citations(target, data, {fmt: _formatted(data, fmt) for fmt in formats},
                     {fmt: _formatted(data, fmt, in_text=True) for fmt in formats if fmt in citations.STYLES})


def _formatted(data: citations.CitationData, fmt: str, in_text: bool = False) -> str:
    # citeproc is slow for each style and entry, and every person page shows three styles: keep
    # what was rendered, keyed by everything the text is made of (a changed record, another
    # day or another address gives another key, so nothing stale is ever shown)
    if fmt not in citations.STYLES:
        return citations.format_citation(data, fmt)
    facts = {**citations.to_csl(data), "locator": data.locator, "speaker": data.speaker and data.speaker.text}
    key = (fmt + (" in text" if in_text else ""), json.dumps(facts, sort_keys=True))
    with _RENDERED_LOCK:
        text = _RENDERED.get(key)
    if text is None:
        text = citations.render_in_text(data, fmt) if in_text else citations.format_citation(data, fmt)
        with _RENDERED_LOCK:  # waitress serves from threads
            if len(_RENDERED) >= RENDERED_LIMIT:
                _RENDERED.pop(next(iter(_RENDERED)))
            _RENDERED[key] = text
    return text


@bp.get("/cite/<target>")
@shared
def cite_page(target: str) -> str:
    try:
        found = _read_citations(target, RENDERED_STYLES)
    except common.NotFound:
        abort(404)
    return render_template("cite.html", cites=found)


@bp.get("/cite/<target>.<any(bibtex, ris, 'csl-json', apa, chicago, 'chicago-notes'):fmt>")
def cite_file(target: str, fmt: str) -> Response:
    try:
        found = _read_citations(target, (fmt,))
    except common.NotFound:
        abort(404)
    suffix, media_type = CITATION_FILES[fmt]
    text = found.text[fmt]
    return download(text if text.endswith("\n") else text + "\n", media_type, found.file_stem + suffix)


# --- what the pages show -------------------------------------------------------------------------


@dataclass
class Download:
    url: str  # without a query: the form's fields, and the button's own name=value, make it
    title: str
    purpose: str
    button: tuple[str, str] | None = None


@dataclass
class DownloadGroup:
    downloads: list[Download]
    params: list[tuple[str, str]] = field(default_factory=list)  # hidden fields: the page's query
    heading: str | None = None


def _described(name: str) -> tuple[str, str]:
    return _purposes().get(name) or (FORMATS[name].title, "")


def _data_downloads(kind: str, endpoint: str, **ids: Any) -> list[Download]:
    return [Download(url_for(endpoint, fmt=name, **ids), *_described(name))
            for name, fmt in FORMATS.items() if kind in fmt.scopes]


def _subtitle_groups(person_id: str, quotes: list[QuoteView] | None = None) -> list[DownloadGroup]:
    """WebVTT and SRT per recording, in the original language and in each translation.

    ``quotes``: the person's visible quotes as their page already read them (the same query
    and order as ``subtitles.recordings``), so the page does not read them twice more."""
    archive, viewer = current_archive(), current_viewer()
    translations: dict[str, set[str]] = {}
    if quotes is None:
        found = subtitles.recordings(archive, person_id, viewer)
        translations = {r: set() for r in found}
        for record in iter_quotes(archive, ResultSet.person(person_id), viewer):
            if record.recording in translations and record.timecode_in is not None:
                translations[record.recording].update(lang for lang in record.texts
                                                      if lang != record.original_language)
    else:
        for quote in quotes:
            if quote.recording and quote.timecode_in is not None:
                translations.setdefault(quote.recording, set()).update(
                    t.lang for t in quote.texts if t.lang != quote.original_language)
        found = list(translations)
    groups, original = [], _("original language")
    for recording in found:
        downloads = []
        for fmt in subtitles.FORMATS:
            title, purpose = _described(fmt)
            url = url_for("exports.person_subtitles", person_id=person_id, fmt=fmt)
            downloads.append(Download(url, f"{title} · {original}", purpose))
            downloads += [Download(url, f"{title} · {language_name(lang)}", purpose, ("language", lang))
                          for lang in sorted(translations[recording])]
        several = len(found) > 1
        groups.append(DownloadGroup(downloads, [("recording", recording)] if several else [],
                                    _("Recording %(recording)s", recording=recording) if several else None))
    return groups


@bp.app_template_global()
def page_downloads(kind: str, record_id: str | None = None, search: SearchRequest | None = None,
                   quotes: list[QuoteView] | None = None) -> list[DownloadGroup]:
    """The export menu of a page: ``search`` (with its request), ``person`` (with the quotes its
    page shows, when it has them), ``theme`` or ``collection``."""
    if kind == "search":
        params = [(k, v) for k, v in (search or SearchRequest()).to_params() if k not in ("page", "per_page")]
        return [DownloadGroup(_data_downloads("search", "exports.search_export"), params)]
    if kind == "theme":
        return [DownloadGroup(_data_downloads("theme", "exports.theme_export", theme_id=record_id or ""))]
    if kind == "collection":
        return [DownloadGroup(_data_downloads("collection", "exports.collection_export"))]
    person_id = record_id or ""
    records = _data_downloads("person", "exports.person_export", person_id=person_id)
    records.append(Download(url_for("exports.person_ohms", person_id=person_id), *_described("ohms")))
    return [DownloadGroup(records), *_subtitle_groups(person_id, quotes)]


@bp.app_template_global()
def citation_downloads(target: str) -> list[Download]:
    return [Download(url_for("exports.cite_file", target=target, fmt=fmt), title, "")
            for fmt, title in CITATION_DOWNLOADS.items()]


@bp.app_template_global("citations")
def citations_of(target: str) -> Citations | None:
    """The APA and Chicago text of a record for its "cite this" box; None if it cannot be cited
    (not visible, or a person with no testimony: the page then offers no box)."""
    try:
        return _read_citations(target, RENDERED_STYLES)
    except common.NotFound:
        return None



# the sitemap, robots.txt and each page's metadata join this blueprint
from webapp.views import site_metadata  # noqa: E402, F401
