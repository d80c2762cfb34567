"""The record-change log.

When each person record last changed or was deleted (OAI-PMH datestamps).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("record_change",
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("id", sa.String(), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted", sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint("kind", "id")
    )
    with op.batch_alter_table("record_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_change_changed_at"), ["changed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("record_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_change_changed_at"))

    op.drop_table("record_change")
