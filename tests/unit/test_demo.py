"""The demo Kommune looks the same whatever day it is loaded on."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app.boards.models import Board
from app.db import Database
from app.demo.kommune import load_demo
from app.meetings.models import MeetingEntry, MeetingRun

BERLIN = ZoneInfo("Europe/Berlin")


# One week of load days, so every weekday is the board's first day once.
@pytest.mark.parametrize("offset", range(7))
def test_every_lotsentreffen_of_the_demo_is_held_after_the_board_began_and_has_minutes(
    db: Database, offset: int
) -> None:
    now = datetime(2026, 11, 30, 15, 0, tzinfo=BERLIN) + timedelta(days=offset)
    assert load_demo(db, now=now)
    with db.session() as session:
        board = session.exec(select(Board)).one()
        held = session.exec(select(MeetingRun).order_by(MeetingRun.day)).all()
        entries = session.exec(select(MeetingEntry)).all()
    began = board.created_at.astimezone(BERLIN).date()
    assert [run.day.weekday() for run in held] == [1] * 5
    assert began < held[0].day <= began + timedelta(days=7)
    assert {run.state for run in held} == {"closed"}
    assert {run.day for run in held} == {entry.day for entry in entries}
