"""Concerns and resistances (Bedenken, Widerstände) on cards: tables and schemas."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.types import Id, Line, Text


class AnnotationKind(StrEnum):
    concern = "concern"
    resistance = "resistance"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


SEVERITY_RANK = {Severity.low: 1, Severity.medium: 2, Severity.high: 3}


class AnnotationStatus(StrEnum):
    open = "open"
    discussing = "discussing"
    resolved = "resolved"
    withdrawn = "withdrawn"


# Open annotations are the ones still in play: raised and not yet resolved or withdrawn.
OPEN_STATUSES = (AnnotationStatus.open, AnnotationStatus.discussing)
CLOSED_STATUSES = (AnnotationStatus.resolved, AnnotationStatus.withdrawn)

# The lifecycle: which status may follow which. Reopening leads back to `open`.
TRANSITIONS: dict[AnnotationStatus, frozenset[AnnotationStatus]] = {
    AnnotationStatus.open: frozenset(
        {AnnotationStatus.discussing, AnnotationStatus.resolved, AnnotationStatus.withdrawn}
    ),
    AnnotationStatus.discussing: frozenset({AnnotationStatus.resolved, AnnotationStatus.withdrawn}),
    AnnotationStatus.resolved: frozenset({AnnotationStatus.open}),
    AnnotationStatus.withdrawn: frozenset({AnnotationStatus.open}),
}


class AnnotationCategory(SQLModel, table=True):
    """A cause the CDO clusters annotations by (Datenschutz, Personalrat …), instance-wide."""

    __tablename__ = "annotation_category"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(80), unique=True)
    position: int = Field(default=0)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Annotation(SQLModel, table=True):
    """A concern or resistance raised on a card; never deleted, its history is in the log."""

    __table_args__ = (Index("ix_annotation_card_status", "card_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id")
    kind: AnnotationKind = Field(sa_type=String(12))
    text: str = Field(sa_type=String(20_000))
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    raised_by_id: int | None = Field(default=None, foreign_key="lotse.id")
    category_id: int | None = Field(default=None, foreign_key="annotation_category.id", index=True)
    severity: Severity = Field(default=Severity.medium, sa_type=String(8))
    blocks_card: bool = Field(default=False)
    status: AnnotationStatus = Field(default=AnnotationStatus.open, sa_type=String(12))
    resolution: str = Field(default="", sa_type=String(4000))
    withdrawal_reason: str = Field(default="", sa_type=String(4000))
    next_step: str = Field(default="", sa_type=String(500))
    next_step_lotse_id: int | None = Field(default=None, foreign_key="lotse.id")
    next_step_date: date | None = Field(default=None)
    version: int = Field(default=1)
    created_by: str = Field(sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def blocking(self) -> bool:
        return self.blocks_card and self.is_open


class AnnotationNote(SQLModel, table=True):
    """One short note of an annotation's discussion: append-only."""

    __tablename__ = "annotation_note"

    id: int | None = Field(default=None, primary_key=True)
    annotation_id: int = Field(foreign_key="annotation.id", index=True)
    text: str = Field(sa_type=String(2000))
    author: str = Field(sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


AnnotationText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), Text
]
NoteText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), Text
]
ClosingText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), Text]
NextStep = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), Line]
CategoryName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), Line
]


class AnnotationCreate(BaseModel):
    """A new concern or resistance; the department defaults to the card's."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "resistance",
                    "text": "Der Personalrat befürchtet eine Leistungskontrolle über die "
                    "Bearbeitungszeiten.",
                    "department_id": 3,
                    "raised_by_id": 7,
                    "category_id": 2,
                    "severity": "high",
                    "blocks_card": True,
                }
            ]
        },
    )
    kind: AnnotationKind
    text: AnnotationText
    department_id: Id | None = None
    raised_by_id: Id | None = None
    category_id: Id | None = None
    severity: Severity = Severity.medium
    blocks_card: bool = False
    next_step: NextStep = ""
    next_step_lotse_id: Id | None = None
    next_step_date: date | None = None


class AnnotationUpdate(BaseModel):
    """Fields to change and/or a new status; `version` is the one the caller saw.

    Resolving needs `resolution`, withdrawing needs `reason`; reopening (to `open`) is allowed
    from `resolved` and `withdrawn`.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "version": 3,
                    "status": "resolved",
                    "resolution": "Dienstvereinbarung "
                    "schließt Leistungskontrolle aus; vom Personalrat unterschrieben.",
                },
                {"version": 1, "severity": "high", "blocks_card": True},
                {"version": 4, "status": "withdrawn", "reason": "Doppelt erfasst."},
            ]
        },
    )
    version: int = PydanticField(ge=1)
    kind: AnnotationKind | None = None
    text: AnnotationText | None = None
    department_id: Id | None = None
    raised_by_id: Id | None = None
    category_id: Id | None = None
    severity: Severity | None = None
    blocks_card: bool | None = None
    next_step: NextStep | None = None
    next_step_lotse_id: Id | None = None
    next_step_date: date | None = None
    status: AnnotationStatus | None = None
    resolution: ClosingText | None = None
    reason: ClosingText | None = None


class NoteCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "Termin mit dem Personalrat am 3.12."}]},
    )
    text: NoteText


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    text: str
    author: str
    created_at: datetime


class AnnotationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    card_id: int
    kind: AnnotationKind
    text: str
    department_id: int | None
    raised_by_id: int | None
    category_id: int | None
    severity: Severity
    blocks_card: bool
    status: AnnotationStatus
    resolution: str
    withdrawal_reason: str
    next_step: str
    next_step_lotse_id: int | None
    next_step_date: date | None
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    notes: list[NoteRead] = PydanticField(default_factory=list)


class CategoryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Barrierefreiheit"}]}
    )
    name: CategoryName
    position: int | None = PydanticField(
        default=None, ge=0, le=1000, description="Place in the list; default last."
    )


class CategoryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: CategoryName | None = None
    position: int | None = PydanticField(default=None, ge=0, le=1000)
    active: bool | None = None


class CategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    position: int
    active: bool


class AnnotationFilter(BaseModel):
    """The overview's filters, as the CDO sets them (each repeated means "any of")."""

    kind: list[AnnotationKind] = PydanticField(default_factory=list)
    department: list[Id] = PydanticField(default_factory=list)
    category: list[Id] = PydanticField(default_factory=list)
    severity: list[Severity] = PydanticField(default_factory=list)
    status: list[AnnotationStatus] = PydanticField(default_factory=list)
    card: list[Id] = PydanticField(default_factory=list)
