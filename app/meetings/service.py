"""Lotsentreffen dates: a rhythm per board, single dates moved, cancelled or added.

Dates are computed from the rhythm in the board's local time (Europe/Berlin), so a series keeps
10:00 across the change to and from summer time; only the dates that differ are stored. Every
change is an event of the board, in the same transaction.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import clock
from app.accounts.service import token_hash
from app.boards.service import lock_board
from app.cards.models import Card
from app.errors import Conflict, InvalidInput, NotFound
from app.events import names
from app.events import service as events
from app.meetings.models import (
    AgendaItem,
    AgendaItemCreate,
    AgendaItemRead,
    ItemKind,
    Meeting,
    MeetingAdd,
    MeetingChange,
    MeetingFeed,
    MeetingRead,
    MeetingRun,
    MeetingSeries,
    RunState,
    SeriesRead,
    SeriesSet,
)
from app.people.models import Department
from app.references import check_active
from app.settings import get_settings

FEED_PREFIX = "lbc_"
UID_DOMAIN = "lotsenboard"


@dataclass(frozen=True)
class Occurrence:
    """One Lotsentreffen as people see it."""

    board_id: int
    day: date
    starts_at: datetime  # aware, in the board's zone
    duration: timedelta
    cancelled: bool
    moved: bool
    extra: bool
    version: int  # 0: as the rhythm has it, never changed

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.duration

    @property
    def uid(self) -> str:
        return f"treffen-{self.board_id}-{self.day.isoformat()}@{UID_DOMAIN}"

    def read(self) -> MeetingRead:
        return MeetingRead(
            day=self.day,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            cancelled=self.cancelled,
            moved=self.moved,
            extra=self.extra,
            version=self.version,
            uid=self.uid,
        )


def _zone() -> ZoneInfo:
    return get_settings().zone


def local(moment: datetime) -> datetime:
    """A time given without offset is the board's local time; one with an offset is kept."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=_zone())
    return moment.astimezone(_zone())


def get_series(session: Session, *, board_id: int) -> MeetingSeries | None:
    return session.exec(select(MeetingSeries).where(MeetingSeries.board_id == board_id)).first()


def set_series(session: Session, *, board_id: int, data: SeriesSet, actor: str) -> MeetingSeries:
    """Create or change the rhythm. Changed single dates that no longer fall on it are dropped
    (the event names them); added dates stay."""
    lock_board(session, board_id)
    series = get_series(session, board_id=board_id)
    if series is not None and data.version is not None and data.version != series.version:
        raise Conflict(
            "the rhythm was changed meanwhile; reload and try again",
            field="version",
            current=SeriesRead.model_validate(series).model_dump(mode="json"),
        )
    before = _series_json(series) if series is not None else None
    values = data.model_dump(exclude={"version"})
    if series is None:
        series = MeetingSeries(board_id=board_id, **values)
    else:
        for field, value in values.items():
            setattr(series, field, value)
        series.version += 1
        series.updated_at = clock.now()
    session.add(series)
    session.flush()
    off_rhythm = [
        meeting
        for meeting in session.exec(select(Meeting).where(Meeting.board_id == board_id)).all()
        if not meeting.extra and not _on_rhythm(series, meeting.day)
    ]
    for meeting in off_rhythm:
        session.delete(meeting)
    payload: dict[str, Any] = {"before": before, "after": _series_json(series)}
    if off_rhythm:
        payload["dropped"] = [meeting.day.isoformat() for meeting in off_rhythm]
    events.append(
        session, board_id=board_id, type=names.MEETING_SERIES_SET, actor=actor, payload=payload
    )
    events.commit(session)
    return series


def _series_json(series: MeetingSeries) -> dict[str, Any]:
    return SeriesRead.model_validate(series).model_dump(mode="json")


def _on_rhythm(series: MeetingSeries, day: date) -> bool:
    offset = (day - series.first_date).days
    return offset >= 0 and offset % (7 * series.interval_weeks) == 0


