"""Lotsentreffen dates: the rhythm in Berlin time, moved, cancelled and added dates, the feed."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import Session

from app import clock
from app.errors import Conflict, InvalidInput, NotFound
from app.events import names
from app.events import service as events
from app.meetings import calendar, service
from app.meetings.models import AgendaItemCreate, MeetingAdd, MeetingChange, SeriesSet
from tests.factories import ACTOR, make_board, make_card, make_department

BERLIN = ZoneInfo("Europe/Berlin")
# A Tuesday in October: the fortnight after next crosses the end of summer time (25 Oct 2026).
FIRST = date(2026, 10, 13)
BEFORE = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def _series(session: Session, board_id: int, **values: object) -> None:
    data = {"first_date": FIRST, "start_time": time(10, 0)} | values
    service.set_series(session, board_id=board_id, data=SeriesSet(**data), actor=ACTOR)


def test_the_rhythm_keeps_ten_o_clock_berlin_time_across_summer_time(session: Session) -> None:
    board = make_board(session)
    _series(session, board.id, location="Rathaus, Raum 2.14")
    found = service.occurrences(
        session, board_id=board.id, start=date(2026, 10, 1), end=date(2027, 4, 30)
    )
    assert [o.day for o in found][:3] == [
        date(2026, 10, 13),
        date(2026, 10, 27),
        date(2026, 11, 10),
    ]
    assert all(o.starts_at.astimezone(BERLIN).time() == time(10, 0) for o in found)
    # Summer time: 08:00 UTC; winter time: 09:00 UTC; summer again from 28 March 2027.
    utc_hours = {o.day: o.starts_at.astimezone(UTC).hour for o in found}
    assert utc_hours[date(2026, 10, 13)] == 8 and utc_hours[date(2026, 10, 27)] == 9
    assert utc_hours[date(2027, 3, 16)] == 9 and utc_hours[date(2027, 3, 30)] == 8
    assert all(o.ends_at - o.starts_at == timedelta(minutes=90) for o in found)
    assert len(found) == 15 and not any(o.cancelled or o.moved or o.extra for o in found)


def test_a_date_moves_is_cancelled_and_takes_place_after_all_as_versioned_changes(
    session: Session,
) -> None:
    board = make_board(session)
    _series(session, board.id)
    day = date(2026, 10, 27)
    moved = service.change_meeting(
        session,
        board_id=board.id,
        day=day,
        data=MeetingChange(version=0, starts_at=datetime(2026, 10, 28, 14, 30)),
        actor=ACTOR,
    )
    assert moved.moved and moved.version == 1 and moved.day == day
    assert moved.starts_at == datetime(2026, 10, 28, 14, 30, tzinfo=BERLIN)
    with pytest.raises(Conflict) as stale:
        service.change_meeting(
            session,
            board_id=board.id,
            day=day,
            data=MeetingChange(version=0, cancelled=True),
            actor=ACTOR,
        )
    assert stale.value.extra["current"]["version"] == 1
    session.rollback()
    cancelled = service.change_meeting(
        session,
        board_id=board.id,
        day=day,
        data=MeetingChange(version=1, cancelled=True),
        actor=ACTOR,
    )
    assert cancelled.cancelled and cancelled.version == 2
    back = service.change_meeting(
        session,
        board_id=board.id,
        day=day,
        data=MeetingChange(version=2, cancelled=False),
        actor=ACTOR,
    )
    assert not back.cancelled and back.starts_at == moved.starts_at
    types = [e.type for e in events.list_events(session, board_id=board.id)]
    assert types[-4:] == [
        names.MEETING_SERIES_SET,
        names.MEETING_CHANGED,
        names.MEETING_CANCELLED,
        names.MEETING_RESTORED,
    ]
    with pytest.raises(NotFound):
        service.change_meeting(
            session,
            board_id=board.id,
            day=date(2026, 10, 28),
            data=MeetingChange(version=0, cancelled=True),
            actor=ACTOR,
        )


def test_extra_dates_one_a_day_and_a_new_rhythm_keeps_them(session: Session) -> None:
    board = make_board(session)
    _series(session, board.id)
    extra = service.add_meeting(
        session,
        board_id=board.id,
        data=MeetingAdd(starts_at=datetime(2026, 10, 20, 9, 0)),
        actor=ACTOR,
    )
    assert extra.extra and extra.day == date(2026, 10, 20)
    with pytest.raises(Conflict):
        service.add_meeting(
            session,
            board_id=board.id,
            data=MeetingAdd(starts_at=datetime(2026, 10, 27, 15, 0)),
            actor=ACTOR,
        )
    session.rollback()
    service.change_meeting(
        session,
        board_id=board.id,
        day=date(2026, 10, 27),
        data=MeetingChange(version=0, cancelled=True),
        actor=ACTOR,
    )
    # Wednesdays now: the cancelled Tuesday is no date of the rhythm any more, the extra stays.
    _series(session, board.id, first_date=date(2026, 10, 14), version=1)
    days = [
        o.day
        for o in service.occurrences(
            session, board_id=board.id, start=date(2026, 10, 1), end=date(2026, 11, 1)
        )
    ]
    assert days == [date(2026, 10, 14), date(2026, 10, 20), date(2026, 10, 28)]
    last = events.list_events(session, board_id=board.id)[-1]
    assert last.payload["dropped"] == ["2026-10-27"]
    with pytest.raises(Conflict):
        _series(session, board.id, version=1)  # stale: it is at version 2


def test_the_next_meeting_skips_cancelled_ones(session: Session) -> None:
    board = make_board(session)
    assert service.next_meeting(session, board_id=board.id) is None
    _series(session, board.id)
    with clock.frozen_at(BEFORE):
        first = service.next_meeting(session, board_id=board.id)
        assert first is not None and first.day == FIRST
        service.change_meeting(
            session,
            board_id=board.id,
            day=FIRST,
            data=MeetingChange(version=0, cancelled=True),
            actor=ACTOR,
        )
        then = service.next_meeting(session, board_id=board.id)
        assert then is not None and then.day == date(2026, 10, 27)
    # During the meeting it is still "the next one"; after its end the following one.
    with clock.frozen_at(datetime(2026, 10, 27, 11, 0, tzinfo=BERLIN)):
        assert service.next_meeting(session, board_id=board.id).day == date(2026, 10, 27)
    with clock.frozen_at(datetime(2026, 10, 27, 11, 31, tzinfo=BERLIN)):
        assert service.next_meeting(session, board_id=board.id).day == date(2026, 11, 10)


def _parse(session: Session, board) -> Calendar:  # type: ignore[no-untyped-def]
    with clock.frozen_at(BEFORE):
        body = calendar.feed(session, board=board, base_url="https://lotsen.example/")
    return Calendar.from_ical(body)


def test_the_feed_has_berlin_time_stable_uids_and_cancelled_dates(session: Session) -> None:
    board = make_board(session, name="Maßnahmen 2026")
    _series(session, board.id, location="Rathaus, Raum 2.14")
    first = _parse(session, board)
    zones = [str(tz["TZID"]) for tz in first.walk("VTIMEZONE")]
    assert zones == ["Europe/Berlin"]
    meetings = first.walk("VEVENT")
    assert all(str(e["DTSTART"].params["TZID"]) == "Europe/Berlin" for e in meetings)
    october = next(e for e in meetings if e.decoded("DTSTART").date() == date(2026, 10, 27))
    assert october.decoded("DTSTART").hour == 10 and str(october["STATUS"]) == "CONFIRMED"
    assert str(october["LOCATION"]) == "Rathaus, Raum 2.14"
    assert str(october["URL"]) == f"https://lotsen.example/boards/{board.id}/treffen/2026-10-27"
    uid = str(october["UID"])
    service.change_meeting(
        session,
        board_id=board.id,
        day=date(2026, 10, 27),
        data=MeetingChange(version=0, starts_at=datetime(2026, 10, 29, 13, 0)),
        actor=ACTOR,
    )
    service.change_meeting(
        session,
        board_id=board.id,
        day=date(2026, 11, 10),
        data=MeetingChange(version=0, cancelled=True),
        actor=ACTOR,
    )
    second = _parse(session, board).walk("VEVENT")
    assert [str(e["UID"]) for e in second] == [str(e["UID"]) for e in meetings]
    moved = next(e for e in second if str(e["UID"]) == uid)
    assert moved.decoded("DTSTART") == datetime(2026, 10, 29, 13, 0, tzinfo=BERLIN)
    assert int(moved["SEQUENCE"]) == 1
    gone = next(e for e in second if e.decoded("DTSTART").date() == date(2026, 11, 10))
    assert str(gone["STATUS"]) == "CANCELLED"


def test_a_new_calendar_address_replaces_the_old_one(session: Session) -> None:
    board = make_board(session)
    old = service.create_feed(session, board_id=board.id, actor=ACTOR)
    assert service.board_of_feed(session, plain=old) == board.id
    new = service.create_feed(session, board_id=board.id, actor=ACTOR)
    assert service.board_of_feed(session, plain=old) is None
    assert service.board_of_feed(session, plain=new) == board.id
    service.revoke_feed(session, board_id=board.id, actor=ACTOR)
    assert service.board_of_feed(session, plain=new) is None
    with pytest.raises(NotFound):
        service.revoke_feed(session, board_id=board.id, actor=ACTOR)
    assert service.board_of_feed(session, plain="lbs_screen-token") is None


def test_topics_are_brought_in_before_the_meeting_and_then_fixed(session: Session) -> None:
    board = make_board(session)
    other = make_board(session)
    _series(session, board.id)
    day = date(2026, 10, 27)
    bau = make_department(session, name="Bauamt", code="BA")
    card = make_card(session, board, title="Digitaler Bauantrag")
    foreign = make_card(session, other, title="Fremd")
    with clock.frozen_at(BEFORE):
        item = service.add_item(
            session,
            board_id=board.id,
            day=day,
            actor="Jana Kuhn",
            data=AgendaItemCreate(
                title="XBau-Schnittstelle", card_id=card.id, department_id=bau.id
            ),
        )
        assert [i.title for i in service.list_items(session, board_id=board.id, day=day)] == [
            "XBau-Schnittstelle"
        ]
        with pytest.raises(InvalidInput) as wrong:
            service.add_item(
                session,
                board_id=board.id,
                day=day,
                actor="Jana Kuhn",
                data=AgendaItemCreate(title="Fremd", card_id=foreign.id),
            )
        assert wrong.value.field == "card_id"
        session.rollback()
        with pytest.raises(NotFound):
            service.add_item(
                session,
                board_id=board.id,
                day=date(2026, 10, 28),
                actor="Jana Kuhn",
                data=AgendaItemCreate(title="Kein Treffen an diesem Tag"),
            )
        session.rollback()
    # Once the meeting has begun, its agenda is fixed.
    with clock.frozen_at(datetime(2026, 10, 27, 10, 0, tzinfo=BERLIN)):
        with pytest.raises(Conflict):
            service.add_item(
                session,
                board_id=board.id,
                day=day,
                actor="Jana Kuhn",
                data=AgendaItemCreate(title="Zu spät"),
            )
        session.rollback()
        with pytest.raises(Conflict):
            service.remove_item(session, board_id=board.id, item_id=item.id, actor=ACTOR)
        session.rollback()
    with clock.frozen_at(BEFORE):
        service.remove_item(session, board_id=board.id, item_id=item.id, actor=ACTOR)
        assert service.list_items(session, board_id=board.id, day=day) == []
        with pytest.raises(NotFound):
            service.remove_item(session, board_id=board.id, item_id=item.id, actor=ACTOR)
    # The measure's Verlauf tells both.
    types = [e.type for e in events.list_card_events(session, card_id=card.id)]
    assert types[-2:] == [names.MEETING_ITEM_ADDED, names.MEETING_ITEM_REMOVED]


def test_past_meetings_are_those_held_latest_first(session: Session) -> None:
    board = make_board(session)
    _series(session, board.id)
    service.change_meeting(
        session,
        board_id=board.id,
        day=date(2026, 10, 27),
        data=MeetingChange(version=0, cancelled=True),
        actor=ACTOR,
    )
    with clock.frozen_at(datetime(2026, 11, 12, 9, 0, tzinfo=BERLIN)):
        held = service.past(session, board_id=board.id)
    assert [o.day for o in held] == [date(2026, 11, 10), date(2026, 10, 13)]
