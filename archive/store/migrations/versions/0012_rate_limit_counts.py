"""The web site's rate-limit counts.

One row per counter of failed logins (its key, its count, when its window ends), so that every web
node on a PostgreSQL database counts in one place (``archive/store/rate_limit_table.py``). Made
here, by ``archive db upgrade``, rather than by the web site: web nodes never change the schema.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("rate_limit",
    sa.Column("key", sa.String(), nullable=False),
    sa.Column("count", sa.Integer(), nullable=False),
    sa.Column("expires_at", sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint("key")
    )
    with op.batch_alter_table("rate_limit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rate_limit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_expires_at"))

    op.drop_table("rate_limit")
