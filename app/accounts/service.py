"""Users, passwords and logins: argon2 hashes, throttled attempts, rotating sessions."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any, NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from app import clock
from app.accounts.models import (
    MIN_PASSWORD_LENGTH,
    AuthSource,
    LoginFailure,
    LoginSession,
    Role,
    User,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.errors import Conflict, DomainError, InvalidInput, NotFound
from app.events import service as events
from app.people.models import Lotse
from app.settings import Settings

_hasher = PasswordHasher()


@cache
def unknown_user_hash() -> str:
    """Verified against when the email is unknown, so both cases take the same time; made
    by the server's read-ahead (app/reports/warm.py), not by every command (a hash takes 0.15 s)."""
    return _hasher.hash(secrets.token_hex(16))


USER_CREATED = "user.created"
USER_UPDATED = "user.updated"
PASSWORD_CHANGED = "user.password_changed"
LOGIN = "auth.login"
LOGIN_FAILED = "auth.login_failed"
LOGOUT = "auth.logout"
# A person who left, her name replaced everywhere (app/privacy/anonymise.py).
PERSON_ANONYMISED = "person.anonymised"


class InvalidCredentials(DomainError):
    code = "invalid_credentials"


class LoginThrottled(DomainError):
    code = "throttled"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_json(user: User) -> dict[str, Any]:
    return UserRead.model_validate(user).model_dump(mode="json")


def list_users(session: Session) -> list[User]:
    """Accounts by name."""
    return list(session.exec(select(User).order_by(col(User.name), col(User.id))))


def get_user(session: Session, *, user_id: int) -> User:
    """The account, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def find_user(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(session: Session, *, data: UserCreate, actor: str, ip: str = "") -> User:
    """A new account; the password is stored as an argon2 hash only. It is linked to the lotse
    record named, or else to the one with the same email address, if that has no account."""
    email = data.email.lower()
    if find_user(session, email=email) is not None:
        raise Conflict(
            "an account for %(email)s exists already", values={"email": email}, field="email"
        )
    lotse_id = data.lotse_id
    if lotse_id is None:
        lotse_id = free_lotse_for(session, email=email)
    else:
        _check_lotse(session, lotse_id, None)
    user = User(
        email=email,
        name=data.name,
        role=data.role,
        password_hash=_hasher.hash(data.password),
        lotse_id=lotse_id,
    )
    session.add(user)
    session.flush()
    events.append(
        session,
        board_id=None,
        type=USER_CREATED,
        actor=actor,
        payload={"after": user_json(user), "ip": ip},
    )
    events.commit(session)
    return user


def update_user(
    session: Session, *, user_id: int, data: UserUpdate, actor: str, ip: str = ""
) -> User:
    """Rename, change the role of, deactivate or reactivate an account."""
    user = get_user(session, user_id=user_id)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None and field != "lotse_id":
            raise InvalidInput(field, "cannot be empty")
    if changes.get("role", Role.admin) != Role.admin or changes.get("active") is False:
        keep_an_admin(session, user)
    if changes.get("lotse_id") is not None:
        _check_lotse(session, changes["lotse_id"], user.id)
    before = user_json(user)
    for field, value in changes.items():
        setattr(user, field, value)
    if changes.get("active") is False:
        _revoke_sessions(session, user.id)
    events.record_update(
        session,
        user,
        before,
        user_json(user),
        board_id=None,
        type=USER_UPDATED,
        actor=actor,
        extra={"ip": ip},
    )
    return user


def free_lotse_for(session: Session, *, email: str) -> int | None:
    """The lotse record with this address, if no account is linked to it yet."""
    same = session.exec(select(Lotse.id).where(func.lower(Lotse.email) == email)).first()
    return same if same is not None and _account_of(session, same) is None else None


def _account_of(session: Session, lotse_id: int) -> int | None:
    return session.exec(select(User.id).where(User.lotse_id == lotse_id)).first()


def _check_lotse(session: Session, lotse_id: int, user_id: int | None) -> None:
    """The lotse exists and has no other account."""
    if session.get(Lotse, lotse_id) is None:
        raise InvalidInput("lotse_id", "number %(id)s does not exist", id=lotse_id)
    other = _account_of(session, lotse_id)
    if other is not None and other != user_id:
        raise Conflict("this lotse has an account already", field="lotse_id", lotse_id=lotse_id)


def lotse_of(session: Session, *, user_id: int | None) -> Lotse | None:
    """The lotse record of an account's person, if linked."""
    if user_id is None:
        return None
    statement = select(Lotse).join(User, col(User.lotse_id) == col(Lotse.id))
    return session.exec(statement.where(User.id == user_id)).first()


