"""The board as it was at a moment, read from the event log: for "where were we last time"."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app import clock
from app.boards.models import Board
from app.cards.models import Card
from app.errors import InvalidInput
from app.events import names
from app.events.models import Event
from app.reports import history
from app.settings import get_settings


@dataclass(frozen=True)
class PastCard:
    """A card face as it was: the fields the face shows."""

    id: int
    title: str
    priority: str
    size: str | None
    due_date: date | None
    tags: list[str]
    department_id: int | None
    lotse_id: int | None
    phase_since: datetime
    version: int = 0


@dataclass
class Column:
    phase: history.PastPhase
    cards: list[PastCard] = field(default_factory=list)


@dataclass(frozen=True)
class Since:
    """What happened on the board after the moment, until now."""

    moved: int
    new: int
    done: int
    archived: int


@dataclass(frozen=True)
class Then:
    moment: datetime
    columns: list[Column]
    since: Since

    @property
    def total(self) -> int:
        return sum(len(column.cards) for column in self.columns)


def parse_moment(raw: str) -> datetime:
    """`2026-10-01` (the end of that day) or `2026-10-01T14:30` (local time), not in the
    future."""
    zone = get_settings().zone
    text = raw.strip()
    try:
        if "T" in text or " " in text:
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
        else:
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=1), time(), zone) - timedelta(
                microseconds=1
            )
    except (ValueError, OverflowError):
        raise InvalidInput("am", "not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)") from None
    if not 2000 <= moment.year <= 2100:
        raise InvalidInput("am", "not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)")
    now = clock.now()
    day_now = now.astimezone(zone).date()
    if moment.astimezone(zone).date() > day_now:
        raise InvalidInput("am", "the date lies in the future")
    return min(moment, now)


def _face(card_id: int, fields: dict[str, Any]) -> PastCard:
    due = fields.get("due_date")
    return PastCard(
        id=card_id,
        title=str(fields.get("title", "")),
        priority=str(fields.get("priority") or "normal"),
        size=fields.get("size"),
        due_date=date.fromisoformat(due) if isinstance(due, str) else None,
        tags=sorted(fields.get("tags") or []),
        department_id=fields.get("department_id"),
        lotse_id=fields.get("lotse_id"),
        phase_since=fields["phase_since"],
    )


def board_then(
    session: Session,
    *,
    board: Board,
    moment: datetime,
    department_ids: Iterable[int] = (),
    phase_ids: Iterable[int] = (),
) -> Then:
    """The board's phases and active cards, in order, as they stood at `moment` (of those
    departments and phases, when named: a screen link's choice)."""
    assert board.id is not None
    rows = history.load(session, board_id=board.id)
    past = history.board_at(rows, moment)
    wanted, shown = set(department_ids), set(phase_ids)
    columns = []
    for phase in past.phases:
        if shown and phase.id not in shown:
            continue
        column = Column(phase)
        for card_id in phase.card_ids:
            fields = past.cards[card_id]
            if not wanted or fields.get("department_id") in wanted:
                column.cards.append(_face(card_id, fields))
        columns.append(column)
    done = {phase.id for phase in past.phases if phase.is_done}
    return Then(moment, columns, _since(session, board.id, past.last_seq, done, wanted))


def _since(
    session: Session, board_id: int, after: int, done: set[int], departments: set[int]
) -> Since:
    """Distinct measures moved to another phase, created, done and archived after `seq` (of
    those departments, as the measures belong to them now)."""
    statement = select(Event.type, Event.card_id, Event.payload).where(
        Event.board_id == board_id,
        col(Event.seq) > after,
        col(Event.type).in_([names.CARD_CREATED, names.CARD_MOVED, names.CARD_ARCHIVED]),
    )
    if departments:
        statement = statement.join(Card, col(Card.id) == col(Event.card_id)).where(
            col(Card.department_id).in_(departments)
        )
    moved: set[int] = set()
    new: set[int] = set()
    finished: set[int] = set()
    archived: set[int] = set()
    for kind, card_id, payload in session.exec(statement):
        if card_id is None:
            continue
        if kind == names.CARD_CREATED:
            new.add(card_id)
        elif kind == names.CARD_ARCHIVED:
            archived.add(card_id)
        else:
            before, now = payload["before"]["phase_id"], payload["after"]["phase_id"]
            if before != now:
                moved.add(card_id)
                if now in done and before not in done:
                    finished.add(card_id)
    return Since(len(moved), len(new), len(finished), len(archived))
