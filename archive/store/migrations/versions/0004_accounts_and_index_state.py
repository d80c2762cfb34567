"""Accounts, API tokens and the index state.

The index state names the index build the database's contents are indexed in.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("archive_user",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("role", sa.String(), nullable=False),
    sa.Column("password_hash", sa.String(), nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("disabled", sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("archive_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_archive_user_name"), ["name"], unique=True)

    op.create_table("index_state",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("build", sa.String(), nullable=True),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("data_version", sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint("id")
    )
    op.create_table("api_token",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("token_hash", sa.String(), nullable=False),
    sa.Column("prefix", sa.String(), nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked", sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["archive_user.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_prefix"), ["prefix"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_token_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_api_token_token_hash"))
        batch_op.drop_index(batch_op.f("ix_api_token_prefix"))

    op.drop_table("api_token")
    op.drop_table("index_state")
    with op.batch_alter_table("archive_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archive_user_name"))

    op.drop_table("archive_user")
