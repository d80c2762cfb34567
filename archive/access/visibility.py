"""The visibility rule: who may see which records and fields.

Every path that shows data (pages, search, exports, OAI-PMH, the API, the index) asks
this module. Restricted and embargoed records are stored, and shown only to researchers
and archivists; an embargo whose day has come is public. A quote is visible only when
both the quote and its person are. Records kept in table rows carry the rule in their
``visibility`` and ``embargo_until`` columns; facts kept inside a person's JSON lists (a place)
carry it as the collection format gives it, a ``visibility`` mapping (``item_rule``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

Role = Literal["anonymous", "researcher", "archivist"]
ROLES: tuple[Role, ...] = ("anonymous", "researcher", "archivist")

# Fields that only some viewers may read, by the least role that may.
_FIELD_ROLES: dict[str, Role] = {
    "visibility_reason": "researcher",
    "visibility_review": "archivist",
    "stance_coded_on": "researcher",
    # the real name behind a pseudonym: stored, and read by researchers only
    "real_name": "researcher",
    "real_name_native": "researcher",
    # archivists' private notes are never published: not to the public, not to researchers
    "private_notes": "archivist",
}


@dataclass(frozen=True)
class Viewer:
    role: Role = "anonymous"
    today: date = field(default_factory=date.today)

    @property
    def sees_withheld(self) -> bool:
        """Researchers and archivists see restricted and embargoed records."""
        return self.role in ("researcher", "archivist")


ANONYMOUS = Viewer()


def viewer_for(role: str | None, today: date | None = None) -> Viewer:
    if role not in ROLES:
        raise ValueError(f"unknown viewer {role!r}; expected one of: {', '.join(ROLES)}")
    return Viewer(role=role, today=today or date.today())  # type: ignore[arg-type]


def is_visible(viewer: Viewer, status: str, embargo_until: date | None) -> bool:
    """The rule for one record."""
    if status == "public" or viewer.sees_withheld:
        return True
    if status == "embargoed" and embargo_until is not None:
        return embargo_until <= viewer.today
    return False


def is_withheld(viewer: Viewer, *rules: tuple[str, date | None]) -> bool:
    """Whether a record this viewer sees is one the public may not see on the viewer's day:
    what pages mark "Restricted: not public", the API's ``withheld`` and an export's ``access``.
    A record shown inside others (a quote inside its person) gives every rule it stands under;
    an embargo whose day has come is public, so its record is not withheld."""
    public = Viewer("anonymous", viewer.today)
    return not all(is_visible(public, status, until) for status, until in rules)


def item_rule(item: Mapping[str, Any]) -> tuple[str, date | None]:
    """The rule of a fact kept inside a JSON list (a person's place): its ``visibility`` mapping
    (``status``, ``until`` as ``YYYY-MM-DD``), public when it has none."""
    given = item.get("visibility")
    if not isinstance(given, Mapping):
        return "public", None
    until = given.get("until")
    return str(given.get("status") or "public"), date.fromisoformat(until) if isinstance(until, str) else None


Item = TypeVar("Item", bound=Mapping[str, Any])


def visible_items(viewer: Viewer, items: Iterable[Item] | None) -> list[Item]:
    """The facts of a JSON list (``item_rule``) this viewer may see, in their order."""
    return [item for item in items or [] if isinstance(item, Mapping) and is_visible(viewer, *item_rule(item))]


def visible_clause(viewer: Viewer, table: Any) -> ColumnElement[bool]:
    """The same rule as a SQL condition on a table with visibility columns."""
    if viewer.sees_withheld:
        return and_(True)
    return or_(
        table.visibility == "public",
        and_(table.visibility == "embargoed", table.embargo_until <= viewer.today),
    )


def quote_clause(viewer: Viewer, quote_table: Any, person_table: Any) -> ColumnElement[bool]:
    """A quote is shown only when the quote and its person both are (the caller joins them)."""
    return and_(visible_clause(viewer, quote_table), visible_clause(viewer, person_table))


def may_read_field(viewer: Viewer, name: str) -> bool:
    needed = _FIELD_ROLES.get(name)
    if needed is None:
        return True
    return ROLES.index(viewer.role) >= ROLES.index(needed)


def readable(viewer: Viewer, name: str, value: Any) -> Any:
    """``value`` when this viewer may read the field ``name``, else None (days as ``YYYY-MM-DD``)."""
    if value is None or not may_read_field(viewer, name):
        return None
    return value.isoformat() if isinstance(value, date) else value


def redact(viewer: Viewer, record: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record without the fields this viewer may not read."""
    return {k: v for k, v in record.items() if may_read_field(viewer, k)}


def combined(*rules: tuple[str, date | None]) -> tuple[str, date | None]:
    """The visibility of a record shown inside others (a quote inside its person): the strictest wins."""
    statuses = [status for status, _ in rules]
    if "restricted" in statuses:
        return "restricted", None
    untils = [until for status, until in rules if status == "embargoed" and until is not None]
    if untils:
        return "embargoed", max(untils)
    return "public", None


def always_public(*rules: tuple[str, date | None]) -> bool:
    """Whether a record under these rules is public on every day (no restriction, no embargo):
    what may go into a document or a count shown with records of other rules."""
    return combined(*rules)[0] == "public"


def embargo_cutoff(viewer: Viewer) -> date | None:
    """For search backends: None when the viewer sees every record; otherwise the last day an
    embargo may end on and be visible (public records are always visible, restricted never)."""
    return None if viewer.sees_withheld else viewer.today