def occurrences(session: Session, *, board_id: int, start: date, end: date) -> list[Occurrence]:
    """Every Lotsentreffen whose day (as the rhythm had it) lies in [start, end], in time order;
    cancelled ones included and marked."""
    series = get_series(session, board_id=board_id)
    duration = timedelta(minutes=series.duration_minutes if series else 90)
    default_time = series.start_time if series else time(10, 0)
    changed = {
        meeting.day: meeting
        for meeting in session.exec(
            select(Meeting).where(
                Meeting.board_id == board_id, col(Meeting.day) >= start, col(Meeting.day) <= end
            )
        ).all()
    }
    found: list[Occurrence] = []
    days = set(_rhythm_days(series, start, end)) if series else set()
    for day in sorted(days | {d for d, m in changed.items() if m.extra}):
        meeting = changed.get(day)
        planned = datetime.combine(day, default_time, tzinfo=_zone())
        starts_at = local(meeting.starts_at) if meeting and meeting.starts_at else planned
        found.append(
            Occurrence(
                board_id=board_id,
                day=day,
                starts_at=starts_at,
                duration=duration,
                cancelled=bool(meeting and meeting.cancelled),
                moved=bool(meeting and not meeting.extra and starts_at != planned),
                extra=bool(meeting and meeting.extra),
                version=meeting.version if meeting else 0,
            )
        )
    return sorted(found, key=lambda occurrence: occurrence.starts_at)


