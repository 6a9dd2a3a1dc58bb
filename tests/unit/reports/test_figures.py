"""Flow figures on a scripted history whose answers are computed by hand in the comments."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from app import clock
from app.annotations import service as annotations
from app.annotations.models import AnnotationUpdate
from app.boards.models import Board
from app.cards import service as cards
from app.cards import undo
from app.cards.models import Card, CardMove
from app.people.models import Lotse
from app.reports.scope import Period, Scope
from app.reports.service import OTHERS, Report, groups
from tests.factories import (
    make_annotation,
    make_board,
    make_card,
    make_category,
    make_department,
    make_lotse,
    phases_of,
)

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 2 November 2026, 09:00 in Berlin (08:00 UTC): the first day of calendar week 45.
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
# The period: Monday 2 to Sunday 29 November; it ends at midnight in Berlin, 15 hours after
# the 08:00 UTC of day 27.
END = 27.625


def day(days: float) -> datetime:
    return START + timedelta(days=days)


@contextmanager
def at(days: float) -> Iterator[None]:
    with clock.frozen_at(day(days)):
        yield


def move(session: Session, card: Card, phase: Any, when: float) -> None:
    with at(when):
        current = session.get(Card, card.id)
        assert current is not None
        data = CardMove(phase_id=phase.id, position=0, version=current.version)
        cards.move_card(session, card_id=current.id, move=data, actor="Test")


def archive(session: Session, card: Card, when: float) -> None:
    with at(when):
        current = session.get(Card, card.id)
        assert current is not None
        cards.archive_card(session, card_id=current.id, version=current.version, actor="Test")


def created(session: Session, board: Board, phase: Any, when: float, **values: Any) -> Card:
    with at(when):
        return make_card(session, board, phase_id=phase.id, **values)


@pytest.fixture
def story(session: Session) -> dict[str, Any]:
    """Seven measures on the default phases: Ideenspeicher, Priorisiert, In Umsetzung (where
    work starts), Erledigt."""
    with at(-1):
        board = make_board(session)
        bau = make_department(session, name="Bauamt", code="BA")
        for _ in range(3):
            make_lotse(session, department_id=bau.id)
        kaemmerei = make_department(session, name="Kämmerei", code="KÄ")
        make_lotse(session, department_id=kaemmerei.id)
        # With the Kämmerei's one, three lotsen in small departments: enough to merge.
        ordnung = make_department(session, name="Ordnungsamt", code="OA")
        make_lotse(session, department_id=ordnung.id)
        make_lotse(session, department_id=ordnung.id)
        category = make_category(session, name="Datenschutz")
    ideas, ranked, doing, done = phases_of(session, board)
    a = created(session, board, ideas, 0, department_id=bau.id, tags=["ozg"])
    b = created(session, board, ranked, 0, department_id=bau.id)
    d = created(session, board, ideas, 0, department_id=bau.id)
    c = created(session, board, doing, 1, department_id=kaemmerei.id)
    move(session, b, doing, 1)
    move(session, a, doing, 2)
    e = created(session, board, ideas, 2, department_id=kaemmerei.id, tags=["ozg"])
    move(session, b, done, 3)
    move(session, d, doing, 3)
    g = created(session, board, doing, 3)
    move(session, b, doing, 4)  # reopened: its first completion no longer counts
    move(session, a, done, 5)
    f = created(session, board, doing, 5)
    archive(session, c, 6)  # dropped from work in progress: leaves the flow
    move(session, e, done, 8)  # skipped "In Umsetzung": cycle time 0
    move(session, b, done, 10)
    move(session, d, done, 15)
    archive(session, d, 16)  # archived from done: still done
    move(session, g, done, 20)
    move(session, g, doing, 25)  # reopened, not done at the end of the period
    with at(1):
        quick = make_annotation(session, a, category_id=category.id)
    with at(3):
        annotations.update_annotation(
            session,
            annotation_id=quick.id,
            data=AnnotationUpdate(version=quick.version, status="resolved", resolution="ok"),
            actor="Test",
        )
    with at(10):
        blocker = make_annotation(session, f, category_id=category.id, blocks_card=True)
    with at(14):
        annotations.update_annotation(
            session,
            annotation_id=blocker.id,
            data=AnnotationUpdate(version=blocker.version, status="resolved", resolution="ok"),
            actor="Test",
        )
    return {
        "board": board,
        "phases": (ideas, ranked, doing, done),
        "cards": {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g},
        "bau": bau,
        "category": category,
    }


def report(
    session: Session, story: dict[str, Any], last: date = date(2026, 11, 29), **scope: Any
) -> Report:
    period = Period(date(2026, 11, 2), last, BERLIN)
    with at(30):
        found = Report(session, Scope(story["board"], period, **scope))
        # Everything is computed now, as of the frozen clock.
        found.flow, found.done, found.aging, found.blocked, found.annotation_weeks  # noqa: B018
        found.resolve_days  # noqa: B018
        return found


def test_cumulative_flow_per_day(session: Session, story: dict[str, Any]) -> None:
    ideas, ranked, doing, done = (p.id for p in story["phases"])
    found = report(session, story)
    flow = dict(found.flow)
    assert len(flow) == 28
    expected = {
        0: {ideas: 2, ranked: 1},
        1: {ideas: 2, doing: 2},
        2: {ideas: 2, doing: 3},
        3: {ideas: 1, doing: 4, done: 1},
        4: {ideas: 1, doing: 5},
        5: {ideas: 1, doing: 5, done: 1},
        6: {ideas: 1, doing: 4, done: 1},  # C archived outside done: gone
        8: {doing: 4, done: 2},
        10: {doing: 3, done: 3},
        16: {doing: 2, done: 4},  # D archived from done: still counted
        20: {doing: 1, done: 5},
        25: {doing: 2, done: 4},
        27: {doing: 2, done: 4},
    }
    for offset, counts in expected.items():
        assert dict(flow[date(2026, 11, 2) + timedelta(days=offset)]) == counts, offset


def test_throughput_lead_and_cycle_times(session: Session, story: dict[str, Any]) -> None:
    found = report(session, story)
    letters = {c.id: name for name, c in story["cards"].items()}
    # A done day 5, E day 8, B day 10 (its first completion on day 3 was undone), D day 15;
    # G was done on day 20 but back in work on day 25.
    assert [letters[c.card_id] for c in found.done] == ["a", "e", "b", "d"]
    assert found.throughput == [
        (date(2026, 11, 2), 1),
        (date(2026, 11, 9), 2),
        (date(2026, 11, 16), 1),
        (date(2026, 11, 23), 0),
    ]
    assert sorted(found.lead_times) == [5, 6, 10, 15]
    # Cycle: A 2→5, E skipped work (0), B first started on day 1 → 10, D 3→15.
    assert sorted(found.cycle_times) == [0, 3, 9, 12]
    assert percentiles(found.lead_times) == (6, 15, 15)
    assert percentiles(found.cycle_times) == (3, 12, 12)


def percentiles(values: list[float]) -> tuple[float | None, ...]:
    from app.reports.figures import distribution

    return tuple(distribution(values).values())


def test_a_completion_counts_as_of_the_end_of_the_period(
    session: Session, story: dict[str, Any]
) -> None:
    # Up to Sunday 22 November, G (done on day 20) had not been reopened yet.
    found = report(session, story, last=date(2026, 11, 22))
    assert [count for _, count in found.throughput] == [1, 2, 2]


def test_time_in_phase_and_aging(session: Session, story: dict[str, Any]) -> None:
    doing = story["phases"][2].id
    found = report(session, story)
    # Stays in "In Umsetzung" that ended: B 2 (1→3), A 3, C 5 (archived), B 6 (4→10), D 12,
    # G 17 (3→20).
    assert sorted(found.time_in_phase[doing]) == [2, 3, 5, 6, 12, 17]
    assert percentiles(found.time_in_phase[doing]) == (5, 17, 17)
    cards_ = story["cards"]
    # F in work since day 5, G since day 25 (not counting its earlier stay).
    assert [(a.card_id, a.days, a.usual, a.over) for a in found.aging] == [
        (cards_["f"].id, END - 5, 17, True),
        (cards_["g"].id, pytest.approx(END - 25), 17, False),
    ]


def test_blocked_share(session: Session, story: dict[str, Any]) -> None:
    found = report(session, story)
    blocked, working = found.blocked[""]
    # In work (In Umsetzung) within the period: A 3, B 2 + 6, C 5, D 12, F 22.625, G 17 +
    # 2.625 = 70.25 days; F was blocked from day 10 to day 14.
    assert working == timedelta(days=70.25)
    assert blocked == timedelta(days=4)


def test_annotations_per_week_and_time_to_resolve(session: Session, story: dict[str, Any]) -> None:
    category = story["category"].id
    found = report(session, story)
    weeks = [(dict(raised), dict(resolved)) for _, raised, resolved in found.annotation_weeks]
    assert weeks == [
        ({category: 1}, {category: 1}),
        ({category: 1}, {}),
        ({}, {category: 1}),
        ({}, {}),
    ]
    # Resolved after 2 and 4 days.
    assert found.resolve_days == {category: 3}


def test_small_departments_merge_and_filters(session: Session, story: dict[str, Any]) -> None:
    found = report(session, story)
    rows = {group.key: (group.name, done, wip) for group, done, _, _, wip in found.per_group()}
    bau = str(story["bau"].id)
    # The Kämmerei has one lotse, the Ordnungsamt two: only merged as "weitere Fachbereiche".
    assert rows == {
        bau: ("Bauamt", 3, 0),
        OTHERS: ("Weitere Fachbereiche", 1, 0),
        "ohne": ("Ohne Fachbereich", 0, 2),
    }
    merged = report(session, story, department=OTHERS)
    letters = {c.id: name for name, c in story["cards"].items()}
    assert sorted(letters[p.card_id] for p in merged.paths) == ["c", "e"]
    tagged = report(session, story, tag="ozg")
    assert [letters[c.card_id] for c in tagged.done] == ["a", "e"]


def test_a_merged_group_too_small_takes_in_the_smallest_large_department(
    session: Session,
) -> None:
    sizes = {"Bauamt": 3, "Bürgerbüro": 4, "Kämmerei": 1, "Schulen": 0}
    made = {}
    for number, (name, lotsen) in enumerate(sizes.items()):
        made[name] = make_department(session, name=name, code=f"D{number}")
        for _ in range(lotsen):
            make_lotse(session, department_id=made[name].id)
    found = {group.key: group.department_ids for group in groups(session)}
    # The Kämmerei's one lotse alone would be "weitere": the Bauamt (3) joins it.
    assert found == {
        str(made["Bürgerbüro"].id): {made["Bürgerbüro"].id},
        OTHERS: {made["Bauamt"].id, made["Kämmerei"].id, made["Schulen"].id},
        "ohne": {None},
    }
    # A department without lotsen is nobody's figures: no need to merge more for it.
    session.delete(
        next(iter(session.exec(select(Lotse).where(Lotse.department_id == made["Kämmerei"].id))))
    )
    session.commit()
    found = {group.key: group.department_ids for group in groups(session)}
    assert set(found) == {str(made["Bauamt"].id), str(made["Bürgerbüro"].id), OTHERS, "ohne"}


def test_an_undone_move_leaves_the_stay_as_it_was(session: Session) -> None:
    with at(0):
        board = make_board(session)
    _ideas, _ranked, doing, done = phases_of(session, board)
    card = created(session, board, doing, 0)
    with at(20):
        current = session.get(Card, card.id)
        assert current is not None
        data = CardMove(phase_id=done.id, position=0, version=current.version)
        cards.move_card(session, card_id=current.id, move=data, actor="Test")
        seq = session.get(Board, board.id).last_seq  # type: ignore[union-attr]
    with at(20.0001):
        undo.undo(session, board_id=board.id, seq=seq, actor="Test")
    found = report(session, {"board": board})
    # Still in work since day 0, as the card's face says; no stay in done, none ended.
    assert [round(item.days, 3) for item in found.aging] == [END]
    assert found.time_in_phase == {}
    assert found.done == []


def test_lengths_of_time_across_the_change_to_summer_time() -> None:
    period = Period(date(2026, 3, 1), date(2026, 3, 31), BERLIN)
    with clock.frozen_at(datetime(2026, 4, 15, tzinfo=UTC)):
        # 1 March 00:00 CET to 1 April 00:00 CEST: 31 days less the hour the clocks skipped.
        assert period.end - period.start == timedelta(days=31, hours=-1)
        weeks = period.weeks()
        assert weeks[0][1] == period.start
        assert sum((end - start for _, start, end in weeks), timedelta(0)) == timedelta(
            days=31, hours=-1
        )
