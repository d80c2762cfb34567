"""Published records for OAI-PMH.

A hash and datestamp per published record, tombstones, and the state they follow.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("published_record",
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("content_hash", sa.String(), nullable=False),
    sa.Column("datestamp", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted", sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint("kind", "id")
    )
    with op.batch_alter_table("published_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_published_record_datestamp"), ["datestamp"], unique=False)

    op.create_table("published_state",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("generation", sa.String(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )


def downgrade() -> None:
    op.drop_table("published_state")
    with op.batch_alter_table("published_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_published_record_datestamp"))

    op.drop_table("published_record")
