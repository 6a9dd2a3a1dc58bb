"""HTML settings for departments and lotsen."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.accounts.access import Admin
from app.db import SessionDep
from app.people import service
from app.people.models import DepartmentCreate, DepartmentUpdate, LotseCreate, LotseUpdate
from app.types import PathId
from app.web.forms import run_form
from app.web.htmx import render

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=1000)]


def _page(
    request: Request,
    session: Session,
    template: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "departments": service.list_departments(session),
        "lotsen": service.list_lotsen(session),
        "error": error,
    }
    return render(request, template, context, status_code=status)


def _apply(
    request: Request, session: Session, template: str, url: str, action: Callable[[], object]
) -> Response:
    return run_form(
        session,
        action,
        done=url,
        refused=lambda error, status: _page(request, session, template, error=error, status=status),
    )


@router.get("/settings/departments", response_class=HTMLResponse)
def departments_page(request: Request, session: SessionDep, principal: Admin) -> HTMLResponse:
    """Departments with name, short code, colour and whether they are active."""
    return _page(request, session, "people/departments.html")


@router.post("/settings/departments")
def department_create_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    name: Text,
    code: Text,
    colour: Text = "#5b6770",
) -> Response:
    """Add a department."""
    return _apply(
        request,
        session,
        "people/departments.html",
        "/settings/departments",
        lambda: service.create_department(
            session,
            data=DepartmentCreate(name=name, code=code, colour=colour),
            actor=principal.name,
        ),
    )


@router.post("/settings/departments/{department_id}")
def department_update_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    department_id: PathId,
    name: Text,
    code: Text,
    colour: Text,
    active: Annotated[bool, Form()] = False,
) -> Response:
    """Edit, deactivate or reactivate a department."""
    data = {"name": name, "code": code, "colour": colour, "active": active}
    return _apply(
        request,
        session,
        "people/departments.html",
        "/settings/departments",
        lambda: service.update_department(
            session,
            department_id=department_id,
            data=DepartmentUpdate.model_validate(data),
            actor=principal.name,
        ),
    )


def lotsen_page_response(
    request: Request, session: Session, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    return _page(request, session, "people/lotsen.html", error=error, status=status)


@router.get("/settings/lotsen", response_class=HTMLResponse)
def lotsen_page(request: Request, session: SessionDep, principal: Admin) -> HTMLResponse:
    """Lotsen with their department and whether they are active."""
    return _page(request, session, "people/lotsen.html")


def _lotse_fields(name: str, department_id: str, email: str) -> dict[str, Any]:
    return {
        "name": name,
        "department_id": int(department_id) if department_id.isdigit() else department_id,
        "email": email.strip() or None,
    }


@router.post("/settings/lotsen")
def lotse_create_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    name: Text,
    department_id: Text,
    email: Text = "",
) -> Response:
    """Add a lotse."""
    data = _lotse_fields(name, department_id, email)
    return _apply(
        request,
        session,
        "people/lotsen.html",
        "/settings/lotsen",
        lambda: service.create_lotse(
            session, data=LotseCreate.model_validate(data), actor=principal.name
        ),
    )


@router.post("/settings/lotsen/{lotse_id}")
def lotse_update_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    lotse_id: PathId,
    name: Text,
    department_id: Text,
    email: Text = "",
    active: Annotated[bool, Form()] = False,
) -> Response:
    """Edit, deactivate or reactivate a lotse."""
    data = {**_lotse_fields(name, department_id, email), "active": active}
    return _apply(
        request,
        session,
        "people/lotsen.html",
        "/settings/lotsen",
        lambda: service.update_lotse(
            session, lotse_id=lotse_id, data=LotseUpdate.model_validate(data), actor=principal.name
        ),
    )
