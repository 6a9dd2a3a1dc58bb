"""The phase in which a board's cycle time starts (empty: the reports' default).

Revision ID: b0f8d7388712
Revises: a1c3e5f7b9d2
Create Date: 2026-11-30 20:40:17.288252+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b0f8d7388712"
down_revision: str | None = "a1c3e5f7b9d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("board", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_phase_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("board", schema=None) as batch_op:
        batch_op.drop_column("started_phase_id")
