"""Accounts linked to their lotse, one-time password reset links, and the view each person
last had of a board.

Revision ID: 32fe2135a68f
Revises: 5b1e0c7d2a91
Create Date: 2026-11-30 08:37:00.572267+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "32fe2135a68f"
down_revision: str | None = "5b1e0c7d2a91"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_password_reset_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash")),
    )
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_user_id"), ["user_id"], unique=False)

    op.create_table(
        "saved_view",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"], ["board.id"], name=op.f("fk_saved_view_board_id_board")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_saved_view_user_id_user")),
        sa.PrimaryKeyConstraint("user_id", "board_id", name=op.f("pk_saved_view")),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lotse_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_user_lotse_id"), ["lotse_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_user_lotse_id_lotse"), "lotse", ["lotse_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_user_lotse_id_lotse"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_user_lotse_id"), type_="unique")
        batch_op.drop_column("lotse_id")

    op.drop_table("saved_view")
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_user_id"))

    op.drop_table("password_reset")
