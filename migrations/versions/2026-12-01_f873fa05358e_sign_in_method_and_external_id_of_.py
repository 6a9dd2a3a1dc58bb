"""Sign-in method and external id of accounts, identity provider session, anonymised people

Revision ID: f873fa05358e
Revises: b0f8d7388712
Create Date: 2026-12-01 01:59:05.853809+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f873fa05358e"
down_revision: str | None = "b0f8d7388712"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sso_sid", sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f("ix_login_session_sso_sid"), ["sso_sid"], unique=False)

    with op.batch_alter_table("lotse", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auth_source", sa.String(length=8), nullable=False, server_default="local")
        )
        batch_op.add_column(sa.Column("external_id", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_user_external_id"), ["external_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_external_id"))
        batch_op.drop_column("anonymised_at")
        batch_op.drop_column("external_id")
        batch_op.drop_column("auth_source")

    with op.batch_alter_table("lotse", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")

    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_sso_sid"))
        batch_op.drop_column("sso_sid")
