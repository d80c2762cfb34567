"""Rights statements, and relatives' pseudonyms.

The holder of the collection's rights; a testimony's and a quote's own rights statement (empty:
the one above it applies); a relative's name marked as a pseudonym, with the real name behind it
(researchers only). Rows already there have none of them, as they had none before.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rights_holder", sa.String(), nullable=True))

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rights_uri", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("rights_holder", sa.String(), nullable=True))

    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rights_uri", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("rights_holder", sa.String(), nullable=True))

    with op.batch_alter_table("relative", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pseudonym", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("real_name", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("real_name_native", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("relative", schema=None) as batch_op:
        batch_op.drop_column("real_name_native")
        batch_op.drop_column("real_name")
        batch_op.drop_column("pseudonym")

    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_column("rights_holder")
        batch_op.drop_column("rights_uri")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("rights_holder")
        batch_op.drop_column("rights_uri")

    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.drop_column("rights_holder")
