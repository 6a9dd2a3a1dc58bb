"""Shared field types for request schemas."""

import re
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, Field, StringConstraints


def N_(message: str) -> str:
    """Marks an English message for the catalogue; the pages translate it when they show it."""
    return message


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")


def _no_control(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and no one types control characters on purpose.
    if _CONTROL.search(value):
        raise ValueError(N_("must not contain control characters"))
    return value


def _single_line(value: str) -> str:
    if _CONTROL_IN_LINE.search(value):
        raise ValueError(N_("must be one line without control characters"))
    return value


Line = AfterValidator(_single_line)
Text = AfterValidator(_no_control)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), Line]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Line]
LongText = Annotated[str, StringConstraints(max_length=20_000), Text]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), Line]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
# Stored in capitals; typed in either case.
ShortCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9ÄÖÜäöü]{1,10}$"),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]

# Row ids are 32-bit integers on PostgreSQL: larger numbers can name nothing.
MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
