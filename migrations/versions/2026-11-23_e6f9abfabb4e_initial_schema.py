"""Initial schema: boards, phases, departments, lotsen, cards, tags and the event log.

Revision ID: e6f9abfabb4e
Revises:
Create Date: 2026-11-23 12:48:46.679054+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e6f9abfabb4e"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=20000), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board")),
    )
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("code", name=op.f("uq_department_code")),
        sa.UniqueConstraint("name", name=op.f("uq_department_name")),
    )
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"], name=op.f("fk_event_board_id_board")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("board_id", "seq", name=op.f("uq_event_board_id_seq")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_card_id"), ["card_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_type"), ["type"], unique=False)
        batch_op.create_index(
            "uq_event_global_seq",
            ["seq"],
            unique=True,
            sqlite_where=sa.text("board_id IS NULL"),
            postgresql_where=sa.text("board_id IS NULL"),
        )

    op.create_table(
        "lotse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_lotse_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lotse")),
    )
    with op.batch_alter_table("lotse", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lotse_department_id"), ["department_id"], unique=False)

    op.create_table(
        "phase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("wip_limit", sa.Integer(), nullable=True),
        sa.Column("wip_mode", sa.String(length=8), nullable=False),
        sa.Column("is_done", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"], name=op.f("fk_phase_board_id_board")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase")),
        sa.UniqueConstraint("board_id", "name", name=op.f("uq_phase_board_id_name")),
    )
    with op.batch_alter_table("phase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phase_board_id"), ["board_id"], unique=False)

    op.create_table(
        "card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=20000), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("lotse_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("size", sa.String(length=2), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"], name=op.f("fk_card_board_id_board")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_card_department_id_department")
        ),
        sa.ForeignKeyConstraint(["lotse_id"], ["lotse.id"], name=op.f("fk_card_lotse_id_lotse")),
        sa.ForeignKeyConstraint(["phase_id"], ["phase.id"], name=op.f("fk_card_phase_id_phase")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card")),
    )
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_board_id"), ["board_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_card_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_card_lotse_id"), ["lotse_id"], unique=False)
        batch_op.create_index(
            "ix_card_phase_order", ["phase_id", "archived", "position"], unique=False
        )

    op.create_table(
        "card_tag",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["card.id"], name=op.f("fk_card_tag_card_id_card"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("card_id", "tag", name=op.f("pk_card_tag")),
    )
    with op.batch_alter_table("card_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_tag_tag"), ["tag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("card_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_tag_tag"))

    op.drop_table("card_tag")
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.drop_index("ix_card_phase_order")
        batch_op.drop_index(batch_op.f("ix_card_lotse_id"))
        batch_op.drop_index(batch_op.f("ix_card_department_id"))
        batch_op.drop_index(batch_op.f("ix_card_board_id"))

    op.drop_table("card")
    with op.batch_alter_table("phase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phase_board_id"))

    op.drop_table("phase")
    with op.batch_alter_table("lotse", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lotse_department_id"))

    op.drop_table("lotse")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_event_global_seq",
            sqlite_where=sa.text("board_id IS NULL"),
            postgresql_where=sa.text("board_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_event_type"))
        batch_op.drop_index(batch_op.f("ix_event_card_id"))

    op.drop_table("event")
    op.drop_table("department")
    op.drop_table("board")
