"""Visibility on relatives, fate events and timeline events.

Rows already there become public, as they were shown.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("fate_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visibility", sa.String(), server_default="public", nullable=False))
        batch_op.add_column(sa.Column("embargo_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("visibility_reason", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("visibility_review", sa.Date(), nullable=True))

    with op.batch_alter_table("relative", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visibility", sa.String(), server_default="public", nullable=False))
        batch_op.add_column(sa.Column("embargo_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("visibility_reason", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("visibility_review", sa.Date(), nullable=True))

    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visibility", sa.String(), server_default="public", nullable=False))
        batch_op.add_column(sa.Column("embargo_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("visibility_reason", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("visibility_review", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_column("visibility_review")
        batch_op.drop_column("visibility_reason")
        batch_op.drop_column("embargo_until")
        batch_op.drop_column("visibility")

    with op.batch_alter_table("relative", schema=None) as batch_op:
        batch_op.drop_column("visibility_review")
        batch_op.drop_column("visibility_reason")
        batch_op.drop_column("embargo_until")
        batch_op.drop_column("visibility")

    with op.batch_alter_table("fate_event", schema=None) as batch_op:
        batch_op.drop_column("visibility_review")
        batch_op.drop_column("visibility_reason")
        batch_op.drop_column("embargo_until")
        batch_op.drop_column("visibility")
