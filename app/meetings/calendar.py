"""The board's Lotsentreffen as an iCalendar feed (RFC 5545) for Outlook and Thunderbird."""

from datetime import timedelta

from icalendar import Calendar, Event
from sqlmodel import Session

from app import clock
from app.boards.models import Board
from app.meetings import service
from app.settings import get_settings
from app.web.i18n import gettext as _

# Past dates stay in the feed for a while (calendars keep them), the future for a year.
PAST = timedelta(days=180)
AHEAD = timedelta(days=400)


def feed(session: Session, *, board: Board, base_url: str) -> bytes:
    """Every date in the window, cancelled ones as STATUS:CANCELLED, each with a link to the
    board's Lotsentreffen page; the UID stays when a date moves, its SEQUENCE counts changes."""
    assert board.id is not None
    series = service.get_series(session, board_id=board.id)
    today = clock.now().astimezone(get_settings().zone).date()
    calendar = Calendar()
    calendar.add("prodid", "-//Lotsenboard//Lotsentreffen//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    title = _("Lotsentreffen – %(board)s", board=board.name)
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-timezone", get_settings().time_zone)
    link = f"{base_url.rstrip('/')}/boards/{board.id}/treffen"
    stamp = clock.now()
    for occurrence in service.occurrences(
        session, board_id=board.id, start=today - PAST, end=today + AHEAD
    ):
        event = Event()
        event.add("uid", occurrence.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", occurrence.starts_at)
        event.add("dtend", occurrence.ends_at)
        event.add("summary", title)
        event.add("sequence", occurrence.version)
        event.add("status", "CANCELLED" if occurrence.cancelled else "CONFIRMED")
        agenda = f"{link}/{occurrence.day.isoformat()}"
        event.add("url", agenda)
        event.add("description", _("Agenda: %(url)s", url=agenda))
        if series is not None and series.location:
            event.add("location", series.location)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
