"""What the digest's admin page calls the schedule and the delivery states, in the person's
language."""

from datetime import date, timedelta

from app.web.i18n import gettext as _
from app.web.i18n import weekday_format

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
A_MONDAY = date(2026, 11, 30)


def schedule_text(schedule: str) -> str:
    """`Mon 07:00` as people say it: "jeden Montag um 07:00 Uhr"."""
    day, at = schedule.split()
    weekday = weekday_format(A_MONDAY + timedelta(days=DAYS.index(day)))
    return _("every %(day)s at %(time)s", day=weekday, time=at)


def delivery_status(status: str) -> str:
    return {
        "sending": _("being sent"),
        "sent": _("sent"),
        "failed": _("failed, tried again"),
        "refused": _("refused by the mail server"),
        "uncertain": _("uncertain: sending was cut off"),
        "skipped": _("left out (no news)"),
    }.get(status, status)
