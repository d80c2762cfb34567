"""The data version of each change-log row.

Each ``record_change`` row an import writes carries the data version its commit gives the
database, so a web node finds the people changed since its build by version, whatever the
importers' clocks say. Rows written before are left empty: a node reads them by their stamps,
with its clock margin, as before (``archive/search/node_sync.py``).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("record_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_version", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_record_change_data_version"), ["data_version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("record_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_change_data_version"))
        batch_op.drop_column("data_version")
