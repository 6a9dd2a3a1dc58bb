"""What a report covers: a board, a period of local days, and optionally a department group and
a tag — read from the query of a page, a download or the JSON API."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app import clock
from app.boards.models import Board
from app.errors import InvalidInput
from app.meetings import service as meetings
from app.settings import get_settings

# Longest custom period: a CFD of ten years of days is still a few thousand points.
LONGEST = timedelta(days=3660)


class Preset(StrEnum):
    weeks4 = "4w"
    quarter = "quarter"
    year = "year"
    meeting = "meeting"
    custom = "custom"


@dataclass(frozen=True)
class Period:
    """[start, end): local days from `first` to `last`, cut off at now. Every moment it gives is
    in UTC: lengths of time across a change of the clocks come out right."""

    first: date
    last: date
    zone: ZoneInfo
    # A span between two moments of those days (an agenda's: from one Lotsentreffen to the
    # next) rather than the whole days.
    opens: datetime | None = None
    closes: datetime | None = None

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    @property
    def start(self) -> datetime:
        return self.opens.astimezone(UTC) if self.opens else self._midnight(self.first)

    @property
    def end(self) -> datetime:
        closes = self.closes or self._midnight(self.last + timedelta(days=1))
        return min(closes.astimezone(UTC), clock.now())

    def days(self) -> list[date]:
        """The period's days that have begun."""
        now = clock.now()
        count = (self.last - self.first).days + 1
        found = (self.first + timedelta(days=n) for n in range(count))
        return [day for day in found if self._midnight(day) < now]

    def day_end(self, day: date) -> datetime:
        """The moment a day's figures are read: its end, or now for today."""
        return min(self._midnight(day + timedelta(days=1)), self.end)

    def weeks(self) -> list[tuple[date, datetime, datetime]]:
        """The calendar weeks (Monday to Sunday) the period touches, cut to the period."""
        monday = self.first - timedelta(days=self.first.weekday())
        found = []
        while monday <= self.last:
            start = max(self._midnight(monday), self.start)
            end = min(self._midnight(monday + timedelta(days=7)), self.end)
            if start < end:
                found.append((monday, start, end))
            monday += timedelta(days=7)
        return found


@dataclass(frozen=True)
class Scope:
    board: Board
    period: Period
    department: str | None = None  # a department group's key
    tag: str | None = None
    preset: Preset = Preset.weeks4
    meeting: date | None = None


def _day(params: Mapping[str, str], name: str) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(name, "not a date (YYYY-MM-DD)") from None


def from_query(
    session: Session, board: Board, params: Mapping[str, str], *, group_keys: set[str]
) -> Scope:
    """The scope a query asks for; an unknown value is refused with the field it came in."""
    zone = get_settings().zone
    today = clock.now().astimezone(zone).date()
    raw = params.get("period") or Preset.weeks4.value
    try:
        preset = Preset(raw)
    except ValueError:
        raise InvalidInput("period", "unknown period") from None
    meeting: date | None = None
    if preset == Preset.weeks4:
        first, last = today - timedelta(days=27), today
    elif preset == Preset.quarter:
        first, last = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    elif preset == Preset.year:
        first, last = date(today.year, 1, 1), today
    elif preset == Preset.meeting:
        held = meetings.past(session, board_id=board.id or 0, count=26)
        if not held:
            raise InvalidInput("meeting", "no Lotsentreffen has taken place yet")
        meeting = _day(params, "meeting") or held[0].day
        chosen = [o for o in held if o.day == meeting]
        if not chosen:
            raise InvalidInput("meeting", "no Lotsentreffen took place on that day")
        first, last = chosen[0].starts_at.astimezone(zone).date(), today
    else:
        found_first, found_last = _day(params, "from"), _day(params, "until")
        if found_first is None:
            raise InvalidInput("from", "a custom period needs a first day")
        first, last = found_first, found_last or today
    if first > today:
        raise InvalidInput("from", "the period lies in the future")
    if last < first:
        raise InvalidInput("until", "the last day is before the first")
    if last - first > LONGEST:
        raise InvalidInput("from", "the period is longer than ten years")
    department = (params.get("department") or "").strip() or None
    if department is not None and department not in group_keys:
        raise InvalidInput("department", "no such department in the reports")
    tag = (params.get("tag") or "").strip()[:40] or None
    return Scope(board, Period(first, last, zone), department, tag, preset, meeting)
