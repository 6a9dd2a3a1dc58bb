"""Login, logout, the own account (password, API tokens) and the admin's user list."""

import secrets
import time
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.accounts import directory, logins, oidc, resets, service, sso, tokens
from app.accounts.access import (
    ANON_CSRF_COOKIE,
    SESSION_COOKIE,
    Admin,
    Reader,
    can_read_board,
    client_ip,
)
from app.accounts.models import AuthSource, Role, User, UserCreate, UserUpdate
from app.boards.service import list_boards
from app.cards.texts import error_message
from app.db import DatabaseDep, SessionDep
from app.digest import subscriptions
from app.errors import DomainError
from app.people import service as people
from app.types import PathId
from app.web.errors import status_for
from app.web.forms import form_ids, run_form
from app.web.htmx import render, see_other
from app.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=1000)]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//host`, a scheme, or a backslash trick."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/"
    return target


def login_page_response(
    request: Request, *, next_url: str, error: str | None, status: int, login: str = ""
) -> Response:
    """The login page: the town hall's single sign-on, if set up, and the password form (with
    the address or user name of a refused attempt filled in again)."""
    token = request.cookies.get(ANON_CSRF_COOKIE) or secrets.token_urlsafe(32)
    settings = request.app.state.settings
    context: dict[str, Any] = {
        "next": next_url,
        "error": error,
        "oidc": settings.oidc_enabled,
        "ldap": settings.ldap_enabled,
        "local_for_admins_only": settings.local_login == "admins",
        "logged_out": "abgemeldet" in request.query_params,
        "login_csrf": token,
        "login": login,
        "help_contact": settings.help_contact,
        "reset_done": "reset" in request.query_params,
    }
    response = render(request, "accounts/login.html", context, status_code=status)
    response.set_cookie(
        ANON_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    """The login form."""
    return login_page_response(request, next_url=safe_next(next), error=None, status=200)


@router.post("/login")
def login(
    request: Request,
    db: DatabaseDep,
    email: Text,
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the credentials (throttled), rotate the session, go on to `next`."""
    settings = request.app.state.settings
    expected = request.cookies.get(ANON_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return login_page_response(
            request,
            next_url=safe_next(next),
            error=_("The form expired; please try again."),
            status=403,
            login=email,
        )
    ip = client_ip(request)
    with db.session(write=True) as session:
        check = service.login_check(session, email=email.strip().lower(), ip=ip, settings=settings)
    if check.pair_failures >= settings.login_slow_after:
        time.sleep(settings.login_delay_seconds)
    try:
        with db.session(write=True) as session:
            user = logins.password_login(
                session, login=email, password=password, ip=ip, settings=settings
            )
            token, _login = service.start_session(session, user=user, ip=ip)
    except service.LoginThrottled:
        message = _(
            "Too many failed attempts. Please wait %(minutes)s minutes.",
            minutes=settings.login_window_minutes,
        )
        return login_page_response(
            request, next_url=safe_next(next), error=message, status=429, login=email
        )
    except service.InvalidCredentials:
        message = _("Email or password is wrong.")
        return login_page_response(
            request, next_url=safe_next(next), error=message, status=401, login=email
        )
    except (logins.LocalLoginOff, sso.NoAccount, directory.DirectoryUnavailable) as refused:
        status = 503 if isinstance(refused, directory.DirectoryUnavailable) else 403
        message = refusal(refused)
        return login_page_response(
            request, next_url=safe_next(next), error=message, status=status, login=email
        )
    return logged_in(request, token, next_url=next)


def refusal(error: DomainError) -> str:
    """Why a login was refused, in the person's language."""
    if isinstance(error, directory.DirectoryUnavailable):
        return _(
            "The directory (Active Directory) does not answer. Please try again later; "
            "administrators with an account kept here can still log in."
        )
    return _(error.template, **error.values)


def logged_in(request: Request, token: str, *, next_url: str) -> Response:
    """On to `next_url` with the new session's cookie."""
    settings = request.app.state.settings
    response = see_other(safe_next(next_url))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_max_hours * 3600,
    )
    response.delete_cookie(ANON_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, principal: Reader) -> Response:
    """End this session server-side and drop the cookie; a person who came through the
    identity provider is logged out there too (RP-initiated logout), where it offers that."""
    target = "/login"
    if principal.session_id is not None:
        id_token = service.end_session(session, login_id=principal.session_id, actor=principal.name)
        user = session.get(User, principal.user_id)
        settings = request.app.state.settings
        if user is not None and user.auth_source == AuthSource.oidc and settings.oidc_enabled:
            back = settings.base_url.rstrip("/") + "/login?abgemeldet"
            found = oidc.provider(settings).logout_url(back_to=back, id_token=id_token)
            target = found or target
    response = see_other(target)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _account_page(
    request: Request,
    session: Session,
    principal: Any,
    *,
    error: str | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    user = service.get_user(session, user_id=principal.user_id) if principal.user_id else None
    context = {
        "tokens": tokens.list_tokens(session, user_id=principal.user_id)
        if principal.user_id
        else [],
        "new_token": new_token,
        "error": error,
        "saved": "saved" in request.query_params,
        "digest": subscriptions.choice_of(session, user) if user else None,
        "digest_boards": _readable_boards(session, principal),
        "departments": [d for d in people.list_departments(session) if d.active],
    }
    return render(request, "accounts/account.html", context, status_code=status)


def _readable_boards(session: Session, principal: Any) -> list[Any]:
    return [b for b in list_boards(session) if can_read_board(session, principal, b)]


@router.post("/account/wochenuebersicht")
def digest_form(
    request: Request,
    session: SessionDep,
    principal: Reader,
    active: Annotated[str, Form(max_length=5)] = "",
    board_ids: Annotated[list[str] | None, Form()] = None,
    department_ids: Annotated[list[str] | None, Form()] = None,
    skip_empty: Annotated[str, Form(max_length=5)] = "",
    language: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The own weekly digest: whether, which boards and departments, empty weeks or not, and
    in which language."""
    try:
        user = service.get_user(session, user_id=principal.user_id or 0)
        choice = subscriptions.Choice(
            active=active == "true",
            board_ids=form_ids(board_ids, "board_ids"),
            department_ids=form_ids(department_ids, "department_ids"),
            skip_empty=skip_empty == "true",
            language=language,
        )
        readable = {b.id for b in _readable_boards(session, principal) if b.id is not None}
        subscriptions.choose(session, user=user, choice=choice, board_ids=readable)
    except DomainError as error:
        session.rollback()
        return _account_page(
            request, session, principal, error=error_message(error), status=status_for(error)
        )
    return see_other("/account#wochenuebersicht")


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, session: SessionDep, principal: Reader) -> HTMLResponse:
    """Change the own password; manage personal API tokens."""
    return _account_page(request, session, principal)


@router.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    principal: Reader,
    current_password: Annotated[str, Form(max_length=200)],
    new_password: Annotated[str, Form(max_length=1000)],
) -> Response:
    """Set a new password; every other session of the account ends."""
    try:
        service.check_new_password(new_password, field="new_password")
        service.change_password(
            session,
            user_id=principal.user_id or 0,
            current=current_password,
            new=new_password,
            keep_session_id=principal.session_id,
        )
    except DomainError as error:
        session.rollback()
        return _account_page(
            request, session, principal, error=error_message(error), status=status_for(error)
        )
    return see_other("/account?saved=1")


@router.post("/account/tokens")
def token_create_form(
    request: Request, session: SessionDep, principal: Reader, name: Text
) -> Response:
    """A new personal API token, shown once."""
    user = service.get_user(session, user_id=principal.user_id or 0)
    plain, _token = tokens.create_token(
        session, user=user, name=name.strip()[:120] or "API", ip=client_ip(request)
    )
    return _account_page(request, session, principal, new_token=plain)


@router.post("/account/tokens/{token_id}/revoke")
def token_revoke_form(
    request: Request, session: SessionDep, principal: Reader, token_id: PathId
) -> Response:
    """Revoke one of the own tokens."""
    tokens.revoke_token(
        session,
        token_id=token_id,
        user_id=principal.user_id or 0,
        actor=principal.name,
        ip=client_ip(request),
    )
    return see_other("/account")


def users_page_response(
    request: Request,
    session: Session,
    *,
    error: str | None = None,
    status: int = 200,
    reset_link: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "users": service.list_users(session),
        "roles": list(Role),
        "lotsen": people.list_lotsen(session),
        "error": error,
        "reset_link": reset_link,
    }
    return render(request, "accounts/users.html", context, status_code=status)


@router.get("/settings/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, principal: Admin) -> HTMLResponse:
    """Accounts with their roles."""
    return users_page_response(request, session)


@router.post("/settings/users")
def user_create_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    email: Text,
    name: Text,
    role: Text,
    password: Annotated[str, Form(max_length=1000)],
    lotse_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Create an account (linked to its person's lotse record, if given or found by email)."""
    values: dict[str, Any] = {"email": email, "name": name, "role": role, "password": password}
    if lotse_id.isdigit():
        values["lotse_id"] = int(lotse_id)
    return _apply_to_users(
        request,
        session,
        lambda: service.create_user(
            session,
            data=UserCreate.model_validate(values),
            actor=principal.name,
            ip=client_ip(request),
        ),
    )


@router.post("/settings/users/{user_id}")
def user_update_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    user_id: PathId,
    name: Text,
    role: Text,
    active: Annotated[bool, Form()] = False,
    lotse_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Change an account's name, role, lotse record or whether it is active."""
    values = {
        "name": name,
        "role": role,
        "active": active,
        "lotse_id": int(lotse_id) if lotse_id.isdigit() else None,
    }
    return _apply_to_users(
        request,
        session,
        lambda: service.update_user(
            session,
            user_id=user_id,
            data=UserUpdate.model_validate(values),
            actor=principal.name,
            ip=client_ip(request),
        ),
    )


def _apply_to_users(request: Request, session: Session, action: Callable[[], object]) -> Response:
    """Run one account change; on success back to the list, else the list with the reason."""
    return run_form(
        session,
        action,
        done="/settings/users",
        refused=lambda error, status: users_page_response(
            request, session, error=error, status=status
        ),
    )


@router.post("/settings/users/{user_id}/reset")
def reset_link_form(
    request: Request, session: SessionDep, principal: Admin, user_id: PathId
) -> Response:
    """Make a one-time link with which the person sets a new password; shown once."""
    user = service.get_user(session, user_id=user_id)
    settings = request.app.state.settings
    plain = resets.create_reset(
        session,
        user=user,
        actor=principal.name,
        hours=settings.password_reset_hours,
        ip=client_ip(request),
    )
    url = f"{settings.base_url.rstrip('/')}/passwort/{plain}"
    return users_page_response(request, session, reset_link={"name": user.name, "url": url})


def _reset_page(
    request: Request, token: str, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    return render(
        request, "accounts/reset.html", {"token": token, "error": error}, status_code=status
    )


@router.get("/passwort/{token}", response_class=HTMLResponse)
def reset_page(
    request: Request, session: SessionDep, token: Annotated[str, Path(max_length=100)]
) -> HTMLResponse:
    """Set a new password with a link from an admin (no login needed; once; it expires)."""
    if resets.resolve_reset(session, plain=token) is None:
        return render(request, "accounts/reset_gone.html", {}, status_code=410)
    response = _reset_page(request, token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/passwort/{token}")
def reset_form(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Path(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    repeated: Annotated[str, Form(max_length=1000)],
) -> Response:
    """Store the new password; every session of the account ends; then to the login."""
    if resets.resolve_reset(session, plain=token) is None:
        return render(request, "accounts/reset_gone.html", {}, status_code=410)
    if password != repeated:
        return _reset_page(request, token, error=_("The two passwords differ."), status=422)
    try:
        service.check_new_password(password, field="password")
        resets.use_reset(session, plain=token, password=password, ip=client_ip(request))
    except DomainError as error:
        session.rollback()
        return _reset_page(request, token, error=error_message(error), status=status_for(error))
    return see_other("/login?reset=1")
