"""Data: when each card entered its phase, read from the event log (creation, moves to
another phase, removed phases); cards without such events count from their creation.

Revision ID: 5b1e0c7d2a91
Revises: 3038eae2eabc
Create Date: 2026-11-30 08:40:00.000000+00:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "5b1e0c7d2a91"
down_revision: str | None = "3038eae2eabc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

card = sa.table(
    "card",
    sa.column("id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("phase_since", sa.DateTime(timezone=True)),
)
event = sa.table(
    "event",
    sa.column("id", sa.Integer),
    sa.column("type", sa.String),
    sa.column("card_id", sa.Integer),
    sa.column("payload", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def _payload(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else (value or {})


def upgrade() -> None:
    connection = op.get_bind()
    entered: dict[int, Any] = dict(
        connection.execute(sa.select(card.c.id, card.c.created_at)).all()
    )
    rows = connection.execute(
        sa.select(event.c.type, event.c.card_id, event.c.payload, event.c.created_at)
        .where(event.c.type.in_(["card.moved", "phase.removed"]))
        .order_by(event.c.id)
    )
    for kind, card_id, payload, created_at in rows:
        payload = _payload(payload)
        if kind == "card.moved" and card_id in entered:
            before, after = payload.get("before") or {}, payload.get("after") or {}
            if before.get("phase_id") != after.get("phase_id"):
                entered[card_id] = created_at
        elif kind == "phase.removed":
            for moved in payload.get("card_ids") or []:
                if moved in entered:
                    entered[moved] = created_at
    for card_id, moment in entered.items():
        connection.execute(card.update().where(card.c.id == card_id).values(phase_since=moment))


def downgrade() -> None:
    # The column goes with the schema migration before this one.
    pass
