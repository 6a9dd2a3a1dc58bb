"""Texts an admin edits (the accessibility statement) and accessibility feedback."""

from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class SiteText(SQLModel, table=True):
    __tablename__ = "site_text"

    key: str = Field(primary_key=True, sa_type=String(40))
    body: str = Field(sa_type=String(50_000))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Feedback(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    message: str = Field(sa_type=String(5_000))
    contact: str = Field(default="", sa_type=String(254))
    page: str = Field(default="", sa_type=String(500))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