def _rhythm_days(series: MeetingSeries, start: date, end: date) -> list[date]:
    step = 7 * series.interval_weeks
    first = series.first_date
    if start > first:
        first += timedelta(days=-(-(start - first).days // step) * step)
    days = []
    while first <= end:
        days.append(first)
        first += timedelta(days=step)
    return days


def upcoming(session: Session, *, board_id: int, count: int = 12) -> list[Occurrence]:
    """The next dates (cancelled ones too) from today on."""
    today = clock.now().astimezone(_zone()).date()
    # A moved meeting may lie a few weeks from its day; look a little back and far enough on.
    found = occurrences(
        session,
        board_id=board_id,
        start=today - timedelta(days=60),
        end=today + timedelta(days=400),
    )
    now = clock.now()
    return [o for o in found if o.ends_at > now][:count]


def past(session: Session, *, board_id: int, count: int = 12) -> list[Occurrence]:
    """The Lotsentreffen that took place (begun, not cancelled), the latest first."""
    now = clock.now()
    today = now.astimezone(_zone()).date()
    found = occurrences(
        session,
        board_id=board_id,
        start=today - timedelta(days=400),
        end=today + timedelta(days=60),
    )
    return [o for o in reversed(found) if not o.cancelled and o.starts_at <= now][:count]


def next_meeting(session: Session, *, board_id: int) -> Occurrence | None:
    """The next Lotsentreffen that takes place (not yet over)."""
    return next((o for o in upcoming(session, board_id=board_id) if not o.cancelled), None)


def last_start(session: Session, *, board_id: int) -> datetime:
    """When the last Lotsentreffen that took place began (14 days ago if there was none)."""
    now = clock.now()
    today = now.astimezone(_zone()).date()
    held = [
        o
        for o in occurrences(
            session, board_id=board_id, start=today - timedelta(days=400), end=today
        )
        if not o.cancelled and o.starts_at <= now
    ]
    return held[-1].starts_at if held else now - timedelta(days=14)


def previous(session: Session, meeting: Occurrence, *, within: timedelta) -> Occurrence | None:
    """The Lotsentreffen before this one that was not cancelled (looking back `within`)."""
    earlier = [
        o
        for o in occurrences(
            session, board_id=meeting.board_id, start=meeting.day - within, end=meeting.day
        )
        if not o.cancelled and o.starts_at < meeting.starts_at
    ]
    return earlier[-1] if earlier else None


def find(session: Session, *, board_id: int, day: date) -> Occurrence:
    for occurrence in occurrences(session, board_id=board_id, start=day, end=day):
        if occurrence.day == day:
            return occurrence
    raise NotFound("meeting", day.isoformat())


def change_meeting(
    session: Session, *, board_id: int, day: date, data: MeetingChange, actor: str
) -> Occurrence:
    """Move one date or cancel it (or take a cancellation back), naming the version seen."""
    lock_board(session, board_id)
    current = find(session, board_id=board_id, day=day)
    if data.version != current.version:
        raise Conflict(
            "this Lotsentreffen was changed meanwhile; reload and try again",
            field="version",
            current=current.read().model_dump(mode="json"),
        )
    if data.starts_at is None and data.cancelled is None:
        raise InvalidInput("starts_at", "give a new time or cancel the meeting")
    meeting = session.exec(
        select(Meeting).where(Meeting.board_id == board_id, Meeting.day == day)
    ).first() or Meeting(board_id=board_id, day=day, version=0)
    if data.starts_at is not None:
        meeting.starts_at = local(data.starts_at).astimezone(UTC)
    if data.cancelled is not None:
        meeting.cancelled = data.cancelled
    meeting.version += 1
    meeting.updated_at = clock.now()
    session.add(meeting)
    session.flush()
    after = find(session, board_id=board_id, day=day)
    kind = names.MEETING_CANCELLED if after.cancelled else names.MEETING_CHANGED
    if current.cancelled and not after.cancelled:
        kind = names.MEETING_RESTORED
    before = current.read().model_dump(mode="json")
    payload = {
        "day": day.isoformat(),
        "before": before,
        "after": after.read().model_dump(mode="json"),
    }
    events.append(session, board_id=board_id, type=kind, actor=actor, payload=payload)
    events.commit(session)
    return after


def add_meeting(session: Session, *, board_id: int, data: MeetingAdd, actor: str) -> Occurrence:
    """An extra date besides the rhythm (one Lotsentreffen a day)."""
    lock_board(session, board_id)
    starts_at = local(data.starts_at)
    day = starts_at.date()
    taken = occurrences(session, board_id=board_id, start=day, end=day)
    if taken:
        raise Conflict(
            "there is a Lotsentreffen on %(day)s already",
            values={"day": day.strftime("%d.%m.%Y")},
            field="starts_at",
        )
    session.add(
        Meeting(board_id=board_id, day=day, starts_at=starts_at.astimezone(UTC), extra=True)
    )
    session.flush()
    added = find(session, board_id=board_id, day=day)
    events.append(
        session,
        board_id=board_id,
        type=names.MEETING_ADDED,
        actor=actor,
        payload={"day": day.isoformat(), "after": added.read().model_dump(mode="json")},
    )
    events.commit(session)
    return added


def create_feed(session: Session, *, board_id: int, actor: str) -> str:
    """A new secret calendar address for the board; an earlier one stops working."""
    lock_board(session, board_id)
    _revoke_feeds(session, board_id)
    plain = FEED_PREFIX + secrets.token_urlsafe(24)
    session.add(MeetingFeed(board_id=board_id, token_hash=token_hash(plain), created_by=actor))
    events.append(
        session, board_id=board_id, type=names.MEETING_FEED_CREATED, actor=actor, payload={}
    )
    events.commit(session)
    return plain


def revoke_feed(session: Session, *, board_id: int, actor: str) -> None:
    lock_board(session, board_id)
    if not _revoke_feeds(session, board_id):
        raise NotFound("calendar feed", board_id)
    events.append(
        session, board_id=board_id, type=names.MEETING_FEED_REVOKED, actor=actor, payload={}
    )
    events.commit(session)


def _revoke_feeds(session: Session, board_id: int) -> int:
    active = session.exec(
        select(MeetingFeed).where(
            MeetingFeed.board_id == board_id, col(MeetingFeed.revoked_at).is_(None)
        )
    ).all()
    for feed in active:
        feed.revoked_at = clock.now()
        session.add(feed)
    return len(active)


def feed_active(session: Session, *, board_id: int) -> MeetingFeed | None:
    return session.exec(
        select(MeetingFeed).where(
            MeetingFeed.board_id == board_id, col(MeetingFeed.revoked_at).is_(None)
        )
    ).first()


def board_of_feed(session: Session, *, plain: str) -> int | None:
    """The board a calendar address belongs to, while it has not been replaced or revoked."""
    if not plain.startswith(FEED_PREFIX):
        return None
    feed = session.exec(
        select(MeetingFeed).where(MeetingFeed.token_hash == token_hash(plain))
    ).first()
    return feed.board_id if feed is not None and feed.revoked_at is None else None


def list_items(session: Session, *, board_id: int, day: date) -> list[AgendaItem]:
    """The topics brought to one Lotsentreffen, in the order they came."""
    return list(
        session.exec(
            select(AgendaItem)
            .where(AgendaItem.board_id == board_id, AgendaItem.day == day)
            .where(AgendaItem.kind == ItemKind.topic, col(AgendaItem.removed).is_(False))
            .order_by(col(AgendaItem.id))
        )
    )


def add_item(
    session: Session, *, board_id: int, day: date, data: AgendaItemCreate, actor: str
) -> AgendaItem:
    """Bring a topic to a Lotsentreffen that has not begun (a measure of this board, a
    department, both optional)."""
    lock_board(session, board_id)
    meeting = _not_begun(session, board_id, day)
    if data.card_id is not None:
        card = session.get(Card, data.card_id)
        if card is None or card.board_id != board_id:
            raise InvalidInput("card_id", "number %(id)s does not exist", id=data.card_id)
    check_active(session, data.model_dump(), None, {"department_id": Department})
    last = session.exec(
        select(func.max(AgendaItem.position)).where(
            AgendaItem.board_id == board_id, AgendaItem.day == meeting.day
        )
    ).one()
    item = AgendaItem(
        board_id=board_id,
        day=meeting.day,
        proposed_by=actor,
        position=(last or 0) + 10,
        **data.model_dump(),
    )
    session.add(item)
    session.flush()
    _log_item(session, item, names.MEETING_ITEM_ADDED, actor)
    return item


def remove_item(session: Session, *, board_id: int, item_id: int, actor: str) -> None:
    """Take a topic off the agenda of a Lotsentreffen that has not begun (it stays in the log)."""
    lock_board(session, board_id)
    item = session.get(AgendaItem, item_id)
    if item is None or item.board_id != board_id or item.removed:
        raise NotFound("agenda item", item_id)
    _not_begun(session, board_id, item.day)
    item.removed = True
    session.add(item)
    _log_item(session, item, names.MEETING_ITEM_REMOVED, actor)


def _log_item(session: Session, item: AgendaItem, kind: str, actor: str) -> None:
    """An event of the board, and of the measure when the topic names one (its Verlauf)."""
    events.append(
        session,
        board_id=item.board_id,
        type=kind,
        actor=actor,
        card_id=item.card_id,
        payload={"item": AgendaItemRead.model_validate(item).model_dump(mode="json")},
    )
    events.commit(session)


def _not_begun(session: Session, board_id: int, day: date) -> Occurrence:
    meeting = find(session, board_id=board_id, day=day)
    if meeting.cancelled:
        raise Conflict("this Lotsentreffen is cancelled", field="day")
    if meeting.starts_at <= clock.now() or _begun(session, board_id, day):
        raise Conflict("this Lotsentreffen has begun; its agenda is fixed", field="day")
    return meeting


def _begun(session: Session, board_id: int, day: date) -> bool:
    """Begun in meeting mode (possibly before its time)."""
    run = session.exec(
        select(MeetingRun).where(MeetingRun.board_id == board_id, MeetingRun.day == day)
    ).first()
    return run is not None and run.state != RunState.planned
