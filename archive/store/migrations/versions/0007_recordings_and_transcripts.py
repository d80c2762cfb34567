"""Recordings, transcript segments and index points.

Of interviews; and a quote's transcript span and an interview's title.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("recording",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("interview_id", sa.String(), nullable=False),
    sa.Column("person_id", sa.String(), nullable=False),
    sa.Column("local_id", sa.String(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("file", sa.String(), nullable=True),
    sa.Column("media_path", sa.String(), nullable=True),
    sa.Column("url", sa.String(), nullable=True),
    sa.Column("mime_type", sa.String(), nullable=False),
    sa.Column("duration_seconds", sa.Float(), nullable=True),
    sa.Column("sha256", sa.String(), nullable=True),
    sa.Column("rights_uri", sa.String(), nullable=True),
    sa.Column("rights_holder", sa.String(), nullable=True),
    sa.Column("visibility", sa.String(), nullable=False),
    sa.Column("embargo_until", sa.Date(), nullable=True),
    sa.Column("visibility_reason", sa.String(), nullable=True),
    sa.Column("visibility_review", sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("recording", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recording_interview_id"), ["interview_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recording_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recording_visibility"), ["visibility"], unique=False)

    op.create_table("index_point",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("interview_id", sa.String(), nullable=False),
    sa.Column("person_id", sa.String(), nullable=False),
    sa.Column("recording_id", sa.String(), nullable=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("start_seconds", sa.Float(), nullable=False),
    sa.Column("title", sa.JSON(), nullable=True),
    sa.Column("synopsis", sa.JSON(), nullable=True),
    sa.Column("partial_transcript", sa.JSON(), nullable=True),
    sa.Column("keywords", sa.JSON(), nullable=True),
    sa.Column("subjects", sa.JSON(), nullable=True),
    sa.Column("latitude", sa.Float(), nullable=True),
    sa.Column("longitude", sa.Float(), nullable=True),
    sa.Column("zoom", sa.Integer(), nullable=True),
    sa.Column("place", sa.JSON(), nullable=True),
    sa.Column("hyperlinks", sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], ),
    sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("index_point", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_index_point_interview_id"), ["interview_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_index_point_person_id"), ["person_id"], unique=False)

    op.create_table("transcript_segment",
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("interview_id", sa.String(), nullable=False),
    sa.Column("person_id", sa.String(), nullable=False),
    sa.Column("recording_id", sa.String(), nullable=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("start_seconds", sa.Float(), nullable=False),
    sa.Column("end_seconds", sa.Float(), nullable=False),
    sa.Column("speaker_name", sa.String(), nullable=False),
    sa.Column("speaker_role", sa.String(), nullable=False),
    sa.Column("original_language", sa.String(), nullable=False),
    sa.Column("text", sa.JSON(), nullable=True),
    sa.Column("visibility", sa.String(), nullable=False),
    sa.Column("embargo_until", sa.Date(), nullable=True),
    sa.Column("visibility_reason", sa.String(), nullable=True),
    sa.Column("visibility_review", sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], ),
    sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("transcript_segment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transcript_segment_interview_id"), ["interview_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transcript_segment_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transcript_segment_visibility"), ["visibility"], unique=False)

    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.JSON(), nullable=True))

    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("span_recording", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("span_start", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("span_end", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_column("span_end")
        batch_op.drop_column("span_start")
        batch_op.drop_column("span_recording")

    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_column("title")

    with op.batch_alter_table("transcript_segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcript_segment_visibility"))
        batch_op.drop_index(batch_op.f("ix_transcript_segment_person_id"))
        batch_op.drop_index(batch_op.f("ix_transcript_segment_interview_id"))

    op.drop_table("transcript_segment")
    with op.batch_alter_table("index_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_index_point_person_id"))
        batch_op.drop_index(batch_op.f("ix_index_point_interview_id"))

    op.drop_table("index_point")
    with op.batch_alter_table("recording", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_visibility"))
        batch_op.drop_index(batch_op.f("ix_recording_person_id"))
        batch_op.drop_index(batch_op.f("ix_recording_interview_id"))

    op.drop_table("recording")
