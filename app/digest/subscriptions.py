"""Who gets the weekly digest: accounts (in by default for admins and lotsen) and external
recipients an admin adds; one-click unsubscribe by a signed, single-purpose token."""

from dataclasses import asdict, dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, col, select

from app import clock
from app.accounts.models import Role, User
from app.digest.models import DigestSubscription
from app.errors import InvalidInput, NotFound
from app.events import service as events
from app.people.models import Department

UNSUBSCRIBE_SALT = "lotsenboard.digest.unsubscribe"  # a token good for nothing else
DIGEST_UNSUBSCRIBED = "digest.unsubscribed"
DIGEST_CHOSEN = "digest.chosen"


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


def _by_user(session: Session) -> dict[int, DigestSubscription]:
    rows = session.exec(
        select(DigestSubscription).where(col(DigestSubscription.user_id).is_not(None))
    )
    return {row.user_id: row for row in rows if row.user_id is not None}


def recipients(session: Session) -> list[Recipient]:
    """Everyone who gets the digest: active accounts that did not opt out (admins and lotsen
    are in unless they opted out, viewers only if they opted in) and active external ones."""
    chosen = _by_user(session)
    found = []
    for user in session.exec(select(User).where(col(User.active).is_(True)).order_by(col(User.id))):
        row = chosen.get(user.id or 0)
        default = user.role in (Role.admin, Role.lotse)
        if not (row.active if row is not None else default):
            continue
        found.append(
            Recipient(
                f"u{user.id}",
                user.name,
                user.email,
                user,
                list(row.board_ids) if row else [],
                list(row.department_ids) if row else [],
                row.skip_empty if row else False,
            )
        )
    externals = session.exec(
        select(DigestSubscription)
        .where(col(DigestSubscription.user_id).is_(None), col(DigestSubscription.active).is_(True))
        .order_by(col(DigestSubscription.id))
    )
    for row in externals:
        found.append(
            Recipient(
                f"x{row.id}",
                row.name,
                row.email,
                None,
                list(row.board_ids),
                list(row.department_ids),
                row.skip_empty,
            )
        )
    return found


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


def choice_of(session: Session, user: User) -> Choice:
    row = _by_user(session).get(user.id or 0)
    if row is None:
        return Choice(user.role in (Role.admin, Role.lotse), [], [], False)
    return Choice(row.active, list(row.board_ids), list(row.department_ids), row.skip_empty)


def choose(session: Session, *, user: User, choice: Choice, board_ids: set[int]) -> None:
    """Keep an account's choice; `board_ids`: the boards it may read (the only ones it may
    pick). Departments must exist."""
    unknown = [i for i in choice.board_ids if i not in board_ids]
    if unknown:
        raise InvalidInput("board_ids", "number %(id)s does not exist", id=unknown[0])
    for department_id in choice.department_ids:
        if session.get(Department, department_id) is None:
            raise InvalidInput("department_ids", "number %(id)s does not exist", id=department_id)
    row = _by_user(session).get(user.id or 0) or DigestSubscription(user_id=user.id)
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
