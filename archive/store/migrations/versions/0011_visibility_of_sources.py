"""Visibility on sources (a place's is kept inside its person's ``places``, which needs no column).

Rows already there become public, as they were shown.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visibility", sa.String(), server_default="public", nullable=False))
        batch_op.add_column(sa.Column("embargo_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("visibility_reason", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("visibility_review", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("visibility_review")
        batch_op.drop_column("visibility_reason")
        batch_op.drop_column("embargo_until")
        batch_op.drop_column("visibility")
