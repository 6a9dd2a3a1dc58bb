"""Who receives the weekly digest, and what of it."""

from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.events.models import JSONType


class DigestSubscription(SQLModel, table=True):
    """An account's choice (no row: the default of its role), or an external recipient an
    admin added by address (no account; `user_id` empty)."""

    __tablename__ = "digest_subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", unique=True)
    email: str = Field(default="", sa_type=String(254))  # externals only
    name: str = Field(default="", sa_type=String(120))  # externals only
    active: bool = Field(default=True)
    board_ids: list[int] = Field(default_factory=list, sa_type=JSONType)  # empty: all
    department_ids: list[int] = Field(default_factory=list, sa_type=JSONType)  # empty: all
    skip_empty: bool = Field(default=False)
    created_by: str = Field(default="", sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
