"""The visibility rule itself, in Python and as SQL over a real database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from archive.access.visibility import (
    ANONYMOUS,
    Viewer,
    combined,
    embargo_cutoff,
    is_visible,
    may_read_field,
    quote_clause,
    redact,
    viewer_for,
    visible_clause,
)
from archive.store import models

TODAY = date(2026, 11, 22)
ANON = Viewer("anonymous", TODAY)
RESEARCHER = Viewer("researcher", TODAY)


def test_rule_for_one_record():
    assert is_visible(ANON, "public", None)
    assert not is_visible(ANON, "restricted", None)
    assert not is_visible(ANON, "embargoed", date(2030, 1, 1))
    assert is_visible(ANON, "embargoed", TODAY)  # the embargo ends on its day
    assert is_visible(ANON, "embargoed", date(2000, 1, 1))
    for status in ("public", "restricted", "embargoed"):
        assert is_visible(RESEARCHER, status, date(2030, 1, 1))


def test_the_strictest_rule_wins_for_a_quote_inside_its_person():
    assert combined(("public", None), ("public", None)) == ("public", None)
    assert combined(("public", None), ("restricted", None)) == ("restricted", None)
    assert combined(("embargoed", date(2030, 1, 1)), ("embargoed", date(2031, 1, 1))) == ("embargoed", date(2031, 1, 1))
    assert combined(("embargoed", date(2030, 1, 1)), ("restricted", None)) == ("restricted", None)


def test_fields_and_viewers():
    record = {"name": "x", "visibility_reason": "asked", "visibility_review": date(2030, 1, 1)}
    assert redact(ANON, record) == {"name": "x"}
    assert redact(RESEARCHER, record) == {"name": "x", "visibility_reason": "asked"}
    assert may_read_field(Viewer("archivist"), "visibility_review")
    assert embargo_cutoff(ANON) == TODAY and embargo_cutoff(RESEARCHER) is None
    assert viewer_for("researcher").sees_withheld and not ANONYMOUS.sees_withheld
    try:
        viewer_for("root")
    except ValueError as error:
        assert "anonymous, researcher, archivist" in str(error)
    else:
        raise AssertionError("an unknown viewer must be refused")



def test_sql_clause_agrees_with_the_rule(archive, fixture_collection):
    archive.import_collection(fixture_collection)
    P, Q = models.Person, models.Quote
    with archive.engine.connect() as conn:
        for viewer in (ANON, RESEARCHER, Viewer("anonymous", date(2999, 1, 1))):
            people = set(conn.scalars(select(P.id).where(visible_clause(viewer, P))))
            quotes = set(conn.scalars(select(Q.id).join(P, Q.person_id == P.id).where(quote_clause(viewer, Q, P))))
            expected_people = {row.id for row in conn.execute(select(P.id, P.visibility, P.embargo_until))
                               if is_visible(viewer, row.visibility, row.embargo_until)}
            rows = conn.execute(select(Q.id, Q.visibility, Q.embargo_until, P.visibility.label("pv"),
                                       P.embargo_until.label("pu")).join(P, Q.person_id == P.id))
            expected_quotes = {row.id for row in rows if is_visible(
                viewer, *combined((row.visibility, row.embargo_until), (row.pv, row.pu)))}
            assert people == expected_people and quotes == expected_quotes
        assert "boris-synthetic" not in set(conn.scalars(select(P.id).where(visible_clause(ANON, P))))
        anon_quotes = set(conn.scalars(select(Q.id).join(P, Q.person_id == P.id).where(quote_clause(ANON, Q, P))))
        assert not anon_quotes & {"boris-secret", "anna-embargoed"}
        later = Viewer("anonymous", date(2999, 1, 1))
        assert "anna-embargoed" in set(conn.scalars(select(Q.id).join(P, Q.person_id == P.id)
                                                    .where(quote_clause(later, Q, P))))
