"""Marking each exported quote with what it may be used for.

A researcher's export holds restricted and embargoed quotes; each row must say so, or a
spreadsheet passed on would lose the restriction. ``iter_quotes`` has already applied the
visibility rule (who may *see* a quote); this adds, a batch at a time, the rule's verdict
for the public: ``public`` when an anonymous visitor may see the quote today, else the
strictest status of the quote and its person (``archive.access.visibility.combined``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from sqlalchemy import label, select
from sqlmodel import col

from archive.access.visibility import Viewer, combined, is_withheld, readable
from archive.catalogue.result_sets import BATCH, QuoteRecord
from archive.store import models

if TYPE_CHECKING:
    from archive.facade import Archive

Q, P = models.Quote, models.Person


def public_status(viewer: Viewer, statuses: tuple[tuple[str, object], ...]) -> tuple[str, str | None]:
    """("public", None), ("restricted", None) or ("embargoed", "YYYY-MM-DD")."""
    if not is_withheld(viewer, *statuses):  # type: ignore[arg-type]
        return "public", None
    status, until = combined(*statuses)  # type: ignore[arg-type]
    return status, until.isoformat() if until else None


def with_access(archive: Archive, records: Iterable[QuoteRecord], viewer: Viewer,
                batch: int = BATCH) -> Iterator[QuoteRecord]:
    """The records, each with ``extra["access"]`` and ``extra["embargo_until"]``, and for a record
    not public, ``extra["visibility_reason"]`` and ``extra["visibility_review"]`` when the viewer
    may read them (``archive.access.visibility.may_read_field``)."""
    pending: list[QuoteRecord] = []
    for record in records:
        pending.append(record)
        if len(pending) >= batch:
            yield from _annotate(archive, pending, viewer)
            pending = []
    if pending:
        yield from _annotate(archive, pending, viewer)


def _annotate(archive: Archive, records: list[QuoteRecord], viewer: Viewer) -> list[QuoteRecord]:
    with archive.engine.connect() as conn:
        rows = {
            row.id: row for row in conn.execute(
                select(col(Q.id), col(Q.visibility), col(Q.embargo_until), col(Q.visibility_reason),
                       col(Q.visibility_review), label("p_visibility", col(P.visibility)),
                       label("p_embargo_until", col(P.embargo_until)),
                       label("p_visibility_reason", col(P.visibility_reason)),
                       label("p_visibility_review", col(P.visibility_review)))
                .join(P, col(Q.person_id) == P.id).where(col(Q.id).in_([r.id for r in records])))
        }
    for record in records:
        row = rows.get(record.id)
        if row is None:  # removed meanwhile: say nothing rather than guess
            continue
        status, until = public_status(viewer, ((row.visibility, row.embargo_until),
                                               (row.p_visibility, row.p_embargo_until)))
        record.extra["access"] = status
        record.extra["embargo_until"] = until
        if status != "public":  # why, for a viewer who may read it: the quote's own reason, else its person's
            own = is_withheld(viewer, (row.visibility, row.embargo_until)) and (row.visibility_reason
                                                                               or row.visibility_review)
            reason, review = ((row.visibility_reason, row.visibility_review) if own
                              else (row.p_visibility_reason, row.p_visibility_review))
            for name, value in (("visibility_reason", reason), ("visibility_review", review)):
                if readable(viewer, name, value) is not None:
                    record.extra[name] = readable(viewer, name, value)
    return records
