"""chosen language for mails

Revision ID: a1c3e5f7b9d2
Revises: 5838b65c8ddc
Create Date: 2026-11-30 15:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1c3e5f7b9d2"
down_revision: str | None = "5838b65c8ddc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("user", "digest_subscription"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("language", sa.String(length=2), nullable=False, server_default="")
            )


def downgrade() -> None:
    for table in ("digest_subscription", "user"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("language")
