"""Accounts: users, login sessions, API tokens, screen links, board members, login failures."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.events.models import JSONType
from app.types import Email, Id, Name


class AuthSource(StrEnum):
    """How an account logs in: its own password here, the town hall's identity provider
    (OpenID Connect) or its directory (LDAP / Active Directory)."""

    local = "local"
    oidc = "oidc"
    ldap = "ldap"


class Role(StrEnum):
    """What an account may do: the CDO administers, lotsen change cards, viewers read."""

    admin = "admin"
    lotse = "lotse"
    viewer = "viewer"


MIN_PASSWORD_LENGTH = 10
Password = Annotated[str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=200)]


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(254), unique=True)
    name: str = Field(sa_type=String(120))
    role: Role = Field(default=Role.viewer, sa_type=String(8))
    password_hash: str = Field(sa_type=String(200))
    active: bool = Field(default=True)
    # The lotse record of the same person, if the account belongs to one.
    lotse_id: int | None = Field(default=None, foreign_key="lotse.id", unique=True)
    # Chosen on the site; mails go out in it. Empty: the instance's language.
    language: str = Field(default="", sa_type=String(2))
    password_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    auth_source: AuthSource = Field(default=AuthSource.local, sa_type=String(8))
    # The provider's subject (OIDC `sub`) or the directory entry's DN; None for local accounts.
    external_id: str | None = Field(default=None, sa_type=String(512), index=True)
    # Set when the person left and her name was replaced everywhere.
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoginSession(SQLModel, table=True):
    """A browser's login; the cookie holds a random token, the table only its hash."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    csrf_token: str = Field(sa_type=String(64))
    ip: str = Field(default="", sa_type=String(64))
    # The identity provider's session (`sid`), so its back-channel logout can end this one.
    sso_sid: str | None = Field(default=None, sa_type=String(255), index=True)
    # The provider's ID token of this login, sent back as `id_token_hint` when logging out so
    # the provider need not ask whether to; dropped when the session ends.
    id_token: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(sa_type=String(120))
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ScreenMode(StrEnum):
    board = "board"  # the cards in large type, paging when they do not fit
    overview = "overview"  # a department × phase matrix of counts


class ScreenLink(SQLModel, table=True):
    """A revocable read-only link to one board, for the meeting-room screen."""

    __tablename__ = "screen_link"

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    name: str = Field(sa_type=String(120))
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_by: str = Field(sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the screen shows: its mode, and the departments and phases (empty: all).
    mode: ScreenMode = Field(default=ScreenMode.board, sa_type=String(10))
    department_ids: list[int] = Field(default_factory=list, sa_type=JSONType)
    phase_ids: list[int] = Field(default_factory=list, sa_type=JSONType)
    page_seconds: int = Field(default=15)
    follows_meetings: bool = Field(default=True)


class BoardMember(SQLModel, table=True):
    """Who may see a restricted board (besides admins)."""

    __tablename__ = "board_member"

    board_id: int = Field(foreign_key="board.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True)


class PasswordReset(SQLModel, table=True):
    """A one-time link an admin hands out to set a new password; only its hash is stored."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_by: str = Field(sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SavedView(SQLModel, table=True):
    """The view (filters, grouping) a person last had of a board: where the board opens."""

    __tablename__ = "saved_view"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    board_id: int = Field(foreign_key="board.id", primary_key=True)
    query: str = Field(default="", sa_type=String(2000))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_lookup", "email", "ip", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(254))
    ip: str = Field(sa_type=String(64))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name
    role: Role = Role.viewer
    password: Password
    lotse_id: Id | None = PydanticField(
        default=None, description="The lotse record of the same person (default: by email)."
    )


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    role: Role | None = None
    active: bool | None = None
    lotse_id: Id | None = PydanticField(default=None, description="null unlinks the lotse.")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    role: Role
    active: bool
    lotse_id: int | None
    auth_source: AuthSource


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = PydanticField(max_length=200)
    new_password: Password


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = PydanticField(description="Shown once; only its hash is stored.")


class ScreenLinkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    board_id: int
    name: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    mode: ScreenMode = ScreenMode.board
    department_ids: list[int] = []
    phase_ids: list[int] = []
    page_seconds: int = 15
    follows_meetings: bool = True


class ScreenLinkSettings(BaseModel):
    """What one screen shows: its mode, the departments and phases (empty: all), how long a
    page stays before the next, and whether it turns to a Lotsentreffen being held."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"mode": "board", "department_ids": [2, 5], "phase_ids": [1, 2, 3, 4, 5]}]
        },
    )
    mode: ScreenMode = ScreenMode.board
    department_ids: list[Id] = PydanticField(default_factory=list, max_length=100)
    phase_ids: list[Id] = PydanticField(default_factory=list, max_length=100)
    page_seconds: int = PydanticField(default=15, ge=5, le=300)
    follows_meetings: bool = True


class ScreenLinkCreated(ScreenLinkRead):
    token: str
    url: str


class BoardAccess(BaseModel):
    model_config = ConfigDict(extra="forbid")
    restricted: bool
    member_ids: list[Id] = PydanticField(default_factory=list, max_length=500)
