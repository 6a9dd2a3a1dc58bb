"""The agenda of a Lotsentreffen, read off a scripted fortnight of the event log."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from app import clock
from app.annotations import service as annotations
from app.annotations.models import AnnotationUpdate
from app.boards import service as boards
from app.boards.models import PhaseUpdate
from app.cards import queries
from app.cards import service as cards
from app.cards.models import CardMove
from app.meetings import agenda, service
from app.meetings.models import MeetingChange, SeriesSet
from tests.factories import ACTOR, make_annotation, make_board, make_card, make_department

BERLIN = ZoneInfo("Europe/Berlin")


def at(month: int, day: int, hour: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=BERLIN)


@pytest.fixture
def fortnight(session: Session) -> dict[str, Any]:
    """Lotsentreffen on 13 and 27 October 2026 (Tuesdays, 10:00); what happened around them."""
    with clock.frozen_at(at(9, 30)):
        board = make_board(session, name="Maßnahmen 2026")
        ideas, prioritised, doing, done = boards.list_phases(session, board_id=board.id)
        boards.update_phase(
            session,
            board_id=board.id,
            phase_id=doing.id,
            data=PhaseUpdate(wip_limit=1),
            actor=ACTOR,
        )
        bau = make_department(session, name="Bauamt", code="BA")
        sozial = make_department(session, name="Sozialamt", code="SO")
        rhythm = SeriesSet(first_date=date(2026, 10, 13), start_time=time(10, 0))
        service.set_series(session, board_id=board.id, data=rhythm, actor=ACTOR)

    def make(title: str, department: Any, phase: Any, when: datetime) -> int:
        with clock.frozen_at(when):
            card = make_card(
                session, board, title=title, department_id=department.id, phase_id=phase.id
            )
        return card.id

    def move(card_id: int, phase: Any, when: datetime) -> None:
        with clock.frozen_at(when):
            version = queries.get_card(session, card_id=card_id).version
            cards.move_card(
                session,
                card_id=card_id,
                move=CardMove(version=version, phase_id=phase.id, position=0),
                actor=ACTOR,
            )

    def raise_(card_id: int, when: datetime, **values: Any) -> int:
        with clock.frozen_at(when):
            card = queries.get_card(session, card_id=card_id)
            return make_annotation(session, card, **values).id

    # Before the period (from 1 October).
    old = make("Alt", bau, ideas, at(10, 1))
    quiet = make("Ruhig", sozial, prioritised, at(10, 1))
    swing = make("Pendel", sozial, doing, at(10, 1))
    finished = make("Fertig", bau, prioritised, at(10, 1))
    raise_(old, at(10, 2), text="Datenschutz ungeklärt", department_id=sozial.id)
    # The period: 13 October 10:00 to 27 October 10:00.
    new = make("Neu", bau, ideas, at(10, 14))
    move(old, prioritised, at(10, 15))
    move(old, doing, at(10, 16))  # moved twice; over the WIP limit of 1
    move(swing, prioritised, at(10, 17))
    move(swing, doing, at(10, 18))  # left and came back; over the limit again
    move(finished, done, at(10, 19))
    raise_(
        new,
        at(10, 20),
        kind="resistance",
        text="Personalrat nicht beteiligt",
        department_id=bau.id,
        blocks_card=True,
        severity="high",
    )
    settled = raise_(swing, at(10, 21), text="Schnittstelle fehlt", department_id=sozial.id)
    with clock.frozen_at(at(10, 22)):
        annotations.update_annotation(
            session,
            annotation_id=settled,
            data=AnnotationUpdate(version=1, status="resolved", resolution="Geliefert"),
            actor=ACTOR,
        )
    # After the meeting: none of this is on its agenda.
    move(quiet, doing, at(10, 28))
    make("Später", bau, ideas, at(10, 28))
    return {"board": board, "bau": bau, "sozial": sozial}  # fmt: skip


def _agenda(session: Session, board: Any, day: date) -> agenda.Agenda:
    return agenda.for_day(session, board=board, day=day)


def _titles(entries: list[Any], of: Callable[[Any], Any] = lambda e: e) -> list[str]:
    return [of(entry).title for entry in entries]


def test_the_agenda_holds_exactly_what_happened_since_the_meeting_before(
    session: Session, fortnight: dict[str, Any]
) -> None:
    found = _agenda(session, fortnight["board"], date(2026, 10, 27))
    assert not found.first
    assert (found.start, found.end) == (at(10, 13, 10), at(10, 27, 10))
    bau, sozial = found.departments
    assert (bau.department.name, sozial.department.name) == ("Bauamt", "Sozialamt")

    assert _titles(bau.new) == ["Neu"]
    assert [(m.measure.title, m.path) for m in bau.moved] == [
        ("Alt", ["Ideenspeicher", "Priorisiert", "In Umsetzung"]),
        ("Fertig", ["Priorisiert", "Erledigt"]),
    ]
    assert _titles(bau.done) == ["Fertig"]
    assert [(i.kind.value, i.text) for i in bau.raised] == [
        ("resistance", "Personalrat nicht beteiligt")
    ]
    assert [i.text for i in bau.still_open] == ["Personalrat nicht beteiligt"]
    assert bau.resolved == []
    assert [(b.measure.title, b.since) for b in bau.blocked] == [("Neu", at(10, 20))]
    # Real time across the end of summer time (aware datetimes of one zone subtract wall time).
    assert bau.blocked[0].lasting == timedelta(days=7)
    assert bau.stuck == []
    assert [(b.measure.title, b.phase, b.at) for b in bau.breaches] == [
        ("Alt", "In Umsetzung", at(10, 16))
    ]

    assert sozial.new == [] and sozial.done == []
    assert [(m.measure.title, m.path) for m in sozial.moved] == [
        ("Pendel", ["In Umsetzung", "Priorisiert", "In Umsetzung"])
    ]
    assert [i.text for i in sozial.raised] == ["Schnittstelle fehlt"]
    assert [i.text for i in sozial.resolved] == ["Schnittstelle fehlt"]
    # Still open: the concern from before the period (on a Bauamt measure, from the Sozialamt).
    assert [(i.text, i.measure.title) for i in sozial.still_open] == [
        ("Datenschutz ungeklärt", "Alt")
    ]
    assert sozial.still_open[0].age(found.end).days == 25
    assert [(s.measure.title, s.phase, s.quiet_since) for s in sozial.stuck] == [
        ("Ruhig", "Priorisiert", at(10, 1))
    ]
    assert [(b.measure.title, b.at) for b in sozial.breaches] == [("Pendel", at(10, 18))]
    assert sozial.blocked == []


def test_the_first_meeting_looks_back_fourteen_days_and_a_cancelled_one_is_skipped(
    session: Session, fortnight: dict[str, Any]
) -> None:
    board = fortnight["board"]
    first = _agenda(session, board, date(2026, 10, 13))
    assert first.first and first.start == at(10, 13, 10) - timedelta(days=14)
    assert sorted(t for part in first.departments for t in _titles(part.new)) == [
        "Alt", "Fertig", "Pendel", "Ruhig",
    ]  # fmt: skip
    # With 27 October cancelled, 10 November's agenda reaches back to 13 October.
    service.change_meeting(
        session, board_id=board.id, day=date(2026, 10, 27),
        data=MeetingChange(version=0, cancelled=True), actor=ACTOR,
    )  # fmt: skip
    later = _agenda(session, board, date(2026, 11, 10))
    assert later.start == at(10, 13, 10)
    assert "Später" in [t for part in later.departments for t in _titles(part.new)]


def test_a_quiet_fortnight_says_so_and_the_markdown_reads_german(
    session: Session, fortnight: dict[str, Any]
) -> None:
    board = fortnight["board"]
    text = agenda.as_markdown(_agenda(session, board, date(2026, 10, 27)), "https://lotsen.example")
    assert text.startswith("# Tagesordnung des Lotsentreffens am Di., 27. Okt. 2026, 10:00\n")
    assert "## BA Bauamt" in text and "### Verschoben (2)" in text
    assert "Ideenspeicher → Priorisiert → In Umsetzung" in text
    assert "seit 25 Tagen offen" in text and "### Seit 21 Tagen oder länger unverändert (1)" in text
    assert "(https://lotsen.example/cards/" in text
    # Nothing new between 24 November and 8 December; what is still open or stuck stays.
    later = _agenda(session, board, date(2026, 12, 8))
    assert [part for part in later.departments if part.new or part.moved or part.raised] == []
    assert any(part.still_open for part in later.departments)
    # A board where nothing happened at all says so in one line.
    with clock.frozen_at(at(10, 1)):
        empty = make_board(session, name="Smart City")
        rhythm = SeriesSet(first_date=date(2026, 10, 13), start_time=time(10, 0))
        service.set_series(session, board_id=empty.id, data=rhythm, actor=ACTOR)
    nothing = _agenda(session, empty, date(2026, 10, 27))
    assert nothing.empty
    assert "In diesem Zeitraum hat sich auf dem Board nichts getan." in agenda.as_markdown(
        nothing, "https://lotsen.example"
    )
