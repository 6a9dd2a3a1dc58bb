"""The weekly digest's content: a seeded week, per recipient, per department, German text."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from app import clock
from app.accounts import members
from app.accounts.models import Role
from app.boards import service as boards
from app.cards import queries
from app.cards import service as cards
from app.cards.models import CardMove
from app.digest import content, text
from app.errors import InvalidInput
from app.meetings import service as meetings
from app.meetings.models import SeriesSet
from tests.factories import (
    ACTOR,
    make_annotation,
    make_board,
    make_card,
    make_department,
    make_user,
)

BERLIN = ZoneInfo("Europe/Berlin")
WEEK_48 = content.Week(2026, 48)  # Monday 23 to Sunday 29 November 2026


def at(month: int, day: int, hour: int = 11, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def test_weeks_run_monday_to_sunday_in_berlin_and_bad_weeks_are_refused() -> None:
    assert WEEK_48.start == at(11, 23, 0) and WEEK_48.end == at(11, 30, 0)
    assert content.week_of("2026-W48") == WEEK_48
    # The week that ends with the change to winter time (Sunday 25 October) has 169 hours.
    autumn = content.Week(2026, 43)
    assert autumn.end.astimezone(UTC) - autumn.start.astimezone(UTC) == timedelta(hours=169)
    with clock.frozen_at(at(11, 30, 7)):
        assert content.week_of() == WEEK_48  # Monday morning: the week just ended
    with clock.frozen_at(at(11, 29, 23, 59)):
        assert content.week_of() == content.Week(2026, 47)
    for bad in ("2026-48", "KW48", "2026-W54", "2026-W00"):
        with pytest.raises(InvalidInput):
            content.week_of(bad)


@pytest.fixture
def week(session: Session) -> dict[str, Any]:
    """A board with two departments and a restricted second board; what happened in week 48."""
    with clock.frozen_at(at(11, 2)):
        board = make_board(session, name="Maßnahmen 2026")
        ideas, prioritised, _doing, done = boards.list_phases(session, board_id=board.id)
        bau = make_department(session, name="Bauamt", code="BA")
        amt = make_department(session, name="Ordnungsamt", code="OA")
        secret = make_board(session, name="Personalsachen")
        members.set_board_access(
            session, board_id=secret.id, restricted=True, members=[], actor=ACTOR
        )
        old = make_card(session, secret, title="Vertraulich")
        meetings.set_series(
            session,
            board_id=board.id,
            data=SeriesSet(first_date=date(2026, 11, 17), start_time=time(10, 0)),
            actor=ACTOR,
        )
    with clock.frozen_at(at(11, 20)):  # the week before: not in week 48
        before = make_card(session, board, title="Vorher", department_id=bau.id)
    with clock.frozen_at(at(11, 24)):
        new = make_card(session, board, title="Bauantrag <online>", department_id=bau.id)
        other = make_card(session, board, title="Gewerbe", department_id=amt.id)
        make_annotation(
            session, queries.get_card(session, card_id=new.id), kind="resistance", text="Nein"
        )
    with clock.frozen_at(at(11, 26)):
        card = queries.get_card(session, card_id=before.id)
        cards.move_card(
            session,
            card_id=card.id,
            move=CardMove(version=card.version, phase_id=prioritised.id, position=0),
            actor=ACTOR,
        )
    with clock.frozen_at(at(11, 30, 9)):  # the next week: not in week 48
        make_card(session, board, title="Später", department_id=bau.id)
    assert ideas and done and old and other
    return {"board": board, "secret": secret, "bau": bau, "amt": amt}


def titles(digest: content.Digest, section: str) -> list[str]:
    found = []
    for part in digest.parts:
        for entry in getattr(part, section):
            found.append(getattr(entry, "measure", entry).title)
    return found


def test_a_lotse_reads_her_week_per_department_without_the_restricted_board(
    session: Session, week: dict[str, Any]
) -> None:
    lotse = make_user(session, role=Role.lotse, name="Jana Kuhn")
    with clock.frozen_at(at(11, 30, 7)):
        digest = content.for_user(session, user=lotse, week=WEEK_48)
        assert [b.board.name for b in digest.boards] == ["Maßnahmen 2026"]
        assert [p.department.name for p in digest.parts] == ["Bauamt", "Ordnungsamt"]
        assert titles(digest, "new") == ["Bauantrag <online>", "Gewerbe"]
        assert [(m.measure.title, m.path) for m in digest.parts[0].moved] == [
            ("Vorher", ["Ideenspeicher", "Priorisiert"])
        ]
        assert titles(digest, "raised") == ["Bauantrag <online>"]
        assert (digest.new_measures, digest.open_resistances, digest.empty) == (2, 1, False)
        assert digest.boards[0].next_meeting is not None
        assert digest.boards[0].next_meeting.day == date(2026, 12, 1)

        only_amt = content.for_user(
            session, user=lotse, week=WEEK_48, department_ids=[week["amt"].id]
        )
        assert [p.department.name for p in only_amt.parts] == ["Ordnungsamt"]
        assert (only_amt.new_measures, only_amt.open_resistances) == (1, 0)

        mail = text.as_text(digest, base_url="https://lotsen.musterstadt.de/", settings_url="S")
        assert mail.startswith("Guten Tag Jana Kuhn,\n\nhier ist die Wochenübersicht")
        assert "KW 48, 23.11.2026 bis 29.11.2026" in mail
        assert f"https://lotsen.musterstadt.de/boards/{week['board'].id}" in mail
        assert "- [Vorher](https://lotsen.musterstadt.de/cards/" in mail
        assert "Ideenspeicher → Priorisiert" in mail and "Später" not in mail
        assert "Nächstes Lotsentreffen: Di., 1. Dez. 2026, 10:00" in mail
        assert "Auf dem ganzen Board: 0 Maßnahmen erledigt, " in mail
        assert (
            text.subject(digest) == "Wochenübersicht KW 48: 2 neue Maßnahmen, 1 offener Widerstand"
        )


def test_an_admin_sees_the_restricted_board_and_a_quiet_week_says_so(
    session: Session, week: dict[str, Any]
) -> None:
    admin = make_user(session, role=Role.admin, name="Dana Weber")
    with clock.frozen_at(at(11, 30, 7)):
        digest = content.for_user(session, user=admin, week=WEEK_48)
        assert [b.board.name for b in digest.boards] == ["Maßnahmen 2026", "Personalsachen"]
        assert digest.boards[1].empty
        quiet = content.for_user(session, user=admin, week=content.Week(2026, 46))
        assert quiet.empty
        assert text.subject(quiet) == "Wochenübersicht KW 46: nichts Neues"
        mail = text.as_text(quiet, base_url="https://x", settings_url="https://x/account")
        assert "Auf Ihren Boards gab es in dieser Woche nichts Neues." in mail


def test_the_digest_counts_the_measures_done_in_its_week_on_the_whole_board(
    session: Session,
) -> None:
    with clock.frozen_at(at(11, 10)):
        board = make_board(session, name="Maßnahmen 2026")
        doing, done = boards.list_phases(session, board_id=board.id)[2:]
        made = {
            title: make_card(session, board, title=title, phase_id=doing.id)
            for title in ("Vorwoche", "Dienstag", "Freitag", "Montagfrüh", "Offen")
        }
    finished = {
        "Vorwoche": at(11, 20),  # week 47
        "Dienstag": at(11, 24),  # 14 days after creation
        "Freitag": at(11, 27),  # 17 days
        "Montagfrüh": at(11, 30, 6),  # week 49, before the digest goes out at 07:00
    }
    for title, moment in finished.items():
        with clock.frozen_at(moment):
            card = queries.get_card(session, card_id=made[title].id)
            cards.move_card(
                session,
                card_id=card.id,
                move=CardMove(version=card.version, phase_id=done.id, position=0),
                actor=ACTOR,
            )
    lotse = make_user(session, role=Role.lotse, name="Jana Kuhn")
    with clock.frozen_at(at(11, 30, 7)):
        digest = content.for_user(session, user=lotse, week=WEEK_48)
        mail = text.as_text(digest, base_url="https://x", settings_url="https://x/account")
        before = content.for_user(session, user=lotse, week=content.Week(2026, 47))
        earlier = text.as_text(before, base_url="https://x", settings_url="https://x/account")
    # Week 48: Dienstag and Freitag; at its end Montagfrüh and Offen were in work, each 19.5
    # days in "In Umsetzung", longer than the 17 days of 85 % of the stays that ended then.
    assert (
        "\nAuf dem ganzen Board: 2 Maßnahmen erledigt (85 % in höchstens 17 Tagen nach dem "
        "Anlegen), 2 in Arbeit, davon 2 länger als üblich in ihrer Phase.\n"
    ) in mail
    # Week 47: only Vorwoche (10 days); four in work, each longer than its 10 days.
    assert (
        "\nAuf dem ganzen Board: 1 Maßnahme erledigt (85 % in höchstens 10 Tagen nach dem "
        "Anlegen), 4 in Arbeit, davon 4 länger als üblich in ihrer Phase.\n"
    ) in earlier
