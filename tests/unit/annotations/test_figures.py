"""Figures from the event log on a scripted history with known answers."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app import clock
from app.annotations import figures
from app.annotations import service as annotations
from app.annotations.models import Annotation, AnnotationUpdate, NoteCreate
from tests.factories import make_annotation, make_board, make_card, make_category, make_department

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 2 November 2026, 09:00 in Berlin (08:00 UTC): the first day of calendar week 45.
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def day(days: float) -> datetime:
    return START + timedelta(days=days)


@contextmanager
def at(days: float) -> Iterator[None]:
    with clock.frozen_at(day(days)):
        yield


def change(session: Session, annotation: Annotation, when: float, **values: Any) -> Annotation:
    with at(when):
        current = session.get(Annotation, annotation.id)
        assert current is not None
        data = AnnotationUpdate(version=current.version, **values)
        return annotations.update_annotation(
            session, annotation_id=annotation.id, data=data, actor="Test"
        )


def raise_at(session: Session, card: Any, when: float, **values: Any) -> Annotation:
    with at(when):
        return make_annotation(session, card, **values)


def test_blocked_time_counts_overlaps_once_and_sees_reopening_and_a_second_block(
    session: Session,
) -> None:
    with at(0):
        card = make_card(session, make_board(session))
        other = make_card(session, make_board(session))
    first = raise_at(session, card, 1, blocks_card=True)  # blocked from day 1
    second = raise_at(session, card, 2, blocks_card=True)  # overlaps the first
    change(session, first, 3, status="resolved", resolution="ok")  # still blocked: second
    change(session, second, 4, status="withdrawn", reason="doppelt")  # unblocked on day 4
    change(session, first, 6, status="open")  # reopened: blocked again from day 6
    change(session, first, 7, status="discussing")  # still blocked while discussed
    change(session, first, 8, blocks_card=False)  # no longer blocks from day 8
    raise_at(session, card, 10, blocks_card=True)  # blocked a third time, still now
    raise_at(session, other, 5)  # not blocking: no blocked time
    found = figures.blocked_times(figures.load(session, board_id=card.board_id), now=day(12.5))
    blocked = found[card.id]
    # Days 1-4, 6-8 and 10-12.5: 3 + 2 + 2.5 days.
    assert blocked.total == timedelta(days=7.5)
    assert (blocked.since, blocked.current) == (day(10), timedelta(days=2.5))
    log = figures.load(session, board_id=other.board_id)
    assert other.id not in figures.blocked_times(log, now=day(12))
    # As it was on day 7.5: blocked since the reopening on day 6, 4.5 days in all.
    then = figures.blocked_time(session, board_id=card.board_id, card_id=card.id, now=day(7.5))
    assert (then.total, then.since) == (timedelta(days=4.5), day(6))


def test_open_annotations_at_any_date_per_department_and_category(session: Session) -> None:
    with at(0):
        board = make_board(session)
        bau = make_department(session, name="Bauamt", code="BA")
        sozial = make_department(session, name="Sozialamt", code="SO")
        privacy = make_category(session, name="Datenschutz")
        staff = make_category(session, name="Personalrat")
        card = make_card(session, board, department_id=bau.id)
    a = raise_at(session, card, 1, category_id=privacy.id)
    b = raise_at(session, card, 2, category_id=staff.id, kind="resistance")
    c = raise_at(session, card, 3, department_id=sozial.id, category_id=privacy.id)
    change(session, a, 4, status="resolved", resolution="ok")
    change(session, b, 5, department_id=sozial.id)  # moves to the Sozialamt from day 5
    change(session, c, 6, status="withdrawn", reason="doppelt")
    change(session, a, 7, status="open")
    spans = figures.load(session, board_id=board.id).spans

    def open_on(when: float, by: str) -> dict[Any, int]:
        return dict(figures.open_at(spans, day(when), by=by))

    assert open_on(0.5, "department_id") == {}
    assert open_on(3.5, "department_id") == {bau.id: 2, sozial.id: 1}
    assert open_on(4.5, "department_id") == {bau.id: 1, sozial.id: 1}
    assert open_on(5.5, "department_id") == {sozial.id: 2}
    assert open_on(6.5, "department_id") == {sozial.id: 1}
    assert open_on(7.5, "department_id") == {bau.id: 1, sozial.id: 1}
    assert open_on(3.5, "category_id") == {privacy.id: 2, staff.id: 1}
    assert open_on(7.5, "kind") == {"concern": 1, "resistance": 1}


def test_weeks_count_raised_and_resolved_and_what_was_open_at_each_weeks_end(
    session: Session,
) -> None:
    with at(0):
        board = make_board(session)
        bau = make_department(session, name="Bauamt", code="BA")
        card = make_card(session, board, department_id=bau.id)
    a = raise_at(session, card, 0.5)  # week 45
    b = raise_at(session, card, 1)  # week 45
    change(session, a, 8, status="resolved", resolution="ok")  # week 46
    raise_at(session, card, 15)  # week 47
    with at(15.5):
        annotations.add_note(session, annotation_id=b.id, data=NoteCreate(text="x"), actor="T")
    change(session, b, 16, status="resolved", resolution="ok")  # week 47
    log = figures.load(session, board_id=board.id)
    weeks = figures.weeks(log, by="department_id", count=4, now=day(16.5), zone=BERLIN)
    assert [week.number for week in weeks] == [44, 45, 46, 47]
    assert weeks[1].start == datetime(2026, 11, 2, tzinfo=BERLIN)
    assert [week.opened.get(bau.id, 0) for week in weeks] == [0, 2, 0, 1]
    assert [week.resolved.get(bau.id, 0) for week in weeks] == [0, 0, 1, 1]
    assert [week.open_at_end.get(bau.id, 0) for week in weeks] == [0, 2, 1, 1]


def test_median_time_to_resolve_counts_each_resolution_from_raising_or_reopening(
    session: Session,
) -> None:
    with at(0):
        board = make_board(session)
        privacy = make_category(session, name="Datenschutz")
        card = make_card(session, board)
    a = raise_at(session, card, 0, category_id=privacy.id)
    change(session, a, 2, status="resolved", resolution="ok")  # 2 days
    change(session, a, 5, status="open")
    change(session, a, 11, status="resolved", resolution="ok")  # 6 days after reopening
    b = raise_at(session, card, 1, category_id=privacy.id)
    change(session, b, 5, status="resolved", resolution="ok")  # 4 days
    w = raise_at(session, card, 1, category_id=privacy.id)
    change(session, w, 30, status="withdrawn", reason="x")  # withdrawn: not a resolution
    log = figures.load(session, board_id=board.id)
    assert figures.median_time_to_resolve(log, by="category_id") == {privacy.id: timedelta(days=4)}
    durations = figures.times_to_resolve(log.spans, by="kind")
    assert sorted(durations["concern"]) == [timedelta(days=d) for d in (2, 4, 6)]
