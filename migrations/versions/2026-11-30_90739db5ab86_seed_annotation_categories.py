"""Data: the annotation categories every Kommune starts with (admins edit them later).

Revision ID: 90739db5ab86
Revises: 80b8b87b0c36
Create Date: 2026-11-30 06:01:12.000000+00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "90739db5ab86"
down_revision: str | None = "80b8b87b0c36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: the app's code may change, what this migration inserted does not.
CATEGORIES = [
    "Datenschutz",
    "Personalrat/Mitbestimmung",
    "Recht/Vergabe",
    "Technik/Schnittstellen",
    "Ressourcen/Zeit",
    "Akzeptanz/Gewohnheit",
    "Finanzierung/Fördermittel",
    "Sonstiges",
]

category = sa.table(
    "annotation_category",
    sa.column("name", sa.String),
    sa.column("position", sa.Integer),
    sa.column("active", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
annotation = sa.table("annotation", sa.column("category_id", sa.Integer))
category_id = sa.table("annotation_category", sa.column("id", sa.Integer), sa.column("name"))


def upgrade() -> None:
    connection = op.get_bind()
    existing = set(connection.execute(sa.select(category.c.name)).scalars())
    now = datetime.now(UTC)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC text, as the app does
    rows = [
        {"name": name, "position": index, "active": True, "created_at": now, "updated_at": now}
        for index, name in enumerate(CATEGORIES)
        if name not in existing
    ]
    if rows:
        op.bulk_insert(category, rows)


def downgrade() -> None:
    # Only seeded categories no annotation uses; the schema's downgrade drops the rest.
    used = sa.select(annotation.c.category_id).where(annotation.c.category_id.is_not(None))
    op.execute(
        category_id.delete().where(
            category_id.c.name.in_(CATEGORIES), category_id.c.id.not_in(used)
        )
    )
