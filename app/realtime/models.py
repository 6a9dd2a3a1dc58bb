"""This installation's own name for itself on a shared Redis server."""

from sqlalchemy import String
from sqlmodel import Field, SQLModel


class Instance(SQLModel, table=True):
    """One row: a random key made at first use, which every worker and command of this
    installation reads alike and no other installation has. Not part of a backup: a copy
    restored into another database (a test instance) makes a key of its own."""

    __tablename__ = "instance"

    id: int = Field(default=1, primary_key=True)
    key: str = Field(sa_type=String(32))
