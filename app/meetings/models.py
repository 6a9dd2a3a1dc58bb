"""Lotsentreffen: a board's meeting series, its dates, and the calendar feed."""

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as Check
from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.events.models import JSONType
from app.types import Id, Line, Text, Title

Place = Annotated[str, Check(max_length=200), Line]


class MeetingSeries(SQLModel, table=True):
    """The rhythm of a board's Lotsentreffen: every N weeks on a weekday at a local time."""

    __tablename__ = "meeting_series"

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", unique=True)
    interval_weeks: int = Field(default=2)
    first_date: date
    start_time: time
    duration_minutes: int = Field(default=90)
    location: str = Field(default="", sa_type=String(200))
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Meeting(SQLModel, table=True):
    """A date that differs from the rhythm: moved, cancelled, or added.

    `day` names the date as the rhythm had it (or, for an added one, the day it was added
    for); it stays the meeting's key and calendar UID when the meeting moves."""

    __table_args__ = (UniqueConstraint("board_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    day: date
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled: bool = Field(default=False)
    extra: bool = Field(default=False)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetingFeed(SQLModel, table=True):
    """The secret address of a board's calendar; a new one replaces the old."""

    __tablename__ = "meeting_feed"

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_by: str = Field(sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ItemKind(StrEnum):
    topic = "topic"  # brought in beforehand by someone
    department = "department"  # what the log shows for one department
    carried = "carried"  # a topic the meeting before did not reach
    actions = "actions"  # the open action items of earlier meetings


class AgendaItem(SQLModel, table=True):
    """One point of a Lotsentreffen's agenda, in the order the meeting takes them.

    Topics are stored when brought in; the generated points (per department, carried over,
    open action items) are stored once the agenda is first arranged or the meeting begins."""

    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    day: date
    kind: ItemKind = Field(default=ItemKind.topic, sa_type=String(12))
    title: str = Field(sa_type=String(200))
    card_id: int | None = Field(default=None, foreign_key="card.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    proposed_by: str = Field(sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    removed: bool = Field(default=False)
    position: int = Field(default=0)
    minutes: int | None = Field(default=None)  # time-box
    merged_into_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    carried_from_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    reached: bool = Field(default=False)  # was on the screen during the meeting


class RunState(StrEnum):
    planned = "planned"
    running = "running"
    closed = "closed"


class MeetingRun(SQLModel, table=True):
    """How one Lotsentreffen is held: its moderator, the point on the screen, who came."""

    __tablename__ = "meeting_run"
    __table_args__ = (UniqueConstraint("board_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    day: date
    state: RunState = Field(default=RunState.planned, sa_type=String(8))
    moderator_id: int | None = Field(default=None, foreign_key="user.id")
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_by: str | None = Field(default=None, sa_type=String(120))
    # The agenda's period ends at the scheduled start, or earlier when begun early.
    period_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, sa_type=String(120))
    current_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    present: list[int] = Field(default_factory=list, sa_type=JSONType)  # lotse ids
    minutes_version: int = Field(default=0)  # 1 when closed, +1 for each correction after
    version: int = Field(default=1)


class EntryKind(StrEnum):
    note = "note"
    decision = "decision"  # Beschluss
    action = "action"  # what, who, until when


class MeetingEntry(SQLModel, table=True):
    """A note, decision or action item recorded on an agenda point.

    A correction after the meeting is closed replaces an entry with a new one; the old one is
    kept (superseded) and the minutes get a new version."""

    __tablename__ = "meeting_entry"

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    day: date
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    kind: EntryKind = Field(sa_type=String(8))
    text: str = Field(sa_type=String(2000))
    lotse_id: int | None = Field(default=None, foreign_key="lotse.id")
    due_date: date | None = None
    card_id: int | None = Field(default=None, foreign_key="card.id")  # the measure it is about
    result_card_id: int | None = Field(default=None, foreign_key="card.id")
    result_annotation_id: int | None = Field(default=None, foreign_key="annotation.id")
    done: bool = Field(default=False)
    author: str = Field(sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    replaces_id: int | None = Field(default=None, foreign_key="meeting_entry.id")
    superseded: bool = Field(default=False)
    removed: bool = Field(default=False)
    minutes_version: int = Field(default=0)  # the version of the minutes it came with


class AgendaItemCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"title": "Schnittstelle zum Fachverfahren", "card_id": 12}]
        },
    )
    title: Title
    card_id: Id | None = None
    department_id: Id | None = None


class AgendaItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    day: date
    kind: ItemKind = ItemKind.topic
    title: str
    card_id: int | None
    department_id: int | None
    proposed_by: str
    created_at: datetime
    position: int = 0
    minutes: int | None = None
    merged_into_id: int | None = None
    carried_from_id: int | None = None
    reached: bool = False


class SeriesSet(BaseModel):
    """The rhythm; the weekday is that of `first_date`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "first_date": "2026-12-08",
                    "start_time": "10:00",
                    "interval_weeks": 2,
                    "duration_minutes": 90,
                    "location": "Rathaus, Raum 2.14",
                }
            ]
        },
    )
    first_date: date
    start_time: time = time(10, 0)
    interval_weeks: int = Check(default=2, ge=1, le=8)
    duration_minutes: int = Check(default=90, ge=15, le=480)
    location: Place = ""
    version: int | None = Check(default=None, ge=1, description="The version seen, if any")


class SeriesRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    first_date: date
    start_time: time
    interval_weeks: int
    duration_minutes: int
    location: str
    version: int


class MeetingChange(BaseModel):
    """Move a date (local time in the board's zone, or with an offset) or cancel it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"version": 0, "starts_at": "2026-12-09T14:00"}]},
    )
    version: int = Check(ge=0, description="The version seen; 0 for a date never changed")
    starts_at: datetime | None = None
    cancelled: bool | None = None


class MeetingAdd(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"starts_at": "2026-12-17T10:00"}]}
    )
    starts_at: datetime


