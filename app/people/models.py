"""Departments (Fachbereiche) and lotsen: tables and schemas."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.types import Colour, Email, Id, Name, ShortCode


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(120), unique=True)
    code: str = Field(sa_type=String(10), unique=True)
    colour: str = Field(default="#5b6770", sa_type=String(7))
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Lotse(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(120))
    email: str | None = Field(default=None, sa_type=String(254))
    department_id: int = Field(foreign_key="department.id", index=True)
    active: bool = Field(default=True)
    # Set when the person left and her name was replaced everywhere.
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DepartmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    code: ShortCode
    colour: Colour = "#5b6770"


class DepartmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    code: ShortCode | None = None
    colour: Colour | None = None
    active: bool | None = None


class DepartmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    code: str
    colour: str
    active: bool


class LotseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    department_id: Id
    email: Email | None = None


class LotseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    department_id: Id | None = None
    email: Email | None = None
    active: bool | None = None


class LotseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    email: str | None
    department_id: Id
    active: bool
