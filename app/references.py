"""Rows a change points at (department, lotse, category …) must exist, and new ones be active."""

from typing import Any

from sqlmodel import Session

from app.errors import InvalidInput


def check_active(
    session: Session, values: dict[str, Any], current: object | None, fields: dict[str, Any]
) -> None:
    """For each `field: model` given in `values`: the row exists and, when newly assigned, is
    active (keeping a reference to a row deactivated since is allowed)."""
    for field, model in fields.items():
        wanted = values.get(field)
        if wanted is None:
            continue
        if current is not None and getattr(current, field) == wanted:
            continue
        row = session.get(model, wanted)
        if row is None:
            raise InvalidInput(field, "number %(id)s does not exist", id=wanted)
        if not getattr(row, "active", False):
            name = getattr(row, "name", wanted)
            raise InvalidInput(field, "“%(name)s” is deactivated", name=name)
