"""Key of the installation, naming its channel on a shared Redis server

Revision ID: 8d2e415b1acc
Revises: 5b2c9e61d0a4
Create Date: 2026-12-01 14:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d2e415b1acc"
down_revision: str | None = "5b2c9e61d0a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The key itself is made at first use (app/realtime/instance.py), by whichever process
    # comes first.
    op.create_table(
        "instance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance")),
    )


def downgrade() -> None:
    op.drop_table("instance")