def keep_an_admin(session: Session, user: User) -> None:
    if user.role != Role.admin or not user.active:
        return
    admins = session.exec(
        select(func.count()).where(User.role == Role.admin, col(User.active).is_(True))
    ).one()
    if admins <= 1:
        raise Conflict("the last active admin cannot be demoted or deactivated")


def check_new_password(password: str, *, field: str) -> None:
    """The rule every new password keeps (as `Password` does for new accounts)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(field, "at least %(count)s characters", count=MIN_PASSWORD_LENGTH)


def change_password(
    session: Session, *, user_id: int, current: str, new: str, keep_session_id: int | None
) -> None:
    """Set a new password after checking the current one; other sessions end."""
    user = get_user(session, user_id=user_id)
    if not _verify(user.password_hash, current):
        raise InvalidInput("current_password", "the current password is wrong")
    set_password(session, user=user, password=new, keep_session_id=keep_session_id)


def set_password(
    session: Session, *, user: User, password: str, keep_session_id: int | None = None
) -> None:
    """Store a new password hash and end the account's other sessions."""
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = clock.now()
    _revoke_sessions(session, user.id, keep=keep_session_id)
    events.append(
        session, board_id=None, type=PASSWORD_CHANGED, actor=user.name, payload={"user_id": user.id}
    )
    events.commit(session)


