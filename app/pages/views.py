"""The accessibility statement, its feedback form, and the language choice."""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.access import Admin, identify
from app.accounts.models import User
from app.cards.texts import error_message
from app.db import SessionDep
from app.errors import DomainError
from app.pages import service
from app.web.errors import status_for
from app.web.htmx import render, see_other
from app.web.i18n import LANGUAGE_COOKIE, LANGUAGES

router = APIRouter(include_in_schema=False)


@router.get("/barrierefreiheit", response_class=HTMLResponse)
def accessibility_statement(request: Request, session: SessionDep) -> HTMLResponse:
    """The Erklärung zur Barrierefreiheit with a feedback form."""
    context = {"statement": service.get_statement(session), "sent": "sent" in request.query_params}
    return render(request, "pages/accessibility.html", context)


@router.post("/barrierefreiheit/feedback")
def send_feedback(
    request: Request,
    session: SessionDep,
    message: Annotated[str, Form(max_length=20_000)],
    contact: Annotated[str, Form(max_length=1_000)] = "",
) -> Response:
    """Report a barrier."""
    try:
        service.submit_feedback(
            session, message=message, contact=contact, page=request.headers.get("referer", "")
        )
    except DomainError as error:
        session.rollback()
        context = {"statement": service.get_statement(session), "error": error_message(error)}
        return render(request, "pages/accessibility.html", context, status_code=status_for(error))
    return see_other("/barrierefreiheit?sent=1#feedback")


@router.get("/barrierefreiheit/bearbeiten", response_class=HTMLResponse)
def edit_statement_page(request: Request, session: SessionDep, principal: Admin) -> HTMLResponse:
    """Edit the statement; read the feedback received."""
    return _edit_page(request, session, service.get_statement(session) or "")


def _edit_page(
    request: Request, session: SessionDep, statement: str, error: str = "", status: int = 200
) -> HTMLResponse:
    context = {
        "statement": statement,
        "feedback": service.list_feedback(session),
        "error": error,
    }
    return render(request, "pages/accessibility_edit.html", context, status_code=status)


@router.post("/barrierefreiheit/bearbeiten")
def edit_statement(
    request: Request,
    session: SessionDep,
    principal: Admin,
    body: Annotated[str, Form(max_length=60_000)] = "",
) -> Response:
    """Save the statement (empty: back to the default text); refused, the text typed stays."""
    body = body.replace("\r\n", "\n")
    try:
        service.update_statement(session, body=body, actor=principal.name)
    except DomainError as error:
        session.rollback()
        return _edit_page(request, session, body, error_message(error), status_for(error))
    return see_other("/barrierefreiheit")


@router.post("/sprache")
def choose_language(
    request: Request, session: SessionDep, language: Annotated[str, Form(max_length=10)]
) -> Response:
    """Remember the chosen UI language in a cookie (and on the account: its mails follow it)
    and go back to the page."""
    referer = urlsplit(request.headers.get("referer", ""))
    # Only ever back to a page of this site.
    same_site = referer.netloc == request.url.netloc and referer.path.startswith("/")
    back = referer.path if same_site and not referer.path.startswith("//") else "/"
    if referer.query and back != "/":
        back += "?" + referer.query
    response = see_other(back)
    if language in LANGUAGES:
        principal = identify(request, session)
        user = session.get(User, principal.user_id) if principal and principal.user_id else None
        if user is not None and user.language != language:
            user.language = language  # a preference like the saved view: not logged
            session.add(user)
            session.commit()
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, httponly=True, samesite="lax"
        )
    return response
