"""The weekly digest (Wochenübersicht): what one recipient reads about the past week.

The week runs Monday 00:00 to Sunday 24:00 in the board's zone. Per board the recipient may
read at sending time, per department in the recipient's scope: what the log shows for the week
(the same report the Lotsentreffen agenda uses), and the next Lotsentreffen. Group figures
only: nothing names or counts what one person did.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from app import clock
from app.accounts.access import Principal, can_read_board
from app.accounts.models import User
from app.annotations.models import AnnotationKind
from app.boards.models import Board
from app.boards.service import list_boards
from app.errors import InvalidInput
from app.meetings import agenda, service
from app.meetings.agenda import DepartmentAgenda
from app.meetings.service import Occurrence
from app.reports import service as reports
from app.settings import get_settings

ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Week:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time(0, 0), tzinfo=get_settings().zone)

    @property
    def end(self) -> datetime:
        """Sunday 24:00, which is next Monday 00:00 (23 or 25 hours on change days)."""
        return datetime.combine(self.monday + timedelta(days=7), time(0, 0), get_settings().zone)


def week_of(value: str | None = None) -> Week:
    """The week named like `2026-W48`, or the last complete week before now."""
    if value is None:
        today = clock.now().astimezone(get_settings().zone).date()
        year, number, _day = (today - timedelta(days=7)).isocalendar()
        return Week(year, number)
    found = ISO_WEEK.match(value.strip())
    if found is None:
        raise InvalidInput("week", "not a calendar week like 2026-W48: %(value)s", value=value)
    year, number = int(found.group(1)), int(found.group(2))
    try:
        date.fromisocalendar(year, number, 1)
    except ValueError:
        raise InvalidInput(
            "week", "%(year)s has no week %(number)s", year=year, number=number
        ) from None
    return Week(year, number)


def news(part: DepartmentAgenda) -> bool:
    """Something happened in the week (what is merely still open or stuck is no news)."""
    return bool(
        part.new or part.moved or part.done or part.raised or part.resolved or part.breaches
    )


@dataclass
class BoardPart:
    board: Board
    departments: list[DepartmentAgenda]
    next_meeting: Occurrence | None
    # The whole board's flow in the week, from the reports.
    flow: reports.Summary | None = None

    @property
    def empty(self) -> bool:
        return not any(news(part) for part in self.departments)


@dataclass
class Digest:
    name: str
    email: str
    week: Week
    boards: list[BoardPart] = field(default_factory=list)

    @property
    def parts(self) -> list[DepartmentAgenda]:
        return [part for board in self.boards for part in board.departments]

    @property
    def new_measures(self) -> int:
        return sum(len(part.new) for part in self.parts)

    @property
    def open_resistances(self) -> int:
        return sum(
            1
            for part in self.parts
            for item in part.still_open
            if item.kind == AnnotationKind.resistance
        )

    @property
    def empty(self) -> bool:
        return not any(news(part) for part in self.parts)


def for_user(
    session: Session,
    *,
    user: User,
    week: Week,
    board_ids: list[int] | None = None,
    department_ids: list[int] | None = None,
) -> Digest:
    """The digest of an account: the boards it may read now (restricted ones only as a member
    or admin), narrowed to the boards and departments it chose (empty: all)."""
    principal = Principal(name=user.name, role=user.role, via="digest", user_id=user.id)
    readable = [
        board
        for board in list_boards(session)
        if can_read_board(session, principal, board) and (not board_ids or board.id in board_ids)
    ]
    return for_boards(
        session,
        name=user.name,
        email=user.email,
        week=week,
        boards=readable,
        department_ids=department_ids or [],
    )


def for_boards(
    session: Session,
    *,
    name: str,
    email: str,
    week: Week,
    boards: list[Board],
    department_ids: list[int],
) -> Digest:
    """The digest over these boards, narrowed to these departments (empty: all)."""
    found = Digest(name, email, week)
    for board in boards:
        parts = agenda.report(session, board=board, start=week.start, end=week.end)
        if department_ids:
            parts = [p for p in parts if p.department and p.department.id in department_ids]
        upcoming = service.next_meeting(session, board_id=board.id or 0)
        flow = reports.summary(session, board=board, first=week.monday, last=week.sunday)
        found.boards.append(BoardPart(board, [p for p in parts if not p.empty], upcoming, flow))
    return found