def password_matches(user: User | None, password: str) -> bool:
    return user is not None and _verify(user.password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass
class LoginCheck:
    """How many recent failures count against this login attempt."""

    pair_failures: int
    ip_failures: int


def login_check(session: Session, *, email: str, ip: str, settings: Settings) -> LoginCheck:
    since = clock.now() - timedelta(minutes=settings.login_window_minutes)
    pair = session.exec(
        select(func.count()).where(
            LoginFailure.email == email, LoginFailure.ip == ip, LoginFailure.created_at >= since
        )
    ).one()
    by_ip = session.exec(
        select(func.count()).where(LoginFailure.ip == ip, LoginFailure.created_at >= since)
    ).one()
    return LoginCheck(pair_failures=pair, ip_failures=by_ip)


def authenticate(
    session: Session, *, email: str, password: str, ip: str, settings: Settings
) -> User:
    """The account for these credentials; failures are counted per account and address.

    Counting per (account, address) pair means an attacker elsewhere cannot lock the
    real user out; a per-address ceiling stops one address trying many accounts.
    """
    email = email.strip().lower()
    throttle(session, email=email, ip=ip, settings=settings)
    user = find_user(session, email=email)
    valid = _verify(user.password_hash if user else unknown_user_hash(), password)
    if user is None or not valid or not user.active:
        record_failure(session, email=email, ip=ip)
    clear_failures(session, email=email, ip=ip)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def throttle(session: Session, *, email: str, ip: str, settings: Settings) -> None:
    """Refuse the attempt while this account and address, or this address, failed too often."""
    check = login_check(session, email=email, ip=ip, settings=settings)
    if (
        check.pair_failures >= settings.login_block_after
        or check.ip_failures >= settings.login_block_after * 5
    ):
        raise LoginThrottled("too many failed logins; try again later")


def record_failure(session: Session, *, email: str, ip: str) -> NoReturn:
    """Count a failed attempt (committed) and refuse it."""
    session.add(LoginFailure(email=email[:254], ip=ip[:64]))
    events.append(session, board_id=None, type=LOGIN_FAILED, actor=email[:120], payload={"ip": ip})
    events.commit(session)
    raise InvalidCredentials("email or password is wrong")


def clear_failures(session: Session, *, email: str, ip: str) -> None:
    session.execute(
        delete(LoginFailure).where(col(LoginFailure.email) == email, col(LoginFailure.ip) == ip)
    )


def start_session(
    session: Session,
    *,
    user: User,
    ip: str,
    sso_sid: str | None = None,
    id_token: str | None = None,
) -> tuple[str, LoginSession]:
    """A fresh session (new id at every login) and its cookie token; `sso_sid` is the
    identity provider's session, which can end this one by back-channel logout, `id_token`
    the provider's token of this login, for logging out there."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    login = LoginSession(
        token_hash=token_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        ip=ip[:64],
        sso_sid=sso_sid[:255] if sso_sid else None,
        id_token=id_token,
    )
    session.add(login)
    events.append(
        session, board_id=None, type=LOGIN, actor=user.name, payload={"ip": ip, "user_id": user.id}
    )
    events.commit(session)
    return token, login


def resolve_session(
    session: Session, *, token: str, settings: Settings
) -> tuple[LoginSession, User] | None:
    """The live session for a cookie token, or None when unknown, ended or expired."""
    login = session.exec(
        select(LoginSession).where(LoginSession.token_hash == token_hash(token))
    ).first()
    if login is None or login.revoked_at is not None:
        return None
    now = clock.now()
    if now - login.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        return None
    if now - login.created_at > timedelta(hours=settings.session_max_hours):
        return None
    user = session.get(User, login.user_id)
    if user is None or not user.active:
        return None
    if now - login.last_seen_at > timedelta(minutes=1):
        # Touch at most once a minute: reads should not all become writes.
        touch(
            session,
            update(LoginSession).where(col(LoginSession.id) == login.id).values(last_seen_at=now),
        )
    return login, user


def touch(session: Session, statement: Any) -> None:
    """Best-effort bookkeeping write; a busy database must not fail the request."""
    try:
        session.execute(statement)
        session.commit()
    except OperationalError:
        session.rollback()


def end_session(session: Session, *, login_id: int, actor: str) -> str | None:
    """Log out: the session is refused from now on. The provider's ID token it kept, for
    logging out there too (None for other logins)."""
    id_token = session.exec(select(LoginSession.id_token).where(LoginSession.id == login_id)).one()
    session.execute(
        update(LoginSession).where(col(LoginSession.id) == login_id).values(**ended_values())
    )
    events.append(
        session, board_id=None, type=LOGOUT, actor=actor, payload={"session_id": login_id}
    )
    events.commit(session)
    return id_token


def ended_values() -> dict[str, Any]:
    """What an ended session's row becomes: refused, and the provider's token gone with it."""
    return {"revoked_at": clock.now(), "id_token": None}


def end_provider_sessions(
    session: Session, *, subject: str | None, sid: str | None, actor: str
) -> int:
    """The identity provider ended a person's session there (back-channel logout): end the
    sessions it began here. How many ended."""
    found = select(LoginSession.id).where(col(LoginSession.revoked_at).is_(None))
    if sid is not None:
        found = found.where(col(LoginSession.sso_sid) == sid)
    else:
        users = select(User.id).where(
            User.auth_source == AuthSource.oidc, User.external_id == subject
        )
        found = found.where(col(LoginSession.user_id).in_(users.scalar_subquery()))
    ids = list(session.exec(found))
    if ids:
        session.execute(
            update(LoginSession).where(col(LoginSession.id).in_(ids)).values(**ended_values())
        )
        events.append(
            session, board_id=None, type=LOGOUT, actor=actor, payload={"session_ids": ids}
        )
    events.commit(session)
    return len(ids)


def _revoke_sessions(session: Session, user_id: int | None, keep: int | None = None) -> None:
    statement = update(LoginSession).where(
        col(LoginSession.user_id) == user_id, col(LoginSession.revoked_at).is_(None)
    )
    if keep is not None:
        statement = statement.where(col(LoginSession.id) != keep)
    session.execute(statement.values(**ended_values()))
