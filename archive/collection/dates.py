"""Dates and periods as archivists write them: a subset of EDTF (ISO 8601-2).

Oral history rarely knows a day. A fact may be dated to a year (``1937``), a month
(``1937-08``), a day (``1937-08-05``), a decade (``193X``) or a period between two of
those (``1937/1945``; either end may be open: ``../1953``, ``1991/..``). The text stays
as written; ``parse_period`` gives the first and last day it covers so that records can
be sorted and faceted by decade without guessing precision that the sources do not give.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_SINGLE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?$")
_DECADE = re.compile(r"^(?P<y>\d{3})X$")
FORMAT_HELP = "a date like 1937, 1937-08, 1937-08-05, a decade like 193X, or a period like 1937/1945"


class BadDate(ValueError):
    """A date string that is not in the supported EDTF subset."""


@dataclass(frozen=True)
class Period:
    text: str
    start: date | None
    end: date | None

    @property
    def decade(self) -> int | None:
        """The decade of the start (or of the end for an open start), e.g. 1930."""
        anchor = self.start or self.end
        return None if anchor is None else anchor.year // 10 * 10


def _single(text: str) -> tuple[date, date]:
    match = _SINGLE.match(text)
    if match:
        year = int(match["y"])
        if match["m"] is None:
            return date(year, 1, 1), date(year, 12, 31)
        month = int(match["m"])
        if not 1 <= month <= 12:
            raise BadDate(f"month {month:02d} does not exist")
        last = calendar.monthrange(year, month)[1]
        if match["d"] is None:
            return date(year, month, 1), date(year, month, last)
        day = int(match["d"])
        if not 1 <= day <= last:
            raise BadDate(f"day {day:02d} does not exist in {year}-{month:02d}")
        return date(year, month, day), date(year, month, day)
    match = _DECADE.match(text)
    if match:
        start = int(match["y"]) * 10
        return date(start, 1, 1), date(start + 9, 12, 31)
    raise BadDate(f"{text!r} is not {FORMAT_HELP}")


def parse_period(text: str) -> Period:
    """Parse an EDTF-subset string; raise BadDate with a readable reason."""
    if not isinstance(text, str):
        raise BadDate(f"expected {FORMAT_HELP} as a quoted string, got {type(text).__name__}")
    text = text.strip()
    if "/" in text:
        left, _, right = text.partition("/")
        start = None if left in ("", "..") else _single(left)[0]
        end = None if right in ("", "..") else _single(right)[1]
        if start is None and end is None:
            raise BadDate("a period needs at least one end")
        if start and end and end < start:
            raise BadDate(f"the period ends ({right}) before it starts ({left})")
        return Period(text, start, end)
    start, end = _single(text)
    return Period(text, start, end)


def parse_day(text: str) -> date:
    """A full calendar day (YYYY-MM-DD), for embargo and review dates."""
    period = parse_period(text)
    if period.start is None or period.start != period.end:
        raise BadDate(f"{text!r} is not a full date like 2030-01-31")
    return period.start


def precision_of(text: str) -> tuple[str, date]:
    """How precise one date (not a period) is, and its first day: ``("decade", 1960-01-01)``
    for ``196X``; ``"year"``, ``"month"`` or ``"day"`` otherwise. For saying a date in words."""
    start, _end = _single(text)
    if _DECADE.match(text):
        return "decade", start
    match = _SINGLE.match(text)
    assert match is not None  # _single read it
    return ("year" if match["m"] is None else "month" if match["d"] is None else "day"), start


def period_ends(text: str) -> tuple[str | None, str | None]:
    """The written ends of a period (``None`` for an open end); a single date is both ends."""
    parse_period(text)
    text = text.strip()
    if "/" not in text:
        return text, text
    left, _, right = text.partition("/")
    return (None if left in ("", "..") else left), (None if right in ("", "..") else right)