class MeetingRead(BaseModel):
    """One Lotsentreffen as the calendar shows it."""

    day: date
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    moved: bool
    extra: bool
    version: int
    uid: str


class MeetingsRead(BaseModel):
    series: SeriesRead | None
    meetings: list[MeetingRead]


class FeedCreated(BaseModel):
    url: str


POINT_KEY = r"^(t[0-9]{1,9}|d[0-9]{1,9}|c[0-9]{1,9}|a)$"
PointKey = Annotated[str, Check(pattern=POINT_KEY, max_length=12)]
EntryText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), Text
]


class PointOrder(BaseModel):
    """Every point's key, in the order the meeting takes them."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"order": ["a", "t4", "d2"]}]}
    )
    order: list[PointKey] = Check(min_length=1, max_length=500)


class PointChange(BaseModel):
    """A point's time-box (null: none), or the point it is merged into."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"minutes": 15}]})
    minutes: int | None = Check(default=None, ge=1, le=240)
    merge_into: PointKey | None = None


class ModeratorSet(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"user_id": 3}]})
    user_id: Id | None


class StepTo(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"key": "d2", "version": 4}]}
    )
    key: PointKey
    version: int = Check(ge=0, le=1_000_000, description="The meeting's version seen")


class RunVersion(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"version": 9}]})
    version: int = Check(ge=0, le=1_000_000, description="The meeting's version seen")


class AttendanceSet(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"present": True}]})
    present: bool


class EntryCreate(BaseModel):
    """A note, a decision (Beschluss) or an action item (with a lotse and a date)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "key": "d2",
                    "kind": "action",
                    "text": "Termin mit dem Personalrat vereinbaren",
                    "lotse_id": 5,
                    "due_date": "2026-12-15",
                }
            ]
        },
    )
    key: PointKey
    kind: EntryKind
    text: EntryText
    lotse_id: Id | None = None
    due_date: date | None = None


class EntryCorrect(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": "Start im März."}]}
    )
    text: EntryText
    lotse_id: Id | None = None
    due_date: date | None = None


class ActionToCard(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"phase_id": 1}]})
    phase_id: Id | None = None


class ActionToNextStep(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"annotation_id": 12}]}
    )
    annotation_id: Id


class ActionDone(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"done": True}]})
    done: bool


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    item_id: int
    kind: EntryKind
    text: str
    lotse_id: int | None
    due_date: date | None
    card_id: int | None
    result_card_id: int | None
    result_annotation_id: int | None
    done: bool
    author: str
    created_at: datetime
    replaces_id: int | None
    minutes_version: int


class PointRead(BaseModel):
    key: str
    kind: ItemKind
    title: str
    minutes: int | None
    merged: list[str]
    reached: bool
    card_ids: list[int]
    entries: list[EntryRead]
    open_actions: list[EntryRead]


class MeetingModeRead(BaseModel):
    """A Lotsentreffen as it is held: its agenda in order, where it stands, who came."""

    day: date
    state: RunState
    version: int
    moderator_id: int | None
    started_at: datetime | None
    closed_at: datetime | None
    current: str | None
    present: list[int]
    minutes_version: int
    points: list[PointRead]
