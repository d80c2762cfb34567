"""Access levels: real names and private notes.

A pseudonym's real name (researchers only) and archivists' private notes (never published).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("fate_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_notes", sa.String(), nullable=True))

    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_notes", sa.String(), nullable=True))

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("real_name", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("real_name_native", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("private_notes", sa.String(), nullable=True))

    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_notes", sa.String(), nullable=True))

    with op.batch_alter_table("relative", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_notes", sa.String(), nullable=True))

    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_notes", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_column("private_notes")

    with op.batch_alter_table("relative", schema=None) as batch_op:
        batch_op.drop_column("private_notes")

    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_column("private_notes")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("private_notes")
        batch_op.drop_column("real_name_native")
        batch_op.drop_column("real_name")

    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_column("private_notes")

    with op.batch_alter_table("fate_event", schema=None) as batch_op:
        batch_op.drop_column("private_notes")
