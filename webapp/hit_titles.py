"""Search hit titles in the page's language.

The search engine titles a relative's hit in English ("Mother (The sisters)"). A page builds the
title from what it is made of instead: the relative's own name where the sources give one, else
the vocabulary's label of the relation in the interface language, then the person's name. Names
are data written in English, so they carry ``lang="en"``; the label is the page's language.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from markupsafe import Markup

from archive.catalogue.people import relatives_by_id


def hit_title(hit: Any, viewer: Any, label: Any) -> Markup:
    """The title of a search hit as HTML: a relative's from its parts (above), any other hit's
    as the engine gives it, marked as English data. ``label(kind, id)`` is the page's
    vocabulary label (``webapp.i18n.label``)."""
    english = Markup('<span lang="en">{}</span>')
    if hit.kind != "relative":
        return english.format(hit.title)
    found = relatives_by_id(current_app.extensions["archive"].engine, viewer).get(hit.id)
    if found is None:  # not readable now (a newer import): the engine's own words
        return english.format(hit.title)
    relation, name = found
    who = english.format(name) if name else Markup("{}").format(label("relations", relation))
    return Markup("{} ({})").format(who, english.format(hit.person_name))
