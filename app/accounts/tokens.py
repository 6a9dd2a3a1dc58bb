"""Personal API tokens and the meeting-room screen links: random, stored hashed, revocable."""

import secrets
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app import clock
from app.accounts.models import ApiToken, ScreenLink, ScreenLinkSettings, User
from app.accounts.service import token_hash, touch
from app.boards.models import Phase
from app.errors import InvalidInput, NotFound
from app.events import service as events
from app.people.models import Department

TOKEN_PREFIX = "lbt_"
SCREEN_PREFIX = "lbs_"

TOKEN_CREATED = "token.created"
TOKEN_REVOKED = "token.revoked"
SCREEN_LINK_CREATED = "screen_link.created"
SCREEN_LINK_REVOKED = "screen_link.revoked"
SCREEN_LINK_CHANGED = "screen_link.changed"
BOARD_SCREEN_CHANGED = "board.screen_changed"  # a board event: its screens re-render


def create_token(session: Session, *, user: User, name: str, ip: str = "") -> tuple[str, ApiToken]:
    """A new personal API token; the plain token is returned once and never stored."""
    assert user.id is not None
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(plain))
    session.add(token)
    session.flush()
    _audit(
        session,
        TOKEN_CREATED,
        user.name,
        {"ip": ip, "token_id": token.id, "user_id": user.id, "name": name},
    )
    events.commit(session)
    return plain, token


def list_tokens(session: Session, *, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first."""
    statement = (
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(col(ApiToken.id).desc())
    )
    return list(session.exec(statement))


def revoke_token(
    session: Session, *, token_id: int, user_id: int | None, actor: str, ip: str = ""
) -> ApiToken:
    """Revoke a token (of that user, when given); it stops working at once."""
    token = session.get(ApiToken, token_id)
    if token is None or (user_id is not None and token.user_id != user_id):
        raise NotFound("token", token_id)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        _audit(
            session,
            TOKEN_REVOKED,
            actor,
            {"ip": ip, "token_id": token_id, "user_id": token.user_id},
        )
        events.commit(session)
    return token


def resolve_token(session: Session, *, plain: str) -> tuple[ApiToken, User] | None:
    """The live token and its active user, or None."""
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(plain))).first()
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        touch(
            session, update(ApiToken).where(col(ApiToken.id) == token.id).values(last_used_at=now)
        )
    return token, user


def create_screen_link(
    session: Session, *, board_id: int, name: str, actor: str, ip: str = ""
) -> tuple[str, ScreenLink]:
    """A read-only link to one board; 192 random bits, stored hashed."""
    plain = SCREEN_PREFIX + secrets.token_urlsafe(24)
    link = ScreenLink(board_id=board_id, name=name, token_hash=token_hash(plain), created_by=actor)
    session.add(link)
    session.flush()
    _audit(
        session,
        SCREEN_LINK_CREATED,
        actor,
        {"ip": ip, "screen_link_id": link.id, "board_id": board_id, "name": name},
    )
    events.commit(session)
    return plain, link


def list_screen_links(session: Session, *, board_id: int) -> list[ScreenLink]:
    statement = (
        select(ScreenLink).where(ScreenLink.board_id == board_id).order_by(col(ScreenLink.id))
    )
    return list(session.exec(statement))


def revoke_screen_link(
    session: Session, *, board_id: int, link_id: int, actor: str, ip: str = ""
) -> ScreenLink:
    """Revoke a board's screen link; the screen is refused from the next request on."""
    link = session.get(ScreenLink, link_id)
    if link is None or link.board_id != board_id:
        raise NotFound("screen link", link_id)
    if link.revoked_at is None:
        link.revoked_at = clock.now()
        _audit(
            session,
            SCREEN_LINK_REVOKED,
            actor,
            {"ip": ip, "screen_link_id": link_id, "board_id": board_id},
        )
        events.commit(session)
    return link


def update_screen_link(
    session: Session,
    *,
    board_id: int,
    link_id: int,
    data: ScreenLinkSettings,
    actor: str,
    ip: str = "",
) -> ScreenLink:
    """Change what a screen shows; the screen follows at once (an event of its board)."""
    link = session.get(ScreenLink, link_id)
    if link is None or link.board_id != board_id or link.revoked_at is not None:
        raise NotFound("screen link", link_id)
    board_phases = {p.id for p in session.exec(select(Phase).where(Phase.board_id == board_id))}
    unknown = [i for i in data.phase_ids if i not in board_phases]
    if unknown:
        raise InvalidInput("phase_ids", "number %(id)s does not exist", id=unknown[0])
    for department_id in data.department_ids:
        if session.get(Department, department_id) is None:
            raise InvalidInput("department_ids", "number %(id)s does not exist", id=department_id)
    values = data.model_dump()
    values["department_ids"] = sorted(set(data.department_ids))
    values["phase_ids"] = sorted(set(data.phase_ids))
    for field, value in values.items():
        setattr(link, field, value)
    session.add(link)
    payload = {"ip": ip, "screen_link_id": link_id, "board_id": board_id, **values}
    _audit(session, SCREEN_LINK_CHANGED, actor, payload)
    events.append(
        session,
        board_id=board_id,
        type=BOARD_SCREEN_CHANGED,
        actor=actor,
        payload={"screen_link_id": link_id},
    )
    events.commit(session)
    return link


def resolve_screen_link(session: Session, *, plain: str) -> ScreenLink | None:
    link = session.exec(
        select(ScreenLink).where(ScreenLink.token_hash == token_hash(plain))
    ).first()
    if link is None or link.revoked_at is not None:
        return None
    return link


def _audit(session: Session, kind: str, actor: str, payload: dict[str, Any]) -> None:
    events.append(session, board_id=None, type=kind, actor=actor, payload=payload)
