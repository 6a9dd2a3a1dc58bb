"""Data protection for admins: the Datenschutz page, a person's Art. 15 export, anonymising a
person who left."""

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.responses import JSONResponse

from app import clock
from app.accounts.access import Admin
from app.accounts.views import users_page_response
from app.db import SessionDep
from app.errors import InvalidInput
from app.people.views import lotsen_page_response
from app.privacy import anonymise, disclosure
from app.types import PathId
from app.web.forms import run_form
from app.web.htmx import render

router = APIRouter(include_in_schema=False)
Confirm = Annotated[str, Form(max_length=10)]


@router.get("/settings/datenschutz", response_class=HTMLResponse)
def privacy_page(request: Request, principal: Admin) -> HTMLResponse:
    """What Lotsenboard stores about people, why and how long, from the settings in effect:
    a text a Kommune can attach to its Dienstvereinbarung."""
    settings = request.app.state.settings
    today = clock.now().astimezone(settings.zone).date()
    return render(request, "privacy/datenschutz.html", {"settings": settings, "today": today})


def _export(found: dict[str, object], name: str) -> Response:
    return JSONResponse(
        found,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/settings/users/{user_id}/auskunft.json")
def user_disclosure(
    request: Request, user_id: PathId, session: SessionDep, principal: Admin
) -> Response:
    """Everything stored about the person of an account (DSGVO Art. 15), as JSON."""
    found = disclosure.disclose(session, user_id=user_id, settings=request.app.state.settings)
    return _export(found, f"auskunft-konto-{user_id}.json")


@router.get("/settings/lotsen/{lotse_id}/auskunft.json")
def lotse_disclosure(
    request: Request, lotse_id: PathId, session: SessionDep, principal: Admin
) -> Response:
    """Everything stored about a lotse (and her account, if any), as JSON."""
    found = disclosure.disclose(session, lotse_id=lotse_id, settings=request.app.state.settings)
    return _export(found, f"auskunft-lotse-{lotse_id}.json")


@router.post("/settings/users/{user_id}/anonymisieren")
def user_anonymise(
    request: Request, user_id: PathId, session: SessionDep, principal: Admin, confirm: Confirm = ""
) -> Response:
    """Replace a departed person's name and address everywhere; her work stays."""
    return _anonymise(
        confirm,
        lambda: anonymise.anonymise(session, user_id=user_id, actor=principal.name),
        session,
        done="/settings/users",
        refused=lambda error, status: users_page_response(
            request, session, error=error, status=status
        ),
    )


@router.post("/settings/lotsen/{lotse_id}/anonymisieren")
def lotse_anonymise(
    request: Request, lotse_id: PathId, session: SessionDep, principal: Admin, confirm: Confirm = ""
) -> Response:
    """Replace a departed lotse's name and address everywhere; her work stays."""
    return _anonymise(
        confirm,
        lambda: anonymise.anonymise(session, lotse_id=lotse_id, actor=principal.name),
        session,
        done="/settings/lotsen",
        refused=lambda error, status: lotsen_page_response(
            request, session, error=error, status=status
        ),
    )


def _anonymise(
    confirm: str,
    act: Callable[[], str],
    session: Session,
    *,
    done: str,
    refused: Callable[[str, int], Response],
) -> Response:
    """Anonymise once confirmed; the page after it names the pseudonym the person now has."""
    pseudonym: list[str] = []

    def confirmed() -> None:
        if confirm != "true":
            raise InvalidInput("confirm", "please confirm that the person has left")
        pseudonym.append(act())

    answer = run_form(session, confirmed, done=done, refused=refused)
    if pseudonym:
        answer.headers["location"] += "?" + urlencode({"anonymisiert": pseudonym[0]})
    return answer
