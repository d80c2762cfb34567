"""What a search asks and what it answers: plain dataclasses, reproducible from URL parameters.

Every search is the same ``SearchRequest`` whether it comes from a page, the API, the CLI or
an export; ``to_params``/``from_params`` make it a query string and back, so the URL is the
state (as in Datasette).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

# Facets in the order pages show them. "stance" is the stance of the passage,
# "person_stance" the overall stance of the person; "interview", "speaker_role" and "recording"
# are those of the moments of interviews (transcript passages, index points, quotes taken from one).
FACETS = ("kind", "stance", "person_stance", "theme", "person", "fate", "place", "lang", "source", "decade",
          "interview", "speaker_role", "recording")
# The URL parameter of each facet, where it differs from the facet's name: ``lang`` is the pages'
# interface language, so the language of the texts is ``language`` (the API also takes ``lang``).
FACET_PARAMETERS = {"lang": "language"}
_FACET_OF_PARAMETER = {parameter: name for name, parameter in FACET_PARAMETERS.items()}
# kinds of record: quotes, portraits, family-history entries, transcript passages, index points
KINDS = ("quote", "person", "relative", "segment", "index_point")
SORTS = ("relevance", "date", "person")
# The limits of a search, the same for the pages, the API, the exports and the command line
# (each refuses with 400 what it cannot read, except the query, which is cut and answered):
MAX_QUERY_CHARS = 1_000  # a longer query is cut to this length and answered (``query_truncated``)
MAX_PAGE = 1_000  # a page past the last one is empty; past this one, refused
MAX_PER_PAGE = 100
MAX_FILTER_VALUES = 20  # values of one facet (they combine with OR)
MAX_VALUE_CHARS = 200  # one facet value, or the person of ``within``: ids and names are far shorter


class BadSearchRequest(ValueError):
    """A parameter that cannot be understood (the web answers 400 with this message)."""


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    within_person: str | None = None
    # the query was longer than MAX_QUERY_CHARS and was cut (set by __post_init__)
    query_truncated: bool = field(default=False, init=False, compare=False)

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise BadSearchRequest(f"unknown sort {self.sort!r}; expected one of: {', '.join(SORTS)}")
        if self.page < 1:
            raise BadSearchRequest("page must be 1 or more")
        if self.page > MAX_PAGE:
            raise BadSearchRequest(f"page must be between 1 and {MAX_PAGE}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadSearchRequest(f"per_page must be between 1 and {MAX_PER_PAGE}")
        for name, values in self.filters.items():
            if name not in FACETS:
                raise BadSearchRequest(f"unknown filter {name!r}; expected one of: {', '.join(FACETS)}")
            check_filter_values(name, list(values))
        if self.within_person is not None and len(self.within_person) > MAX_VALUE_CHARS:
            raise BadSearchRequest(f"within must be a person id of at most {MAX_VALUE_CHARS} characters")
        query = self.query or ""
        # imported here: the command line imports this module for its options, and `archive --help`
        # must not load Whoosh
        from archive.search.query_parsing import cost_problem

        if problem := cost_problem(query[:MAX_QUERY_CHARS]):
            raise BadSearchRequest(problem)
        object.__setattr__(self, "query_truncated", len(query) > MAX_QUERY_CHARS)
        object.__setattr__(self, "query", query[:MAX_QUERY_CHARS])
        object.__setattr__(self, "filters", {k: tuple(v) for k, v in self.filters.items() if v})

    def selected(self, facet: str, value: str) -> bool:
        return value in self.filters.get(facet, ())

    def toggled(self, facet: str, value: str) -> SearchRequest:
        """The same search with one facet value added or removed, back on page 1."""
        values = list(self.filters.get(facet, ()))
        values = [v for v in values if v != value] if value in values else values + [value]
        filters = {**self.filters, facet: tuple(values)}
        return replace(self, filters={k: v for k, v in filters.items() if v}, page=1)

    def with_page(self, page: int) -> SearchRequest:
        return replace(self, page=page)

    def to_params(self) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = []
        if self.query:
            params.append(("q", self.query))
        for name in FACETS:
            params.extend((FACET_PARAMETERS.get(name, name), value) for value in self.filters.get(name, ()))
        if self.within_person:
            params.append(("within", self.within_person))
        if self.sort != "relevance":
            params.append(("sort", self.sort))
        if self.page != 1:
            params.append(("page", str(self.page)))
        if self.per_page != 20:
            params.append(("per_page", str(self.per_page)))
        return params

    @classmethod
    def from_params(cls, params: Mapping[str, Iterable[str]] | Iterable[tuple[str, str]]) -> SearchRequest:
        """From a query string (a multi-dict or pairs); raises BadSearchRequest."""
        pairs: list[tuple[str, str]] = []
        if isinstance(params, Mapping):
            for key, values in params.items():
                pairs.extend((key, v) for v in ([values] if isinstance(values, str) else values))
        else:
            pairs = list(params)
        query, sort, page, per_page, within = "", "relevance", 1, 20, None
        filters: dict[str, list[str]] = {}
        given: dict[str, list[str]] = {}
        for key, value in pairs:  # unknown parameters are ignored
            key = _FACET_OF_PARAMETER.get(key, key)
            if key == "q":
                query = value
            elif key == "sort":
                sort = value
            elif key in ("page", "per_page"):
                number = whole_number(key, value)
                if key == "page":
                    page = number
                else:
                    per_page = number
            elif key == "within":
                within = value or None
            elif key in FACETS:
                given.setdefault(key, []).append(value)
                if value and value not in filters.setdefault(key, []):
                    filters[key].append(value)
        for key, values in given.items():  # counted as given, repeated values too
            check_filter_values(key, values)
        return cls(query=query, filters={k: tuple(v) for k, v in filters.items()}, sort=sort,
                   page=page, per_page=per_page, within_person=within)


def whole_number(name: str, value: str, low: int | None = None, high: int | None = None) -> int:
    """A page number or size from a URL (ASCII digits, at most 12); BadSearchRequest when it is
    not one, or is outside ``low..high``."""
    text = value.strip()
    if not (text.isascii() and (text.isdigit() or (text[:1] in "+-" and text[1:].isdigit()))) or len(text) > 12:
        raise BadSearchRequest(f"{name} must be a whole number, got {value[:40]!r}")
    number = int(text)
    if (low is not None and number < low) or (high is not None and number > high):
        raise BadSearchRequest(f"{name} must be between {low} and {high}" if high is not None
                               else f"{name} must be {low} or more")
    return number


def check_filter_values(name: str, values: list[str]) -> None:
    """At most MAX_FILTER_VALUES values of one facet, each at most MAX_VALUE_CHARS long."""
    if len(values) > MAX_FILTER_VALUES:
        raise BadSearchRequest(f"at most {MAX_FILTER_VALUES} values of {name} may be given, got {len(values)}")
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            raise BadSearchRequest(f"a value of {name} may be at most {MAX_VALUE_CHARS} characters long")


@dataclass
class Hit:
    kind: str  # quote | person | relative | segment (of a transcript) | index_point
    id: str  # the record's id (quote id, person id, relative id, segment or index point id)
    person_id: str
    person_name: str
    title: str
    snippets: dict[str, str]  # language -> HTML-safe snippet with <mark> around matches
    score: float
    stance: str | None = None  # the passage's stance (quotes) or the person's stance (portraits, family)
    stance_of: str = "passage"  # whose stance ``stance`` is: "passage" or "person"
    themes: tuple[str, ...] = ()
    date: str | None = None
    timecode_in: float | None = None
    timecode_out: float | None = None
    interview_id: str | None = None  # segments and index points: the interview (person/interview) they are in
    recording_id: str | None = None  # segments and index points: their recording (person/interview/recording)
    # relatives: language -> HTML-safe line of what the record is found by besides its text (the
    # relation's and fates' labels, places), with <mark> around matches
    facts: dict[str, str] = field(default_factory=dict)
    # the vocabulary terms the record is found by that the query matched, by kind (``themes``,
    # ``stances``, ``relations``, ``fates``, ``roles``): a quote found through a theme's synonym
    # («лагерь» is one of the Gulag's) shows that theme as matched
    matched_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def facts_shown(self, lang: str) -> dict[str, str]:
        """The lines of ``facts`` to show a reader of ``lang``: those where the query matched, or else
        the one in ``lang`` (none for a hit without facts)."""
        marked = {fact_lang: line for fact_lang, line in self.facts.items() if "<mark>" in line}
        return marked or {fact_lang: line for fact_lang, line in self.facts.items() if fact_lang == lang}


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    name: str
    values: list[FacetValue]
    estimated: bool = False


@dataclass
class SearchResult:
    request: SearchRequest
    hits: list[Hit]
    total: int
    facets: dict[str, Facet]
    suggestion: str | None = None
    elapsed_ms: float = 0.0
    query_fell_back: bool = False  # the query could not be parsed and was read as plain words
    corrected_query: str | None = None  # nothing matched the query; these hits are for the suggestion

    @property
    def pages(self) -> int:
        """The pages one may browse: every page of the total, up to ``MAX_PAGE`` (a larger result
        is narrowed with facets or taken whole as an export; the total stays exact)."""
        return min(MAX_PAGE, max(1, -(-self.total // self.request.per_page)))
