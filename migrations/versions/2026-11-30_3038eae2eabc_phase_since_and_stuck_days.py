"""When a card entered its phase (filled from the log next), and after how many days in one
phase a board calls a card stuck.

Revision ID: 3038eae2eabc
Revises: 90739db5ab86
Create Date: 2026-11-30 08:32:28.995836+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3038eae2eabc"
down_revision: str | None = "90739db5ab86"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("board", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stuck_after_days", sa.Integer(), nullable=False, server_default="21")
        )
    # A placeholder the next migration replaces from the log for every card.
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "phase_since",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default="1970-01-01 00:00:00",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.drop_column("phase_since")
    with op.batch_alter_table("board", schema=None) as batch_op:
        batch_op.drop_column("stuck_after_days")
