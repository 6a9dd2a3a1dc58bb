"""Concerns and resistances: annotations on cards, their discussion notes and categories;
the board setting whether blocked cards count toward WIP limits.

Revision ID: 80b8b87b0c36
Revises: 9ce389f81496
Create Date: 2026-11-30 05:58:50.964103+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "80b8b87b0c36"
down_revision: str | None = "9ce389f81496"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annotation_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation_category")),
        sa.UniqueConstraint("name", name=op.f("uq_annotation_category_name")),
    )
    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("text", sa.String(length=20000), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("blocks_card", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("resolution", sa.String(length=4000), nullable=False),
        sa.Column("withdrawal_reason", sa.String(length=4000), nullable=False),
        sa.Column("next_step", sa.String(length=500), nullable=False),
        sa.Column("next_step_lotse_id", sa.Integer(), nullable=True),
        sa.Column("next_step_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"], name=op.f("fk_annotation_card_id_card")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["annotation_category.id"],
            name=op.f("fk_annotation_category_id_annotation_category"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_annotation_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["next_step_lotse_id"],
            ["lotse.id"],
            name=op.f("fk_annotation_next_step_lotse_id_lotse"),
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["lotse.id"], name=op.f("fk_annotation_raised_by_id_lotse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation")),
    )
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.create_index("ix_annotation_card_status", ["card_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_annotation_category_id"), ["category_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_annotation_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "annotation_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotation_id"],
            ["annotation.id"],
            name=op.f("fk_annotation_note_annotation_id_annotation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation_note")),
    )
    with op.batch_alter_table("annotation_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_annotation_note_annotation_id"), ["annotation_id"], unique=False
        )

    with op.batch_alter_table("board", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wip_counts_blocked", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("board", schema=None) as batch_op:
        batch_op.drop_column("wip_counts_blocked")

    with op.batch_alter_table("annotation_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotation_note_annotation_id"))

    op.drop_table("annotation_note")
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotation_department_id"))
        batch_op.drop_index(batch_op.f("ix_annotation_category_id"))
        batch_op.drop_index("ix_annotation_card_status")

    op.drop_table("annotation")
    op.drop_table("annotation_category")
