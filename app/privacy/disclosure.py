"""What is stored about one person (DSGVO Art. 15), as JSON for the admin to hand over.

Her own data only: the events she caused are listed without their payload (it may name other
people), events about her account with it; nobody else's name or address appears."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app import clock
from app.accounts.models import (
    ApiToken,
    BoardMember,
    LoginFailure,
    LoginSession,
    PasswordReset,
    SavedView,
    ScreenLink,
    User,
)
from app.annotations.models import Annotation, AnnotationNote
from app.boards.models import Board, Phase
from app.cards.models import Card
from app.digest.models import DigestDelivery, DigestSubscription
from app.events.models import Event
from app.meetings.models import AgendaItem, MeetingEntry, MeetingRun
from app.people.models import Department, Lotse
from app.privacy.anonymise import Replacer
from app.privacy.person import person_of
from app.settings import Settings

# Instance-wide events about a person's account or lotse record: shown with their payload.
USER_EVENTS = "user."
LOTSE_EVENTS = "lotse."
ABOUT_PERSON = (USER_EVENTS, LOTSE_EVENTS, "auth.", "token.", "digest.")
# The client address in an event's payload: shown only when she made the event.
ADDRESS = "ip"
# What stands where another person's name or address was.
BLACKED_OUT = "[…]"


def disclose(
    session: Session, *, user_id: int | None = None, lotse_id: int | None = None, settings: Settings
) -> dict[str, Any]:
    """Everything stored about a person (an account and its lotse, or a lotse alone)."""
    user, lotse = person_of(session, user_id=user_id, lotse_id=lotse_id)
    names = {p.name for p in (user, lotse) if p is not None}
    emails = {p.email.lower() for p in (user, lotse) if p is not None and p.email}
    boards = {b.id: b.name for b in session.exec(select(Board))}
    departments = {d.id: d.name for d in session.exec(select(Department))}
    found: dict[str, Any] = {
        "generated_at": _iso(clock.now()),
        "account": _account(user),
        "lotse": _lotse(lotse, departments),
        **_account_records(session, user, emails, boards, departments),
        **_work(session, names, user, lotse, boards, departments),
        **_events(session, user, lotse, names | emails, boards),
        "retention": {"retention_days": settings.retention_days},
    }
    return _without_others(session, found, user, lotse)


def _without_others(
    session: Session, found: dict[str, Any], user: User | None, lotse: Lotse | None
) -> dict[str, Any]:
    """Other people's names and addresses in what she wrote or was given (an action item
    "… with Bernd Kraus") are blacked out: the disclosure must not disclose them."""
    own = {p.name.casefold() for p in (user, lotse) if p is not None}
    own_emails = {p.email.casefold() for p in (user, lotse) if p is not None and p.email}
    people = [*session.exec(select(User.name, User.email).where(User.id != _id(user)))]
    people += [*session.exec(select(Lotse.name, Lotse.email).where(Lotse.id != _id(lotse)))]
    others = Replacer(
        names=[name for name, _ in people if name.casefold() not in own],
        emails=[email for _, email in people if email and email.casefold() not in own_emails],
        pseudonym=BLACKED_OUT,
        address=BLACKED_OUT,
        keep=[p.name for p in (user, lotse) if p is not None],
    )
    cleaned: dict[str, Any] = others.json(found)
    return cleaned


def _id(row: User | Lotse | None) -> int:
    return row.id if row is not None and row.id is not None else -1


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _rows(items: Iterable[Any], *fields: str, **computed: Any) -> list[dict[str, Any]]:
    """Plain dicts of some fields of each row (times as ISO text), plus computed ones."""
    return [
        {
            **{field: _iso(getattr(item, field)) for field in fields},
            **{key: make(item) for key, make in computed.items()},
        }
        for item in items
    ]


def _account(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    fields = ("id", "email", "name", "role", "active", "auth_source", "external_id", "language")
    (found,) = _rows([user], *fields, "created_at", "password_changed_at", "anonymised_at")
    return found


def _lotse(lotse: Lotse | None, departments: dict[Any, str]) -> dict[str, Any] | None:
    if lotse is None:
        return None
    (found,) = _rows(
        [lotse],
        "id",
        "name",
        "email",
        "active",
        "created_at",
        "anonymised_at",
        department=lambda item: departments.get(item.department_id),
    )
    return found


def _account_records(
    session: Session,
    user: User | None,
    emails: set[str],
    boards: dict[Any, str],
    departments: dict[Any, str],
) -> dict[str, Any]:
    """Logins, tokens, reset links, board access, saved views, the weekly digest."""
    failures = session.exec(
        select(LoginFailure)
        .where(func.lower(LoginFailure.email).in_(sorted(emails)))
        .order_by(col(LoginFailure.id))
    )
    deliveries = select(DigestDelivery).where(
        or_(
            func.lower(DigestDelivery.email).in_(sorted(emails)),
            col(DigestDelivery.recipient) == (f"u{user.id}" if user else ""),
        )
    )
    found: dict[str, Any] = {
        "login_failures": _rows(failures, "ip", "created_at"),
        "digest_deliveries": _rows(
            session.exec(deliveries.order_by(col(DigestDelivery.id))),
            "week",
            "email",
            "status",
            "updated_at",
        ),
    }
    if user is None:
        return found | {
            "login_sessions": [],
            "api_tokens": [],
            "password_resets": [],
            "board_memberships": [],
            "saved_views": [],
            "digest_subscription": None,
            "screen_links_created": [],
        }
    uid = user.id
    members = session.exec(select(BoardMember).where(BoardMember.user_id == uid))
    views = session.exec(select(SavedView).where(SavedView.user_id == uid))
    subscription = session.exec(
        select(DigestSubscription).where(DigestSubscription.user_id == uid)
    ).first()
    links = session.exec(select(ScreenLink).where(ScreenLink.created_by == user.name))
    return found | {
        "login_sessions": _rows(
            session.exec(
                select(LoginSession)
                .where(LoginSession.user_id == uid)
                .order_by(col(LoginSession.id))
            ),
            "ip",
            "created_at",
            "last_seen_at",
            "revoked_at",
        ),
        "api_tokens": _rows(
            session.exec(
                select(ApiToken).where(ApiToken.user_id == uid).order_by(col(ApiToken.id))
            ),
            "name",
            "created_at",
            "last_used_at",
            "revoked_at",
        ),
        "password_resets": _rows(
            session.exec(
                select(PasswordReset)
                .where(PasswordReset.user_id == uid)
                .order_by(col(PasswordReset.id))
            ),
            "created_at",
            "expires_at",
            "used_at",
        ),
        "board_memberships": sorted(boards.get(m.board_id, "") for m in members),
        "saved_views": _rows(views, "query", board=lambda v: boards.get(v.board_id)),
        "digest_subscription": _subscription(subscription, user, boards, departments),
        "screen_links_created": _rows(
            links, "name", "created_at", "revoked_at", board=lambda s: boards.get(s.board_id)
        ),
    }


def _subscription(
    row: DigestSubscription | None,
    user: User,
    boards: dict[Any, str],
    departments: dict[Any, str],
) -> dict[str, Any]:
    if row is None:
        # No choice made: the default of the role.
        return {"chosen": False, "active": user.role in ("admin", "lotse")}
    return {
        "chosen": True,
        "active": row.active,
        "boards": [boards.get(i) for i in row.board_ids],
        "departments": [departments.get(i) for i in row.department_ids],
        "skip_empty": row.skip_empty,
        "since": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }


def _work(
    session: Session,
    names: set[str],
    user: User | None,
    lotse: Lotse | None,
    boards: dict[Any, str],
    departments: dict[Any, str],
) -> dict[str, Any]:
    """The measures she is the lotse of, and what she wrote or was given to do."""
    lotse_id = lotse.id if lotse is not None else -1
    user_id = user.id if user is not None else -1
    phases = {p.id: p.name for p in session.exec(select(Phase))}
    cards = session.exec(select(Card).where(Card.lotse_id == lotse_id).order_by(col(Card.id)))
    annotations = session.exec(
        select(Annotation)
        .where(
            or_(
                col(Annotation.created_by).in_(names),
                col(Annotation.raised_by_id) == lotse_id,
                col(Annotation.next_step_lotse_id) == lotse_id,
            )
        )
        .order_by(col(Annotation.id))
    )
    notes = session.exec(
        select(AnnotationNote)
        .where(col(AnnotationNote.author).in_(names))
        .order_by(col(AnnotationNote.id))
    )
    items = session.exec(
        select(AgendaItem)
        .where(col(AgendaItem.proposed_by).in_(names))
        .order_by(col(AgendaItem.id))
    )
    entries = session.exec(
        select(MeetingEntry)
        .where(or_(col(MeetingEntry.author).in_(names), col(MeetingEntry.lotse_id) == lotse_id))
        .order_by(col(MeetingEntry.id))
    )
    runs = session.exec(select(MeetingRun).order_by(col(MeetingRun.id)))
    return {
        "cards": _rows(
            cards,
            "id",
            "title",
            "archived",
            "created_at",
            board=lambda c: boards.get(c.board_id),
            phase=lambda c: phases.get(c.phase_id),
            department=lambda c: departments.get(c.department_id),
        ),
        "annotations": _rows(
            annotations,
            "id",
            "card_id",
            "kind",
            "text",
            "status",
            "created_at",
            written=lambda a: a.created_by in names,
            raised_by_her=lambda a: a.raised_by_id == lotse_id,
            next_step=lambda a: a.next_step if a.next_step_lotse_id == lotse_id else None,
        ),
        "annotation_notes": _rows(notes, "annotation_id", "text", "created_at"),
        "agenda_items": _rows(
            items, "day", "title", "card_id", "created_at", board=lambda i: boards.get(i.board_id)
        ),
        "meeting_entries": _rows(
            entries,
            "day",
            "kind",
            "text",
            "due_date",
            "card_id",
            "created_at",
            board=lambda e: boards.get(e.board_id),
            written=lambda e: e.author in names,
            assigned=lambda e: e.lotse_id == lotse_id,
        ),
        "meetings": [
            {
                "board": boards.get(run.board_id),
                "day": _iso(run.day),
                "present": lotse_id in run.present,
                "moderated": run.moderator_id == user_id,
                "started": run.started_by in names,
                "closed": run.closed_by in names,
            }
            for run in runs
            if lotse_id in run.present
            or run.moderator_id == user_id
            or run.started_by in names
            or run.closed_by in names
        ],
    }


def _events(
    session: Session,
    user: User | None,
    lotse: Lotse | None,
    actors: set[str],
    boards: dict[Any, str],
) -> dict[str, Any]:
    """The events she caused (without payload), and those about her account or lotse record
    (with it, less the client address of whoever else made them)."""
    caused = session.exec(select(Event).where(col(Event.actor).in_(actors)).order_by(col(Event.id)))
    sessions: set[int | None] = set()
    if user is not None:
        sessions = set(session.exec(select(LoginSession.id).where(LoginSession.user_id == user.id)))
    candidates = session.exec(
        select(Event)
        .where(
            col(Event.board_id).is_(None),
            or_(*[col(Event.type).startswith(prefix) for prefix in ABOUT_PERSON]),
        )
        .order_by(col(Event.id))
    )
    about = [
        {
            "type": event.type,
            "created_at": _iso(event.created_at),
            "by_her": event.actor in actors,
            "payload": {
                key: value
                for key, value in event.payload.items()
                if key != ADDRESS or event.actor in actors
            },
        }
        for event in candidates
        if _concerns(event, user, lotse, sessions, actors)
    ]
    return {
        "events_caused": _rows(
            caused, "type", "card_id", "created_at", board=lambda e: boards.get(e.board_id)
        ),
        "events_about_her": about,
    }


def _concerns(
    event: Event,
    user: User | None,
    lotse: Lotse | None,
    sessions: set[int | None],
    identities: set[str],
) -> bool:
    """Whether an instance-wide event is about this account or lotse record: by its id, or,
    for a change (whose payload holds only what changed), by her name or address in it."""
    payload = event.payload
    records = [r for r in (payload.get("before"), payload.get("after")) if isinstance(r, dict)]
    ids = {r.get("id") for r in records} - {None}
    named = any(
        r.get("name") in identities or str(r.get("email") or "").lower() in identities
        for r in records
    )
    if event.type.startswith(LOTSE_EVENTS):
        return lotse is not None and (lotse.id in ids or (not ids and named))
    if user is None:
        return False
    if event.type.startswith(USER_EVENTS) and (user.id in ids or (not ids and named)):
        return True
    ended = payload.get("session_ids") or [payload.get("session_id")]
    return (
        payload.get("user_id") == user.id
        or payload.get("recipient") == f"u{user.id}"
        or any(s is not None and s in sessions for s in ended)
    )
