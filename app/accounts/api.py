"""JSON routes for users, personal API tokens, board access and screen links."""

from fastapi import APIRouter, Request, Response

from app.accounts import members, service, tokens
from app.accounts.access import Admin, Forbidden, Principal, Reader, client_ip
from app.accounts.models import (
    BoardAccess,
    ScreenLinkCreated,
    ScreenLinkRead,
    ScreenLinkSettings,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.db import SessionDep, ident
from app.types import PathId
from app.web.deps import BoardDep

router = APIRouter(tags=["accounts"])


def _own_user_id(principal: Principal) -> int:
    if principal.user_id is None:
        raise Forbidden("only accounts have tokens")
    return principal.user_id


@router.get("/users/me", response_model=UserRead)
def me(session: SessionDep, principal: Reader) -> object:
    """The caller's own account."""
    return service.get_user(session, user_id=_own_user_id(principal))


@router.get("/users", response_model=list[UserRead])
def list_users(session: SessionDep, _principal: Admin) -> object:
    """All accounts."""
    return service.list_users(session)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(
    request: Request, data: UserCreate, session: SessionDep, principal: Admin
) -> object:
    """Create an account."""
    return service.create_user(session, data=data, actor=principal.name, ip=client_ip(request))


@router.get("/users/{user_id}", response_model=UserRead)
def read_user(user_id: PathId, session: SessionDep, _principal: Admin) -> object:
    """One account."""
    return service.get_user(session, user_id=user_id)


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(
    request: Request, user_id: PathId, data: UserUpdate, session: SessionDep, principal: Admin
) -> object:
    """Rename, change the role of, deactivate or reactivate an account."""
    return service.update_user(
        session, user_id=user_id, data=data, actor=principal.name, ip=client_ip(request)
    )


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(session: SessionDep, principal: Reader) -> object:
    """The caller's API tokens."""
    return tokens.list_tokens(session, user_id=_own_user_id(principal))


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(
    request: Request, data: TokenCreate, session: SessionDep, principal: Reader
) -> object:
    """A new API token for the caller; the token is in this answer only."""
    user = service.get_user(session, user_id=_own_user_id(principal))
    plain, token = tokens.create_token(session, user=user, name=data.name, ip=client_ip(request))
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=plain)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(
    request: Request, token_id: PathId, session: SessionDep, principal: Reader
) -> Response:
    """Revoke one of the caller's tokens."""
    tokens.revoke_token(
        session,
        token_id=token_id,
        user_id=_own_user_id(principal),
        actor=principal.name,
        ip=client_ip(request),
    )
    return Response(status_code=204)


@router.put("/boards/{board_id}/access", response_model=BoardAccess)
def set_access(board: BoardDep, data: BoardAccess, session: SessionDep, principal: Admin) -> object:
    """Open the board to every account, or restrict it to admins and members."""
    members.set_board_access(
        session,
        board_id=ident(board),
        restricted=data.restricted,
        members=data.member_ids,
        actor=principal.name,
    )
    return BoardAccess(
        restricted=data.restricted, member_ids=members.member_ids(session, board_id=ident(board))
    )


@router.get("/boards/{board_id}/screen-links", response_model=list[ScreenLinkRead])
def list_screen_links(board: BoardDep, session: SessionDep, _principal: Admin) -> object:
    """The board's screen links."""
    return tokens.list_screen_links(session, board_id=ident(board))


@router.post("/boards/{board_id}/screen-links", response_model=ScreenLinkCreated, status_code=201)
def create_screen_link(
    request: Request, board: BoardDep, data: TokenCreate, session: SessionDep, principal: Admin
) -> object:
    """A read-only link to this board for a meeting-room screen; shown once."""
    plain, link = tokens.create_screen_link(
        session, board_id=ident(board), name=data.name, actor=principal.name, ip=client_ip(request)
    )
    url = f"{request.app.state.settings.base_url.rstrip('/')}/screen/{plain}"
    return ScreenLinkCreated(
        **ScreenLinkRead.model_validate(link).model_dump(), token=plain, url=url
    )


@router.patch("/boards/{board_id}/screen-links/{link_id}", response_model=ScreenLinkRead)
def change_screen_link(
    request: Request,
    board: BoardDep,
    link_id: PathId,
    data: ScreenLinkSettings,
    session: SessionDep,
    principal: Admin,
) -> object:
    """What the screen shows: `board` (cards in large type, paging through what does not fit)
    or `overview` (a department × phase matrix); the departments and phases (empty: all); how
    many seconds a page stays; whether it turns to a Lotsentreffen while one is held."""
    return tokens.update_screen_link(
        session,
        board_id=ident(board),
        link_id=link_id,
        data=data,
        actor=principal.name,
        ip=client_ip(request),
    )


@router.delete("/boards/{board_id}/screen-links/{link_id}", status_code=204)
def revoke_screen_link(
    request: Request, board: BoardDep, link_id: PathId, session: SessionDep, principal: Admin
) -> Response:
    """Revoke a screen link: the screen is refused from its next request on."""
    tokens.revoke_screen_link(
        session, board_id=ident(board), link_id=link_id, actor=principal.name, ip=client_ip(request)
    )
    return Response(status_code=204)
