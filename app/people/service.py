"""Departments and lotsen: create, edit, deactivate; delete only what nothing references."""

from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.annotations.models import Annotation
from app.cards.models import Card
from app.errors import Conflict, InvalidInput, NotFound
from app.events import names
from app.events import service as events
from app.people.models import (
    Department,
    DepartmentCreate,
    DepartmentRead,
    DepartmentUpdate,
    Lotse,
    LotseCreate,
    LotseRead,
    LotseUpdate,
)


def _department_json(department: Department) -> dict[str, Any]:
    return DepartmentRead.model_validate(department).model_dump(mode="json")


def _lotse_json(lotse: Lotse) -> dict[str, Any]:
    return LotseRead.model_validate(lotse).model_dump(mode="json")


def list_departments(session: Session, *, include_inactive: bool = True) -> list[Department]:
    """Departments by name."""
    statement = select(Department).order_by(col(Department.name))
    if not include_inactive:
        statement = statement.where(col(Department.active).is_(True))
    return list(session.exec(statement))


def get_department(session: Session, *, department_id: int) -> Department:
    """The department, or NotFound."""
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("department", department_id)
    return department


def _check_department_unique(
    session: Session, *, name: str | None, code: str | None, department_id: int | None
) -> None:
    for field, value in (("name", name), ("code", code)):
        if value is None:
            continue
        column = col(Department.name) if field == "name" else col(Department.code)
        existing = session.exec(select(Department.id).where(column == value)).first()
        if existing is not None and existing != department_id:
            if field == "name":
                raise Conflict(
                    "a department named “%(value)s” exists already",
                    values={"value": value},
                    field=field,
                )
            raise Conflict(
                "a department with the short code “%(value)s” exists already",
                values={"value": value},
                field=field,
            )


def create_department(session: Session, *, data: DepartmentCreate, actor: str) -> Department:
    """A new department; logs department.created."""
    _check_department_unique(session, name=data.name, code=data.code, department_id=None)
    department = Department(**data.model_dump())
    session.add(department)
    session.flush()
    events.append(
        session,
        board_id=None,
        type=names.DEPARTMENT_CREATED,
        actor=actor,
        payload={"after": _department_json(department)},
    )
    events.commit(session)
    return department


def update_department(
    session: Session, *, department_id: int, data: DepartmentUpdate, actor: str
) -> Department:
    """Rename, recode, recolour, deactivate or reactivate; cards keep their department."""
    department = get_department(session, department_id=department_id)
    changes = _non_null(data.model_dump(exclude_unset=True))
    _check_department_unique(
        session, name=changes.get("name"), code=changes.get("code"), department_id=department_id
    )
    before = _department_json(department)
    for field, value in changes.items():
        setattr(department, field, value)
    after = _department_json(department)
    events.record_update(
        session,
        department,
        before,
        after,
        board_id=None,
        type=names.DEPARTMENT_UPDATED,
        actor=actor,
    )
    return department


def delete_department(session: Session, *, department_id: int, actor: str) -> None:
    """Delete a department that no card and no lotse references (else deactivate it)."""
    department = get_department(session, department_id=department_id)
    cards = session.exec(select(Card.id).where(Card.department_id == department_id)).first()
    lotsen = session.exec(select(Lotse.id).where(Lotse.department_id == department_id)).first()
    raised = session.exec(
        select(Annotation.id).where(Annotation.department_id == department_id)
    ).first()
    if cards is not None or lotsen is not None or raised is not None:
        raise Conflict(
            "the department is still referenced by cards, lotsen or annotations; "
            "deactivate it instead"
        )
    payload = {"before": _department_json(department)}
    session.delete(department)
    events.append(
        session, board_id=None, type=names.DEPARTMENT_DELETED, actor=actor, payload=payload
    )
    events.commit(session)


def list_lotsen(
    session: Session, *, department_id: int | None = None, include_inactive: bool = True
) -> list[Lotse]:
    """Lotsen by name, optionally of one department."""
    statement = select(Lotse).order_by(col(Lotse.name), col(Lotse.id))
    if department_id is not None:
        statement = statement.where(Lotse.department_id == department_id)
    if not include_inactive:
        statement = statement.where(col(Lotse.active).is_(True))
    return list(session.exec(statement))


def get_lotse(session: Session, *, lotse_id: int) -> Lotse:
    """The lotse, or NotFound."""
    lotse = session.get(Lotse, lotse_id)
    if lotse is None:
        raise NotFound("lotse", lotse_id)
    return lotse


def _active_department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise InvalidInput("department_id", "number %(id)s does not exist", id=department_id)
    if not department.active:
        raise InvalidInput("department_id", "“%(name)s” is deactivated", name=department.name)
    return department


def create_lotse(session: Session, *, data: LotseCreate, actor: str) -> Lotse:
    """A new lotse in an active department; logs lotse.created."""
    _active_department(session, data.department_id)
    lotse = Lotse(**data.model_dump())
    session.add(lotse)
    session.flush()
    events.append(
        session,
        board_id=None,
        type=names.LOTSE_CREATED,
        actor=actor,
        payload={"after": _lotse_json(lotse)},
    )
    events.commit(session)
    return lotse


def update_lotse(session: Session, *, lotse_id: int, data: LotseUpdate, actor: str) -> Lotse:
    """Rename, move to another department, deactivate or reactivate a lotse."""
    lotse = get_lotse(session, lotse_id=lotse_id)
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "department_id", "active"):
        if field in changes and changes[field] is None:
            raise InvalidInput(field, "cannot be empty")
    if "department_id" in changes and changes["department_id"] != lotse.department_id:
        _active_department(session, changes["department_id"])
    before = _lotse_json(lotse)
    for field, value in changes.items():
        setattr(lotse, field, value)
    after = _lotse_json(lotse)
    events.record_update(
        session, lotse, before, after, board_id=None, type=names.LOTSE_UPDATED, actor=actor
    )
    return lotse


def delete_lotse(session: Session, *, lotse_id: int, actor: str) -> None:
    """Delete a lotse no card references (else deactivate them)."""
    lotse = get_lotse(session, lotse_id=lotse_id)
    if session.exec(select(Card.id).where(Card.lotse_id == lotse_id)).first() is not None:
        raise Conflict("the lotse still owns cards; deactivate them instead")
    named = select(Annotation.id).where(
        or_(
            col(Annotation.raised_by_id) == lotse_id, col(Annotation.next_step_lotse_id) == lotse_id
        )
    )
    if session.exec(named).first() is not None:
        raise Conflict("annotations name the lotse; deactivate them instead")
    payload = {"before": _lotse_json(lotse)}
    session.delete(lotse)
    events.append(session, board_id=None, type=names.LOTSE_DELETED, actor=actor, payload=payload)
    events.commit(session)


def _non_null(changes: dict[str, Any]) -> dict[str, Any]:
    for field, value in changes.items():
        if value is None:
            raise InvalidInput(field, "cannot be empty")
    return changes
