"""ID token of a single sign-on session, for the provider's logout

Revision ID: 5b2c9e61d0a4
Revises: f873fa05358e
Create Date: 2026-12-01 11:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b2c9e61d0a4"
down_revision: str | None = "f873fa05358e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_token", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_column("id_token")
