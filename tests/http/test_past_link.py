"""The live board leads to the board as it was: by default when the last Lotsentreffen began,
and two weeks ago on a board that has had none."""

from datetime import UTC, datetime, time

from fastapi.testclient import TestClient
from sqlmodel import Session

from app import clock
from app.meetings import service as meetings
from app.meetings.models import SeriesSet
from tests.factories import ACTOR, make_board

PAGE = {"Accept": "text/html"}
# Thursday 26 November 2026, 12:00 in Berlin.
NOW = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)


def test_the_board_links_to_its_state_at_the_last_lotsentreffen(
    client: TestClient, session: Session
) -> None:
    with clock.frozen_at(datetime(2026, 10, 1, 8, 0, tzinfo=UTC)):
        board = make_board(session, name="Maßnahmen 2026")
    with clock.frozen_at(NOW):
        page = client.get(f"/boards/{board.id}", headers=PAGE)
        assert (
            f'/boards/{board.id}?am=" title="Das Board, wie es zu Beginn des letzten' in page.text
        )
        # No Lotsentreffen yet: two weeks ago.
        first = client.get(f"/boards/{board.id}?am=", headers=PAGE, follow_redirects=False)
        assert first.status_code == 303
        assert first.headers["location"] == f"/boards/{board.id}?am=2026-11-12T12:00"
        # Every second Tuesday at 10:00 from 3 November: the last one began on 17 November.
        rhythm = SeriesSet(first_date=datetime(2026, 11, 3).date(), start_time=time(10, 0))
        meetings.set_series(session, board_id=board.id or 0, data=rhythm, actor=ACTOR)
        then = client.get(f"/boards/{board.id}?am=", headers=PAGE, follow_redirects=False)
        assert then.headers["location"] == f"/boards/{board.id}?am=2026-11-17T10:00"
        shown = client.get(then.headers["location"], headers=PAGE)
        assert shown.status_code == 200
        assert "Das Board am 17.11.26, 10:00" in shown.text
