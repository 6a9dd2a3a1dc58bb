"""Password reset links: an admin (or the CLI) makes a one-time link; it expires, it is logged."""

import secrets
from datetime import timedelta

from sqlmodel import Session, select

from app import clock
from app.accounts import service
from app.accounts.models import PasswordReset, User
from app.db import ident
from app.errors import NotFound
from app.events import service as events

PREFIX = "lbr_"
RESET_CREATED = "user.password_reset_created"
RESET_USED = "user.password_reset_used"


def create_reset(session: Session, *, user: User, actor: str, hours: int, ip: str = "") -> str:
    """A new one-time link token for the account (shown once; only its hash is kept)."""
    plain = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    reset = PasswordReset(
        user_id=ident(user),
        token_hash=service.token_hash(plain),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(reset)
    session.flush()
    events.append(
        session,
        board_id=None,
        type=RESET_CREATED,
        actor=actor,
        payload={"user_id": user.id, "reset_id": reset.id, "hours": hours, "ip": ip},
    )
    events.commit(session)
    return plain


def resolve_reset(session: Session, *, plain: str) -> tuple[PasswordReset, User] | None:
    """The reset and its account, while the link is unused, unexpired and the account active."""
    if not plain.startswith(PREFIX):
        return None
    reset = session.exec(
        select(PasswordReset).where(PasswordReset.token_hash == service.token_hash(plain))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= clock.now():
        return None
    user = session.get(User, reset.user_id)
    if user is None or not user.active:
        return None
    return reset, user


def use_reset(session: Session, *, plain: str, password: str, ip: str = "") -> User:
    """Set the new password through the link (once); every session of the account ends."""
    found = resolve_reset(session, plain=plain)
    if found is None:
        raise NotFound("password reset", "link")
    reset, user = found
    reset.used_at = clock.now()
    events.append(
        session,
        board_id=None,
        type=RESET_USED,
        actor=user.name,
        payload={"user_id": user.id, "reset_id": reset.id, "ip": ip},
    )
    service.set_password(session, user=user, password=password)
    return user
