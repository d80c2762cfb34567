"""The rights a record stands under: its own statement, else that of what it belongs to.

A quote may carry its own rights statement; without one it stands under its person's, and a
person without one under the collection's. This is the one place that decides which statement
applies; pages, citations, Dublin Core, OAI-PMH and the page metadata ask it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_URI = re.compile(r"https?://\S+$")
# the two vocabularies the collection format accepts: site, kind of statement, its code, version
_KNOWN = re.compile(r"https?://(rightsstatements\.org|creativecommons\.org)/(vocab|licenses|publicdomain)/"
                    r"([^/]+)/?([0-9.]*)")


@dataclass(frozen=True)
class RightsStatement:
    """A rights statement (a rightsstatements.org or Creative Commons URI, or the collection's
    statement in words) and who holds the rights, when the collection names them."""

    statement: str
    holder: str | None = None

    @property
    def uri(self) -> str | None:
        """The statement when it is a URI (a licence a machine can follow), else None."""
        return self.statement if _URI.match(self.statement) else None

    @property
    def title(self) -> str:
        """A readable name of the statement: "Creative Commons BY-NC 4.0", "rightsstatements.org
        InC-EDU 1.0"; words as they are."""
        uri = self.uri
        if uri is None:
            return self.statement
        match = _KNOWN.match(uri)
        if match is None:
            return uri
        site, kind, code, version = match.groups()
        if site.startswith("rightsstatements"):
            return f"rightsstatements.org {code} {version}".strip()
        if kind == "publicdomain":
            return {"zero": f"CC0 {version}", "mark": f"Public Domain Mark {version}"}.get(code, uri).strip()
        return f"Creative Commons {code.upper()} {version}".strip()

    @property
    def text(self) -> str:
        """The statement and its holder on one line, for a citation's note."""
        return f"{self.statement} (rights holder: {self.holder})" if self.holder else self.statement


Level = tuple[str | None, str | None]  # (statement, holder) of one record; (None, None) when it has none


def applying(*levels: Level) -> RightsStatement | None:
    """The statement that applies to a record: the first of ``levels`` (the record's own, then
    what it belongs to, the collection last) that has one; None when none has."""
    for statement, holder in levels:
        if statement:
            return RightsStatement(statement, holder or None)
    return None
