"""Jinja2 environment: German formatting of dates and times in the configured zone."""

from datetime import date, datetime

from fastapi.templating import Jinja2Templates

from app import clock
from app.settings import ROOT_DIR, get_settings

templates = Jinja2Templates(directory=ROOT_DIR / "templates")

PRIORITY_LABELS = {"low": "niedrig", "normal": "normal", "high": "hoch", "urgent": "dringend"}


def local_datetime(value: datetime | None) -> str:
    """`23.11.2026, 14:05` in the configured time zone."""
    if value is None:
        return ""
    return value.astimezone(get_settings().zone).strftime("%d.%m.%Y, %H:%M")


def local_date(value: date | None) -> str:
    return "" if value is None else value.strftime("%d.%m.%Y")


def is_overdue(value: date | None) -> bool:
    if value is None:
        return False
    return value < clock.now().astimezone(get_settings().zone).date()


templates.env.filters["datetime_de"] = local_datetime
templates.env.filters["date_de"] = local_date
templates.env.filters["priority_de"] = PRIORITY_LABELS.get
templates.env.tests["overdue"] = is_overdue
