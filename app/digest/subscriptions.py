"""Who gets the weekly digest: accounts (in by default for admins and lotsen) and external
recipients an admin adds; one-click unsubscribe by a signed, single-purpose token."""

from dataclasses import asdict, dataclass
from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlmodel import Session, col, select

from app import clock
from app.accounts.models import Role, User
from app.digest.models import DigestSubscription
from app.errors import Conflict, InvalidInput, NotFound
from app.events import service as events
from app.people.models import Department
from app.types import Email, Id, Name
from app.web.i18n import LANGUAGES

UNSUBSCRIBE_SALT = "lotsenboard.digest.unsubscribe"  # a token good for nothing else
DIGEST_UNSUBSCRIBED = "digest.unsubscribed"
DIGEST_CHOSEN = "digest.chosen"
DIGEST_EXTERNAL_SAVED = "digest.external_saved"
DIGEST_EXTERNAL_REMOVED = "digest.external_removed"


@dataclass(frozen=True)
class Recipient:
    """Someone the digest goes to this week, as the subscription says now."""

    key: str  # "u<user id>" or "x<subscription id>": stable across address changes
    name: str
    email: str
    user: User | None
    board_ids: list[int]
    department_ids: list[int]
    skip_empty: bool
    language: str = ""  # empty: the instance's language


def _by_user(session: Session) -> dict[int, DigestSubscription]:
    rows = session.exec(
        select(DigestSubscription).where(col(DigestSubscription.user_id).is_not(None))
    )
    return {row.user_id: row for row in rows if row.user_id is not None}


def _of_user(user: User, row: DigestSubscription | None) -> Recipient:
    return Recipient(
        f"u{user.id}",
        user.name,
        user.email,
        user,
        list(row.board_ids) if row else [],
        list(row.department_ids) if row else [],
        row.skip_empty if row else False,
        user.language,
    )


def _of_external(row: DigestSubscription) -> Recipient:
    return Recipient(
        f"x{row.id}",
        row.name,
        row.email,
        None,
        list(row.board_ids),
        list(row.department_ids),
        row.skip_empty,
        row.language,
    )


def recipients(session: Session) -> list[Recipient]:
    """Everyone who gets the digest: active accounts that did not opt out (admins and lotsen
    are in unless they opted out, viewers only if they opted in) and active external ones."""
    chosen = _by_user(session)
    found = []
    for user in session.exec(select(User).where(col(User.active).is_(True)).order_by(col(User.id))):
        row = chosen.get(user.id or 0)
        default = user.role in (Role.admin, Role.lotse)
        if row.active if row is not None else default:
            found.append(_of_user(user, row))
    return found + [_of_external(row) for row in list_externals(session) if row.active]


def recipient_of(session: Session, key: str) -> Recipient:
    """Anyone the digest could go to, subscribed now or not (for an admin's preview)."""
    if key.startswith("u") and key[1:].isdigit():
        user = session.get(User, int(key[1:]))
        if user is not None:
            return _of_user(user, _by_user(session).get(user.id or 0))
    if key.startswith("x") and key[1:].isdigit():
        row = session.get(DigestSubscription, int(key[1:]))
        if row is not None and row.user_id is None:
            return _of_external(row)
    raise NotFound("recipient", key)


class External(BaseModel):
    """An external recipient as an admin enters it: someone without an account (the
    Bürgermeisterin, the Personalrat, a department head), with a department scope."""

    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name
    department_ids: list[Id] = PydanticField(default_factory=list, max_length=100)
    language: Literal["", "de", "en"] = ""
    active: bool = True


def list_externals(session: Session) -> list[DigestSubscription]:
    return list(
        session.exec(
            select(DigestSubscription)
            .where(col(DigestSubscription.user_id).is_(None))
            .order_by(col(DigestSubscription.id))
        )
    )


def _external(session: Session, subscription_id: int) -> DigestSubscription:
    row = session.get(DigestSubscription, subscription_id)
    if row is None or row.user_id is not None:
        raise NotFound("recipient", subscription_id)
    return row


def _check_departments(session: Session, ids: list[int]) -> None:
    for department_id in ids:
        if session.get(Department, department_id) is None:
            raise InvalidInput("department_ids", "number %(id)s does not exist", id=department_id)


def _check_external(session: Session, data: External, subscription_id: int | None) -> None:
    _check_departments(session, data.department_ids)
    email = data.email.lower()
    twins = [r for r in list_externals(session) if r.email.lower() == email]
    if any(r.id != subscription_id for r in twins):
        raise Conflict(
            "%(email)s receives the weekly summary already", values={"email": email}, field="email"
        )


def _external_json(row: DigestSubscription) -> dict[str, object]:
    return {
        "email": row.email,
        "name": row.name,
        "department_ids": list(row.department_ids),
        "language": row.language,
        "active": row.active,
    }


