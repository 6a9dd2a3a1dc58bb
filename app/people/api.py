"""JSON routes for departments and lotsen."""

from fastapi import APIRouter, Response

from app.accounts.access import Admin, Reader
from app.db import SessionDep
from app.people import service
from app.people.models import (
    DepartmentCreate,
    DepartmentRead,
    DepartmentUpdate,
    LotseCreate,
    LotseRead,
    LotseUpdate,
)
from app.types import PathId

router = APIRouter(tags=["people"])


@router.get("/departments", response_model=list[DepartmentRead])
def list_departments(
    session: SessionDep, _principal: Reader, include_inactive: bool = True
) -> object:
    """Departments by name."""
    return service.list_departments(session, include_inactive=include_inactive)


@router.post("/departments", response_model=DepartmentRead, status_code=201)
def create_department(data: DepartmentCreate, session: SessionDep, principal: Admin) -> object:
    """Create a department."""
    return service.create_department(session, data=data, actor=principal.name)


@router.get("/departments/{department_id}", response_model=DepartmentRead)
def read_department(department_id: PathId, session: SessionDep, _principal: Reader) -> object:
    """One department."""
    return service.get_department(session, department_id=department_id)


@router.patch("/departments/{department_id}", response_model=DepartmentRead)
def update_department(
    department_id: PathId, data: DepartmentUpdate, session: SessionDep, principal: Admin
) -> object:
    """Edit, deactivate (`active: false`) or reactivate a department."""
    return service.update_department(
        session, department_id=department_id, data=data, actor=principal.name
    )


@router.delete("/departments/{department_id}", status_code=204)
def delete_department(department_id: PathId, session: SessionDep, principal: Admin) -> Response:
    """Delete an unreferenced department; 409 when cards or lotsen still use it."""
    service.delete_department(session, department_id=department_id, actor=principal.name)
    return Response(status_code=204)


@router.get("/lotsen", response_model=list[LotseRead])
def list_lotsen(
    session: SessionDep,
    _principal: Reader,
    department: int | None = None,
    include_inactive: bool = True,
) -> object:
    """Lotsen by name, optionally of one department."""
    return service.list_lotsen(session, department_id=department, include_inactive=include_inactive)


@router.post("/lotsen", response_model=LotseRead, status_code=201)
def create_lotse(data: LotseCreate, session: SessionDep, principal: Admin) -> object:
    """Create a lotse in an active department."""
    return service.create_lotse(session, data=data, actor=principal.name)


@router.get("/lotsen/{lotse_id}", response_model=LotseRead)
def read_lotse(lotse_id: PathId, session: SessionDep, _principal: Reader) -> object:
    """One lotse."""
    return service.get_lotse(session, lotse_id=lotse_id)


@router.patch("/lotsen/{lotse_id}", response_model=LotseRead)
def update_lotse(
    lotse_id: PathId, data: LotseUpdate, session: SessionDep, principal: Admin
) -> object:
    """Edit, deactivate or reactivate a lotse."""
    return service.update_lotse(session, lotse_id=lotse_id, data=data, actor=principal.name)


@router.delete("/lotsen/{lotse_id}", status_code=204)
def delete_lotse(lotse_id: PathId, session: SessionDep, principal: Admin) -> Response:
    """Delete a lotse who owns no cards; 409 otherwise."""
    service.delete_lotse(session, lotse_id=lotse_id, actor=principal.name)
    return Response(status_code=204)
