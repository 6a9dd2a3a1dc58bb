"""Boards and their phases: tables and request/response schemas."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.types import Id, LongText, Name


class WipMode(StrEnum):
    warn = "warn"
    block = "block"


class Board(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, sa_type=String(120))
    description: str = Field(default="", sa_type=String(20_000))
    archived: bool = Field(default=False)
    # Restricted boards are visible to admins and their members only.
    restricted: bool = Field(default=False)
    # Kanban practice: a blocked card does not take up a WIP slot unless the board says so.
    wip_counts_blocked: bool = Field(default=False)
    # After this many days in one phase a card says so on its face.
    stuck_after_days: int = Field(default=21)
    # Where cycle time starts (None: see boards.service.started_phase). No foreign key: a
    # removed phase simply falls back to the default.
    started_phase_id: int | None = Field(default=None)
    # The board's event counter: bumped in the same transaction as each event.
    last_seq: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Phase(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("board_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    name: str = Field(sa_type=String(120))
    position: int = Field(default=0)
    wip_limit: int | None = Field(default=None)
    wip_mode: WipMode = Field(default=WipMode.warn, sa_type=String(8))
    is_done: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BoardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    description: LongText = ""


class BoardUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    description: LongText | None = None
    wip_counts_blocked: bool | None = None
    stuck_after_days: int | None = Field(default=None, ge=1, le=365)
    started_phase_id: Id | None = None


class BoardRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    description: str
    archived: bool
    restricted: bool
    wip_counts_blocked: bool
    stuck_after_days: int
    started_phase_id: int | None
    last_seq: int
    created_at: datetime
    updated_at: datetime


class PhaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    wip_limit: int | None = Field(default=None, ge=1, le=10_000)
    wip_mode: WipMode = WipMode.warn
    is_done: bool = False
    position: int | None = Field(
        default=None, ge=0, description="Index among the phases; default last."
    )


class PhaseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    wip_limit: int | None = Field(default=None, ge=1, le=10_000)
    wip_mode: WipMode | None = None
    is_done: bool | None = None


class PhaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    board_id: int
    name: str
    position: int
    wip_limit: int | None
    wip_mode: WipMode
    is_done: bool


class PhaseOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phase_ids: list[Id] = Field(min_length=1, max_length=100)


class PhaseRemoval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_phase_id: Id | None = Field(
        default=None, description="Where the phase's cards go; required when it holds any."
    )
