"""The first schema.

The collection, its sources and vocabulary, people, relatives and their fates, interviews,
quotes with their texts and themes, timelines: the oldest database the archive upgrades, as its
first version created it in ``instance/archive.sqlite3``.

Revision ID: 0001
Revises: (none: the first)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("collection",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("title", sa.String(), nullable=False),
    sa.Column("title_native", sa.String(), nullable=True),
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("year", sa.Integer(), nullable=True),
    sa.Column("runtime_minutes", sa.Integer(), nullable=True),
    sa.Column("languages", sa.JSON(), nullable=True),
    sa.Column("subtitle_languages", sa.JSON(), nullable=True),
    sa.Column("directors", sa.JSON(), nullable=True),
    sa.Column("organisations", sa.JSON(), nullable=True),
    sa.Column("premiere", sa.JSON(), nullable=True),
    sa.Column("description", sa.JSON(), nullable=True),
    sa.Column("description_sources", sa.JSON(), nullable=True),
    sa.Column("facts_sources", sa.JSON(), nullable=True),
    sa.Column("rights", sa.String(), nullable=True),
    sa.PrimaryKeyConstraint("id")
    )
    op.create_table("source",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(), nullable=False),
    sa.Column("author", sa.String(), nullable=True),
    sa.Column("publisher", sa.String(), nullable=True),
    sa.Column("date", sa.String(), nullable=True),
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("url", sa.String(), nullable=True),
    sa.Column("locator", sa.String(), nullable=True),
    sa.Column("language", sa.String(), nullable=True),
    sa.Column("text_file", sa.String(), nullable=True),
    sa.Column("notes", sa.String(), nullable=True),
    sa.PrimaryKeyConstraint("id")
    )
    op.create_table("vocabulary_term",
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("label", sa.JSON(), nullable=True),
    sa.Column("definition", sa.JSON(), nullable=True),
    sa.Column("synonyms", sa.JSON(), nullable=True),
    sa.Column("repression", sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint("kind", "id")
    )
    op.create_table("person",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("name_native", sa.String(), nullable=True),
    sa.Column("pseudonym", sa.Boolean(), nullable=False),
    sa.Column("is_group", sa.Boolean(), nullable=False),
    sa.Column("role", sa.String(), nullable=False),
    sa.Column("ages", sa.JSON(), nullable=True),
    sa.Column("occupations", sa.JSON(), nullable=True),
    sa.Column("places", sa.JSON(), nullable=True),
    sa.Column("stance", sa.String(), nullable=False),
    sa.Column("stance_basis", sa.String(), nullable=False),
    sa.Column("stance_rationale", sa.String(), nullable=False),
    sa.Column("stance_supporting_quotes", sa.JSON(), nullable=True),
    sa.Column("stance_coded_by", sa.String(), nullable=False),
    sa.Column("stance_coded_on", sa.Date(), nullable=True),
    sa.Column("stance_source", sa.String(), nullable=True),
    sa.Column("stance_locator", sa.String(), nullable=True),
    sa.Column("portrait", sa.JSON(), nullable=True),
    sa.Column("portrait_sources", sa.JSON(), nullable=True),
    sa.Column("visibility", sa.String(), nullable=False),
    sa.Column("embargo_until", sa.Date(), nullable=True),
    sa.Column("visibility_reason", sa.String(), nullable=True),
    sa.Column("visibility_review", sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(["stance_source"], ["source.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_stance"), ["stance"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_visibility"), ["visibility"], unique=False)

    op.create_table("interview",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("person_id", sa.String(), nullable=False),
    sa.Column("local_id", sa.String(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("date", sa.String(), nullable=True),
    sa.Column("place", sa.String(), nullable=True),
    sa.Column("interviewer", sa.String(), nullable=True),
    sa.Column("language", sa.String(), nullable=True),
    sa.Column("media", sa.String(), nullable=True),
    sa.Column("duration_seconds", sa.Float(), nullable=True),
    sa.Column("source", sa.String(), nullable=True),
    sa.Column("locator", sa.String(), nullable=True),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], ),
    sa.ForeignKeyConstraint(["source"], ["source.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interview_person_id"), ["person_id"], unique=False)

    op.create_table("quote",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("person_id", sa.String(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("original_language", sa.String(), nullable=False),
    sa.Column("published_translations", sa.JSON(), nullable=True),
    sa.Column("recording", sa.String(), nullable=True),
    sa.Column("timecode_in", sa.Float(), nullable=True),
    sa.Column("timecode_out", sa.Float(), nullable=True),
    sa.Column("stance", sa.String(), nullable=False),
    sa.Column("context", sa.String(), nullable=True),
    sa.Column("source", sa.String(), nullable=False),
    sa.Column("locator", sa.String(), nullable=True),
    sa.Column("visibility", sa.String(), nullable=False),
    sa.Column("embargo_until", sa.Date(), nullable=True),
    sa.Column("visibility_reason", sa.String(), nullable=True),
    sa.Column("visibility_review", sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], ),
    sa.ForeignKeyConstraint(["source"], ["source.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quote_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_quote_stance"), ["stance"], unique=False)
        batch_op.create_index(batch_op.f("ix_quote_visibility"), ["visibility"], unique=False)

    op.create_table("relative",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("person_id", sa.String(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("relation", sa.String(), nullable=False),
    sa.Column("name", sa.String(), nullable=True),
    sa.Column("name_native", sa.String(), nullable=True),
    sa.Column("external_records", sa.JSON(), nullable=True),
    sa.Column("notes", sa.String(), nullable=True),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("relative", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relative_person_id"), ["person_id"], unique=False)

    op.create_table("timeline_event",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("person_id", sa.String(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("date", sa.String(), nullable=True),
    sa.Column("date_start", sa.Date(), nullable=True),
    sa.Column("date_end", sa.Date(), nullable=True),
    sa.Column("description", sa.JSON(), nullable=True),
    sa.Column("place", sa.String(), nullable=True),
    sa.Column("source", sa.String(), nullable=False),
    sa.Column("locator", sa.String(), nullable=True),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], ),
    sa.ForeignKeyConstraint(["source"], ["source.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timeline_event_person_id"), ["person_id"], unique=False)

    op.create_table("fate_event",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("relative_id", sa.String(), nullable=False),
    sa.Column("person_id", sa.String(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("date", sa.String(), nullable=True),
    sa.Column("date_start", sa.Date(), nullable=True),
    sa.Column("date_end", sa.Date(), nullable=True),
    sa.Column("place", sa.String(), nullable=True),
    sa.Column("details", sa.String(), nullable=True),
    sa.Column("source", sa.String(), nullable=False),
    sa.Column("locator", sa.String(), nullable=True),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], ),
    sa.ForeignKeyConstraint(["relative_id"], ["relative.id"], ),
    sa.ForeignKeyConstraint(["source"], ["source.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("fate_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fate_event_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_fate_event_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fate_event_relative_id"), ["relative_id"], unique=False)

    op.create_table("quote_text",
    sa.Column("quote_id", sa.String(), nullable=False),
    sa.Column("lang", sa.String(), nullable=False),
    sa.Column("text", sa.String(), nullable=False),
    sa.Column("is_original", sa.Boolean(), nullable=False),
    sa.Column("is_published", sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(["quote_id"], ["quote.id"], ),
    sa.PrimaryKeyConstraint("quote_id", "lang")
    )
    op.create_table("quote_theme",
    sa.Column("quote_id", sa.String(), nullable=False),
    sa.Column("theme", sa.String(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["quote_id"], ["quote.id"], ),
    sa.PrimaryKeyConstraint("quote_id", "theme")
    )
    with op.batch_alter_table("quote_theme", schema=None) as batch_op:
        batch_op.create_index("ix_quote_theme_theme", ["theme"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quote_theme", schema=None) as batch_op:
        batch_op.drop_index("ix_quote_theme_theme")

    op.drop_table("quote_theme")
    op.drop_table("quote_text")
    with op.batch_alter_table("fate_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fate_event_relative_id"))
        batch_op.drop_index(batch_op.f("ix_fate_event_person_id"))
        batch_op.drop_index(batch_op.f("ix_fate_event_kind"))

    op.drop_table("fate_event")
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeline_event_person_id"))

    op.drop_table("timeline_event")
    with op.batch_alter_table("relative", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relative_person_id"))

    op.drop_table("relative")
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_visibility"))
        batch_op.drop_index(batch_op.f("ix_quote_stance"))
        batch_op.drop_index(batch_op.f("ix_quote_source"))
        batch_op.drop_index(batch_op.f("ix_quote_person_id"))

    op.drop_table("quote")
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_person_id"))

    op.drop_table("interview")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_visibility"))
        batch_op.drop_index(batch_op.f("ix_person_stance"))

    op.drop_table("person")
    op.drop_table("vocabulary_term")
    op.drop_table("source")
    op.drop_table("collection")