def save_external(
    session: Session, *, data: External, actor: str, subscription_id: int | None = None
) -> DigestSubscription:
    """Add an external recipient, or change one (`subscription_id`)."""
    row = _external(session, subscription_id) if subscription_id is not None else None
    _check_external(session, data, subscription_id)
    before = _external_json(row) if row is not None else None
    if row is None:
        row = DigestSubscription(created_by=actor)
    row.email = data.email.lower()
    row.name = data.name
    row.department_ids = sorted(set(data.department_ids))
    row.language = data.language
    row.active = data.active
    row.updated_at = clock.now()
    session.add(row)
    session.flush()
    events.append(
        session,
        board_id=None,
        type=DIGEST_EXTERNAL_SAVED,
        actor=actor,
        payload={"recipient": f"x{row.id}", "before": before, "after": _external_json(row)},
    )
    events.commit(session)
    return row


def remove_external(session: Session, *, subscription_id: int, actor: str) -> None:
    """Remove an external recipient (the delivery log keeps what was sent to the address)."""
    row = _external(session, subscription_id)
    events.append(
        session,
        board_id=None,
        type=DIGEST_EXTERNAL_REMOVED,
        actor=actor,
        payload={"recipient": f"x{row.id}", "before": _external_json(row)},
    )
    session.delete(row)
    events.commit(session)


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(recipient: Recipient, *, secret: str) -> str:
    """Names the recipient and the address it was sent to: a token copied to another address
    (or kept after the address changed) does not work."""
    return str(_serializer(secret).dumps({"r": recipient.key, "e": recipient.email.lower()}))


def unsubscribe(session: Session, *, token: str, secret: str) -> Recipient:
    """End the digest for the recipient the token names (no login: the token is the proof)."""
    try:
        data = _serializer(secret).loads(token)
    except BadSignature:
        raise NotFound("subscription", "?") from None
    key, email = str(data.get("r", "")), str(data.get("e", ""))
    found = next((r for r in recipients(session) if r.key == key), None)
    if found is None:
        # Unsubscribed already: the second click changes nothing and says so kindly.
        row = _row_of_key(session, key)
        if row is None or _email_of(session, row, key) != email:
            raise NotFound("subscription", key)
        return Recipient(key, row.name, email, None, [], [], False)
    if found.email.lower() != email:
        raise NotFound("subscription", key)
    row = _row_of_key(session, key)
    if row is None:  # an account on its role's default: keep its choice from now on
        row = DigestSubscription(user_id=found.user.id if found.user else None)
    row.active = False
    row.updated_at = clock.now()
    session.add(row)
    events.append(
        session,
        board_id=None,
        type=DIGEST_UNSUBSCRIBED,
        actor=found.name,
        payload={"recipient": key, "via": "one-click"},
    )
    events.commit(session)
    return found


def _row_of_key(session: Session, key: str) -> DigestSubscription | None:
    if key.startswith("u") and key[1:].isdigit():
        return _by_user(session).get(int(key[1:]))
    if key.startswith("x") and key[1:].isdigit():
        return session.get(DigestSubscription, int(key[1:]))
    return None


def _email_of(session: Session, row: DigestSubscription, key: str) -> str:
    if key.startswith("u") and row.user_id is not None:
        user = session.get(User, row.user_id)
        return user.email.lower() if user else ""
    return row.email.lower()


@dataclass(frozen=True)
class Choice:
    """An account's digest as its settings page shows it."""

    active: bool
    board_ids: list[int]
    department_ids: list[int]
    skip_empty: bool
    language: str = ""  # the account's language (mails and, once chosen there, the site)


def choice_of(session: Session, user: User) -> Choice:
    row = _by_user(session).get(user.id or 0)
    if row is None:
        return Choice(user.role in (Role.admin, Role.lotse), [], [], False, user.language)
    return Choice(
        row.active, list(row.board_ids), list(row.department_ids), row.skip_empty, user.language
    )


def choose(session: Session, *, user: User, choice: Choice, board_ids: set[int]) -> None:
    """Keep an account's choice; `board_ids`: the boards it may read (the only ones it may
    pick). Departments must exist."""
    unknown = [i for i in choice.board_ids if i not in board_ids]
    if unknown:
        raise InvalidInput("board_ids", "number %(id)s does not exist", id=unknown[0])
    _check_departments(session, choice.department_ids)
    if choice.language not in ("", *LANGUAGES):
        raise InvalidInput("language", "is not one of the choices")
    row = _by_user(session).get(user.id or 0) or DigestSubscription(user_id=user.id)
    user.language = choice.language
    session.add(user)
    row.active = choice.active
    row.board_ids = sorted(set(choice.board_ids))
    row.department_ids = sorted(set(choice.department_ids))
    row.skip_empty = choice.skip_empty
    row.updated_at = clock.now()
    session.add(row)
    events.append(
        session,
        board_id=None,
        type=DIGEST_CHOSEN,
        actor=user.name,
        payload={"recipient": f"u{user.id}", **asdict(choice)},
    )
    events.commit(session)
