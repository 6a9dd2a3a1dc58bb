"""Who receives the weekly digest, and what of it."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
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
    language: str = Field(default="", sa_type=String(2))  # externals only; empty: the default
    active: bool = Field(default=True)
    board_ids: list[int] = Field(default_factory=list, sa_type=JSONType)  # empty: all
    department_ids: list[int] = Field(default_factory=list, sa_type=JSONType)  # empty: all
    skip_empty: bool = Field(default=False)
    created_by: str = Field(default="", sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeliveryStatus(StrEnum):
    sending = "sending"  # handed to the mail server; not yet confirmed here
    sent = "sent"
    failed = "failed"  # temporary: tried again later
    refused = "refused"  # permanent (5xx): not tried again
    uncertain = "uncertain"  # the process stopped while sending: an admin decides
    skipped = "skipped"  # an empty week for someone who skips those


class DigestDelivery(SQLModel, table=True):
    """One recipient's digest of one week: sent at most once (see app.digest.sending)."""

    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("recipient", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(sa_type=String(20))  # Recipient.key
    week: str = Field(sa_type=String(8))  # 2026-W48
    email: str = Field(sa_type=String(254))
    status: DeliveryStatus = Field(default=DeliveryStatus.sending, sa_type=String(10))
    attempts: int = Field(default=0)
    last_error: str = Field(default="", sa_type=String(500))
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_id: str = Field(default="", sa_type=String(200))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class JobLease(SQLModel, table=True):
    """Which process runs a job right now: one row per job, taken over once it expires.
    Works alike on SQLite and PostgreSQL, across workers and hosts."""

    __tablename__ = "job_lease"

    name: str = Field(sa_type=String(40), primary_key=True)
    holder: str = Field(sa_type=String(120))
    expires_at: datetime = Field(sa_type=UTCDateTime)
