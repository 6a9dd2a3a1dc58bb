"""Accessibility statement text and the feedback it collects.

Revision ID: 5afffc674425
Revises: e6f9abfabb4e
Create Date: 2026-11-23 13:19:58.480886+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5afffc674425"
down_revision: str | None = "e6f9abfabb4e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=5000), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("page", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_table(
        "site_text",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("body", sa.String(length=50000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_text")),
    )


def downgrade() -> None:
    op.drop_table("site_text")
    op.drop_table("feedback")
