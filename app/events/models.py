"""The append-only activity log (Verlauf)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Event(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("board_id", "seq"),
        # Instance-wide events (departments, lotsen) have their own sequence.
        Index(
            "uq_event_global_seq",
            "seq",
            unique=True,
            sqlite_where=text("board_id IS NULL"),
            postgresql_where=text("board_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    board_id: int | None = Field(default=None, foreign_key="board.id")
    seq: int
    type: str = Field(sa_type=String(40), index=True)
    actor: str = Field(sa_type=String(120))
    card_id: int | None = Field(default=None, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    board_id: int | None
    seq: int
    type: str
    actor: str
    card_id: int | None
    payload: dict[str, Any]
    created_at: datetime
