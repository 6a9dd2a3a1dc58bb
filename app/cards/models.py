"""Cards (Maßnahmen) and their tags: tables and schemas."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import Index, String
from sqlmodel import Field, Relationship, SQLModel

from app.db import UTCDateTime, utcnow
from app.types import Id, LongText, Tag, Title


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Size(StrEnum):
    s = "S"
    m = "M"
    l = "L"  # noqa: E741 - T-shirt size
    xl = "XL"


class CardTag(SQLModel, table=True):
    __tablename__ = "card_tag"

    card_id: int = Field(foreign_key="card.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(sa_type=String(40), primary_key=True, index=True)


class Card(SQLModel, table=True):
    __table_args__ = (Index("ix_card_phase_order", "phase_id", "archived", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    phase_id: int = Field(foreign_key="phase.id")
    # 0..n-1 among the phase's active cards; archived cards keep their last one.
    position: int = Field(default=0)
    title: str = Field(sa_type=String(200))
    description: str = Field(default="", sa_type=String(20_000))
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    lotse_id: int | None = Field(default=None, foreign_key="lotse.id", index=True)
    priority: Priority = Field(default=Priority.normal, sa_type=String(8))
    size: Size | None = Field(default=None, sa_type=String(2))
    due_date: date | None = Field(default=None)
    archived: bool = Field(default=False)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the card entered its phase (a move within the phase leaves it): "n days here".
    phase_since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    tag_links: list[CardTag] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )

    @property
    def tags(self) -> list[str]:
        return sorted(link.tag for link in self.tag_links)


def _clean_tags(tags: list[str] | None) -> list[str] | None:
    if tags is None:
        return None
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(tag, None)
    return list(seen)


class CardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    phase_id: Id
    description: LongText = ""
    department_id: Id | None = None
    lotse_id: Id | None = None
    priority: Priority = Priority.normal
    size: Size | None = None
    due_date: date | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    position: int | None = Field(
        default=None, ge=0, description="Index in the phase; default last."
    )

    _tags = field_validator("tags")(_clean_tags)


class CardUpdate(BaseModel):
    """Fields to change; `version` is the one the caller saw."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    title: Title | None = None
    description: LongText | None = None
    department_id: Id | None = None
    lotse_id: Id | None = None
    priority: Priority | None = None
    size: Size | None = None
    due_date: date | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)

    _tags = field_validator("tags")(_clean_tags)


class CardMove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phase_id: Id
    position: int = Field(ge=0, le=100_000)
    version: int = Field(ge=1)


class CardVersion(BaseModel):
    """Body of archive/restore: the version the caller saw."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)


class CardRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    board_id: int
    phase_id: Id
    position: int
    title: str
    description: str
    department_id: int | None
    lotse_id: int | None
    priority: Priority
    size: Size | None
    due_date: date | None
    tags: list[str]
    archived: bool
    version: int
    created_at: datetime
    updated_at: datetime
    phase_since: datetime


class OpenAnnotations(StrEnum):
    """Cards with open concerns, resistances, or either."""

    concern = "concern"
    resistance = "resistance"
    any = "any"


class CardFilter(BaseModel):
    """The board's filters, as the CDO sets them."""

    department: list[Id] = Field(default_factory=list)
    lotse: list[Id] = Field(default_factory=list)
    phase: list[Id] = Field(default_factory=list)
    tag: list[Tag] = Field(default_factory=list, max_length=20)
    q: str | None = Field(default=None, max_length=200)
    open_annotations: OpenAnnotations | None = None
    blocked: bool = False
    archived: bool = False
    # Only cards with an event at or after this moment (e.g. the last Lotsentreffen).
    changed_since: datetime | None = None
