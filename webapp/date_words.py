"""Dates as a reader says them, in the interface language: the one place that turns the
collection's EDTF-like values (``1937``, ``1937-08``, ``196X``, ``../2017``, ``1989/1990``;
archive/collection/dates.py) into words ("August 1937", "the 1960s", "before 2017").

Registered as the template filter ``date_words`` (webapp/views/home.py). A value the parser
does not read is shown as written; no value at all reads "date unknown".
"""

from __future__ import annotations

from babel.dates import format_date
from flask_babel import gettext as _

from archive.collection.dates import BadDate, period_ends, precision_of
from webapp.i18n import interface_language


def _single_in_words(text: str, lang: str, inside: bool) -> str:
    """One end of a period (or a whole date) in words. ``inside`` is for a date that follows a
    preposition ("before August 1937"): Russian then wants the month in the genitive."""
    precision, first = precision_of(text)
    if precision == "decade":
        return _("the %(decade)ss", decade=first.year)
    if precision == "year":
        return str(first.year)
    if precision == "month":
        return format_date(first, "MMMM y" if inside else "LLLL y", locale=lang)
    return format_date(first, "long", locale=lang)


def date_words(text: str | None) -> str:
    """An EDTF-like date or period in words, in the interface language."""
    if not text:
        return _("date unknown")
    lang = interface_language()
    try:
        start, end = period_ends(text)
        if start == end and start is not None:
            return _single_in_words(start, lang, inside=False)
        if start is None and end is not None:
            return _("before %(date)s", date=_single_in_words(end, lang, inside=True))
        if end is None and start is not None:
            return _("after %(date)s", date=_single_in_words(start, lang, inside=True))
        assert start is not None and end is not None
        return _("%(start)s–%(end)s", start=_single_in_words(start, lang, inside=False),
                 end=_single_in_words(end, lang, inside=False))
    except BadDate:
        return text
