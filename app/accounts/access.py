"""Who is asking, and what they may do: one place for every HTML, JSON and websocket route."""

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlmodel import Session, select
from starlette.requests import HTTPConnection

from app.accounts import service, tokens
from app.accounts.models import BoardMember, Role
from app.boards.models import Board
from app.db import SessionDep
from app.errors import DomainError
from app.settings import Settings

SESSION_COOKIE = "lotsenboard_session"
ANON_CSRF_COOKIE = "lotsenboard_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RANK = {Role.viewer: 1, Role.lotse: 2, Role.admin: 3}


class NotAuthenticated(DomainError):
    code = "not_authenticated"


class Forbidden(DomainError):
    code = "forbidden"


@dataclass(frozen=True)
class Principal:
    """An account (by session or API token) or a screen link."""

    name: str
    role: Role | None
    via: str
    user_id: int | None = None
    session_id: int | None = None
    csrf_token: str | None = None
    screen_board_id: int | None = None

    def allows(self, needed: Role, method: str) -> bool:
        if self.screen_board_id is not None:
            return needed == Role.viewer and method in SAFE_METHODS
        return self.role is not None and _RANK[self.role] >= _RANK[needed]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def can_edit(self) -> bool:
        """May change cards (lotsen and admins)."""
        return self.allows(Role.lotse, "POST")


def hides_actors(principal: Principal | None, settings: Settings) -> bool:
    """Whether this reader is kept from seeing who changed what (a setting for viewers and
    screens; lotsen and admins always see it)."""
    return settings.hide_actors_from_viewers and (principal is None or not principal.can_edit)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def identify(request: Request, session: SessionDep) -> Principal | None:
    """Resolve the bearer token or session cookie of this request (once per request)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    db = request.app.state.db
    if request.method in SAFE_METHODS or not db.is_sqlite:
        principal = identify_connection(request, session)
    else:
        # SQLite lets one transaction write at a time, from its first statement on: looking
        # up who asks in a read of its own keeps that lookup out of the writers' turn.
        with db.session() as reader:
            principal = identify_connection(request, reader)
    request.state.principal = principal
    return principal


def identify_connection(request: HTTPConnection, session: Session) -> Principal | None:
    """The principal behind a request's or websocket's bearer token or session cookie."""
    return identify_credentials(
        session,
        authorization=request.headers.get("authorization", ""),
        cookie=request.cookies.get(SESSION_COOKIE),
        settings=request.app.state.settings,
    )


def identify_credentials(
    session: Session, *, authorization: str, cookie: str | None, settings: Settings
) -> Principal | None:
    """The principal behind an Authorization header or a session cookie (checked in this order)."""
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() == "bearer" and credential:
        return _bearer(session, credential.strip())
    if not cookie:
        return None
    found = service.resolve_session(session, token=cookie, settings=settings)
    if found is None:
        return None
    login, user = found
    return Principal(
        name=user.name,
        role=user.role,
        via="session",
        user_id=user.id,
        session_id=login.id,
        csrf_token=login.csrf_token,
    )


def _bearer(session: Session, credential: str) -> Principal | None:
    if credential.startswith(tokens.SCREEN_PREFIX):
        link = tokens.resolve_screen_link(session, plain=credential)
        if link is None:
            return None
        return Principal(
            name=f"Bildschirm {link.name}", role=None, via="screen", screen_board_id=link.board_id
        )
    found = tokens.resolve_token(session, plain=credential)
    if found is None:
        return None
    _token, user = found
    return Principal(name=user.name, role=user.role, via="token", user_id=user.id)


async def check_csrf(request: Request, expected: str | None) -> None:
    """Cookie-authenticated changes must carry the session's token and come from this site."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.url.netloc:
        raise Forbidden("cross-site request refused")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(sent, expected):
        raise Forbidden("missing or wrong CSRF token")


def require(role: Role):
    """A dependency admitting principals of at least `role` (screens: reading only)."""

    async def dependency(
        request: Request, principal: Annotated[Principal | None, Depends(identify)]
    ) -> Principal:
        if principal is None:
            raise NotAuthenticated("log in first")
        if request.method not in SAFE_METHODS and principal.via == "session":
            await check_csrf(request, principal.csrf_token)
        if not principal.allows(role, request.method):
            raise Forbidden("your role does not allow this")
        return principal

    return dependency


Reader = Annotated[Principal, Depends(require(Role.viewer))]
Editor = Annotated[Principal, Depends(require(Role.lotse))]
Admin = Annotated[Principal, Depends(require(Role.admin))]


def can_read_board(session: Session, principal: Principal, board: Board) -> bool:
    """Screens see their board; restricted boards show only to admins and members."""
    if principal.screen_board_id is not None:
        return board.id == principal.screen_board_id
    if not board.restricted or principal.is_admin:
        return True
    member = session.exec(
        select(BoardMember).where(
            BoardMember.board_id == board.id, BoardMember.user_id == principal.user_id
        )
    ).first()
    return member is not None
