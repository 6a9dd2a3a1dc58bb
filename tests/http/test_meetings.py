"""Lotsentreffen through the real app: the API, the page, the board and screen, the feed."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlmodel import Session

from app import clock
from app.accounts import tokens
from app.accounts.models import Role
from app.cards import service as cards
from app.cards.models import Card, CardMove
from app.db import Database
from app.meetings import service as meetings
from app.meetings.models import SeriesSet
from tests.factories import make_board, make_card, make_department, make_user, phases_of
from tests.helpers import dump
from tests.http.test_security import bearer

PAGE = {"Accept": "text/html"}


def _next_weekday(weekday: int) -> date:
    today = date.today()
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _rhythm(client: TestClient, board_id: int, first: date) -> dict[str, Any]:
    body = {"first_date": first.isoformat(), "start_time": "10:00", "location": "Raum 2.14"}
    response = client.put(f"/api/v1/boards/{board_id}/meeting-series", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_cdo_sets_the_rhythm_moves_cancels_and_adds_dates(
    client: TestClient, session: Session
) -> None:
    board = make_board(session)
    first = _next_weekday(1)  # a Tuesday
    assert _rhythm(client, board.id, first)["version"] == 1
    listed = client.get(f"/api/v1/boards/{board.id}/meetings").json()
    days = [m["day"] for m in listed["meetings"]]
    assert days[:3] == [(first + timedelta(days=14 * n)).isoformat() for n in range(3)]
    assert listed["meetings"][0]["starts_at"].startswith(f"{first.isoformat()}T10:00:00+0")
    second = (first + timedelta(days=14)).isoformat()
    moved = client.patch(
        f"/api/v1/boards/{board.id}/meetings/{second}",
        json={"version": 0, "starts_at": f"{second}T14:30"},
    )
    assert moved.status_code == 200 and moved.json()["moved"] and moved.json()["version"] == 1
    stale = client.patch(
        f"/api/v1/boards/{board.id}/meetings/{second}", json={"version": 0, "cancelled": True}
    )
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 1
    extra_day = first + timedelta(days=2)
    added = client.post(
        f"/api/v1/boards/{board.id}/meetings", json={"starts_at": f"{extra_day}T09:00"}
    )
    assert added.status_code == 201 and added.json()["extra"]
    twice = client.post(
        f"/api/v1/boards/{board.id}/meetings", json={"starts_at": f"{extra_day}T16:00"}
    )
    assert twice.status_code == 409 and "already" in twice.json()["detail"]
    cancelled = client.patch(
        f"/api/v1/boards/{board.id}/meetings/{first}", json={"version": 0, "cancelled": True}
    )
    assert cancelled.json()["cancelled"]
    events = client.get(f"/api/v1/boards/{board.id}/events").json()
    assert [e["type"] for e in events][-4:] == [
        "meeting.series_set",
        "meeting.changed",
        "meeting.added",
        "meeting.cancelled",
    ]
    wrong = client.get(f"/api/v1/boards/{board.id}/meetings?from=2030-01-01&to=2029-01-01")
    assert wrong.status_code == 422 and wrong.json()["field"] == "to"


def test_viewers_and_lotsen_read_the_dates_and_change_none(
    app: FastAPI, db: Database, client: TestClient, session: Session
) -> None:
    board = make_board(session)
    first = _next_weekday(1)
    _rhythm(client, board.id, first)
    others = {
        role: bearer(app, db, make_user(session, role=role)) for role in (Role.viewer, Role.lotse)
    }
    before = dump(db)
    for role, other in others.items():
        assert other.get(f"/api/v1/boards/{board.id}/meetings").status_code == 200
        writes = [
            other.put(
                f"/api/v1/boards/{board.id}/meeting-series",
                json={"first_date": first.isoformat()},
            ),
            other.post(
                f"/api/v1/boards/{board.id}/meetings", json={"starts_at": "2030-01-02T10:00"}
            ),
            other.patch(
                f"/api/v1/boards/{board.id}/meetings/{first}",
                json={"version": 0, "cancelled": True},
            ),
            other.post(f"/api/v1/boards/{board.id}/meeting-feed"),
            other.post(f"/boards/{board.id}/treffen-kalender"),
        ]
        assert [w.status_code for w in writes] == [403] * 5, role
        page = other.get(f"/boards/{board.id}/treffen").text
        assert "Alle 2 Wochen am Dienstag um 10:00 Uhr · Raum 2.14" in page
        assert "Rhythmus speichern" not in page and "Absagen" not in page
    assert dump(db) == before


def test_the_board_and_the_screen_name_the_next_meeting(
    client: TestClient, session: Session, anon_client: TestClient, db: Database
) -> None:
    board = make_board(session)
    assert "Nächstes Lotsentreffen" not in client.get(f"/boards/{board.id}?all=1").text
    first = _next_weekday(1)
    _rhythm(client, board.id, first)
    client.patch(
        f"/api/v1/boards/{board.id}/meetings/{first}", json={"version": 0, "cancelled": True}
    )
    following = first + timedelta(days=14)
    text = client.get(f"/boards/{board.id}?all=1").text
    weekday_day = f"Di., {following.day}. "
    assert "Nächstes Lotsentreffen: " + weekday_day in text and f"{following.year}, 10:00" in text
    with db.session(write=True) as writer:
        plain, _link = tokens.create_screen_link(writer, board_id=board.id, name="TV", actor="T")
    screen = anon_client.get(f"/screen/{plain}").text
    assert '<p class="screen__meeting">Nächstes Lotsentreffen: ' + weekday_day in screen


def test_the_page_moves_and_cancels_dates_and_says_what_is_wrong(
    client: TestClient, session: Session, db: Database
) -> None:
    board = make_board(session)
    first = _next_weekday(2)  # a Wednesday
    _rhythm(client, board.id, first)
    moved = client.post(
        f"/boards/{board.id}/treffen/{first}",
        data={"version": "0", "starts_at": f"{first}T13:15"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    page = client.get(f"/boards/{board.id}/treffen").text
    assert f'id="treffen-{first}"' in page and "13:15" in page and "verschoben, geplant war" in page
    before = dump(db)
    stale = client.post(
        f"/boards/{board.id}/treffen/{first}",
        data={"version": "0", "cancelled": "true"},
        headers=PAGE,
    )
    assert stale.status_code == 409 and "wurde inzwischen geändert" in stale.text
    bad = client.post(
        f"/boards/{board.id}/treffen/rhythmus",
        data={"first_date": first.isoformat(), "start_time": "25:00"},
        headers=PAGE,
    )
    assert bad.status_code == 422 and "Uhrzeit: keine Uhrzeit (HH:MM)" in bad.text
    assert dump(db) == before


def test_the_calendar_feed_works_until_it_is_replaced_or_revoked(
    client: TestClient, anon_client: TestClient, session: Session
) -> None:
    board = make_board(session, name="Maßnahmen 2026")
    first = _next_weekday(1)
    _rhythm(client, board.id, first)
    created = client.post(f"/api/v1/boards/{board.id}/meeting-feed")
    assert created.status_code == 201
    url = created.json()["url"]
    assert url.startswith("http://127.0.0.1:8000/kalender/lbc_") and url.endswith(".ics")
    path = url.removeprefix("http://127.0.0.1:8000")
    feed = anon_client.get(path)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    parsed = Calendar.from_ical(feed.content)
    names = {str(e["SUMMARY"]) for e in parsed.walk("VEVENT")}
    assert names == {"Lotsentreffen – Maßnahmen 2026"}
    assert first in {e.decoded("DTSTART").date() for e in parsed.walk("VEVENT")}
    # A new address replaces the old one; revoking ends the new one too.
    newer = client.post(f"/api/v1/boards/{board.id}/meeting-feed").json()["url"]
    assert anon_client.get(path).status_code == 404
    assert anon_client.get(newer.removeprefix("http://127.0.0.1:8000")).status_code == 200
    assert client.delete(f"/api/v1/boards/{board.id}/meeting-feed").status_code == 204
    gone = anon_client.get(newer.removeprefix("http://127.0.0.1:8000"))
    assert gone.status_code == 404 and "widerrufene Kalender-Adresse" in gone.text
    assert anon_client.get("/kalender/lbc_erfunden.ics").status_code == 404


def test_the_agenda_page_and_api_read_the_log_for_every_reader(
    app: FastAPI, db: Database, client: TestClient, session: Session
) -> None:
    board = make_board(session)
    bau = make_department(session, name="Bauamt", code="BA")
    make_card(session, board, title="Digitaler Bauantrag", department_id=bau.id)
    first = _next_weekday(1)
    _rhythm(client, board.id, first)
    viewer = bearer(app, db, make_user(session, role=Role.viewer))
    page = viewer.get(f"/boards/{board.id}/treffen/{first}")
    assert page.status_code == 200
    assert "Tagesordnung des Lotsentreffens am Di., " in page.text
    assert "Die letzten 14 Tage" in page.text and "Neue Maßnahmen (1)" in page.text
    assert "Auf dem ganzen Board: 0 Maßnahmen erledigt, " in page.text
    assert "Digitaler Bauantrag" in page.text and "Bauamt" in page.text
    data = viewer.get(f"/api/v1/boards/{board.id}/meetings/{first}/agenda").json()
    assert data["first"] is True and data["meeting"]["day"] == first.isoformat()
    assert [d["department"] for d in data["departments"]] == ["Bauamt"]
    assert [c["title"] for c in data["departments"][0]["new"]] == ["Digitaler Bauantrag"]
    # The board's next-meeting line leads to it; a day without a meeting does not exist.
    assert f"/boards/{board.id}/treffen/{first}" in client.get(f"/boards/{board.id}?all=1").text
    other = first + timedelta(days=1)
    assert viewer.get(f"/api/v1/boards/{board.id}/meetings/{other}/agenda").status_code == 404
    assert viewer.get(f"/boards/{board.id}/treffen/{other}", headers=PAGE).status_code == 404


def test_the_board_shows_what_changed_since_the_last_lotsentreffen(
    client: TestClient, session: Session
) -> None:
    board = make_board(session)
    with clock.frozen_at(clock.now() - timedelta(days=30)):
        old = make_card(session, board, title="Lange nicht angefasst")
    new = make_card(session, board, title="Gerade angelegt")
    # Without any Lotsentreffen yet: the last 14 days.
    quiet = client.get(f"/boards/{board.id}?since_meeting=1").text
    assert "Gerade angelegt" in quiet and "Lange nicht angefasst" not in quiet
    first = date.today() - timedelta(days=21)
    _rhythm(client, board.id, first)
    page = client.get(f"/boards/{board.id}/treffen").text
    assert "Vergangene Lotsentreffen" in page
    assert f'/boards/{board.id}/treffen/{first + timedelta(days=14)}">' in page
    assert f'/boards/{board.id}/treffen/{first}">' in page
    changed = client.get(f"/boards/{board.id}?since_meeting=1").text
    assert "Gerade angelegt" in changed and "Lange nicht angefasst" not in changed
    assert "Gefiltert nach: geändert seit dem letzten Lotsentreffen" in changed
    assert "1 von 2 Maßnahmen" in changed
    whole = client.get(f"/boards/{board.id}?all=1").text
    assert "Lange nicht angefasst" in whole
    # A live board with this filter asks the same question about a changed card.
    live = client.get(f"/boards/{board.id}/live?card={old.id}&card={new.id}&since_meeting=1")
    visible = {card["id"]: card["visible"] for card in live.json()["cards"]}
    assert visible == {old.id: False, new.id: True}


def test_lotsen_bring_topics_in_admins_take_them_off_viewers_read(
    app: FastAPI, db: Database, client: TestClient, session: Session
) -> None:
    board = make_board(session)
    card = make_card(session, board, title="Digitaler Bauantrag")
    first = _next_weekday(1)
    _rhythm(client, board.id, first)
    lotse = bearer(app, db, make_user(session, role=Role.lotse, name="Jana Kuhn"))
    viewer = bearer(app, db, make_user(session, role=Role.viewer))
    url = f"/boards/{board.id}/treffen/{first}"
    brought = lotse.post(f"{url}/themen", data={"title": "XBau", "card_id": str(card.id)})
    assert brought.status_code == 200 and "XBau" in brought.text  # after the redirect
    api = lotse.post(
        f"/api/v1/boards/{board.id}/meetings/{first}/items", json={"title": "Fördermittel"}
    )
    assert api.status_code == 201 and api.json()["proposed_by"] == "Jana Kuhn"
    refused = viewer.post(
        f"/api/v1/boards/{board.id}/meetings/{first}/items", json={"title": "Nein"}
    )
    assert refused.status_code == 403
    page = viewer.get(url).text
    assert "Eingebrachte Themen (2)" in page and "eingebracht von Jana Kuhn" in page
    assert f'/cards/{card.id}">Digitaler Bauantrag</a> <span class="agenda__note">' in page
    assert "Einbringen" not in page and "Von der Tagesordnung nehmen" not in page
    listed = viewer.get(f"/api/v1/boards/{board.id}/meetings/{first}/items").json()
    assert [i["title"] for i in listed] == ["XBau", "Fördermittel"]
    taken = client.delete(f"/api/v1/boards/{board.id}/agenda-items/{listed[1]['id']}")
    assert taken.status_code == 204
    assert [
        i["title"] for i in viewer.get(f"/api/v1/boards/{board.id}/meetings/{first}/items").json()
    ] == ["XBau"]
    history = client.get(f"/cards/{card.id}/verlauf").text
    assert "Für das Lotsentreffen am " in history and "eingebracht: „XBau“" in history
    agenda = viewer.get(f"/api/v1/boards/{board.id}/meetings/{first}/agenda").json()
    assert [i["title"] for i in agenda["items"]] == ["XBau"]


BERLIN = ZoneInfo("Europe/Berlin")


def _berlin(month: int, day: int, hour: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=BERLIN)


def _board_with_meetings(session: Session, finished: dict[str, datetime]) -> Any:
    """Lotsentreffen on Tuesdays at 10:00 every two weeks from 3 November; measures created in
    "In Umsetzung" on 27 October, each done at its moment (if it has one)."""
    with clock.frozen_at(_berlin(10, 27)):
        board = make_board(session)
        meetings.set_series(
            session, board_id=board.id, data=SeriesSet(first_date=date(2026, 11, 3)), actor="T"
        )
        doing, done = phases_of(session, board)[2:]
        made = {
            title: make_card(session, board, title=title, phase_id=doing.id) for title in finished
        }
    for title, moment in finished.items():
        if moment is None:
            continue
        with clock.frozen_at(moment):
            card = session.get(Card, made[title].id)
            assert card is not None
            data = CardMove(phase_id=done.id, position=0, version=card.version)
            cards.move_card(session, card_id=card.id, move=data, actor="T")
    return board


def test_the_agenda_counts_the_measures_done_since_the_previous_lotsentreffen(
    client: TestClient, session: Session
) -> None:
    board = _board_with_meetings(
        session,
        {
            "Vorher": _berlin(11, 2),  # before the previous Lotsentreffen (3 November)
            "Erstens": _berlin(11, 5),  # 9 days after creation
            "Zweitens": _berlin(11, 16),  # 20 days
            "Danach": _berlin(11, 18, 9),  # after this one (17 November)
        },
    )
    with clock.frozen_at(_berlin(11, 18, 12)):
        page = client.get(f"/boards/{board.id}/treffen/2026-11-17")
    assert page.status_code == 200
    assert "Seit dem letzten Lotsentreffen, vom 03.11.26, 10:00 bis 17.11.26, 10:00" in page.text
    # Danach was still in work, 21.5 days in "In Umsetzung": longer than the 20 days of 85 %
    # of the stays that ended in the period.
    assert (
        "Auf dem ganzen Board: 2 Maßnahmen erledigt (85 % in höchstens 20 Tagen nach dem "
        "Anlegen), 1 in Arbeit, davon 1 länger als üblich in ihrer Phase."
    ) in page.text


def test_the_agendas_flow_sentence_keeps_to_the_agendas_period(
    client: TestClient, session: Session
) -> None:
    board = _board_with_meetings(
        session,
        {
            # 08:00 on the day of the previous Lotsentreffen: before it began at 10:00.
            "Früh": _berlin(11, 3, 8),
            "Mitte": _berlin(11, 10),
            # 14:00 on the day of this Lotsentreffen: after it began at 10:00.
            "Spät": _berlin(11, 17, 14),
        },
    )
    with clock.frozen_at(_berlin(11, 17, 18)):
        page = client.get(f"/boards/{board.id}/treffen/2026-11-17")
        data = client.get(f"/api/v1/boards/{board.id}/meetings/2026-11-17/agenda").json()
    # The agenda covers the time between the two Lotsentreffen: only Mitte was done in it, as
    # its own list says; the sentence on the whole board must count the same.
    assert data["period"] == {
        "start": _berlin(11, 3, 10).isoformat(),
        "end": _berlin(11, 17, 10).isoformat(),
    }
    assert [m["title"] for part in data["departments"] for m in part["done"]] == ["Mitte"]
    assert "Auf dem ganzen Board: 1 Maßnahme erledigt (85 % in höchstens 14 Tagen" in page.text
